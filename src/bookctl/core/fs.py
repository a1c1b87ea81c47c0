"""Atomic, locked writes of the small local files (config, credentials, sessions)."""

from __future__ import annotations

import contextlib
import os
import tempfile
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
    fd, tmp = temp_beside(path)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    _fsync_dir(path.parent)


def append_durable(path: Path, line: bytes, *, mode: int = PRIVATE_FILE) -> None:
    """Append one record and fsync it before returning."""
    ensure_private_dir(path.parent)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, mode)
    try:
        os.write(fd, line)
        os.fsync(fd)
    finally:
        os.close(fd)


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
