"""SQLite store shared by every process that opens the same sandbox file.

Each unit of work opens its own connection: the embedded CLI runs in many short-lived
processes and a served sandbox answers concurrent clients, so no connection is ever shared.
WAL lets readers run beside a writer; writers take `BEGIN IMMEDIATE` so two processes that
both read "one unit left" cannot both reserve it (the second waits for the first to commit).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

BUSY_TIMEOUT_MS = 30_000

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS idempotency (
    scope TEXT NOT NULL,
    key TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    state TEXT NOT NULL,
    status INTEGER,
    headers TEXT,
    body BLOB,
    created_at REAL NOT NULL,
    PRIMARY KEY (scope, key)
);
"""

# Tables of the store itself; each provider module adds its own (SCHEMA, STATE_TABLES).
_STATE_TABLES: tuple[str, ...] = ("meta", "idempotency")


class Store:
    """Opens connections to one sandbox database file."""

    def __init__(
        self, path: Path, *, schemas: tuple[str, ...] = (), state_tables: tuple[str, ...] = ()
    ) -> None:
        self.path = path
        self._schemas = schemas
        # Children before parents, so deleting in this order respects the references.
        self._state_tables = state_tables + _STATE_TABLES

    def _connect(self) -> sqlite3.Connection:
        # isolation_level=None: we issue BEGIN ourselves so the lock mode is explicit.
        conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        conn.row_factory = sqlite3.Row
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA synchronous = NORMAL")
        return conn

    def initialise(self) -> None:
        """Create the file and schema if missing (safe to call from many processes at once)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = self._connect()
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("BEGIN IMMEDIATE")
            _run_script(conn, _SCHEMA)
            for schema in self._schemas:
                _run_script(conn, schema)
            conn.execute("COMMIT")
        finally:
            conn.close()

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """A write transaction (`BEGIN IMMEDIATE`): committed on success, rolled back on error."""
        conn = self._connect()
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        finally:
            conn.close()

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """A read transaction: one consistent snapshot for all its statements."""
        conn = self._connect()
        try:
            conn.execute("BEGIN")
            try:
                yield conn
            finally:
                conn.execute("ROLLBACK")
        finally:
            conn.close()

    def reset(self) -> None:
        """Delete all state (carts, bookings, idempotency keys, clock offset, counters)."""
        with self.write() as conn:
            for table in self._state_tables:
                conn.execute(f"DELETE FROM {table}")
            # Restart booking ids so a reset sandbox numbers bookings as a fresh one does.
            conn.execute("DELETE FROM sqlite_sequence")


def _run_script(conn: sqlite3.Connection, script: str) -> None:
    # executescript() would COMMIT our IMMEDIATE transaction first; run statement by statement.
    for statement in script.split(";"):
        if statement.strip():
            conn.execute(statement)


def get_meta(conn: sqlite3.Connection, key: str, default: str) -> str:
    """Read one value of the `meta` key/value table."""
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return default if row is None else str(row["value"])


def set_meta(conn: sqlite3.Connection, key: str, value: str) -> None:
    """Write one value of the `meta` key/value table."""
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?, ?) "
        "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        (key, value),
    )


def increment_counter(conn: sqlite3.Connection, name: str, by: int = 1) -> None:
    """Add to an integer counter kept in `meta` (must run inside a write transaction)."""
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?, ?) "
        "ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + ?",
        (f"counter:{name}", str(by), by),
    )


def read_counter(conn: sqlite3.Connection, name: str) -> int:
    """Read an integer counter kept in `meta` (0 when never incremented)."""
    return int(get_meta(conn, f"counter:{name}", "0"))
