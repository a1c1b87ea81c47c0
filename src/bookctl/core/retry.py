"""The retry policy as small pure functions, and the one retry loop (stamina's).

DESIGN.md section 5: idempotent methods and requests carrying an ``Idempotency-Key`` are retried
on connection errors, 429, 502, 503 and 504; exponential backoff with full jitter, 3 attempts,
waits capped at 20 s; ``Retry-After`` is honoured up to 60 s.
"""

from __future__ import annotations

import email.utils
import random
import time
from collections.abc import Callable, Mapping
from typing import TypeVar

T = TypeVar("T")

ATTEMPTS = 3
BACKOFF_INITIAL = 0.5
BACKOFF_CAP = 20.0
RETRY_AFTER_CAP = 60.0
RETRY_STATUSES = frozenset({429, 502, 503, 504})
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
STATE_CHANGING_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def parse_retry_after(headers: Mapping[str, str], *, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP date), capped."""
    value = headers.get("retry-after") or headers.get("Retry-After")
    if value is None:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            parsed = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        seconds = parsed.timestamp() - (time.time() if now is None else now)
    if seconds != seconds:  # NaN
        return None
    return min(max(seconds, 0.0), RETRY_AFTER_CAP)


def backoff_delay(attempt: int, *, rng: random.Random | None = None) -> float:
    """Full jitter: uniform in [0, min(cap, initial * 2**(attempt-1))]; ``attempt`` is 1-based."""
    ceiling = min(BACKOFF_CAP, BACKOFF_INITIAL * (2 ** max(attempt - 1, 0)))
    return (rng or random).uniform(0, ceiling)


def may_retry(method: str, *, has_idempotency_key: bool) -> bool:
    """Whether a request may be sent again at all without risking a second effect."""
    return method.upper() in IDEMPOTENT_METHODS or has_idempotency_key


def retry_wait(
    *,
    attempt: int,
    status: int | None,
    headers: Mapping[str, str] | None = None,
    rng: random.Random | None = None,
) -> float | None:
    """How long to wait before the next attempt, or None to stop.

    ``status`` is None for a connection-level failure. ``attempt`` counts the attempts made.
    """
    if attempt >= ATTEMPTS:
        return None
    if status is not None and status not in RETRY_STATUSES:
        return None
    if headers is not None:
        hinted = parse_retry_after(headers)
        if hinted is not None:
            return hinted
    return backoff_delay(attempt, rng=rng)


def retrying(
    call: Callable[[], T],
    *,
    on: Callable[[Exception], bool | float],
    attempts: int,
    wait_initial: float = BACKOFF_INITIAL,
    wait_max: float = BACKOFF_CAP,
    wait_jitter: float = 0.0,
    first: Exception | None = None,
) -> T:
    """``call()``, sent again while ``on(error)`` allows, at most ``attempts`` times in all.

    ``on`` returns False to give up (the error is raised), a number of seconds to wait that
    long, or True for stamina's exponential backoff from ``wait_initial`` (doubling, plus up
    to ``wait_jitter``, capped at ``wait_max``). ``first`` is a failure the caller already met:
    it counts as the first attempt, so a call that succeeds at once never loads stamina.
    """
    import stamina

    # Retries are told by the caller's hook (a trace line, a notice) only: stamina's own
    # instrumentation would log a bare 'stamina.retry_scheduled' line on stderr.
    stamina.instrumentation.set_on_retry_hooks([])
    replay = [] if first is None else [first]
    for attempt in stamina.retry_context(
        on=on,
        attempts=attempts,
        timeout=None,
        wait_initial=wait_initial,
        wait_max=wait_max,
        wait_jitter=wait_jitter,
    ):
        with attempt:
            if replay:
                raise replay.pop()
            return call()
    raise AssertionError("unreachable: stamina either returns or raises")  # pragma: no cover
