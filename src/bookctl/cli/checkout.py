"""``bookctl checkout``: finish the purchase of the current cart."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from bookctl.cli import hints
from bookctl.cli.carts import follow, resolve_cart, settle
from bookctl.cli.context import Application, get_app
from bookctl.cli.options import CartId
from bookctl.cli.tables import order_table
from bookctl.core.clock import now_iso
from bookctl.core.errors import UsageError
from bookctl.core.provider import order_states

if TYPE_CHECKING:
    from bookctl.core.models import Order


def register(app: typer.Typer) -> None:
    app.command("checkout")(checkout)


def checkout(
    cart_id: CartId = None,
    accept_terms: Annotated[
        bool, typer.Option("--accept-terms", help="(bookinglayer) Accept the business' terms.")
    ] = False,
    customer_file: Annotated[
        Path | None,
        typer.Option(
            "--customer-file", help="(bookinglayer) JSON object of customer fields.", metavar="FILE"
        ),
    ] = None,
    first_name: Annotated[str | None, typer.Option("--first-name", metavar="NAME")] = None,
    last_name: Annotated[str | None, typer.Option("--last-name", metavar="NAME")] = None,
    email: Annotated[str | None, typer.Option("--email", metavar="EMAIL")] = None,
    phone: Annotated[str | None, typer.Option("--phone", metavar="PHONE")] = None,
    phone_countrycode: Annotated[
        str | None, typer.Option("--phone-countrycode", help="e.g. 61", metavar="N")
    ] = None,
    gender: Annotated[str | None, typer.Option("--gender", help="m or f", metavar="G")] = None,
    language_code: Annotated[
        str | None, typer.Option("--language-code", help="Two letters, e.g. en.", metavar="LANG")
    ] = None,
    birth_date: Annotated[
        str | None, typer.Option("--birth-date", help="YYYY-MM-DD.", metavar="DATE")
    ] = None,
    address_line_1: Annotated[str | None, typer.Option("--address-line-1", metavar="TEXT")] = None,
    address_line_2: Annotated[str | None, typer.Option("--address-line-2", metavar="TEXT")] = None,
    city: Annotated[str | None, typer.Option("--city", metavar="TEXT")] = None,
    state: Annotated[str | None, typer.Option("--state", metavar="TEXT")] = None,
    zipcode: Annotated[str | None, typer.Option("--zipcode", metavar="TEXT")] = None,
    country: Annotated[
        str | None, typer.Option("--country", help="In English, e.g. Australia.", metavar="NAME")
    ] = None,
    newsletter: Annotated[
        bool, typer.Option("--newsletter", help="(bookinglayer) Opt in to the newsletter.")
    ] = False,
    booking: Annotated[
        str | None,
        typer.Option("--booking", help="(wix) Booking id; same as --cart.", metavar="ID"),
    ] = None,
    member_id: Annotated[
        str | None, typer.Option("--member-id", help="(bookingbug) Member paying.", metavar="ID")
    ] = None,
    take_from_wallet: Annotated[
        bool | None,
        typer.Option(
            "--take-from-wallet/--no-wallet", help="(bookingbug) Pay from the member's wallet."
        ),
    ] = None,
    coupon: Annotated[
        str | None, typer.Option("--coupon", help="(wix) Coupon code.", metavar="CODE")
    ] = None,
    plan: Annotated[
        str | None, typer.Option("--plan", help="(wix) Paid plan id.", metavar="ID")
    ] = None,
    locked_session_key: Annotated[
        str | None,
        typer.Option("--locked-session-key", help="(wix) Key of a locked session.", metavar="KEY"),
    ] = None,
    notify: Annotated[
        bool | None,
        typer.Option("--notify/--no-notify", help="(wix) Notify the participants."),
    ] = None,
    answers_file: Annotated[
        Path | None,
        typer.Option(
            "--answers-file", help="(guestmanager) JSON answers for the steps.", metavar="FILE"
        ),
    ] = None,
    payment_token: Annotated[
        str | None,
        typer.Option(
            "--payment-token",
            help="(guestmanager, rundl) Payment token (never card data).",
            metavar="TOKEN",
        ),
    ] = None,
    payment_method: Annotated[
        str | None,
        typer.Option(
            "--payment-method",
            help="(guestmanager) Id of one of the order's payment_methods.",
            metavar="ID",
        ),
    ] = None,
    step: Annotated[
        bool, typer.Option("--step", help="(guestmanager) Run one transition and stop.")
    ] = False,
    wait: Annotated[
        bool,
        typer.Option(
            "--wait", help="(guestmanager, wix, rundl) Follow the order until it settles."
        ),
    ] = False,
) -> None:
    """Check out the cart and print the order.

    Customer fields come from --customer-file (a JSON object with the provider's field
    names) and from the flags; a flag wins over the file.

    Guest Manager walks the order through its checkout steps; each step's data comes from
    the flags or --answers-file (asked for on a terminal). --step runs one transition; an
    order left `processing` is followed with 'bookctl poll' (or --wait). A Wix booking's
    payment completes asynchronously too: follow it with 'bookctl poll'.

    Example:

      bookctl checkout --accept-terms --customer-file me.json
      bookctl checkout --accept-terms --first-name Oliver --last-name Nicholson \\
          --email ollie@example.com --phone "403 201 767"
      bookctl -p sandbox-guestmanager checkout --email a@example.com \\
          --first-name Ann --last-name Lee --answers-file answers.json \\
          --payment-token tok_visa --wait
      bookctl -p sandbox-wix checkout --coupon WELCOME10
    """
    app = get_app()
    options: dict[str, Any] = {
        "accept_terms": accept_terms,
        "customer_file": str(customer_file) if customer_file is not None else None,
        "first_name": first_name,
        "last_name": last_name,
        "email": email,
        "phone": phone,
        "phone_countrycode": phone_countrycode,
        "gender": gender,
        "language_code": language_code,
        "birth_date": birth_date,
        "address_line_1": address_line_1,
        "address_line_2": address_line_2,
        "city": city,
        "state": state,
        "zipcode": zipcode,
        "country": country,
        "newsletter": newsletter,
        "member_id": member_id,
        "take_from_wallet": take_from_wallet,
        "coupon": coupon,
        "plan": plan,
        "locked_session_key": locked_session_key,
        "notify": notify,
        "answers_file": str(answers_file) if answers_file is not None else None,
        "payment_token": payment_token,
        "payment_method": payment_method,
        "step": step,
        "wait": wait,
    }
    provider = app.provider("checkout", options)
    if booking is not None and cart_id is not None and booking != cart_id:
        raise UsageError("--booking and --cart name different ids", hint="give one of them")
    cid, session = resolve_cart(app, cart_id or booking)
    options["prompt"] = _prompt if app.interactive else None
    order, raw = provider.checkout(cid, options, session)
    pending, success = order_states(provider)
    for notice in order.notices:
        app.output.warn(notice)
    app.output.success(f"order {order.id} {order.state}")
    if wait and order.state in pending:
        order, raw = follow(app, provider, order.id, session)
    if order.state in pending or (success and order.state not in success):
        # Not settled yet (a step at a time, or processing): keep the cart session.
        _note_progress(app, cid, order)
        if order.state in pending:
            app.output.info(f"follow it with: {hints.command_line(f'poll {order.id}')}")
        if wait:
            settle(app, provider, order, raw)
            return
        app.emit(order.model_dump(mode="json"), order_table(order), raw=raw)
        return
    app.sessions.retire(app.profile_name, cid, order.model_dump(mode="json"))
    app.emit(order.model_dump(mode="json"), order_table(order), raw=raw)


def _prompt(question: str, secret: bool) -> str:
    answer: str = typer.prompt(
        question, default="", show_default=False, hide_input=secret, err=True
    )
    return answer


def _note_progress(app: Application, cart_id: str, order: Order) -> None:
    session = app.sessions.load(app.profile_name)
    if session is not None and session.cart_id == cart_id:
        session.state = order.state
        session.order_id = order.id
        session.updated_at = now_iso()
        app.sessions.save(session)
