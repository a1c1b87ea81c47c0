"""``bookctl poll``: follow an order until it settles (payment processed, declined, expired)."""

from __future__ import annotations

import contextlib
import math
import time
from typing import TYPE_CHECKING, Annotated, Any

import typer

from bookctl.cli import hints
from bookctl.cli.cart import order_table
from bookctl.cli.context import Application, get_app
from bookctl.core.errors import PollTimeoutError, RefusedError, UsageError
from bookctl.core.provider import order_states

if TYPE_CHECKING:
    from bookctl.core.models import Order
    from bookctl.core.provider import Provider
    from bookctl.core.session import CartSession

#: The wait between two reads grows by this factor, up to MAX_INTERVAL (or --interval if larger).
GROWTH = 1.25
MAX_INTERVAL = 10.0
DEFAULT_INTERVAL = 1.0
DEFAULT_TIMEOUT = 300.0


def register(app: typer.Typer) -> None:
    app.command("poll")(poll)


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
    interval: float = DEFAULT_INTERVAL,
    timeout: float = DEFAULT_TIMEOUT,
) -> tuple[Order, Any]:
    """Read the order until it reaches ``until`` or leaves the provider's pending states.

    A spinner shows the current state on a terminal; otherwise each change is one stderr line.
    Raises ``PollTimeoutError`` (exit 8) when ``timeout`` seconds pass first.
    """
    pending, _ = order_states(provider)
    started = time.monotonic()
    deadline = started + timeout
    wait = interval
    last: str | None = None
    told = False
    spinner: Any = (
        app.output.err.status(f"order {order_id}: ...")
        if app.output.interactive
        else contextlib.nullcontext()
    )
    with spinner:
        while True:
            order, raw = provider.get_order(order_id, session)
            elapsed = time.monotonic() - started
            if app.output.interactive:
                spinner.update(f"{_describe(order)}: {elapsed:.0f}s of at most {timeout:g}s")
            elif order.state != last:
                app.output.info(_describe(order))
            last = order.state
            if order.state == until or order.state not in pending:
                return order, raw
            if not told and app.profile.embedded:
                # The embedded sandbox settles payments by its own clock, which only moves
                # when told to: say how to skip the wait.
                told = True
                app.output.info(
                    "the sandbox settles payments by its own clock: "
                    "'bookctl sandbox clock advance 1m' (in another shell) skips ahead"
                )
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise PollTimeoutError(
                    f"order {order_id} is still {order.state} after {timeout:g}s",
                    hint=f"poll again later: 'bookctl poll {order_id}'",
                )
            time.sleep(min(wait, remaining))
            wait = min(wait * GROWTH, max(interval, MAX_INTERVAL))


def settle(
    app: Application,
    provider: Provider,
    order: Order,
    raw: Any,
    *,
    until: str | None = None,
) -> None:
    """Print the settled order; retire the cart session on success; exit 4 if it went otherwise."""
    _, success = order_states(provider)
    as_asked = order.state == until if until else (not success or order.state in success)
    session = app.sessions.load(app.profile_name)
    if as_asked and not until and session is not None and session.cart_id == order.cart_id:
        app.sessions.retire(app.profile_name, session.cart_id, order.model_dump(mode="json"))
    app.emit(order.model_dump(mode="json"), order_table(order), raw=raw)
    if not as_asked:
        wanted = until or " or ".join(sorted(success))
        refused = RefusedError(
            f"order {order.id} settled as {order.state}"
            + (f" (payment {order.payment_state})" if order.payment_state else "")
            + f", not {wanted}",
            hint=f"see it with 'bookctl order show {order.id}'",
        )
        hints.fit(refused)
        app.output.error(refused, data=False)
        raise typer.Exit(RefusedError.exit_code)


def poll(
    order_id: Annotated[
        str | None,
        typer.Argument(
            help="Order (or Wix booking) id; default: the current cart's.", metavar="ORDER"
        ),
    ] = None,
    until: Annotated[
        str | None,
        typer.Option(
            "--until", help="Wait for this state instead of any settled one.", metavar="STATE"
        ),
    ] = None,
    interval: Annotated[
        float,
        typer.Option(
            "--interval", help="Seconds before the first re-read; it grows gently.", min=0.01
        ),
    ] = DEFAULT_INTERVAL,
    timeout: Annotated[
        float, typer.Option("--timeout", help="Give up (exit 8) after this many seconds.", min=0)
    ] = DEFAULT_TIMEOUT,
) -> None:
    """Follow an order until it settles: exit 0 as asked, 4 otherwise, 8 on timeout.

    Settled means out of the provider's in-progress states, or in --until STATE.
    In progress: Guest Manager `processing`, Wix `PENDING`.

    Example:

      bookctl poll 1042 --timeout 120
      bookctl -p sandbox-wix poll 3f2a... --until CONFIRMED --json
    """
    app = get_app()
    for flag, value in (("--interval", interval), ("--timeout", timeout)):
        if not math.isfinite(value):
            raise UsageError(f"{flag} must be a finite number of seconds, not {value}")
    provider = app.provider()
    session = app.sessions.load(app.profile_name)
    if order_id is None:
        if session is None:
            raise UsageError(
                "poll needs an ORDER id", hint="this profile's orders: 'bookctl orders'"
            )
        order_id = session.order_id or session.cart_id
    if session is not None and order_id not in (session.cart_id, session.order_id):
        session = None
    order, raw = follow(
        app, provider, order_id, session, until=until, interval=interval, timeout=timeout
    )
    settle(app, provider, order, raw, until=until)
