"""The embedded sandbox as an HTTP transport: the in-process emulator a profile on
``sandbox.embedded`` reaches (used by the client factory and by ``bookctl sandbox``)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from bookctl.core import paths
from bookctl.core.errors import LocalFileError

if TYPE_CHECKING:
    import httpx

T = TypeVar("T")


def open_sandbox(db: Path, factory: Callable[..., T], **kwargs: Any) -> T:
    """``factory(db, **kwargs)`` (the sandbox app), a damaged database a clear local error."""
    from bookctl.sandbox.store import DamagedStore

    try:
        return factory(db, **kwargs)
    except DamagedStore as err:
        raise damaged(db, err.detail) from err


def embedded_transport(
    db: Path, *, api_key: str, providers: list[str] | None = None
) -> httpx.BaseTransport:
    """The in-process sandbox on ``db`` (only ``providers``' emulators when given); a request
    finding it damaged is a local file error."""
    from bookctl.core.embedded import ASGISyncTransport
    from bookctl.sandbox.app import DAMAGED_HEADER, create_app

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

    return _Embedded(sandbox_app)


def damaged(db: Path, detail: str) -> LocalFileError:
    embedded = db == paths.embedded_sandbox_db()
    return LocalFileError(
        f"the sandbox database {db} cannot be used ({detail})",
        hint="run 'bookctl sandbox reset' to start a fresh sandbox"
        if embedded
        else f"remove {db} (and its -wal and -shm files) to start a fresh sandbox there",
    )
