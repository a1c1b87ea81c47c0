"""``bookctl cart``: show, extend and abandon the current cart (or ``--cart ID``)."""

from __future__ import annotations

import datetime as dt
import itertools
import json
from typing import TYPE_CHECKING, Any

import typer

from bookctl.cli import hints
from bookctl.cli.context import Application, get_app
from bookctl.cli.options import CartId, Yes
from bookctl.core import clock
from bookctl.core.errors import BookctlError
from bookctl.core.output import Amount, TableSpec
from bookctl.core.session import CartSession

if TYPE_CHECKING:
    from bookctl.core.models import Cart, Order
    from bookctl.core.provider import Provider

group = typer.Typer(
    help="""The current cart: show, extend, abandon; list the open ones.

    Example:

      bookctl cart show
      bookctl cart list --json
    """,
    no_args_is_help=True,
)

#: Set on the history records of carts that did not become orders: ``set_aside`` (by
#: ``--new-cart``, still open), ``abandoned``, ``expired``.
CART_STATE = "cart_state"
#: Cart states after which a cart holds nothing (lower case, across providers).
_GONE = frozenset({"expired", "abandoned", "canceled", "cancelled", "declined", "checked_out"})


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
        rows=[[cart.state, cart.expires_at, Amount(cart.total, cart.currency)]],
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
        app.confirm(f"Abandon cart {cid}?", needs=f"abandoning cart {cid} needs --yes")
    raw = app.provider().cart_abandon(cid, session)
    if session is not None or cid in set_aside_carts(app):
        app.sessions.retire(app.profile_name, cid, {CART_STATE: "abandoned", "at": now_iso()})
    app.output.success(f"cart {cid} abandoned")
    payload: dict[str, Any] = {"id": cid, "state": "abandoned"}
    app.emit(payload, TableSpec(columns=["CART", "STATE"], rows=[[cid, "abandoned"]]), raw=raw)


def read_history(app: Application) -> list[dict[str, Any]]:
    """The profile's history records, oldest first; a torn or foreign line is skipped."""
    path = app.sessions.history_path(app.profile_name)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    records = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError:
            app.output.warn(f"{path}:{number} is not JSON; skipped")
            continue
        if isinstance(record, dict) and isinstance(record.get("outcome"), dict):
            records.append(record)
    return records


def set_aside_carts(app: Application) -> dict[str, dict[str, Any]]:
    """Carts put aside by ``--new-cart`` that nothing has happened to since: id -> session."""
    carts: dict[str, dict[str, Any]] = {}
    for record in read_history(app):
        cart_id = str(record.get("cart_id"))
        carts.pop(cart_id, None)
        if record["outcome"].get(CART_STATE) == "set_aside":
            carts[cart_id] = dict(record.get("session") or {"cart_id": cart_id})
    return carts


def _expired(expires_at: str | None) -> bool:
    if not expires_at:
        return False
    try:
        return dt.datetime.fromisoformat(expires_at) <= clock.now()
    except (TypeError, ValueError):
        return False


@group.command("list")
def list_carts() -> None:
    """List the carts still open in this profile: the current one and those set aside.

    'basket add --new-cart' sets the current cart aside when it still holds items; it keeps
    its inventory until it expires. Check one out or abandon it with --cart ID.

    Example:

      bookctl cart list
      bookctl cart abandon --cart ID --yes
    """
    app = get_app()
    found: list[dict[str, Any]] = []
    current = app.sessions.load(app.profile_name)
    if current is not None:
        found.append({**current.to_json(), "current": True})
    found += [{**kept, "current": False} for kept in reversed(set_aside_carts(app).values())]
    payload = [
        {
            "id": c.get("cart_id"),
            "provider": c.get("provider"),
            "state": "expired" if _expired(c.get("expires_at")) else c.get("state"),
            "expires_at": c.get("expires_at"),
            "currency": c.get("currency"),
            "total": c.get("total"),
            "lines": len(c.get("lines") or []),
            "created_at": c.get("created_at"),
            "current": c["current"],
        }
        for c in found
    ]
    table = TableSpec(
        columns=["CART", "STATE", "LINES", "TOTAL", "EXPIRES AT", "CURRENT"],
        rows=[
            [
                c["id"],
                c["state"],
                c["lines"],
                Amount(c["total"], c["currency"]),
                c["expires_at"],
                c["current"],
            ]
            for c in payload
        ],
    )
    if not payload:
        app.output.info(f"profile {app.profile_name!r} has no open cart")
    app.emit(payload, table)


def start_new_cart(app: Application, provider: Provider, session: CartSession) -> None:
    """Put the previous cart away once ``--new-cart`` has started another.

    An expired cart is forgotten and an empty one abandoned; one that still holds items is
    abandoned if the user says so, and otherwise set aside (listed by ``cart list``).
    """
    cid = session.cart_id
    try:
        cart, _ = provider.cart_show(cid, session)
    except BookctlError:
        cart = None
    if cart is None or cart.state.lower() in _GONE or _expired(cart.expires_at):
        state = cart.state.lower() if cart is not None else "gone"
        app.sessions.retire(app.profile_name, cid, {CART_STATE: state, "at": now_iso()})
        return
    abandon_it = not cart.lines
    if not abandon_it and app.interactive:
        what = f"{len(cart.lines)} line(s), {Amount(cart.total, cart.currency)}"
        abandon_it = typer.confirm(
            f"Cart {cid} still holds {what}. Abandon it?", default=False, err=True
        )
    if abandon_it:
        provider.cart_abandon(cid, session)
        app.sessions.retire(app.profile_name, cid, {CART_STATE: "abandoned", "at": now_iso()})
        app.output.info(f"cart {cid} abandoned")
        return
    app.sessions.retire(app.profile_name, cid, {CART_STATE: "set_aside", "at": now_iso()})
    until = f" until {cart.expires_at}" if cart.expires_at else ""
    app.output.info(
        f"cart {cid} set aside: it holds its items{until}; see '{hints.command_line('cart list')}'"
    )
