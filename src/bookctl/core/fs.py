"""Local files: atomic, locked writes of the small ones (config, credentials, sessions), and
durable appends to logs (the batch journal, the order history)."""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

PRIVATE_FILE = 0o600
PRIVATE_DIR = 0o700


def ensure_private_dir(path: Path) -> None:
    """Create ``path`` (and parents) as a directory only its owner can enter."""
    try:
        path.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR)
    except OSError as err:
        from bookctl.core.errors import LocalFileError

        raise LocalFileError(
            f"cannot create the directory {path}: {err.strerror}",
            hint="a file may stand where the directory goes; check the path and its permissions",
        ) from err
    with contextlib.suppress(PermissionError):
        os.chmod(path, PRIVATE_DIR)


def _fsync_dir(path: Path) -> None:
    # Makes the rename itself durable; some platforms cannot open a directory.
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


#: A temporary file of an older bookctl (no pid in its name) is stale after this long.
STALE_TEMP_SECONDS = 3600.0


def temp_beside(path: Path) -> tuple[int, str]:
    """A new private temporary file beside ``path`` (``.NAME.PID.XXXX.tmp``), open for writing.

    Temporary files that a killed bookctl left beside ``path`` are removed first: the pid in
    their name says whether their writer still runs.
    """
    clean_stale_temps(path)
    return tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp", dir=path.parent)


def clean_stale_temps(path: Path) -> None:
    """Remove the temporary files of ``path`` whose writing process is gone."""
    prefix = f".{path.name}."
    try:
        names = os.listdir(path.parent)
    except OSError:
        return
    for name in names:
        if not (name.startswith(prefix) and name.endswith(".tmp")):
            continue
        stale_path = path.parent / name
        owner = name[len(prefix) :].split(".", 1)[0]
        if owner.isdigit() and "." in name[len(prefix) :].removesuffix(".tmp"):
            stale = not _alive(int(owner))
        else:
            try:
                stale = time.time() - stale_path.stat().st_mtime > STALE_TEMP_SECONDS
            except OSError:
                continue
        if stale:
            with contextlib.suppress(OSError):
                stale_path.unlink()


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # another user's process: not ours to judge
    return True


def write_atomic(path: Path, data: bytes, *, mode: int = PRIVATE_FILE) -> None:
    """Replace ``path`` with ``data`` so that a crash leaves either the old or the new file."""
    ensure_private_dir(path.parent)
    with AtomicFile(path, mode=mode) as new:
        new.write(data)


class AtomicFile:
    """A new version of ``path``, written bit by bit into a private temporary file beside it.

    :meth:`commit` makes it durable and moves it into place (fsync the file, ``os.replace``,
    fsync the directory), so a crash at any instant leaves the old file or the new one, never
    a part; :meth:`discard` drops it. As a context manager it commits unless the block
    raises. The directory of ``path`` must exist.
    """

    def __init__(self, path: Path, *, mode: int = PRIVATE_FILE) -> None:
        self.path = path
        fd, tmp = temp_beside(path)
        self._tmp = tmp
        try:
            os.fchmod(fd, mode)
            self._handle = os.fdopen(fd, "wb")
        except BaseException:
            os.close(fd)
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise

    def __enter__(self) -> AtomicFile:
        return self

    def __exit__(self, kind: type[BaseException] | None, *exc: object) -> None:
        if kind is None:
            self.commit()
        else:
            self.discard()

    def write(self, data: bytes) -> None:
        self._handle.write(data)

    def commit(self) -> None:
        try:
            self._handle.flush()
            os.fsync(self._handle.fileno())
            self._handle.close()
            os.replace(self._tmp, self.path)
        except BaseException:
            self.discard()
            raise
        _fsync_dir(self.path.parent)

    def discard(self) -> None:
        with contextlib.suppress(OSError):
            self._handle.close()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self._tmp)


def append_durable(path: Path, line: bytes, *, mode: int = PRIVATE_FILE) -> None:
    """Append one record and fsync it before returning."""
    with DurableAppender(path, mode=mode) as appender:
        appender.append(line)


class DurableAppender:
    """An append-only file kept open, whose :meth:`append` returns once the data is fsync'd.

    Appends are group-committed: while one thread writes and syncs, the others queue their
    records, and the next sync covers all of them, so N concurrent appends cost about one
    fsync rather than N, and a record is never reported written before it is durable.
    Records are written in the order their appends were called. After a failed write or
    sync, every later append fails too: the file's tail is then unknown (at worst a torn
    last record, which a reader of an append-only log cuts off).
    """

    def __init__(self, path: Path, *, mode: int = PRIVATE_FILE) -> None:
        ensure_private_dir(path.parent)
        self.path = path
        self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, mode)
        self._cond = threading.Condition()
        self._queue: list[bytes] = []
        self._queued = 0  # appends accepted so far
        self._durable = 0  # of them, written and synced
        self._syncing = False
        self._failure: OSError | None = None
        self.syncs = 0

    def __enter__(self) -> DurableAppender:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def append(self, data: bytes) -> None:
        """Write ``data`` at the end of the file; return once it is fsync'd."""
        with self._cond:
            self._raise_if_failed()
            self._queue.append(data)
            self._queued += 1
            ticket = self._queued
            while self._durable < ticket:
                self._raise_if_failed()
                if self._syncing:
                    self._cond.wait()
                else:
                    self._sync_queue()

    def close(self) -> None:
        """Close the file once the sync under way (if any) is done."""
        with self._cond:
            while self._syncing:
                self._cond.wait()
            if self._fd >= 0:
                os.close(self._fd)
                self._fd = -1

    def _raise_if_failed(self) -> None:
        if self._failure is not None:
            failure = self._failure
            raise OSError(failure.errno, failure.strerror, str(self.path))
        if self._fd < 0:
            raise ValueError(f"{self.path} is closed")

    def _sync_queue(self) -> None:
        # Called with the lock held; it is released while writing so that others can queue.
        data, upto = b"".join(self._queue), self._queued
        self._queue.clear()
        self._syncing = True
        failure: OSError | None = OSError(errno.EINTR, "interrupted while writing")
        self._cond.release()
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(self._fd, view) :]
            os.fsync(self._fd)
            failure = None
        except OSError as err:
            failure = err
        finally:
            self._cond.acquire()
            self._syncing = False
            self.syncs += 1
            if failure is None:
                self._durable = upto
            else:
                self._failure = failure
            self._cond.notify_all()


@contextlib.contextmanager
def locked(path: Path, *, timeout: float = 30.0) -> Iterator[None]:
    """Hold an exclusive lock beside ``path`` (``path.lock``) across processes."""
    from filelock import FileLock
    from filelock import Timeout as LockTimeout

    from bookctl.core.errors import LocalFileError

    ensure_private_dir(path.parent)
    lock = FileLock(str(path) + ".lock", timeout=timeout, mode=PRIVATE_FILE)
    try:
        with lock:
            yield
    except LockTimeout as err:
        raise LocalFileError(
            f"{path} is locked by another bookctl process",
            hint=f"wait for it to finish, or remove {path}.lock if no bookctl is running",
        ) from err
