"""What the cart, basket, checkout, orders and poll commands share (none of them imports another).

The ``cart`` group itself (``basket`` adds ``cart add`` to it), the profile's cart session as
the commands keep it (resolve, remember, set aside, history), and following an order on screen.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from typing import TYPE_CHECKING, Any

import typer

from bookctl.cli import hints
from bookctl.cli.errors import exit_after_data
from bookctl.cli.tables import order_table
from bookctl.core import clock
from bookctl.core.errors import BookctlError
from bookctl.core.follow import FollowPolicy, follow_order, settlement_error
from bookctl.core.output import Amount
from bookctl.core.session import CartSession, session_from_cart

if TYPE_CHECKING:
    from bookctl.cli.context import Application
    from bookctl.core.models import Cart, Order
    from bookctl.core.provider import Provider

cart_group = typer.Typer(
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


def resolve_cart(app: Application, cart_id: str | None) -> tuple[str, CartSession | None]:
    """``--cart`` if given, else the profile's cart session."""
    session = app.sessions.load(app.profile_name)
    if cart_id:
        return cart_id, session if session and session.cart_id == cart_id else None
    session = app.sessions.require(app.profile_name)
    return session.cart_id, session


def remember(app: Application, cart: Cart, previous: CartSession | None) -> None:
    """Record ``cart`` as the profile's cart session."""
    app.sessions.save(session_from_cart(app.profile_name, cart, previous))


def refresh(app: Application, cart: Cart, session: CartSession | None) -> None:
    """Update the profile's cart session from ``cart`` when it is that session's cart."""
    if session is not None and session.cart_id == cart.id:
        remember(app, cart, session)


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


def expired(expires_at: str | None) -> bool:
    if not expires_at:
        return False
    try:
        return dt.datetime.fromisoformat(expires_at) <= clock.now()
    except (TypeError, ValueError):
        return False


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
    if cart is None or cart.state.lower() in _GONE or expired(cart.expires_at):
        state = cart.state.lower() if cart is not None else "gone"
        app.sessions.retire(app.profile_name, cid, {CART_STATE: state, "at": clock.now_iso()})
        return
    abandon_it = not cart.lines
    if not abandon_it and app.interactive:
        what = f"{len(cart.lines)} line(s), {Amount(cart.total, cart.currency)}"
        abandon_it = typer.confirm(
            f"Cart {cid} still holds {what}. Abandon it?", default=False, err=True
        )
    if abandon_it:
        provider.cart_abandon(cid, session)
        app.sessions.retire(app.profile_name, cid, {CART_STATE: "abandoned", "at": clock.now_iso()})
        app.output.info(f"cart {cid} abandoned")
        return
    app.sessions.retire(app.profile_name, cid, {CART_STATE: "set_aside", "at": clock.now_iso()})
    until = f" until {cart.expires_at}" if cart.expires_at else ""
    app.output.info(
        f"cart {cid} set aside: it holds its items{until}; see '{hints.command_line('cart list')}'"
    )


# -- following an order ----------------------------------------------------------------------


def _describe(order: Order) -> str:
    text = f"order {order.id}: {order.state}"
    if order.payment_state:
        text += f" (payment {order.payment_state})"
    return text


def follow(
    app: Application,
    provider: Provider,
    order_id: str,
    session: CartSession | None,
    *,
    until: str | None = None,
    policy: FollowPolicy = FollowPolicy(),
) -> tuple[Order, Any]:
    """Follow the order (:func:`bookctl.core.follow.follow_order`) with progress on stderr.

    On a terminal a spinner shows the state and the time spent; otherwise each change of
    state is one line. On the embedded sandbox it says once how to skip the wait.
    """
    interactive = app.output.interactive
    spinner: Any = (
        app.output.err.status(f"order {order_id}: ...") if interactive else contextlib.nullcontext()
    )
    last: list[str | None] = [None]
    told = [False]

    def show(order: Order, elapsed: float, settled: bool) -> None:
        if interactive:
            spinner.update(f"{_describe(order)}: {elapsed:.0f}s of at most {policy.timeout:g}s")
        elif order.state != last[0]:
            app.output.info(_describe(order))
        last[0] = order.state
        if not settled and not told[0] and app.profile.embedded:
            # The embedded sandbox settles payments by its own clock, which only moves when
            # told to: say how to skip the wait.
            told[0] = True
            app.output.info(
                "the sandbox settles payments by its own clock: "
                "'bookctl sandbox clock advance 1m' (in another shell) skips ahead"
            )

    with spinner:
        return follow_order(provider, order_id, session, until=until, policy=policy, progress=show)


def settle(
    app: Application,
    provider: Provider,
    order: Order,
    raw: Any,
    *,
    until: str | None = None,
) -> None:
    """Print the settled order; retire the cart session on success; exit 4 if it went otherwise."""
    refused = settlement_error(provider, order, until=until)
    session = app.sessions.load(app.profile_name)
    if refused is None and not until and session is not None and session.cart_id == order.cart_id:
        app.sessions.retire(app.profile_name, session.cart_id, order.model_dump(mode="json"))
    app.emit(order.model_dump(mode="json"), order_table(order), raw=raw)
    if refused is not None:
        exit_after_data(refused)
