"""``bookctl cart``: show, extend and abandon the current cart (or ``--cart ID``)."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import TYPE_CHECKING, Any

import typer

from bookctl.cli.context import Application, get_app
from bookctl.cli.options import CartId, Yes
from bookctl.core import clock
from bookctl.core.errors import UsageError
from bookctl.core.output import TableSpec
from bookctl.core.session import CartSession

if TYPE_CHECKING:
    from bookctl.core.models import Cart, Order

group = typer.Typer(help="The current cart: show, extend, abandon.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(group, name="cart")


def now_iso() -> str:
    return clock.now_iso()


def date_span(dates: list[str]) -> str:
    """Consecutive days as ``first..last (n)``; anything else as a list."""
    if len(dates) < 3:
        return ", ".join(dates)
    try:
        days = [dt.date.fromisoformat(d) for d in dates]
    except ValueError:
        return ", ".join(dates)
    if all((b - a).days == 1 for a, b in itertools.pairwise(days)):
        return f"{dates[0]}..{dates[-1]} ({len(dates)})"
    return ", ".join(dates)


def cart_tables(cart: Cart) -> list[TableSpec]:
    summary = TableSpec(
        title=f"cart {cart.id}",
        columns=["STATE", "EXPIRES AT", "TOTAL"],
        rows=[[cart.state, cart.expires_at, f"{cart.total or '-'} {cart.currency or ''}".strip()]],
    )
    lines = TableSpec(
        columns=["PRODUCT", "TITLE", "KIND", "GUEST", "QTY", "DATES", "AMOUNT"],
        rows=[
            [
                ln.product_id,
                ln.title,
                ln.kind,
                ln.guest,
                ln.quantity,
                date_span(ln.dates),
                ln.amount,
            ]
            for ln in cart.lines
        ],
    )
    tables = [summary, lines]
    if cart.links:
        tables.append(
            TableSpec(columns=["LINK", "URL"], rows=[[k, v] for k, v in cart.links.items()])
        )
    return tables


def order_table(order: Order) -> TableSpec:
    return TableSpec(
        title=f"order {order.id}",
        columns=["FIELD", "VALUE"],
        rows=[[k, v] for k, v in order.model_dump(mode="json", exclude={"details"}).items()]
        + [[k.replace("_", " "), v] for k, v in order.details.items()],
    )


def resolve_cart(app: Application, cart_id: str | None) -> tuple[str, CartSession | None]:
    """``--cart`` if given, else the profile's cart session."""
    session = app.sessions.load(app.profile_name)
    if cart_id:
        return cart_id, session if session and session.cart_id == cart_id else None
    session = app.sessions.require(app.profile_name)
    return session.cart_id, session


def remember(app: Application, cart: Cart, previous: CartSession | None) -> None:
    """Record ``cart`` as the profile's cart session."""
    session = CartSession(
        profile=app.profile_name,
        provider=cart.provider,
        cart_id=cart.id,
        created_at=previous.created_at if previous and previous.cart_id == cart.id else now_iso(),
        expires_at=cart.expires_at,
        state=cart.state,
        currency=cart.currency,
        total=cart.total,
        tokens={
            **(previous.tokens if previous and previous.cart_id == cart.id else {}),
            **cart.session_tokens,
        },
        lines=[line.model_dump(mode="json") for line in cart.lines],
        updated_at=now_iso(),
    )
    app.sessions.save(session)


def _refresh(app: Application, cart: Cart, session: CartSession | None) -> None:
    if session is not None and session.cart_id == cart.id:
        remember(app, cart, session)


@group.command("show")
def show(cart_id: CartId = None) -> None:
    """Show the cart: lines, total and when it expires.

    Example:

      bookctl cart show --json
    """
    app = get_app()
    cid, session = resolve_cart(app, cart_id)
    cart, raw = app.provider().cart_show(cid, session)
    _refresh(app, cart, session)
    app.emit(cart.model_dump(mode="json"), cart_tables(cart), raw=raw)


@group.command("extend")
def extend(cart_id: CartId = None) -> None:
    """Keep the cart alive: its expiry moves ahead (10 minutes on Bookinglayer).

    On Guest Manager this resumes the order: an expired one re-reserves its tickets and
    warns about any it could not get back.

    Example:

      bookctl cart extend
    """
    app = get_app()
    cid, session = resolve_cart(app, cart_id)
    cart, raw = app.provider().cart_extend(cid, session)
    _refresh(app, cart, session)
    for notice in cart.notices:
        app.output.warn(notice)
    app.output.success(f"cart {cart.id} now expires at {cart.expires_at}")
    app.emit(cart.model_dump(mode="json"), cart_tables(cart), raw=raw)


@group.command("abandon")
def abandon(cart_id: CartId = None, yes: Yes = False) -> None:
    """Abandon the cart: everything in it goes back on sale.

    Example:

      bookctl cart abandon --yes
    """
    app = get_app()
    cid, session = resolve_cart(app, cart_id)
    if not yes:
        if not app.interactive:
            raise UsageError(f"abandoning cart {cid} needs --yes", hint="or run it in a terminal")
        if not typer.confirm(f"Abandon cart {cid}?", default=False, err=True):
            raise typer.Exit(1)
    raw = app.provider().cart_abandon(cid, session)
    app.sessions.clear(app.profile_name, cart_id=cid)
    app.output.success(f"cart {cid} abandoned")
    payload: dict[str, Any] = {"id": cid, "state": "abandoned"}
    app.emit(payload, TableSpec(columns=["CART", "STATE"], rows=[[cid, "abandoned"]]), raw=raw)
