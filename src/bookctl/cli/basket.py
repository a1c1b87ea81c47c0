"""``bookctl basket add`` (also ``cart add``): put items in the cart and remember the cart."""

from __future__ import annotations

import inspect
from typing import Annotated, Any

import typer

from bookctl.cli.carts import cart_group, remember, start_new_cart
from bookctl.cli.context import get_app
from bookctl.cli.stages import stage_command
from bookctl.cli.tables import cart_tables
from bookctl.core.errors import (
    ApiRefusedError,
    ApiUnavailableError,
    BookctlError,
    UnreachableError,
)
from bookctl.core.session import fingerprint
from bookctl.providers import CATALOGUE

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
    group.command("add")(add)
    cart_group.command("add")(add)


_NEW_CART = inspect.Parameter(
    "new_cart",
    inspect.Parameter.KEYWORD_ONLY,
    default=False,
    annotation=Annotated[
        bool,
        typer.Option(
            "--new-cart",
            help="Start a new cart; the current one is abandoned if empty, else asked about "
            "or set aside ('cart list').",
        ),
    ],
)


def _add(fixed: dict[str, Any], given: dict[str, Any]) -> None:
    app = get_app()
    new_cart: bool = fixed["new_cart"]
    options = CATALOGUE.resolve(app.profile.provider, app.profile_name, "basket add", given)
    provider = app.provider()
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


add = stage_command(
    "basket add",
    [_NEW_CART],
    _add,
    """Add items to the cart; the first add creates the cart and records it in the session.

    Each provider takes its own options (its panel below); the shared ones first.

    Example:

      bookctl basket add --package 384 --accommodation 393 \\
          --start-date next-mon --end-date next-mon+1w \\
          --guest "Oliver,Nicholson,m,ollie@example.com" \\
          --item "400:next-mon+1d 10:30,next-mon+3d 15:00"
    """,
)
