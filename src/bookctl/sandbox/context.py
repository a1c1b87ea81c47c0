"""The per-app sandbox context that routes and middleware share."""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType

from starlette.requests import HTTPConnection

from bookctl.sandbox.faults import FaultInjector
from bookctl.sandbox.store import Store


@dataclass
class Sandbox:
    """Everything one sandbox app needs: its store, API key and fault injector."""

    store: Store
    api_key: str
    faults: FaultInjector
    providers: tuple[ModuleType, ...] = ()
    """The emulator modules this app serves."""

    def close(self) -> None:
        """Close the store's kept connections (when the app is done with, e.g. in-process)."""
        self.store.close()


def sandbox_of(conn: HTTPConnection) -> Sandbox:
    """The `Sandbox` of the app serving this request.

    The routers' auth checks call it directly: a sub-dependency costs each request more.
    """
    sandbox = conn.app.state.sandbox
    assert isinstance(sandbox, Sandbox)
    return sandbox


async def get_sandbox(conn: HTTPConnection) -> Sandbox:
    """The `Sandbox` of the app serving this request (a FastAPI dependency).

    Async so FastAPI resolves it on the event loop rather than in a worker thread.
    """
    return sandbox_of(conn)
