"""``bookctl cart``: show, extend and abandon the current cart (or ``--cart ID``)."""

from __future__ import annotations

from typing import Any

import typer

from bookctl.cli.carts import (
    CART_STATE,
    expired,
    refresh,
    resolve_cart,
    set_aside_carts,
)
from bookctl.cli.carts import cart_group as group
from bookctl.cli.context import get_app
from bookctl.cli.options import CartId, Yes
from bookctl.cli.tables import cart_tables
from bookctl.core import clock
from bookctl.core.output import Amount, TableSpec


def register(app: typer.Typer) -> None:
    app.add_typer(group, name="cart")


@group.command("show")
def show(cart_id: CartId = None) -> None:
    """Show the cart: lines, total and when it expires.

    Example:

      bookctl cart show --json
    """
    app = get_app()
    cid, session = resolve_cart(app, cart_id)
    cart, raw = app.provider().cart_show(cid, session)
    refresh(app, cart, session)
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
    refresh(app, cart, session)
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
        app.sessions.retire(app.profile_name, cid, {CART_STATE: "abandoned", "at": clock.now_iso()})
    app.output.success(f"cart {cid} abandoned")
    payload: dict[str, Any] = {"id": cid, "state": "abandoned"}
    app.emit(payload, TableSpec(columns=["CART", "STATE"], rows=[[cid, "abandoned"]]), raw=raw)


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
            "state": "expired" if expired(c.get("expires_at")) else c.get("state"),
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
