"""The plain-HTTP transport against real loopback servers: keep-alive, and how each failure
is told (not sent, or maybe sent) so that the client's retry policy decides right."""

from __future__ import annotations

import functools
import gzip
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
import stamina

from bookctl.core import errors
from bookctl.core.http import ApiClient, ClientConfig, PlainHTTPTransport

Handler = Callable[[socket.socket, int], None]


@pytest.fixture(autouse=True)
def no_waits() -> Iterator[None]:
    with stamina.set_testing(True, attempts=3):
        yield


def read_request(conn: socket.socket) -> bytes:
    """One request (head and Content-Length body) read off ``conn``; b"" once it is closed."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return b""
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(body) < length:
        body += conn.recv(65536)
    return head + b"\r\n\r\n" + body


def answer(body: bytes, *, extra: bytes = b"") -> bytes:
    return (
        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
        + extra
        + b"content-length: %d\r\n\r\n" % len(body)
        + body
    )


@contextmanager
def server(handler: Handler) -> Iterator[tuple[str, list[int]]]:
    """A loopback server calling ``handler(conn, n)`` for its n-th connection (from 0).

    Yields the base URL and the list of connection numbers accepted so far.
    """
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    accepted: list[int] = []
    threads: list[threading.Thread] = []

    def serve() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            accepted.append(len(accepted))
            thread = threading.Thread(target=handle, args=(conn, len(accepted) - 1), daemon=True)
            threads.append(thread)
            thread.start()

    def handle(conn: socket.socket, n: int) -> None:
        with conn:
            handler(conn, n)

    acceptor = threading.Thread(target=serve, daemon=True)
    acceptor.start()
    try:
        yield f"http://127.0.0.1:{port}", accepted
    finally:
        listener.shutdown(socket.SHUT_RDWR)  # wakes the accept() under way
        listener.close()
        acceptor.join(5)
        for thread in threads:
            thread.join(5)


def keep_alive(conn: socket.socket, n: int) -> None:
    while request := read_request(conn):
        path = request.split(b" ", 2)[1]
        conn.sendall(answer(b'{"path": "%s", "conn": %d}' % (path, n)))


def client(url: str, *, read_timeout: float = 5.0) -> ApiClient:
    return ApiClient(
        ClientConfig(base_url=url, read_timeout=read_timeout, connect_timeout=2.0),
        transport=PlainHTTPTransport(),
    )


def wrapped_sockets(**methods: Callable[..., Any]) -> PlainHTTPTransport:
    """A plain transport whose connections' sockets go through ``methods`` (each called with
    the real socket first) for those names, and are the real socket for the rest."""

    class Sock:
        def __init__(self, real: socket.socket) -> None:
            self._real = real

        def __getattr__(self, name: str) -> Any:
            if name in methods:
                return functools.partial(methods[name], self._real)
            return getattr(self._real, name)

    class Wrapped(PlainHTTPTransport):
        def _connect(self, origin: tuple[str, int], timeout: float | None) -> Any:
            connection = super()._connect(origin, timeout)
            connection.sock = Sock(connection.sock)
            return connection

    return Wrapped()


def test_requests_share_one_kept_alive_connection() -> None:
    with server(keep_alive) as (url, accepted), client(url) as api:
        first = api.get_json("a")
        second = api.request("POST", "b", json_body={"x": 1}).json()
        third = api.get_json("c?q=1")
    assert (first["path"], second["path"], third["path"]) == ("/a", "/b", "/c?q=1")
    assert {first["conn"], second["conn"], third["conn"]} == {0}
    assert accepted == [0]


def test_the_request_goes_out_as_httpx_built_it() -> None:
    seen: list[bytes] = []

    def record(conn: socket.socket, n: int) -> None:
        while request := read_request(conn):
            seen.append(request)
            conn.sendall(answer(b"{}"))

    with server(record) as (url, _), client(url) as api:
        api.request("PUT", "carts/7/extend", idempotency_key="k-1")
        api.request("POST", "bookings/add", json_body={"guests": ["Ann"]})
    put, post = seen
    assert put.startswith(b"PUT /carts/7/extend HTTP/1.1\r\n")
    assert b"\r\ncontent-length: 0\r\n" in put.lower()
    assert b"\r\nidempotency-key: k-1\r\n" in put.lower()
    assert post.lower().count(b"\r\nhost: ") == 1
    assert post.endswith(b'{"guests":["Ann"]}')


def test_a_connection_the_server_closed_while_idle_is_not_reused() -> None:
    closed = threading.Event()

    def one_answer_each(conn: socket.socket, n: int) -> None:
        read_request(conn)
        conn.sendall(answer(b'{"conn": %d}' % n))  # keep-alive promised, then closed
        conn.close()
        closed.set()

    with (
        server(one_answer_each) as (url, accepted),
        httpx.Client(base_url=url, transport=PlainHTTPTransport()) as http,
    ):
        assert http.get("a").json() == {"conn": 0}
        assert closed.wait(5)
        # Sent on the closed connection, this POST would be lost (RemoteProtocolError).
        assert http.post("b", json={}).json() == {"conn": 1}
    assert accepted == [0, 1]


def test_chunked_and_gzipped_answers_are_read_whole() -> None:
    payload = gzip.compress(b'{"ok": true}')

    def chunked(conn: socket.socket, n: int) -> None:
        read_request(conn)
        head = b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\ncontent-encoding: gzip\r\n\r\n"
        half = len(payload) // 2
        parts = [payload[:half], payload[half:]]
        body = b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in parts) + b"0\r\n\r\n"
        conn.sendall(head + body)

    with server(chunked) as (url, _), client(url) as api:
        assert api.get_json("x") == {"ok": True}


def test_an_answer_dropped_after_the_request_is_maybe_sent() -> None:
    def drop(conn: socket.socket, n: int) -> None:
        read_request(conn)  # the request arrived; the answer never leaves

    with server(drop) as (url, accepted), client(url) as api:
        with pytest.raises(errors.UnknownOutcomeError) as caught:
            api.request("POST", "bookings/add", json_body={}, idempotency_key="k")
        assert "may or may not have taken effect" in caught.value.message
        assert len(accepted) == 3  # a POST with an idempotency key is sent again, same key


def test_no_answer_in_time_is_a_read_timeout() -> None:
    release = threading.Event()

    def slow(conn: socket.socket, n: int) -> None:
        read_request(conn)
        release.wait(5)

    with server(slow) as (url, _), client(url, read_timeout=0.2) as api:
        try:
            with pytest.raises(errors.UnreachableError) as caught:
                api.get_json("slow")
        finally:
            release.set()
    assert "ReadTimeout" in caught.value.message


def test_a_refused_connection_was_never_sent() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # bound but not listening: connections are refused
        transport = PlainHTTPTransport()
        request = httpx.Request("POST", f"http://127.0.0.1:{port}/x", content=b"{}")
        with pytest.raises(httpx.ConnectError):
            transport.handle_request(request)


def test_only_plain_http_is_carried() -> None:
    with pytest.raises(httpx.UnsupportedProtocol):
        PlainHTTPTransport().handle_request(httpx.Request("GET", "https://example.test/"))


def test_a_request_and_its_body_leave_in_one_write() -> None:
    """One system call a request: with several threads, each write is also a hand-over of the
    interpreter lock. The connection's real socket is wrapped to see the writes."""
    writes: list[bytes] = []

    def sendall(real: socket.socket, data: bytes) -> None:
        writes.append(bytes(data))
        real.sendall(data)

    with server(keep_alive) as (url, _):
        config = ClientConfig(base_url=url, read_timeout=5.0, connect_timeout=2.0)
        with ApiClient(config, transport=wrapped_sockets(sendall=sendall)) as api:
            api.request("POST", "bookings/add", json_body={"guests": ["Ann"]})
            api.get_json("settings")
    post, get = writes
    assert post.startswith(b"POST /bookings/add HTTP/1.1\r\n")
    assert post.endswith(b'\r\n\r\n{"guests":["Ann"]}')
    assert get.startswith(b"GET /settings HTTP/1.1\r\n") and get.endswith(b"\r\n\r\n")


def test_an_answer_trickling_in_byte_by_byte_is_read_whole() -> None:
    def trickle(conn: socket.socket, n: int) -> None:
        while read_request(conn):
            for byte in answer(b'{"slow": true}', extra=b"x-folded: a\r\n b\r\n"):
                conn.sendall(bytes([byte]))

    with server(trickle) as (url, accepted), client(url) as api:
        first = api.request("GET", "x")
        second = api.get_json("y")
    assert first.json() == second == {"slow": True}
    assert first.headers["x-folded"] == "a b"
    assert accepted == [0]


def test_interim_answers_are_skipped_and_bodiless_ones_have_no_body() -> None:
    def interim(conn: socket.socket, n: int) -> None:
        while request := read_request(conn):
            if request.startswith(b"HEAD"):
                conn.sendall(b"HTTP/1.1 200 OK\r\ncontent-length: 50\r\n\r\n")
            elif request.startswith(b"DELETE"):
                conn.sendall(b"HTTP/1.1 204 No Content\r\n\r\n")
            else:
                conn.sendall(b"HTTP/1.1 100 Continue\r\n\r\n" + answer(b'{"after": 100}'))

    with server(interim) as (url, accepted), client(url) as api:
        assert api.get_json("a") == {"after": 100}
        head = api.request("HEAD", "b")
        gone = api.request("DELETE", "c", idempotency_key="k")
        assert api.get_json("d") == {"after": 100}
    assert (head.status_code, head.content, head.headers["content-length"]) == (200, b"", "50")
    assert (gone.status_code, gone.content) == (204, b"")
    assert accepted == [0]  # each answer ended where it should: one connection for all


def test_an_answer_ended_by_closing_or_saying_close_ends_its_connection() -> None:
    def closing(conn: socket.socket, n: int) -> None:
        read_request(conn)
        if n == 0:  # no length: the body runs to the end of the connection
            conn.sendall(b'HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\r\n{"n": 0}')
        else:
            conn.sendall(answer(b'{"n": %d}' % n, extra=b"connection: close\r\n"))
            read_request(conn)  # stays open, but said close: must not be used again

    with server(closing) as (url, accepted), client(url) as api:
        assert [api.get_json("a")["n"] for _ in range(3)] == [0, 1, 2]
    assert accepted == [0, 1, 2]


def test_a_header_value_with_a_line_break_is_never_sent() -> None:
    with (
        server(keep_alive) as (url, accepted),
        client(url) as api,
        pytest.raises(httpx.LocalProtocolError),
    ):
        api.request("GET", "a", headers={"x-note": "one\r\nx-evil: two"})
    assert accepted == []


def test_an_answer_that_is_not_http_is_a_protocol_error() -> None:
    def garbage(conn: socket.socket, n: int) -> None:
        while read_request(conn):
            conn.sendall(b"SSH-2.0-OpenSSH\r\n\r\n")

    with (
        server(garbage) as (url, _),
        client(url) as api,
        pytest.raises(errors.UnreachableError) as caught,
    ):
        api.get_json("a")
    assert "RemoteProtocolError" in caught.value.message


def test_without_kernel_socket_timeouts_pythons_own_still_time_out() -> None:
    """A platform refusing SO_SNDTIMEO/SO_RCVTIMEO: the socket's own timeout takes over."""
    release = threading.Event()
    refused: list[int] = []

    def slow(conn: socket.socket, n: int) -> None:
        read_request(conn)
        release.wait(5)

    def setsockopt(real: socket.socket, level: int, name: int, value: Any) -> None:
        if name in (socket.SO_SNDTIMEO, socket.SO_RCVTIMEO):
            refused.append(name)
            raise OSError(92, "Protocol not available")
        real.setsockopt(level, name, value)

    with server(slow) as (url, _):
        config = ClientConfig(base_url=url, read_timeout=0.2, connect_timeout=2.0)
        api = ApiClient(config, transport=wrapped_sockets(setsockopt=setsockopt))
        try:
            with pytest.raises(errors.UnreachableError) as caught:
                api.get_json("slow")
        finally:
            release.set()
            api.close()
    assert "ReadTimeout" in caught.value.message
    assert refused  # the kernel's timeouts were tried first


@pytest.mark.parametrize("size", [b"-5", b"0x5", b"+5", b"5_0", b"", b"10000000000000000"])
def test_a_chunk_size_that_is_not_plain_hex_is_a_protocol_error(size: bytes) -> None:
    def chunked(conn: socket.socket, n: int) -> None:
        while read_request(conn):
            head = b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n"
            conn.sendall(head + size + b"\r\nhello\r\n0\r\n\r\n")

    with (
        server(chunked) as (url, _),
        client(url) as api,
        pytest.raises(errors.UnreachableError) as caught,
    ):
        api.get_json("a")
    assert "RemoteProtocolError" in caught.value.message
