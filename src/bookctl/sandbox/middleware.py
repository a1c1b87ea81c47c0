"""ASGI middleware in front of the provider routes: request counting, faults, idempotency.

Admin routes (`/_sandbox/...`) pass straight through: faults must never break the tools used
to observe and reset the sandbox.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import anyio
from anyio import to_thread

from bookctl.sandbox import idempotency
from bookctl.sandbox.context import Sandbox
from bookctl.sandbox.faults import FaultPlan
from bookctl.sandbox.store import increment_counter

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

_MUTATING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_KEPT_HEADERS = frozenset({"content-type", "auth-token", "location", "retry-after"})

_FAULT_BODIES: dict[int, tuple[str, str]] = {
    429: ("Too many requests. Retry after 1 second.", "rate_limited"),
    500: ("The server had an internal error.", "internal_error"),
    503: ("The service is temporarily unavailable.", "service_unavailable"),
}


class SandboxConnectionReset(ConnectionResetError):
    """Raised by the app to emulate a connection reset (fault `reset`).

    In-process (httpx `ASGITransport`, Starlette `TestClient`) this exception propagates out
    of the transport. Under uvicorn, `server.serve` swallows it after the status line has been
    sent, so uvicorn closes the socket mid-response and the client sees a protocol error.
    """


class ProviderMiddleware:
    """Counts, faults and de-duplicates requests to the provider prefixes."""

    def __init__(self, app: ASGIApp, sandbox: Sandbox, prefixes: dict[str, str]) -> None:
        self.app = app
        self.sandbox = sandbox
        self.prefixes = prefixes  # path prefix -> provider name

    def _provider(self, path: str) -> str | None:
        for prefix, name in self.prefixes.items():
            if path == prefix or path.startswith(prefix + "/"):
                return name
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        provider = self._provider(scope["path"]) if scope["type"] == "http" else None
        if provider is None:
            await self.app(scope, receive, send)
            return
        await to_thread.run_sync(self._count_request)
        plan = self.sandbox.faults.plan()
        if plan.delay_ms:
            await anyio.sleep(plan.delay_ms / 1000)
        if plan.reset:
            await send({"type": "http.response.start", "status": 200, "headers": []})
            raise SandboxConnectionReset("sandbox fault: connection reset")
        if plan.status is not None:
            message, code = _FAULT_BODIES[plan.status]
            extra = [(b"retry-after", b"1")] if plan.status == 429 else []
            await _send_json(send, plan.status, {"message": message, "code": code}, extra)
            return
        await self._run(provider, scope, receive, send, plan)

    def _count_request(self) -> None:
        with self.sandbox.store.write() as conn:
            increment_counter(conn, "requests")

    async def _run(
        self, provider: str, scope: Scope, receive: Receive, send: Send, plan: FaultPlan
    ) -> None:
        key = _header(scope, b"idempotency-key")
        if scope["method"] not in _MUTATING or not key:
            if plan.drop_after_commit:
                await self.app(scope, receive, _Capture().send)
                await _send_dropped(send)
            else:
                await self.app(scope, receive, send)
            return

        body = await _read_body(receive)
        if body is None:
            # A truncated request (the client died mid-send) must not claim the key: its
            # fingerprint would make the client's complete retry look like another request.
            return
        fp = idempotency.fingerprint(
            scope["method"], scope["path"], scope.get("query_string", b"").decode(), body
        )
        store = self.sandbox.store
        claim = await to_thread.run_sync(idempotency.claim, store, provider, key, fp)
        if claim.conflict == "reused":
            await _send_json(
                send,
                422,
                {
                    "message": "Idempotency-Key reused with a different request body",
                    "code": "idempotency_key_reused",
                },
            )
            return
        if claim.conflict == "in_flight":
            await _send_json(
                send,
                409,
                {
                    "message": "A request with this Idempotency-Key is still being processed.",
                    "code": "idempotency_in_flight",
                },
            )
            return
        if claim.replay is not None:
            if plan.drop_after_commit:
                await _send_dropped(send)
                return
            stored = claim.replay
            headers = [(k.encode(), v.encode()) for k, v in stored.headers]
            headers.append((b"idempotent-replayed", b"true"))
            await _send_raw(send, stored.status, headers, stored.body)
            return

        capture = _Capture()
        try:
            await self.app(scope, _replay_receive(body, receive), capture.send)
        except BaseException:
            with anyio.CancelScope(shield=True):
                await to_thread.run_sync(idempotency.release, store, provider, key)
            raise
        response = idempotency.StoredResponse(capture.status, capture.kept_headers(), capture.body)
        # Stored before a drop-after-commit fault loses the answer: a retry must find it.
        await to_thread.run_sync(idempotency.complete, store, provider, key, response)
        if plan.drop_after_commit:
            await _send_dropped(send)
            return
        await _send_raw(send, capture.status, capture.headers, capture.body)


class _Capture:
    """An ASGI `send` that records the response instead of sending it."""

    def __init__(self) -> None:
        self.status = 500
        self.headers: list[tuple[bytes, bytes]] = []
        self.body = b""

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = int(message["status"])
            self.headers = [(bytes(k), bytes(v)) for k, v in message.get("headers", [])]
        elif message["type"] == "http.response.body":
            self.body += bytes(message.get("body", b""))

    def kept_headers(self) -> list[tuple[str, str]]:
        return [
            (k.decode("latin-1"), v.decode("latin-1"))
            for k, v in self.headers
            if k.lower().decode("latin-1") in _KEPT_HEADERS
        ]


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return bytes(value).decode("latin-1").strip() or None
    return None


async def _read_body(receive: Receive) -> bytes | None:
    """The whole request body, or None if the client went away before sending all of it."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return None
        chunks.append(bytes(message.get("body", b"")))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay_receive(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


async def _send_raw(
    send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes
) -> None:
    headers = [(k, v) for k, v in headers if k.lower() != b"content-length"]
    headers.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})


async def _send_json(
    send: Send,
    status: int,
    payload: dict[str, Any],
    extra: list[tuple[bytes, bytes]] | None = None,
) -> None:
    headers = [(b"content-type", b"application/json"), *(extra or [])]
    await _send_raw(send, status, headers, json.dumps(payload).encode())


async def _send_dropped(send: Send) -> None:
    # Indistinguishable from the plain 503 fault: the client cannot know the work was done.
    message, code = _FAULT_BODIES[503]
    await _send_json(send, 503, {"message": message, "code": code})
