"""The background sandbox, from the client's side: whether it is on, where its socket is,
starting it, and finding the one that runs.

A command on the embedded sandbox first tries the server's Unix socket (see
``bookctl.cli.embedded``); when none answers, it runs the app in-process as before and then
starts the server, detached, for the next command (``bookctl.sandbox.daemon``). The socket's
name carries everything a request's answer depends on besides the database: the bookctl
version and install, ``BOOKCTL_CLOCK_SHIFT`` and the sandbox key, so a server started with
other ones is never used. Nothing here imports the app: reaching a running server is cheap.
"""

from __future__ import annotations

import hashlib
import math
import os
import socket
import stat
import sys
from pathlib import Path

import bookctl
from bookctl.core import paths
from bookctl.core.config import sandbox_key

DAEMON_ENV = "BOOKCTL_SANDBOX_DAEMON"
IDLE_ENV = "BOOKCTL_SANDBOX_IDLE"
DEFAULT_IDLE_SECONDS = 300.0
#: A socket's path must fit ``sun_path`` (104 bytes on macOS and the BSDs, 108 on Linux).
_MAX_SOCKET_PATH = 100
#: The environment a server is started with (names or prefixes): the sandbox clock's shift,
#: and what the interpreter and the locale read.
_KEPT_ENV = ("BOOKCTL_CLOCK_SHIFT", "PYTHON", "PATH", "HOME", "LANG", "LC_", "TMPDIR", "TZ")
_OFF = ("0", "false", "no", "off")
_ON = ("1", "true", "yes", "on")


def enabled() -> bool:
    """Whether the embedded sandbox uses (and starts) a background server.

    On unless ``BOOKCTL_SANDBOX_DAEMON`` is false, or ``CI`` is true (a CI runner must not
    find a process left behind) and ``BOOKCTL_SANDBOX_DAEMON`` is not true; never without
    Unix sockets.
    """
    if os.name != "posix" or not hasattr(socket, "AF_UNIX"):
        return False
    chosen = os.environ.get(DAEMON_ENV, "").strip().lower()
    if chosen in _OFF:
        return False
    if chosen in _ON:
        return True
    return os.environ.get("CI", "").strip().lower() not in _ON


def idle_seconds() -> float:
    """``BOOKCTL_SANDBOX_IDLE``: seconds without a request before the server stops (300)."""
    try:
        value = float(os.environ.get(IDLE_ENV, "") or DEFAULT_IDLE_SECONDS)
    except ValueError:
        return DEFAULT_IDLE_SECONDS
    return value if math.isfinite(value) and value > 0 else DEFAULT_IDLE_SECONDS


def _digest(text: str, size: int) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()[:size]


def server_key() -> str:
    """What a server must share with this command to answer it as the in-process app would."""
    return _digest(
        "\0".join(
            (
                bookctl.__version__,
                os.path.dirname(bookctl.__file__),
                os.environ.get("BOOKCTL_CLOCK_SHIFT", "").strip(),
                sandbox_key(),
            )
        ),
        12,
    )


def socket_path() -> Path | None:
    """Where this command's server listens: in the state dir, or, when that path is too long
    for a socket, in a private per-user directory under a hash of the state dir; None when
    neither fits."""
    state = Path(os.path.abspath(paths.state_dir()))
    key = server_key()
    path = state / f"sandbox-{key}.sock"
    if len(os.fsencode(path)) <= _MAX_SOCKET_PATH:
        return path
    short = _private_dir()
    if short is None:
        return None
    path = short / f"{_digest(str(state), 16)}-{key}.sock"
    return path if len(os.fsencode(path)) <= _MAX_SOCKET_PATH else None


def _private_dir() -> Path | None:
    """A short directory only this user can enter (``$XDG_RUNTIME_DIR/bookctl`` or
    ``/tmp/bookctl-UID``); None if it cannot be made so, or someone else owns it."""
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    base = Path(runtime) / "bookctl" if runtime else Path("/tmp") / f"bookctl-{os.getuid()}"
    try:
        base.mkdir(mode=0o700, exist_ok=True)
        info = os.lstat(base)
    except OSError:
        return None
    if (
        not stat.S_ISDIR(info.st_mode)
        or info.st_uid != os.getuid()
        or stat.S_IMODE(info.st_mode) & 0o077
    ):
        return None
    return base


def start(db: Path) -> None:
    """Start the background server on ``db`` for this state dir, detached, unless one runs or
    is starting there. It never holds this process's terminal or pipes, and a failure to start
    it changes nothing for the command (the server's log is ``paths.sandbox_server_log()``)."""
    from bookctl.sandbox.protocol import try_lock

    sock = socket_path()
    if sock is None:
        return
    # Taken here and handed to the server: from now on `status` and `stop` find it, and a
    # racing starter finds the lock held and starts nothing.
    lock = try_lock(paths.sandbox_server_lock())
    if lock is None:
        return
    try:
        _spawn(db, sock, lock)
    finally:
        os.close(lock)


def _spawn(db: Path, sock: Path, lock: int) -> None:
    import subprocess

    package_root = os.path.dirname(os.path.dirname(bookctl.__file__))
    python_path = os.environ.get("PYTHONPATH")
    # Only what the server needs: a long-lived process keeps no provider key of this shell.
    env = {name: value for name, value in os.environ.items() if name.startswith(_KEPT_ENV)}
    env["BOOKCTL_SANDBOX_KEY"] = sandbox_key()
    env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, python_path) if p)
    args = [
        sys.executable,
        "-m",
        "bookctl.sandbox.daemon",
        "--db",
        os.path.abspath(db),
        "--socket",
        str(sock),
        "--lock",
        os.path.abspath(paths.sandbox_server_lock()),
        "--lock-fd",
        str(lock),
        "--idle",
        repr(idle_seconds()),
    ]
    log = paths.sandbox_server_log()
    try:
        # Until the server takes the lock and empties it, the log gets what a starter says.
        fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, 0o600)
    except OSError:
        return
    try:
        subprocess.Popen(
            [*args, "--log", os.path.abspath(log)],
            stdin=subprocess.DEVNULL,
            stdout=fd,
            stderr=fd,
            close_fds=True,
            pass_fds=(lock,),
            start_new_session=True,
            cwd="/",
            env=env,
        )
    except OSError:
        return
    finally:
        os.close(fd)
