"""``bookctl checkout``: finish the purchase of the current cart."""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, Any

import typer

from bookctl.cli import hints
from bookctl.cli.carts import follow, resolve_cart, settle
from bookctl.cli.context import Application, get_app
from bookctl.cli.options import CartId
from bookctl.cli.stages import stage_command
from bookctl.cli.tables import order_table
from bookctl.core.clock import now_iso
from bookctl.core.errors import UsageError
from bookctl.core.provider import order_states
from bookctl.providers import CATALOGUE

if TYPE_CHECKING:
    from bookctl.core.models import Order


def register(app: typer.Typer) -> None:
    app.command("checkout")(checkout)


_CART = inspect.Parameter(
    "cart_id", inspect.Parameter.KEYWORD_ONLY, default=None, annotation=CartId
)


def _checkout(fixed: dict[str, Any], given: dict[str, Any]) -> None:
    app = get_app()
    cart_id: str | None = fixed["cart_id"]
    options = CATALOGUE.resolve(app.profile.provider, app.profile_name, "checkout", given)
    # A provider may call its carts bookings: its --booking is a second name for --cart.
    booking: str | None = options.pop("booking", None)
    wait = bool(options.get("wait"))
    provider = app.provider()
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


checkout = stage_command(
    "checkout",
    [_CART],
    _checkout,
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
    """,
)
