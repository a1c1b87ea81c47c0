"""The embedded sandbox as an HTTP transport: the background server a profile on
``sandbox.embedded`` reaches over a Unix socket when one runs, else the emulator in this
process (used by the client factory and by ``bookctl sandbox``)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import httpx

from bookctl.core import paths
from bookctl.core.errors import LocalFileError

T = TypeVar("T")


def open_sandbox(db: Path, factory: Callable[..., T], **kwargs: Any) -> T:
    """``factory(db, **kwargs)`` (the sandbox app), a damaged database a clear local error."""
    from bookctl.sandbox.store import DamagedStore

    try:
        return factory(db, **kwargs)
    except DamagedStore as err:
        raise damaged(db, err.detail) from err


def embedded_transport(
    db: Path, *, api_key: str, providers: list[str] | None = None, background: bool = False
) -> httpx.BaseTransport:
    """The embedded sandbox on ``db``; a request finding it damaged is a local file error.

    With ``background``, the background server when its socket is there (the app is loaded
    only if it turns out not to answer); otherwise the app in this process (only
    ``providers``' emulators when given), which then starts the server for the next command.
    """
    if background:
        from bookctl.cli.background import socket_path

        sock = socket_path()
        if sock is not None and sock.exists():
            return _Background(db, sock, lambda: _in_process(db, api_key, providers, True))
        return _in_process(db, api_key, providers, sock is not None)
    return _in_process(db, api_key, providers, False)


def _in_process(
    db: Path, api_key: str, providers: list[str] | None, start_server: bool
) -> httpx.BaseTransport:
    from bookctl.core.embedded import ASGISyncTransport
    from bookctl.sandbox.app import create_app
    from bookctl.sandbox.protocol import DAMAGED_HEADER

    sandbox_app = open_sandbox(db, create_app, api_key=api_key, providers=providers)

    class _Embedded(ASGISyncTransport):
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            response = super().handle_request(request)
            if response.headers.get(DAMAGED_HEADER):
                raise damaged(db, str(response.json().get("message", "")).rstrip("."))
            return response

        def close(self) -> None:
            super().close()
            sandbox_app.state.sandbox.close()  # its kept SQLite connections
            if start_server:
                from bookctl.cli.background import start

                start(db)

    return _Embedded(sandbox_app)


class _Background(httpx.BaseTransport):
    """Requests go to the background server's socket; if nothing listens there (a stale
    socket, a server that just stopped) or the server says it is going, the request never ran
    there and this process serves it and the rest itself."""

    def __init__(self, db: Path, sock: Path, local: Callable[[], httpx.BaseTransport]) -> None:
        from bookctl.core.http import UnixSocketTransport

        self._db = db
        self._served: httpx.BaseTransport = UnixSocketTransport(str(sock))
        self._make_local = local
        self._local: httpx.BaseTransport | None = None
        self._local_lock = threading.Lock()  # a batch's workers share this transport

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        from bookctl.sandbox.protocol import DAMAGED_HEADER, GONE_HEADER

        if self._local is None:
            try:
                response = self._served.handle_request(request)
            except httpx.ConnectError:
                pass
            else:
                if not response.headers.get(GONE_HEADER):
                    if response.headers.get(DAMAGED_HEADER):
                        response.read()
                        detail = str(response.json().get("message", "")).rstrip(".")
                        raise damaged(self._db, detail)
                    return response
                response.close()
            with self._local_lock:
                if self._local is None:
                    self._local = self._make_local()
        return self._local.handle_request(request)

    def close(self) -> None:
        self._served.close()
        if self._local is not None:
            self._local.close()


def damaged(db: Path, detail: str) -> LocalFileError:
    embedded = db == paths.embedded_sandbox_db()
    return LocalFileError(
        f"the sandbox database {db} cannot be used ({detail})",
        hint="run 'bookctl sandbox reset' to start a fresh sandbox"
        if embedded
        else f"remove {db} (and its -wal and -shm files) to start a fresh sandbox there",
    )
