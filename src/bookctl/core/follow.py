"""Following an order: read it until it leaves the provider's pending states, or a deadline.

One loop and one backoff policy for every caller (``poll``, ``checkout --wait``, ``smoke``):
the wait between two reads starts at the policy's interval and grows by :data:`GROWTH`, up to
:data:`MAX_INTERVAL` (or the interval itself when that is larger). Callers show progress through
a callback; the loop itself prints nothing.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bookctl.core.errors import PollTimeoutError, RefusedError
from bookctl.core.provider import order_states

if TYPE_CHECKING:
    from bookctl.core.models import Order
    from bookctl.core.provider import Provider
    from bookctl.core.session import CartSession

GROWTH = 1.25
MAX_INTERVAL = 10.0
DEFAULT_INTERVAL = 1.0
DEFAULT_TIMEOUT = 300.0

#: Told after every read: the order, the seconds since the first read, whether it settled.
Progress = Callable[["Order", float, bool], None]


@dataclass(frozen=True)
class FollowPolicy:
    """How often to read the order (first wait, in seconds) and when to give up."""

    interval: float = DEFAULT_INTERVAL
    timeout: float = DEFAULT_TIMEOUT

    def grow(self, wait: float) -> float:
        """The wait after ``wait``: GROWTH times longer, up to MAX_INTERVAL (or ``interval``)."""
        return min(wait * GROWTH, max(self.interval, MAX_INTERVAL))


def follow_order(
    provider: Provider,
    order_id: str,
    session: CartSession | None = None,
    *,
    until: str | None = None,
    policy: FollowPolicy = FollowPolicy(),
    progress: Progress | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> tuple[Order, Any]:
    """Read the order until it reaches ``until`` or leaves the provider's pending states.

    Returns the last order read and the provider's payload. Raises ``PollTimeoutError``
    (exit 8) when ``policy.timeout`` seconds pass first. Whether the order settled as wanted
    is :func:`settlement_error`'s to say.
    """
    pending, _ = order_states(provider)
    started = time.monotonic()
    deadline = started + policy.timeout
    wait = policy.interval
    while True:
        order, raw = provider.get_order(order_id, session)
        settled = order.state == until or order.state not in pending
        if progress is not None:
            progress(order, time.monotonic() - started, settled)
        if settled:
            return order, raw
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise PollTimeoutError(
                f"order {order_id} is still {order.state} after {policy.timeout:g}s",
                hint=f"poll again later: 'bookctl poll {order_id}'",
            )
        sleep(min(wait, remaining))
        wait = policy.grow(wait)


def settlement_error(
    provider: Provider, order: Order, *, until: str | None = None
) -> RefusedError | None:
    """The refusal (exit 4) when a settled order is not what was asked, else None.

    Asked is ``until`` when given, else one of the provider's success states (any state for a
    provider that declares none).
    """
    _, success = order_states(provider)
    as_asked = order.state == until if until else (not success or order.state in success)
    if as_asked:
        return None
    wanted = until or " or ".join(sorted(success))
    paid = f" (payment {order.payment_state})" if order.payment_state else ""
    return RefusedError(
        f"order {order.id} settled as {order.state}{paid}, not {wanted}",
        hint=f"see it with 'bookctl order show {order.id}'",
    )
