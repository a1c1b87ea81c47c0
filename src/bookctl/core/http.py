"""The one HTTP client of bookctl: auth, timeouts, retries, idempotency keys, trace, errors.

Every provider call goes through :func:`make_client`. The embedded sandbox plugs in as a
transport (:class:`bookctl.core.embedded.ASGISyncTransport`), exactly like the network does.
"""

from __future__ import annotations

import contextlib
import json
import re
import select
import socket
import struct
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx

from bookctl import __version__
from bookctl.core import retry
from bookctl.core.errors import (
    ApiError,
    UnknownOutcomeError,
    UnreachableError,
    api_error_class,
    default_hint,
)

DEFAULT_CONNECT_TIMEOUT = 5.0
DEFAULT_READ_TIMEOUT = 30.0
USER_AGENT = f"bookctl/{__version__}"
#: Idle connections kept per host (a batch run sends on up to 64 at once), and for how long.
MAX_IDLE_CONNECTIONS = 64
KEEPALIVE = 5.0
REDACTED = "***"

Trace = Callable[[str], None]
#: JSON fields whose values are secrets wherever they appear (a login's password and token).
_SECRET_FIELDS = re.compile(
    r'("(?:password|auth_token|access_token|refresh_token|api_key)"\s*:\s*)"(?:[^"\\]|\\.)*"',
    re.IGNORECASE,
)


class Pacer(Protocol):
    """Paces the requests of several clients as one (a batch run's rate limit).

    ``before_send`` is called before every attempt and may block; ``slow_down`` is called when
    the provider answered 429 with a ``Retry-After`` of ``seconds``, so that every worker of
    the run waits, not only the one that was told.
    """

    def before_send(self) -> None: ...

    def slow_down(self, seconds: float) -> None: ...


# Failures after which the request certainly never reached the server.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
# Failures after which the server may or may not have acted on it.
_MAYBE_SENT = (
    httpx.ReadTimeout,
    httpx.WriteTimeout,
    httpx.ReadError,
    httpx.WriteError,
    httpx.RemoteProtocolError,
)


class _RetryableStatus(Exception):
    def __init__(self, response: httpx.Response) -> None:
        super().__init__(response.status_code)
        self.response = response


@dataclass(frozen=True)
class ClientConfig:
    """Everything the client factory needs to know about one target."""

    base_url: str
    auth_headers: Mapping[str, str] = field(default_factory=dict)
    secrets: tuple[str, ...] = ()
    #: Names (lower case) of request headers that carry a credential; the auth headers'
    #: own names always count.
    secret_headers: frozenset[str] = frozenset({"authorization"})
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT
    read_timeout: float = DEFAULT_READ_TIMEOUT
    provider: str = ""


class ApiClient:
    """A thin, policy-carrying wrapper around ``httpx.Client``."""

    def __init__(
        self,
        config: ClientConfig,
        *,
        transport: httpx.BaseTransport | None = None,
        trace: Trace | None = None,
        pacer: Pacer | None = None,
        notice: Trace | None = None,
    ) -> None:
        self.config = config
        self._trace = trace
        self._notice = notice
        self.pacer = pacer
        self._auth_names = frozenset(name.lower() for name in config.auth_headers)
        timeout = httpx.Timeout(
            config.read_timeout, connect=config.connect_timeout, pool=config.connect_timeout
        )
        self._http = httpx.Client(
            base_url=config.base_url.rstrip("/") + "/",
            headers={"User-Agent": USER_AGENT, "Accept": "application/json", **config.auth_headers},
            timeout=timeout,
            transport=transport or _default_transport(config.base_url),
            follow_redirects=False,
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> ApiClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- public -----------------------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | list[tuple[str, Any]] | None = None,
        json_body: Any = None,
        headers: Mapping[str, str] | None = None,
        idempotency_key: str | None = None,
    ) -> httpx.Response:
        """Send one logical request (retried as policy allows) and return a 2xx response.

        State-changing methods always carry an ``Idempotency-Key``, made once here (or given
        by the caller, e.g. from a batch journal) and reused on every retry.
        """
        method = method.upper()
        extra = dict(headers or {})
        if method in retry.STATE_CHANGING_METHODS:
            extra["Idempotency-Key"] = idempotency_key or str(uuid.uuid4())
        retryable = retry.may_retry(method, has_idempotency_key="Idempotency-Key" in extra)
        attempts = 0

        def _hook(exc: Exception) -> bool | float:
            nonlocal attempts
            attempts += 1
            if not retryable and not isinstance(exc, _NOT_SENT):
                return False
            if isinstance(exc, _RetryableStatus):
                wait = retry.retry_wait(
                    attempt=attempts, status=exc.response.status_code, headers=exc.response.headers
                )
                reason = str(exc.response.status_code)
                if self.pacer is not None and exc.response.status_code == 429:
                    hinted = retry.parse_retry_after(exc.response.headers)
                    if hinted is not None:
                        self.pacer.slow_down(hinted)
            elif isinstance(exc, _NOT_SENT + _MAYBE_SENT):
                wait = retry.retry_wait(attempt=attempts, status=None)
                reason = type(exc).__name__
            else:
                return False
            if wait is None:
                return False
            self._emit(f"* retrying in {wait:.2f}s after {reason} (attempt {attempts + 1})")
            if self._notice is not None and self._trace is None:
                self._notice(f"retrying ({attempts + 1}/{retry.ATTEMPTS})...")
            return wait

        def _attempt() -> httpx.Response:
            response = self._send_once(method, path, params, json_body, extra)
            if response.status_code in retry.RETRY_STATUSES:
                raise _RetryableStatus(response)
            return response

        try:
            try:
                response = _attempt()
            except (_RetryableStatus, *_NOT_SENT, *_MAYBE_SENT) as first:
                # Most requests succeed at once: the retry loop starts only now, with the
                # first failure replayed into it as its first attempt.
                response = retry.retrying(
                    _attempt,
                    on=_hook,
                    attempts=retry.ATTEMPTS,
                    wait_max=retry.RETRY_AFTER_CAP,
                    first=first,
                )
        except _RetryableStatus as err:
            raise self._api_error(err.response) from None
        except _NOT_SENT as err:
            raise UnreachableError(
                f"cannot reach {self._where()}: {_describe(err)}",
                hint="check the profile's base URL and that the service is up",
            ) from err
        except _MAYBE_SENT as err:
            if method in retry.STATE_CHANGING_METHODS:
                raise UnknownOutcomeError(
                    f"{method} {path} to {self._where()} failed after it was sent "
                    f"({_describe(err)}); it may or may not have taken effect",
                    hint="bookctl re-reads the cart before sending anything new; "
                    "run 'bookctl cart show' to see where things stand",
                ) from err
            raise UnreachableError(
                f"{self._where()} did not answer: {_describe(err)}",
                hint="try again, or raise --read-timeout",
            ) from err
        if response.status_code >= 400:
            raise self._api_error(response)
        return response

    def get_json(self, path: str, **kwargs: Any) -> Any:
        return decode_json(self.request("GET", path, **kwargs))

    # -- internals --------------------------------------------------------------------------

    def _where(self) -> str:
        url = httpx.URL(self.config.base_url)
        return f"{self.config.provider or 'provider'} at {url.scheme}://{url.netloc.decode()}"

    def _send_once(
        self,
        method: str,
        path: str,
        params: Mapping[str, Any] | list[tuple[str, Any]] | None,
        json_body: Any,
        headers: Mapping[str, str],
    ) -> httpx.Response:
        request = self._http.build_request(
            method, path.lstrip("/"), params=params, json=json_body, headers=headers
        )
        if self.pacer is not None:
            self.pacer.before_send()
        if self._trace is not None:
            self._emit(f"> {request.method} {self._redact(str(request.url))}")
            for name, value in request.headers.items():
                self._emit(f"> {name}: {self._redact_header(name, value)}")
            if request.content:
                self._emit(f"> {self._redact(request.content.decode(errors='replace'))}")
        started = time.perf_counter()
        response = self._http.send(request)
        response.read()
        if self._trace is not None:
            elapsed = (time.perf_counter() - started) * 1000
            self._emit(f"< {response.status_code} {response.reason_phrase} ({elapsed:.1f} ms)")
            for name, value in response.headers.items():
                self._emit(f"< {name}: {self._redact_header(name, value)}")
            if response.content:
                self._emit(f"< {self._redact(response.text[:2000])}")
        return response

    def _emit(self, line: str) -> None:
        if self._trace is not None:
            self._trace(line)

    def _redact(self, text: str) -> str:
        # The credential as sent (e.g. a Base64 form of a token) is a secret too.
        sent = (v.partition(" ")[2] or v for v in self.config.auth_headers.values())
        for secret in (*self.config.secrets, *sent):
            if secret:
                text = text.replace(secret, REDACTED)
        return _SECRET_FIELDS.sub(rf'\1"{REDACTED}"', text)

    def _redact_header(self, name: str, value: str) -> str:
        lower = name.lower()
        if lower in self.config.secret_headers or lower in self._auth_names:
            scheme, _, rest = value.partition(" ")
            return f"{scheme} {REDACTED}" if rest else REDACTED
        return self._redact(value)

    def _api_error(self, response: httpx.Response) -> ApiError:
        body: Any
        try:
            body = response.json()
        except ValueError:
            body = response.text
        message, code = extract_error(body)
        cls = api_error_class(response.status_code)
        text = message or f"{self._where()} answered HTTP {response.status_code}"
        return cls(
            self._redact(text),
            status=response.status_code,
            body=body,
            provider_code=code,
            request_id=response.headers.get("x-request-id"),
            hint=default_hint(cls),
        )


class PlainHTTPTransport(httpx.BaseTransport):
    """HTTP/1.1 over plain TCP for an ``http://`` base URL: kept-alive connections, pooled
    per host, speaking the little of HTTP/1.1 a JSON API needs (:class:`_Connection`).

    httpx's own transport goes through httpcore and h11, about 100 us of CPU per request
    more than this, which a batch run of thousands of requests pays in full; it also loads the
    CA bundle into an SSL context that plain HTTP never uses. The client above (requests,
    responses, timeouts, the policy of :class:`ApiClient`) is httpx's either way, and failures
    are httpx's exceptions: not sent (connect), maybe sent (write, read, a dropped answer).
    """

    def __init__(
        self, *, max_idle: int = MAX_IDLE_CONNECTIONS, keepalive: float = KEEPALIVE
    ) -> None:
        self._max_idle = max_idle
        self._keepalive = keepalive
        self._idle: dict[tuple[str, int], list[tuple[_Connection, float]]] = {}
        self._lock = threading.Lock()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        if url.scheme != "http":
            raise httpx.UnsupportedProtocol(f"{url.scheme}:// needs another transport")
        timeout = request.extensions.get("timeout", {})
        origin = (url.host, url.port or 80)
        message = _request_bytes(request.method, url.raw_path, request.headers.raw, request.read())
        connection = self._idle_connection(origin) or self._connect(origin, timeout.get("connect"))
        try:
            connection.set_timeouts(timeout.get("write"), timeout.get("read"))
            connection.send(message)
            status, reason, headers, content, will_close = connection.receive(request.method)
        except BaseException:
            connection.close()
            raise
        if will_close:
            connection.close()
        else:
            self._keep(origin, connection)
        return httpx.Response(
            status,
            headers=headers,
            stream=httpx.ByteStream(content),
            extensions={"http_version": b"HTTP/1.1", "reason_phrase": reason},
        )

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, {}
        for connections in idle.values():
            for connection, _ in connections:
                connection.close()

    def _open(self, origin: tuple[str, int], timeout: float | None) -> socket.socket:
        """A new socket connected to ``origin``."""
        sock = socket.create_connection(origin, timeout=timeout)
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock

    def _connect(self, origin: tuple[str, int], timeout: float | None) -> _Connection:
        try:
            return _Connection(self._open(origin, timeout))
        except TimeoutError as err:
            raise httpx.ConnectTimeout(str(err) or "timed out connecting") from err
        except OSError as err:
            raise httpx.ConnectError(str(err)) from err

    def _idle_connection(self, origin: tuple[str, int]) -> _Connection | None:
        """A kept connection still open at both ends, or None (the newest is tried first)."""
        now = time.monotonic()
        while True:
            with self._lock:
                kept = self._idle.get(origin)
                if not kept:
                    return None
                connection, since = kept.pop()
            if now - since < self._keepalive and connection.still_open():
                return connection
            connection.close()

    def _keep(self, origin: tuple[str, int], connection: _Connection) -> None:
        with self._lock:
            kept = self._idle.setdefault(origin, [])
            if len(kept) < self._max_idle:
                kept.append((connection, time.monotonic()))
                return
        connection.close()


def _default_transport(base_url: str) -> httpx.BaseTransport | None:
    """Plain HTTP needs no TLS set-up; anything else gets httpx's default transport."""
    return PlainHTTPTransport() if base_url.lower().startswith("http://") else None


def extract_error(body: Any) -> tuple[str | None, str | None]:
    """The message and machine code of an error body, in the shapes the five providers use."""
    if isinstance(body, str):
        return (body.strip()[:300] or None), None
    if not isinstance(body, dict):
        return None, None
    inner = body.get("error")
    if isinstance(inner, dict):
        body = {**body, **inner}
    elif isinstance(inner, str) and "message" not in body:
        body = {**body, "message": inner}
    message = body.get("message") or body.get("detail")
    code = body.get("code") or body.get("type")
    errors = body.get("errors")
    if isinstance(errors, dict) and errors:
        parts = []
        for name, msgs in errors.items():
            texts = [str(m) for m in (msgs if isinstance(msgs, list) else [msgs])]
            fresh = [t for t in texts if t != message]
            if fresh:
                parts.append(f"{name}: {', '.join(fresh)}")
        details = "; ".join(parts)
        if details:
            message = f"{message} ({details})" if message else details
    return (str(message) if message else None), (str(code) if code else None)


def decode_json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except (json.JSONDecodeError, ValueError) as err:
        raise UnreachableError(
            f"the provider answered {response.request.method} {response.request.url.path} "
            "with something that is not JSON",
            hint="run with -v to see the answer",
        ) from err


def _describe(err: Exception) -> str:
    text = str(err).strip()
    return f"{type(err).__name__}: {text}" if text else type(err).__name__


class UnixSocketTransport(PlainHTTPTransport):
    """Plain HTTP over the Unix socket at ``path`` (a local server): the kept-alive
    connections of ``http://``, reached through the socket instead of TCP."""

    def __init__(self, path: str) -> None:
        super().__init__()
        self._path = path

    def _open(self, origin: tuple[str, int], timeout: float | None) -> socket.socket:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.settimeout(timeout)
            sock.connect(self._path)
        except BaseException:
            sock.close()
            raise
        return sock


#: The most bytes of an answer's status line and headers, and the most header lines.
MAX_HEAD = 65536
MAX_HEADERS = 100
_RECV = 65536
_TCP_ESTABLISHED = 1
_HEAD_END = re.compile(rb"\r?\n\r?\n")
_CHUNK_SIZE = re.compile(rb"[0-9A-Fa-f]{1,15}")
_BAD_TARGET = re.compile(rb"[\x00-\x1f\x7f]")


def _request_bytes(
    method: str, target: bytes, headers: list[tuple[bytes, bytes]], body: bytes
) -> bytes:
    """A request's head and body as one message (sent in one write: one system call, and
    with several threads one hand-over of the interpreter lock, per request)."""
    line = b"%s %s HTTP/1.1\r\n" % (method.encode("ascii"), target)
    block = b"".join([name + b": " + value + b"\r\n" for name, value in headers])
    # Nothing may end a line early or smuggle a NUL (httpx checks header names, not values).
    if (
        _BAD_TARGET.search(line, 0, len(line) - 2)
        or block.count(b"\n") != len(headers)
        or block.count(b"\r") != len(headers)
        or b"\0" in block
    ):
        raise httpx.LocalProtocolError("a header or the target holds a line break or NUL")
    return line + block + b"\r\n" + body


class _Connection:
    """One kept-alive HTTP/1.1 connection: a request goes out in one write, its answer is read
    with as few reads as it takes (usually one).

    The socket stays in blocking mode with the kernel's send and receive timeouts
    (``SO_SNDTIMEO``, ``SO_RCVTIMEO``) instead of Python's socket timeouts, which poll the
    socket before every send and every read: two more system calls a request, each a
    hand-over of the interpreter lock when a batch run's threads share it.
    """

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self._timeouts: tuple[float | None, float | None] | None = None
        self._kernel_timeouts = True
        try:
            sock.settimeout(None)
        except OSError:
            sock.close()
            raise

    def close(self) -> None:
        self.sock.close()

    def set_timeouts(self, write: float | None, read: float | None) -> None:
        """The timeouts of each send and each read from now on (None: wait as long as it
        takes); set only when they change, which with httpx's equal ones is once."""
        if self._timeouts == (write, read):
            return
        self._timeouts = (write, read)
        if self._kernel_timeouts:
            try:
                self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, _timeval(write))
                self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, _timeval(read))
                return
            except (OSError, AttributeError):
                # A platform without them: Python's own timeouts (the larger of the two).
                self._kernel_timeouts = False
        self.sock.settimeout(None if write is None or read is None else max(write, read))

    def send(self, message: bytes) -> None:
        try:
            self.sock.sendall(message)
        except (TimeoutError, BlockingIOError) as err:
            raise httpx.WriteTimeout(str(err) or "timed out sending") from err
        except OSError as err:
            raise httpx.WriteError(str(err) or type(err).__name__) from err

    def still_open(self) -> bool:
        """Whether an idle connection can carry a request: the server has not closed it.

        On TCP the kernel's state of the connection says so without a wait (a ``getsockopt``,
        which keeps the interpreter lock; a poll would hand it over): anything but
        established means the server closed or reset it. Elsewhere a poll tells, and also
        refuses a connection on which the server sent something unasked.
        """
        sock = self.sock
        tcp_info = getattr(socket, "TCP_INFO", None)
        if tcp_info is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            try:
                state = sock.getsockopt(socket.IPPROTO_TCP, tcp_info, 8)[0]
            except OSError:
                return False
            return state == _TCP_ESTABLISHED
        try:
            if hasattr(select, "poll"):
                poller = select.poll()
                poller.register(sock, select.POLLIN)
                return not poller.poll(0)
            readable, _, _ = select.select([sock], [], [], 0)
        except (OSError, ValueError):
            return False
        return not readable

    def receive(self, method: str) -> tuple[int, bytes, list[tuple[bytes, bytes]], bytes, bool]:
        """The answer: status, reason, headers, body and whether the connection must close."""
        try:
            return self._receive(method)
        except (TimeoutError, BlockingIOError) as err:
            # A blocking socket past SO_RCVTIMEO fails with EAGAIN.
            raise httpx.ReadTimeout("timed out waiting for the answer") from err
        except OSError as err:
            raise httpx.ReadError(str(err) or type(err).__name__) from err

    def _more(self, buffer: bytearray) -> None:
        chunk = self.sock.recv(_RECV)
        if not chunk:
            raise httpx.RemoteProtocolError(
                "Server disconnected without sending a response."
                if not buffer
                else "Server disconnected in the middle of its answer."
            )
        buffer += chunk

    def _receive(self, method: str) -> tuple[int, bytes, list[tuple[bytes, bytes]], bytes, bool]:
        buffer = bytearray()
        while True:
            # The head: a status line and header lines, up to an empty line.
            searched = 0
            while (end := _HEAD_END.search(buffer, searched)) is None:
                if len(buffer) > MAX_HEAD:
                    raise httpx.RemoteProtocolError("the answer's head is too long")
                searched = max(0, len(buffer) - 3)
                self._more(buffer)
            lines = bytes(buffer[: end.start()]).splitlines()
            del buffer[: end.end()]
            status, version, reason = _status_line(lines[0] if lines else b"")
            if not 100 <= status < 200:
                break
            if status == 101:
                raise httpx.RemoteProtocolError("the server switched protocols")
            # An interim answer (100 Continue, 103 Early Hints): the real one follows.
        headers = _header_lines(lines)
        connection = b",".join(v for n, v in headers if n.lower() == b"connection").lower()
        will_close = b"close" in connection or (
            version == b"HTTP/1.0" and b"keep-alive" not in connection
        )
        if method == "HEAD" or status in (204, 304):
            body = b""
        elif any(n.lower() == b"transfer-encoding" and b"chunked" in v.lower() for n, v in headers):
            body = self._chunked(buffer)
        else:
            lengths = {v.strip() for n, v in headers if n.lower() == b"content-length"}
            if len(lengths) > 1 or not all(x.isdigit() for x in lengths):
                raise httpx.RemoteProtocolError("the answer's Content-Length is not one number")
            if lengths:
                size = int(lengths.pop())
                while len(buffer) < size:
                    self._more(buffer)
                body = bytes(buffer[:size])
                del buffer[:size]
            else:  # the body ends where the server closes the connection
                while chunk := self.sock.recv(_RECV):
                    buffer += chunk
                body, buffer = bytes(buffer), bytearray()
                will_close = True
        # Bytes nobody asked for: the connection is out of step and cannot be used again.
        return status, reason, headers, body, will_close or bool(buffer)

    def _chunked(self, buffer: bytearray) -> bytes:
        parts: list[bytes] = []
        at = 0
        while True:
            while (eol := buffer.find(b"\r\n", at)) < 0:
                if len(buffer) - at > MAX_HEAD:
                    raise httpx.RemoteProtocolError("a chunk's size line is too long")
                self._more(buffer)
            size_text = bytes(buffer[at:eol]).split(b";", 1)[0].strip()
            # Hex digits only (int() would also take a sign, "0x" and "_"), and a size this
            # client could hold.
            if not _CHUNK_SIZE.fullmatch(size_text):
                raise httpx.RemoteProtocolError(f"bad chunk size {size_text[:20]!r}")
            size = int(size_text, 16)
            at = eol + 2
            if size == 0:
                break
            while len(buffer) < at + size + 2:
                self._more(buffer)
            if buffer[at + size : at + size + 2] != b"\r\n":
                raise httpx.RemoteProtocolError("a chunk does not end where its size says")
            parts.append(bytes(buffer[at : at + size]))
            at += size + 2
        # Trailer lines (ignored) up to an empty line.
        while True:
            while (eol := buffer.find(b"\r\n", at)) < 0:
                if len(buffer) - at > MAX_HEAD:
                    raise httpx.RemoteProtocolError("the answer's trailers are too long")
                self._more(buffer)
            empty, at = eol == at, eol + 2
            if empty:
                break
        del buffer[:at]
        return b"".join(parts)


def _status_line(line: bytes) -> tuple[int, bytes, bytes]:
    """``(status, version, reason)`` of ``HTTP/1.1 200 OK``."""
    version, _, rest = line.partition(b" ")
    code, _, reason = rest.partition(b" ")
    if not version.startswith(b"HTTP/1.") or len(code) != 3 or not code.isdigit():
        raise httpx.RemoteProtocolError(f"not an HTTP/1.1 answer: {line[:60]!r}")
    return int(code), version, reason.strip()


def _header_lines(lines: list[bytes]) -> list[tuple[bytes, bytes]]:
    headers: list[tuple[bytes, bytes]] = []
    if len(lines) > MAX_HEADERS + 1:
        raise httpx.RemoteProtocolError(f"more than {MAX_HEADERS} header lines")
    for line in lines[1:]:
        if line[:1] in (b" ", b"\t") and headers:  # an obsolete folded continuation
            name, value = headers.pop()
            headers.append((name, value + b" " + line.strip()))
            continue
        name, colon, value = line.partition(b":")
        if not colon or not name or name != name.strip():
            raise httpx.RemoteProtocolError(f"bad header line {line[:60]!r}")
        headers.append((name, value.strip()))
    return headers


def _timeval(seconds: float | None) -> bytes:
    """``struct timeval`` of a socket timeout (0: none)."""
    if seconds is None:
        return struct.pack("ll", 0, 0)
    whole = int(seconds)
    micro = int((seconds - whole) * 1_000_000)
    if whole == 0 and micro == 0:
        micro = 1  # 0 would mean no timeout at all
    return struct.pack("ll", whole, micro)
