"""SQLite store shared by every process that opens the same sandbox file.

Each unit of work opens its own connection: the embedded CLI runs in many short-lived
processes and a served sandbox answers concurrent clients, so no connection is ever shared.
WAL lets readers run beside a writer; writers take `BEGIN IMMEDIATE` so two processes that
both read "one unit left" cannot both reserve it (the second waits for the first to commit).
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

BUSY_TIMEOUT_MS = 30_000
#: The integers SQLite can hold; an id outside them names nothing the sandbox has.
INT_MIN, INT_MAX = -(2**63), 2**63 - 1
#: The database and the files SQLite keeps beside it in WAL mode.
_SIDE_FILES = ("", "-wal", "-shm", "-journal")
_PRIVATE = 0o600


class OutOfRange(ValueError):
    """A statement was given an integer SQLite cannot hold (an id past 2**63, say).

    ``lookup`` is True for statements that only find rows (nothing can have that id: the
    app answers 404) and False for ones that would store it (the app answers 422).
    """

    def __init__(self, value: int, *, lookup: bool) -> None:
        super().__init__(f"{value} is out of range")
        self.value = value
        self.lookup = lookup


class DamagedStore(Exception):
    """The sandbox database file cannot be used (not SQLite, or damaged)."""

    def __init__(self, path: Path, detail: str) -> None:
        super().__init__(f"{path}: {detail}")
        self.path = path
        self.detail = detail


class DamagedText(sqlite3.DatabaseError):
    """A stored text that is not UTF-8: the database file was damaged."""


def _text(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise DamagedText(f"a stored text is not UTF-8 ({err.reason})") from err


def _check_params(sql: str, params: Any) -> None:
    values: Iterable[Any] = params.values() if isinstance(params, Mapping) else params
    for value in values:
        if (
            isinstance(value, int)
            and not isinstance(value, bool)
            and not (INT_MIN <= value <= INT_MAX)
        ):
            verb = sql.lstrip().split(None, 1)[0].upper() if sql.strip() else ""
            raise OutOfRange(value, lookup=verb in ("SELECT", "UPDATE", "DELETE"))


class _Connection(sqlite3.Connection):
    """A connection that refuses integers SQLite cannot hold, for every route at once."""

    def execute(self, sql: str, parameters: Any = (), /) -> sqlite3.Cursor:
        _check_params(sql, parameters)
        try:
            return super().execute(sql, parameters)
        except UnicodeDecodeError as err:
            raise DamagedText(f"a stored text is not UTF-8 ({err.reason})") from err

    def executemany(self, sql: str, parameters: Iterable[Any], /) -> sqlite3.Cursor:
        rows = list(parameters)
        for row in rows:
            _check_params(sql, row)
        try:
            return super().executemany(sql, rows)
        except UnicodeDecodeError as err:
            raise DamagedText(f"a stored text is not UTF-8 ({err.reason})") from err


def remove_database(path: Path) -> None:
    """Delete a sandbox database and its WAL/SHM files (``sandbox reset`` of a damaged one)."""
    for suffix in _SIDE_FILES:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(f"{path}{suffix}")


def _make_private(path: Path) -> None:
    # The sandbox holds names, emails and phones. SQLite gives the WAL and SHM files the
    # database's own mode, so creating the database 0600 covers them; older files are fixed.
    fd = os.open(path, os.O_RDWR | os.O_CREAT, _PRIVATE)
    os.close(fd)
    for suffix in _SIDE_FILES:
        with contextlib.suppress(FileNotFoundError, PermissionError):
            os.chmod(f"{path}{suffix}", _PRIVATE)


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
        conn = sqlite3.connect(
            self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, factory=_Connection
        )
        conn.row_factory = sqlite3.Row
        conn.text_factory = _text
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA synchronous = NORMAL")
        return conn

    def initialise(self) -> None:
        """Create the file and schema if missing (safe to call from many processes at once).

        Raises :class:`DamagedStore` when the file is not a usable SQLite database.
        """
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            _make_private(self.path)
        except OSError as err:
            raise DamagedStore(self.path, f"cannot open it: {err.strerror}") from err
        try:
            conn = self._connect()
            try:
                conn.execute("PRAGMA journal_mode = WAL")
                self._check(conn)
                conn.execute("BEGIN IMMEDIATE")
                _run_script(conn, _SCHEMA)
                for schema in self._schemas:
                    _run_script(conn, schema)
                conn.execute("COMMIT")
            finally:
                conn.close()
        except sqlite3.OperationalError as err:
            if "locked" in str(err) or "busy" in str(err):
                raise
            raise DamagedStore(self.path, str(err)) from err
        except sqlite3.DatabaseError as err:
            raise DamagedStore(self.path, str(err)) from err

    def _check(self, conn: sqlite3.Connection) -> None:
        row = conn.execute("PRAGMA quick_check(1)").fetchone()
        if row is None or row[0] != "ok":
            raise DamagedStore(self.path, str(row[0]) if row else "integrity check failed")

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


def check_database(path: Path) -> None:
    """Create or open the database at ``path``; :class:`DamagedStore` if it cannot be used."""
    Store(path).initialise()


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
