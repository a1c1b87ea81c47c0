"""`bookctl sandbox serve`: the sandbox app on a loopback port, under uvicorn."""

from __future__ import annotations

import ipaddress
from pathlib import Path

from bookctl.sandbox.middleware import ASGIApp, Receive, SandboxConnectionReset, Scope, Send

_LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})


def is_loopback(host: str) -> bool:
    """Whether `host` names the loopback interface (127.0.0.0/8, ::1, localhost)."""
    if host.lower() in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class ResetOnSocket:
    """Turns the in-process reset exception into a dropped socket under uvicorn.

    The app has already sent the status line; returning without the body makes uvicorn close
    the connection mid-response (the client sees a protocol error), instead of answering 500.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await self.app(scope, receive, send)
        except SandboxConnectionReset:
            return


def serve(
    *,
    host: str,
    port: int,
    db_path: Path,
    api_key: str,
    faults: str | None,
    seed: int,
    allow_remote: bool = False,
) -> None:
    """Run the sandbox under uvicorn until interrupted (blocks).

    Raises ValueError for a non-loopback host unless `allow_remote` is True: the sandbox has
    a well-known key and no TLS, so it must not be exposed by accident.
    """
    if not allow_remote and not is_loopback(host):
        raise ValueError(
            f"refusing to serve the sandbox on non-loopback host {host!r}; "
            "use 127.0.0.1 or pass allow_remote=True"
        )
    import uvicorn

    from bookctl.sandbox.app import create_app

    app = create_app(db_path, api_key=api_key, faults=faults, seed=seed)
    uvicorn.run(ResetOnSocket(app), host=host, port=port, log_level="warning")
