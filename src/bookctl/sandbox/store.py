"""SQLite store of one sandbox file: kept connections, one writer at a time.

Each `Store` keeps one writer connection and a pool of reader connections, opened once (WAL
mode, so readers run beside the writer). The writer is used by one unit of work at a time: a
request's unit (`Store.unit`, opened by the middleware) or a standalone `Store.write()`. A
`write()` or `read()` made while a unit of this store is open joins it (a savepoint), so a
request's bookkeeping and its handler's work are one transaction. Writers take
`BEGIN IMMEDIATE`, so several processes on one file stay serialised too: two that both read
"one unit left" cannot both reserve it (the second waits for the first to commit).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
import threading
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from anyio import to_thread

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


#: Parameter types that cannot be out of range (checked by exact type: every statement pays).
_NEVER_OUT_OF_RANGE = frozenset({str, float, bytes, bool, type(None)})


def _check_params(sql: str, params: Any) -> None:
    values: Iterable[Any] = (
        params if type(params) is tuple or not isinstance(params, Mapping) else params.values()
    )
    for value in values:
        if type(value) in _NEVER_OUT_OF_RANGE:
            continue
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


# `idempotency` is keyed by its primary key alone (WITHOUT ROWID): a request's claim changes
# one page of it, not two (a table and its key's index), one WAL frame less at each commit.
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
) WITHOUT ROWID;
"""

# Tables of the store itself; each provider module adds its own (SCHEMA, STATE_TABLES).
_STATE_TABLES: tuple[str, ...] = ("meta", "idempotency")


class _Gate:
    """The right to use a store's writer connection: one holder at a time, first come first served.

    A request waits for it on its event loop (`acquire_async`: no thread is parked, so a full
    thread pool cannot starve the holder's handler); code outside a request blocks its thread
    (`acquire`). Ownership passes straight to the next waiter on `release`.
    """

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._held = False
        self._waiters: deque[Callable[[], None]] = deque()

    def acquire(self, *, blocking: bool = True) -> bool:
        with self._mutex:
            if not self._held:
                self._held = True
                return True
            if not blocking:
                return False
            handed = threading.Event()
            self._waiters.append(handed.set)
        handed.wait()
        return True

    async def acquire_async(self) -> None:
        loop = asyncio.get_running_loop()
        with self._mutex:
            if not self._held:
                self._held = True
                return
            handed: asyncio.Future[None] = loop.create_future()

            def wake() -> None:
                loop.call_soon_threadsafe(self._hand_over, handed)

            self._waiters.append(wake)
        try:
            await handed
        except BaseException:
            with self._mutex:
                waiting = wake in self._waiters
                if waiting:
                    self._waiters.remove(wake)
            if not waiting and handed.done() and not handed.cancelled():
                self.release()  # handed over just as we were cancelled: pass it on
            raise

    def _hand_over(self, handed: asyncio.Future[None]) -> None:
        if handed.done():  # the waiter was cancelled meanwhile
            self.release()
        else:
            handed.set_result(None)

    def release(self) -> None:
        while True:
            with self._mutex:
                if not self._waiters:
                    self._held = False
                    return
                wake = self._waiters.popleft()
            try:
                wake()
                return
            except RuntimeError:  # the waiter's event loop is closed: try the next one
                continue


@dataclass(frozen=True)
class _Unit:
    store: Store
    conn: sqlite3.Connection


#: The unit of work open in this context (a request's, or a standalone write's).
_UNIT: ContextVar[_Unit | None] = ContextVar("bookctl_sandbox_unit", default=None)


def _is_busy(err: sqlite3.OperationalError) -> bool:
    return getattr(err, "sqlite_errorcode", None) in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


class Store:
    """One sandbox database file and the connections kept open to it."""

    def __init__(
        self, path: Path, *, schemas: tuple[str, ...] = (), state_tables: tuple[str, ...] = ()
    ) -> None:
        self.path = path
        self._schemas = schemas
        # Children before parents, so deleting in this order respects the references.
        self._state_tables = state_tables + _STATE_TABLES
        self._gate = _Gate()
        self._writer: sqlite3.Connection | None = None  # used only by the gate's holder
        self._writer_busy_ms = BUSY_TIMEOUT_MS
        self._readers: list[sqlite3.Connection] = []
        self._readers_lock = threading.Lock()

    def _connect(self) -> sqlite3.Connection:
        # isolation_level=None: we issue BEGIN ourselves so the lock mode is explicit. Kept
        # connections move between the event loop and worker threads (never two at once).
        conn = sqlite3.connect(
            self.path,
            timeout=BUSY_TIMEOUT_MS / 1000,
            isolation_level=None,
            factory=_Connection,
            check_same_thread=False,
        )
        conn.row_factory = sqlite3.Row
        conn.text_factory = _text
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        # The sandbox holds test data: no commit or checkpoint waits for an fsync. In WAL mode
        # a process that dies loses nothing; a power cut may lose the last writes or damage the
        # file, which the sandbox reports and `bookctl sandbox reset` repairs.
        conn.execute("PRAGMA synchronous = OFF")
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
        self._gate.acquire()
        try:
            conn = self._begin(wait=True, setup=True)
            try:
                _run_script(conn, _SCHEMA)
                for schema in self._schemas:
                    _run_script(conn, schema)
            except BaseException:
                self._end(conn, "ROLLBACK")
                raise
            self._end(conn, "COMMIT")
        except sqlite3.OperationalError as err:
            if _is_busy(err):
                raise
            raise DamagedStore(self.path, str(err)) from err
        except sqlite3.DatabaseError as err:
            raise DamagedStore(self.path, str(err)) from err
        finally:
            self._gate.release()

    def _check(self, conn: sqlite3.Connection) -> None:
        row = conn.execute("PRAGMA quick_check(1)").fetchone()
        if row is None or row[0] != "ok":
            raise DamagedStore(self.path, str(row[0]) if row else "integrity check failed")

    def _begin(self, *, wait: bool, setup: bool = False) -> sqlite3.Connection:
        """`BEGIN IMMEDIATE` on the writer (the caller holds the gate); without `wait`, a
        write lock held by another process raises at once instead of blocking this thread."""
        try:
            conn = self._writer
            if conn is None:
                conn = self._writer = self._connect()
            if setup:
                conn.execute("PRAGMA journal_mode = WAL")
                self._check(conn)
            busy_ms = BUSY_TIMEOUT_MS if wait else 0
            if busy_ms != self._writer_busy_ms:
                conn.execute(f"PRAGMA busy_timeout = {busy_ms}")
                self._writer_busy_ms = busy_ms
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as err:
            if not _is_busy(err):
                self._drop_writer()
            raise
        except BaseException:
            self._drop_writer()
            raise
        return conn

    def _end(self, conn: sqlite3.Connection, statement: str) -> None:
        """COMMIT or ROLLBACK the writer's transaction; a writer that fails to is replaced."""
        try:
            conn.execute(statement)
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
            self._drop_writer()
            raise

    def _drop_writer(self) -> None:
        conn, self._writer = self._writer, None
        self._writer_busy_ms = BUSY_TIMEOUT_MS
        if conn is not None:
            with contextlib.suppress(sqlite3.Error):
                conn.close()

    @asynccontextmanager
    async def unit(self) -> AsyncIterator[sqlite3.Connection]:
        """A request's unit of work: one write transaction that `write()` and `read()` join.

        Committed when the block ends normally, rolled back if it raises. The statements run
        on the caller's thread (the event loop: each is tens of microseconds); only waiting for
        another process's write lock is moved to a worker thread.
        """
        await self._gate.acquire_async()
        try:
            try:
                conn = self._begin(wait=False)
            except sqlite3.OperationalError as err:
                if not _is_busy(err):
                    raise
                conn = await to_thread.run_sync(lambda: self._begin(wait=True))
            token = _UNIT.set(_Unit(self, conn))
            try:
                yield conn
            except BaseException:
                self._end(conn, "ROLLBACK")
                raise
            finally:
                _UNIT.reset(token)
            self._end(conn, "COMMIT")
        finally:
            self._release()

    def _release(self) -> None:
        # A transaction left open (cancelled between BEGIN and the block) is not handed on.
        try:
            if self._writer is not None and self._writer.in_transaction:
                self._end(self._writer, "ROLLBACK")
        finally:
            self._gate.release()

    def _joined(self) -> sqlite3.Connection | None:
        unit = _UNIT.get()
        return unit.conn if unit is not None and unit.store is self else None

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """A write transaction (`BEGIN IMMEDIATE`): committed on success, rolled back on error.

        Inside an open unit of this store it is a savepoint of the unit's transaction instead:
        its work is undone if it raises, and committed with the unit.
        """
        conn = self._joined()
        if conn is not None:
            # A savepoint that succeeds is left open rather than released: the unit's COMMIT
            # (or ROLLBACK) ends it with the rest, one statement less a request. A later
            # write's savepoint of the same name nests inside it, and ROLLBACK TO undoes
            # only the newest.
            conn.execute("SAVEPOINT sandbox_write")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK TO sandbox_write")
                conn.execute("RELEASE sandbox_write")
                raise
            return
        self._gate.acquire()
        try:
            conn = self._begin(wait=True)
            token = _UNIT.set(_Unit(self, conn))
            try:
                yield conn
            except BaseException:
                self._end(conn, "ROLLBACK")
                raise
            finally:
                _UNIT.reset(token)
            self._end(conn, "COMMIT")
        finally:
            self._release()

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """A read transaction: one consistent snapshot for all its statements.

        Inside an open unit of this store it reads through the unit (seeing its writes).
        """
        joined = self._joined()
        if joined is not None:
            yield joined
            return
        with self._readers_lock:
            conn = self._readers.pop() if self._readers else None
        conn = conn or self._connect()
        reusable = False
        try:
            conn.execute("BEGIN")
            try:
                yield conn
            finally:
                conn.execute("ROLLBACK")
                reusable = True
        finally:
            if reusable:
                with self._readers_lock:
                    self._readers.append(conn)
            else:
                conn.close()

    def close(self) -> None:
        """Close the kept connections (they reopen when used again).

        The writer is left open if a unit is still using it (an app torn down mid-request).
        """
        with self._readers_lock:
            readers, self._readers = self._readers, []
        for conn in readers:
            conn.close()
        if self._gate.acquire(blocking=False):
            try:
                self._drop_writer()
            finally:
                self._gate.release()

    def reset(self) -> None:
        """Delete all state (carts, bookings, idempotency keys, clock offset, counters)."""
        with self.write() as conn:
            for table in self._state_tables:
                conn.execute(f"DELETE FROM {table}")
            # Restart booking ids so a reset sandbox numbers bookings as a fresh one does.
            conn.execute("DELETE FROM sqlite_sequence")


def check_database(path: Path) -> None:
    """Create or open the database at ``path``; :class:`DamagedStore` if it cannot be used."""
    store = Store(path)
    try:
        store.initialise()
    finally:
        store.close()


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
