"""ASGI middleware in front of the provider routes: request counting, faults, idempotency.

Each provider request is one unit of work of the store (`Store.unit`): the request counter,
the idempotency claim, the handler's own writes (its `store.write()` joins the unit) and the
stored answer commit together, in one write transaction, before the answer is sent. Inside
the unit, a route that `bookctl.sandbox.dispatch` compiled runs straight from here; any other
goes through FastAPI.

Admin routes (`/_sandbox/...`) pass straight through: faults must never break the tools used
to observe and reset the sandbox.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterable, Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any

import anyio

from bookctl.sandbox import idempotency
from bookctl.sandbox.context import Sandbox
from bookctl.sandbox.dispatch import Dispatch, ExceptionHandler
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

    def __init__(
        self,
        app: ASGIApp,
        sandbox: Sandbox,
        prefixes: dict[str, str],
        routes: Iterable[Any] = (),
        exception_handlers: Mapping[Any, ExceptionHandler] | None = None,
    ) -> None:
        """`routes` and `exception_handlers` are the app's (read now: Starlette builds its
        middleware when the app takes its first request, with all routes in place); without
        them every request goes through FastAPI."""
        self.app = app
        self.sandbox = sandbox
        self.prefixes = prefixes  # path prefix -> provider name
        self.dispatch = Dispatch(routes, exception_handlers or {})

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
        plan = self.sandbox.faults.plan()
        if not (plan.delay_ms or plan.reset or plan.status is not None):
            answer = await self._run(provider, scope, receive, count=True)
        else:
            # Counted before the fault plays out, in a unit of its own: the writer is not
            # held through a delay.
            async with self.sandbox.store.unit() as conn:
                increment_counter(conn, "requests")
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
            answer = await self._run(provider, scope, receive, count=False)
        if answer is None:
            return
        if plan.drop_after_commit and answer.droppable:
            await _send_dropped(send)
        else:
            await answer.send_to(send)

    async def _run(
        self, provider: str, scope: Scope, receive: Receive, *, count: bool
    ) -> _Answer | None:
        """Run the request in one unit of work; its answer, to send once that has committed.

        None when the client went away mid-request (nothing to answer).
        """
        # The body is read before the unit opens: a slow client never holds the writer.
        body = await _read_body(receive)
        key = _header(scope, b"idempotency-key") if scope["method"] in _MUTATING else None
        fp = ""
        if key and body is not None:
            fp = idempotency.fingerprint(
                scope["method"], scope["path"], scope.get("query_string", b"").decode(), body
            )
        failure: Exception | None = None
        async with self.sandbox.store.unit() as conn:
            if count:
                increment_counter(conn, "requests")
            if body is None:
                # A truncated request (the client died mid-send) must not run nor claim the
                # key: its fingerprint would make the client's complete retry look like
                # another request.
                return None
            if key:
                claim = idempotency.claim(conn, provider, key, fp)
                if claim.conflict is not None or claim.replay is not None:
                    return _refusal(claim)
            capture = _Capture()
            replay = _replay_receive(body, receive)
            endpoint = self.dispatch.match(scope)
            try:
                if endpoint is None:
                    await self.app(scope, replay, capture.send)
                else:
                    await self.dispatch.run(endpoint, scope, replay, capture.send, body)
            except Exception as err:
                # Work the handler finished stays done (as a handler of its own would have
                # committed it); the key is freed so a retry runs again.
                if key:
                    idempotency.release(conn, provider, key)
                failure = err
            else:
                if key:
                    stored = idempotency.StoredResponse(
                        capture.status, capture.kept_headers(), capture.body
                    )
                    # Stored before a drop-after-commit fault loses the answer: a retry
                    # must find it.
                    idempotency.complete(conn, provider, key, stored)
        if failure is not None:
            raise failure
        return _Answer(capture.status, capture.headers, capture.body)


@dataclass(frozen=True)
class _Answer:
    """A response held back until its unit of work has committed."""

    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes
    droppable: bool = True
    """Whether a drop-after-commit fault loses it (not a refusal: nothing was done)."""

    async def send_to(self, send: Send) -> None:
        await _send_raw(send, self.status, self.headers, self.body)


def _refusal(claim: idempotency.Claim) -> _Answer:
    """The answer to a key that is reused, in flight or already answered (a replay)."""
    if claim.replay is not None:
        stored = claim.replay
        headers = [(k.encode(), v.encode()) for k, v in stored.headers]
        headers.append((b"idempotent-replayed", b"true"))
        return _Answer(stored.status, headers, stored.body)
    if claim.conflict == "reused":
        status = 422
        payload = {
            "message": "Idempotency-Key reused with a different request body",
            "code": "idempotency_key_reused",
        }
    else:
        status = 409
        payload = {
            "message": "A request with this Idempotency-Key is still being processed.",
            "code": "idempotency_in_flight",
        }
    headers = [(b"content-type", b"application/json")]
    return _Answer(status, headers, json.dumps(payload).encode(), droppable=False)


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
