"""The client's clock: UTC, as the sandbox's, so both agree on what "today" is.

``BOOKCTL_CLOCK_SHIFT`` (seconds, may be negative) moves the wall clock for bookctl and the
sandbox alike. It exists for reproducible runs: a test suite or a recorded demo pins every
process to one day without touching the system clock.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import time

from bookctl.core.errors import UsageError

SHIFT_ENV = "BOOKCTL_CLOCK_SHIFT"


def shift() -> float:
    """Seconds added to the wall clock (``BOOKCTL_CLOCK_SHIFT``, default 0)."""
    raw = os.environ.get(SHIFT_ENV, "").strip()
    if not raw:
        return 0.0
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise UsageError(
            f"{SHIFT_ENV}={raw!r} is not a number of seconds", hint=f"unset {SHIFT_ENV} or fix it"
        )
    return value


def now() -> dt.datetime:
    """Now, as an aware UTC datetime."""
    return dt.datetime.fromtimestamp(time.time() + shift(), dt.UTC)


def today() -> dt.date:
    """Today's date in UTC."""
    return now().date()


def now_iso() -> str:
    """Now in ISO 8601 with seconds, e.g. ``2026-12-01T21:30:00+00:00``."""
    return now().isoformat(timespec="seconds")
