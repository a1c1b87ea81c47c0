"""The sandbox clock: real UTC now plus an offset stored in the database.

The offset lives in SQLite so every process sharing the file sees the same sandbox time,
which is what lets a test "advance 11 minutes" and watch carts expire everywhere.
"""

from __future__ import annotations

import sqlite3
import time
from datetime import UTC, datetime

from bookctl.sandbox.store import get_meta, set_meta

_OFFSET_KEY = "clock_offset_seconds"


def offset(conn: sqlite3.Connection) -> float:
    """The number of seconds the sandbox clock is ahead of real time."""
    return float(get_meta(conn, _OFFSET_KEY, "0"))


def now_ts(conn: sqlite3.Connection) -> float:
    """Sandbox now as a POSIX timestamp."""
    return time.time() + offset(conn)


def now(conn: sqlite3.Connection) -> datetime:
    """Sandbox now as an aware UTC datetime."""
    return datetime.fromtimestamp(now_ts(conn), UTC)


def advance(conn: sqlite3.Connection, seconds: float) -> None:
    """Move the sandbox clock forward (must run inside a write transaction)."""
    set_meta(conn, _OFFSET_KEY, repr(offset(conn) + seconds))


def iso(ts: float) -> str:
    """ISO 8601 UTC with seconds and a `Z` suffix, e.g. `2026-01-02T03:04:05Z`."""
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def bookinglayer_iso(ts: float) -> str:
    """The document's own timestamp format, e.g. `2019-09-19T20:05:50+0000`."""
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")
