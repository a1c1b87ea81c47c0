"""The sandbox clock: real UTC now plus an offset stored in the database.

The offset lives in SQLite so every process sharing the file sees the same sandbox time,
which is what lets a test "advance 11 minutes" and watch carts expire everywhere.
``BOOKCTL_CLOCK_SHIFT`` (seconds) moves the wall clock underneath, as it does for the client,
so a test or a recorded demo can pin client and sandbox to the same day.
"""

from __future__ import annotations

import math
import os
import sqlite3
import time
from datetime import UTC, datetime

from bookctl.sandbox.store import get_meta, set_meta

_OFFSET_KEY = "clock_offset_seconds"
_SHIFT_ENV = "BOOKCTL_CLOCK_SHIFT"


def wall_ts() -> float:
    """The wall clock as the sandbox sees it: real time plus ``BOOKCTL_CLOCK_SHIFT``."""
    try:
        shift = float(os.environ.get(_SHIFT_ENV, "") or 0)
    except ValueError:
        shift = 0.0
    return time.time() + (shift if math.isfinite(shift) else 0.0)


def offset(conn: sqlite3.Connection) -> float:
    """The number of seconds the sandbox clock is ahead of real time."""
    return float(get_meta(conn, _OFFSET_KEY, "0"))


def now_ts(conn: sqlite3.Connection) -> float:
    """Sandbox now as a POSIX timestamp."""
    return wall_ts() + offset(conn)


def now(conn: sqlite3.Connection) -> datetime:
    """Sandbox now as an aware UTC datetime."""
    return datetime.fromtimestamp(now_ts(conn), UTC)


def advance(conn: sqlite3.Connection, seconds: float) -> None:
    """Move the sandbox clock forward (must run inside a write transaction)."""
    set_meta(conn, _OFFSET_KEY, repr(offset(conn) + seconds))


def iso(ts: float) -> str:
    """ISO 8601 UTC with seconds and a `Z` suffix, e.g. `2026-01-02T03:04:05Z`."""
    return _seconds(ts) + "Z"


def bookinglayer_iso(ts: float) -> str:
    """The document's own timestamp format, e.g. `2019-09-19T20:05:50+0000`."""
    return _seconds(ts) + "+0000"


def _seconds(ts: float) -> str:
    # What `datetime.fromtimestamp(ts, UTC).strftime(...)` answers, for about a third of its
    # cost (a request formats a few of these). Within a microsecond of the next second,
    # datetime rounds up where gmtime truncates: that rare case takes datetime's way.
    whole = math.floor(ts)
    if ts - whole >= 0.999999:
        return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(whole))
