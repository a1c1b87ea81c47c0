"""What a client of the sandbox needs without loading the app: header names, and the lock
file by which the background server (`bookctl.sandbox.daemon`) says it runs.

Importing this module costs nothing: no FastAPI, no SQLite.
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path
from typing import Any

#: Marks the answer of a request that found the database damaged (the CLI says how to repair).
DAMAGED_HEADER = "x-sandbox-damaged"
#: Marks the answer of a background server that is stopping and did not run the request (its
#: database file was removed or replaced): the client serves the request itself.
GONE_HEADER = "x-sandbox-gone"
#: The background server's own endpoints (status and stop), beside the app's `/_sandbox/`.
DAEMON_PATH = "/_sandbox/daemon"


def try_lock(path: Path) -> int | None:
    """An open descriptor of ``path`` holding its exclusive lock, or None if another holds it.

    The lock is ``flock``'s: it lasts while the descriptor is open, and dies with its process
    (one killed leaves what it wrote there: the file is emptied when the lock is taken).
    """
    import fcntl

    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        os.ftruncate(fd, 0)
    except BlockingIOError:
        os.close(fd)
        return None
    except BaseException:
        os.close(fd)
        raise
    return fd


def holder(path: Path) -> dict[str, Any] | None:
    """What the running server wrote into its lock file ``path`` (``{}`` while it starts), or
    None when no server holds the lock."""
    try:
        fd = try_lock(path)
    except FileNotFoundError:  # no state dir yet: nothing runs there
        return None
    if fd is not None:
        os.close(fd)
        return None
    with contextlib.suppress(OSError, ValueError):
        info = json.loads(path.read_bytes() or b"{}")
        if isinstance(info, dict):
            return info
    return {}
