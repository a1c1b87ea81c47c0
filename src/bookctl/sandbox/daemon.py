"""The background sandbox: the app of all five emulators on a Unix socket, one per state dir.

The CLI starts it as a detached process when a command on the embedded sandbox found none
running (``bookctl.cli.background``), and later commands reach it over the socket instead of
loading the app themselves:

    python -m bookctl.sandbox.daemon --db DB --socket PATH --lock PATH --idle SECONDS --log PATH

It holds the exclusive lock of ``--lock`` for its whole life (taken by its starter and
inherited as ``--lock-fd``, or taken itself) and exits at once if another process holds it,
so racing starters leave one server. It writes what ``bookctl sandbox status`` shows into that
lock file, sends its output to ``--log`` (this run's only) and binds the socket (removing a
stale one: it holds the lock). It stops, removing its socket, after ``--idle`` seconds without
a request, on ``POST /_sandbox/daemon/stop``, on SIGTERM, and as soon as its database file or
lock file is removed or replaced or the database's header overwritten: it then answers a
request with the ``GONE_HEADER`` without running it, and the client runs it itself, finding
what a command without a server finds. The key the emulators expect comes from
``BOOKCTL_SANDBOX_KEY``; ``BOOKCTL_CLOCK_SHIFT`` is read as by any sandbox process.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import socket
import sys
import time
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

from bookctl import __version__
from bookctl.sandbox.protocol import DAEMON_PATH, GONE_HEADER, try_lock

if TYPE_CHECKING:
    from bookctl.sandbox.middleware import ASGIApp, Receive, Scope, Send

_BACKLOG = 128
_SQLITE_HEADER = b"SQLite format 3\x00"


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return stat.st_dev, stat.st_ino


class Daemon:
    """The ASGI app in front of the sandbox: counts requests, tracks idleness, serves its own
    status and stop endpoints, and refuses requests once its files are gone."""

    def __init__(
        self, app: ASGIApp, *, db: Path, lock: Path, sock: Path, idle: float, info: dict[str, Any]
    ) -> None:
        self.app = app
        self.idle = idle
        self.info = info
        self.requests = 0
        self._active = 0
        self._last = time.monotonic()
        self._files = {db: _identity(db), lock: _identity(lock)}
        self._db_fd = os.open(db, os.O_RDONLY | os.O_CLOEXEC)
        self._sock = sock
        self._sock_id = _identity(sock)
        self.should_exit = False

    def idle_left(self) -> float:
        if self._active:
            return self.idle
        return max(0.0, self.idle - (time.monotonic() - self._last))

    def unusable(self) -> bool:
        """Whether its database or lock file was removed or replaced since it started, or the
        database no longer starts as one (overwritten in place: its kept connections would not
        notice, where a command opening it finds it damaged)."""
        if any(_identity(path) != ident for path, ident in self._files.items()):
            return True
        try:
            return os.pread(self._db_fd, len(_SQLITE_HEADER), 0) != _SQLITE_HEADER
        except OSError:
            return True

    def close(self) -> None:
        os.close(self._db_fd)

    def stop(self) -> None:
        """Take the socket away first: a new command then finds no server, not a closing one."""
        if not self.should_exit and _identity(self._sock) == self._sock_id:
            with contextlib.suppress(OSError):
                os.unlink(self._sock)
        self.should_exit = True

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        if path == DAEMON_PATH:
            await _send_json(send, 200, self.status())
            return
        if path == DAEMON_PATH + "/stop" and scope["method"] == "POST":
            self.stop()
            await _send_json(send, 200, {"ok": True, "pid": os.getpid()})
            return
        if self.should_exit or self.unusable():
            self.stop()
            await _send_json(
                send,
                503,
                {"message": "The background sandbox is stopping.", "code": "gone"},
                gone=True,
            )
            return
        self._active += 1
        self.requests += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self._active -= 1
            self._last = time.monotonic()

    def status(self) -> dict[str, Any]:
        return {
            **self.info,
            "idle_left": round(self.idle_left(), 1),
            "requests": self.requests,
        }

    async def watch(self, server: Any) -> None:
        """Stop the server once idle long enough, or once its files are gone."""
        tick = min(1.0, max(self.idle / 4, 0.05))
        while not server.should_exit:
            await asyncio.sleep(tick)
            if self.should_exit or self.unusable() or (not self._active and not self.idle_left()):
                self.stop()
                server.should_exit = True


async def _send_json(send: Send, status: int, payload: Any, *, gone: bool = False) -> None:
    body = json.dumps(payload).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    if gone:
        headers.append((GONE_HEADER.encode(), b"1"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})


def _bind(path: Path) -> socket.socket:
    """Listen on ``path``; a socket file already there is stale (the caller holds the lock)."""
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    old = os.umask(0o077)
    try:
        sock.bind(str(path))
    except BaseException:
        sock.close()
        raise
    finally:
        os.umask(old)
    sock.listen(_BACKLOG)
    return sock


def _log_to(path: Path) -> None:
    """Send stdout and stderr to ``path``, emptied: the log of this run only."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_APPEND, 0o600)
    try:
        os.dup2(fd, 1)
        os.dup2(fd, 2)
    finally:
        os.close(fd)


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bookctl.sandbox.daemon")
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--socket", type=Path, required=True)
    parser.add_argument("--lock", type=Path, required=True)
    parser.add_argument("--lock-fd", type=int, help="the lock, already taken by the starter")
    parser.add_argument("--idle", type=float, default=300.0)
    parser.add_argument("--log", type=Path)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    lock_fd = try_lock(args.lock) if args.lock_fd is None else args.lock_fd
    if lock_fd is None:
        return 0  # another server (or starter) has this state dir
    try:
        if args.log is not None:
            _log_to(args.log)
        return _run(args, lock_fd)
    finally:
        with contextlib.suppress(OSError):
            os.ftruncate(lock_fd, 0)
        os.close(lock_fd)


def _run(args: argparse.Namespace, lock_fd: int) -> int:
    import uvicorn

    from bookctl.sandbox.app import DEFAULT_API_KEY, create_app
    from bookctl.sandbox.server import ResetOnSocket
    from bookctl.sandbox.store import DamagedStore

    try:
        app = create_app(args.db, api_key=os.environ.get("BOOKCTL_SANDBOX_KEY") or DEFAULT_API_KEY)
    except DamagedStore as err:
        sys.stderr.write(f"bookctl sandbox daemon: {err}\n")
        return 1
    sock = _bind(args.socket)
    info = {
        "pid": os.getpid(),
        "version": __version__,
        "socket": str(args.socket),
        "db": str(args.db),
        "idle_seconds": args.idle,
        "started_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    daemon = Daemon(
        ResetOnSocket(app),
        db=args.db,
        lock=args.lock,
        sock=args.socket,
        idle=args.idle,
        info=info,
    )
    os.pwrite(lock_fd, json.dumps(info).encode(), 0)

    class _Server(uvicorn.Server):
        def handle_exit(self, sig: int, frame: FrameType | None) -> None:
            daemon.stop()  # uvicorn re-raises the signal once it has drained: unlink now
            super().handle_exit(sig, frame)

    config = uvicorn.Config(
        daemon,
        lifespan="off",
        log_level="warning",
        access_log=False,
        # Longer than the client keeps an idle connection (5 s), so it never reuses one
        # that the server is closing.
        timeout_keep_alive=10,
        timeout_graceful_shutdown=5,
    )
    server = _Server(config)

    async def serve() -> None:
        watcher = asyncio.create_task(daemon.watch(server))
        try:
            await server.serve(sockets=[sock])
        finally:
            watcher.cancel()

    try:
        asyncio.run(serve())
    finally:
        daemon.stop()
        daemon.close()
        app.state.sandbox.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
