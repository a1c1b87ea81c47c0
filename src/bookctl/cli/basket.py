"""``bookctl basket add`` (also ``cart add``): put items in the cart and remember the cart."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from bookctl.cli.cart import cart_tables, remember
from bookctl.cli.cart import group as cart_group
from bookctl.cli.context import get_app
from bookctl.cli.options import BodyFile, Currency, EndDate, StartDate

group = typer.Typer(help="Add items to the cart (basket).", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(group, name="basket")
    cart_group.command("add")(add)


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
    event_id: Annotated[
        str | None, typer.Option("--event-id", help="(bookingbug) Event id.", metavar="ID")
    ] = None,
    member_id: Annotated[
        str | None,
        typer.Option("--member-id", help="(bookingbug) Member (client) id.", metavar="ID"),
    ] = None,
    event_chain_id: Annotated[
        str | None,
        typer.Option("--event-chain-id", help="(bookingbug) Event chain id.", metavar="ID"),
    ] = None,
    service_id: Annotated[
        str | None,
        typer.Option("--service-id", help="(bookingbug, wix) Service id.", metavar="ID"),
    ] = None,
    product_id: Annotated[
        str | None,
        typer.Option("--product-id", help="(bookingbug) Purchasable item id.", metavar="ID"),
    ] = None,
    attachment_id: Annotated[
        str | None,
        typer.Option("--attachment-id", help="(bookingbug) Attachment id.", metavar="ID"),
    ] = None,
    deal_id: Annotated[
        str | None, typer.Option("--deal-id", help="(bookingbug) Deal (discount) id.", metavar="ID")
    ] = None,
    package_id: Annotated[
        str | None,
        typer.Option("--package-id", help="(bookingbug) Package of the event.", metavar="ID"),
    ] = None,
    bulk_purchase_id: Annotated[
        str | None,
        typer.Option("--bulk-purchase-id", help="(bookingbug) Bulk purchase id.", metavar="ID"),
    ] = None,
    session_id: Annotated[
        str | None, typer.Option("--session-id", help="(wix) Session (slot) id.", metavar="ID")
    ] = None,
    contact_file: Annotated[
        Path | None,
        typer.Option("--contact-file", help="(wix) JSON contact details.", metavar="FILE"),
    ] = None,
    participants: Annotated[
        int | None, typer.Option("--participants", help="(wix) Number of participants.")
    ] = None,
    rate_label: Annotated[
        str | None, typer.Option("--rate-label", help="(wix) Price option, e.g. general.")
    ] = None,
    ticket_type: Annotated[
        str | None,
        typer.Option("--ticket-type", help="(guestmanager) Ticket type id.", metavar="ID"),
    ] = None,
    service: Annotated[
        str | None, typer.Option("--service", help="(rundl) Service id.", metavar="ID")
    ] = None,
    product: Annotated[
        list[str] | None,
        typer.Option("--product", help="(rundl) Product id; repeatable.", metavar="ID"),
    ] = None,
    qty: Annotated[
        int | None, typer.Option("--qty", help="(guestmanager, rundl) Quantity.")
    ] = None,
    file: BodyFile = None,
    new_cart: Annotated[
        bool, typer.Option("--new-cart", help="Start a new cart instead of adding to the current.")
    ] = False,
) -> None:
    """Add items to the cart; the first add creates the cart and records it in the session.

    Options marked with a provider are for profiles of that provider only.

    Example:

      bookctl basket add --package 384 --accommodation 393 \\
          --start-date next-mon --end-date next-mon+1w \\
          --guest "Oliver,Nicholson,m,ollie@example.com" \\
          --item "400:next-mon+1d 10:30,next-mon+3d 15:00"
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
        "event_id": event_id,
        "member_id": member_id,
        "event_chain_id": event_chain_id,
        "service_id": service_id,
        "product_id": product_id,
        "attachment_id": attachment_id,
        "deal_id": deal_id,
        "package_id": package_id,
        "bulk_purchase_id": bulk_purchase_id,
        "session_id": session_id,
        "contact_file": str(contact_file) if contact_file is not None else None,
        "participants": participants,
        "rate_label": rate_label,
        "ticket_type": ticket_type,
        "service": service,
        "product": product,
        "qty": qty,
        "file": str(file) if file is not None else None,
    }
    provider = app.provider("basket add", options)
    session = None if new_cart else app.sessions.load(app.profile_name)
    if session is not None and session.provider != provider.key:
        session = None
    cart, raw = provider.basket_add(options, session)
    remember(app, cart, session)
    for notice in cart.notices:
        app.output.warn(notice)
    verb = "added to" if session is not None and session.cart_id == cart.id else "created"
    expiry = f"; expires at {cart.expires_at}" if cart.expires_at else ""
    app.output.success(f"cart {cart.id} {verb}{expiry}")
    app.emit(cart.model_dump(mode="json"), cart_tables(cart), raw=raw)
