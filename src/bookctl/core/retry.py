"""The retry policy as small pure functions (the loop itself is stamina's).

DESIGN.md section 5: idempotent methods and requests carrying an ``Idempotency-Key`` are retried
on connection errors, 429, 502, 503 and 504; exponential backoff with full jitter, 3 attempts,
waits capped at 20 s; ``Retry-After`` is honoured up to 60 s.
"""

from __future__ import annotations

import email.utils
import random
import time
from collections.abc import Mapping

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
