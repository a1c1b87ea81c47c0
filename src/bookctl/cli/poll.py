"""``bookctl poll``: follow an order until it settles (payment processed, declined, expired)."""

from __future__ import annotations

import math
from typing import Annotated

import typer

from bookctl.cli.carts import follow, settle
from bookctl.cli.context import get_app
from bookctl.core.errors import UsageError
from bookctl.core.follow import DEFAULT_INTERVAL, DEFAULT_TIMEOUT, FollowPolicy


def register(app: typer.Typer) -> None:
    app.command("poll")(poll)


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
    policy = FollowPolicy(interval=interval, timeout=timeout)
    order, raw = follow(app, provider, order_id, session, until=until, policy=policy)
    settle(app, provider, order, raw, until=until)
