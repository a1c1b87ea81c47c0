"""``bookctl basket add`` (also ``cart add``): put items in the cart and remember the cart."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from bookctl.cli.carts import cart_group, remember, start_new_cart
from bookctl.cli.context import get_app
from bookctl.cli.options import BodyFile, Currency, EndDate, StartDate
from bookctl.cli.tables import cart_tables
from bookctl.core.errors import (
    ApiRefusedError,
    ApiUnavailableError,
    BookctlError,
    UnreachableError,
)
from bookctl.core.provider import provider_options
from bookctl.core.session import fingerprint

group = typer.Typer(
    help="""Add items to the cart (basket).

    Example:

      bookctl basket add --package 450 --start-date +3d --end-date +4d \\
          --guest "Ann,Lee,f"
    """,
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    app.add_typer(group, name="basket")
    cart_group.command("add")(add)


@group.command("add")
def add(
    package: Annotated[
        str | None,
        typer.Option(
            "--package",
            "--package-id",
            help="(bookinglayer, bookingbug) Package id (BookingBug: the event's package).",
            metavar="ID",
        ),
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
    service: Annotated[
        str | None,
        typer.Option(
            "--service", "--service-id", help="(bookingbug, wix, rundl) Service id.", metavar="ID"
        ),
    ] = None,
    product: Annotated[
        list[str] | None,
        typer.Option(
            "--product",
            "--product-id",
            help="(bookingbug, rundl) Product id; Rundl takes several.",
            metavar="ID",
        ),
    ] = None,
    attachment_id: Annotated[
        str | None,
        typer.Option("--attachment-id", help="(bookingbug) Attachment id.", metavar="ID"),
    ] = None,
    deal_id: Annotated[
        str | None, typer.Option("--deal-id", help="(bookingbug) Deal (discount) id.", metavar="ID")
    ] = None,
    bulk_purchase_id: Annotated[
        str | None,
        typer.Option("--bulk-purchase-id", help="(bookingbug) Bulk purchase id.", metavar="ID"),
    ] = None,
    slot: Annotated[
        str | None,
        typer.Option("--session", "--session-id", help="(wix) Session (slot) id.", metavar="ID"),
    ] = None,
    contact_file: Annotated[
        Path | None,
        typer.Option("--contact-file", help="(wix) JSON contact details.", metavar="FILE"),
    ] = None,
    rate_label: Annotated[
        str | None, typer.Option("--rate-label", help="(wix) Price option, e.g. general.")
    ] = None,
    ticket_type: Annotated[
        str | None,
        typer.Option("--ticket-type", help="(guestmanager) Ticket type id.", metavar="ID"),
    ] = None,
    qty: Annotated[
        int | None,
        typer.Option(
            "--qty",
            "--participants",
            help="(wix, guestmanager, rundl) Quantity (Wix: participants).",
        ),
    ] = None,
    file: BodyFile = None,
    new_cart: Annotated[
        bool,
        typer.Option(
            "--new-cart",
            help="Start a new cart; the current one is abandoned if empty, else asked about "
            "or set aside ('cart list').",
        ),
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
    given: dict[str, Any] = {
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
        "attachment_id": attachment_id,
        "deal_id": deal_id,
        "bulk_purchase_id": bulk_purchase_id,
        "session": slot,
        "contact_file": str(contact_file) if contact_file is not None else None,
        "rate_label": rate_label,
        "ticket_type": ticket_type,
        "service": service,
        "product": product,
        "qty": qty,
        "file": str(file) if file is not None else None,
    }
    options = provider_options(app.profile.provider, app.profile_name, "basket add", given)
    provider = app.provider("basket add", options)
    profile = app.profile_name
    # One add at a time per profile: parallel adds join one cart instead of each making one.
    with app.sessions.editing(profile):
        # Read even with --new-cart: an unreadable session is refused before a cart is made.
        session = app.sessions.load(profile)
        if session is not None and session.provider != provider.key:
            session = None
        previous, session = (session, None) if new_cart else (None, session)
        target = session.cart_id if session is not None else None
        key = app.sessions.pending_key(profile, fingerprint(provider.key, target, options))
        try:
            cart, raw = provider.basket_add({**options, "idempotency_key": key}, session)
        except BookctlError as err:
            if not _outcome_unknown(err):
                # A definitive answer: a retry is a new add and needs a new key.
                app.sessions.settle_pending(profile)
            raise
        if previous is not None:
            start_new_cart(app, provider, previous)
        remember(app, cart, session)
        app.sessions.settle_pending(profile)
    for notice in cart.notices:
        app.output.warn(notice)
    verb = "added to" if session is not None and session.cart_id == cart.id else "created"
    expiry = f"; expires at {cart.expires_at}" if cart.expires_at else ""
    app.output.success(f"cart {cart.id} {verb}{expiry}")
    app.emit(cart.model_dump(mode="json"), cart_tables(cart), raw=raw)


def _outcome_unknown(err: BookctlError) -> bool:
    """The add may have been made (lost answer, 5xx, 429, still in flight): keep its key."""
    if isinstance(err, ApiRefusedError):
        return err.provider_code == "idempotency_in_flight"
    return isinstance(err, UnreachableError | ApiUnavailableError)
