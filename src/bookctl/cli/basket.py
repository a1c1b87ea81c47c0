"""``bookctl basket add`` (also ``cart add``): put items in the cart and remember the cart."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from bookctl.cli.cart import cart_tables, remember
from bookctl.cli.cart import group as cart_group
from bookctl.cli.context import get_app
from bookctl.cli.options import BodyFile, Currency, EndDate, StartDate

group = typer.Typer(help="Add items to the cart (basket).", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(group, name="basket")
    cart_group.command("add", help="Same as 'bookctl basket add'.")(add)


@group.command("add")
def add(
    package: Annotated[
        str | None, typer.Option("--package", help="(bookinglayer) Package id.", metavar="ID")
    ] = None,
    start_date: StartDate = None,
    end_date: EndDate = None,
    accommodation: Annotated[
        str | None,
        typer.Option("--accommodation", help="(bookinglayer) Accommodation id.", metavar="ID"),
    ] = None,
    guest: Annotated[
        list[str] | None,
        typer.Option(
            "--guest",
            help="(bookinglayer) FIRST,LAST,GENDER then optionally ,EMAIL,BIRTH_DATE,LANG; "
            "repeat per guest.",
            metavar="SPEC",
        ),
    ] = None,
    item: Annotated[
        list[str] | None,
        typer.Option(
            "--item",
            help="(bookinglayer) PKG_ITEM_ID:DATE[ HH:MM][,DATE...]; repeatable.",
            metavar="SPEC",
        ),
    ] = None,
    currency: Currency = None,
    file: BodyFile = None,
    new_cart: Annotated[
        bool, typer.Option("--new-cart", help="Start a new cart instead of adding to the current.")
    ] = False,
) -> None:
    """Add items to the cart; the first add creates the cart and records it in the session.

    Example:

      bookctl basket add --package 384 --accommodation 392 \\
          --start-date 2026-12-02 --end-date 2026-12-09 \\
          --guest "Oliver,Nicholson,m,ollie@example.com" \\
          --item "400:2026-12-03 10:30,2026-12-05 15:00"
    """
    app = get_app()
    options: dict[str, Any] = {
        "package": package,
        "start_date": start_date,
        "end_date": end_date,
        "accommodation": accommodation,
        "guest": guest,
        "item": item,
        "currency": currency,
        "file": str(file) if file is not None else None,
    }
    provider = app.provider("basket add", options)
    session = None if new_cart else app.sessions.load(app.profile_name)
    if session is not None and session.provider != provider.key:
        session = None
    cart, raw = provider.basket_add(options, session)
    remember(app, cart, session, _tokens(raw))
    verb = "added to" if session is not None and session.cart_id == cart.id else "created"
    app.output.success(f"cart {cart.id} {verb}; expires at {cart.expires_at}")
    app.emit(cart.model_dump(mode="json"), cart_tables(cart), raw=raw)


def _tokens(raw: Any) -> dict[str, str]:
    tokens = raw.get("_session_tokens") if isinstance(raw, dict) else None
    return dict(tokens) if isinstance(tokens, dict) else {}
