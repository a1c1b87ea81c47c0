"""The sandbox's own dispatch answers exactly what FastAPI's routing answers.

Two apps, each on its own file: one as built (the provider routes answered by
`bookctl.sandbox.dispatch`), one built with `dispatch=False` (FastAPI routes every request).
A twin client sends every request to both and requires the same status, the same headers in
the same order and the same body bytes. The sandbox's own tests of whole flows run through
the twin, then random requests to every route of the schema, with bodies FastAPI reads in
different ways (no content type, another one, broken JSON, bytes that are not UTF-8, reused
idempotency keys).

Both apps see one frozen sandbox clock and the same "random" ids (new carts, orders and
tokens), so that any difference in an answer comes from the dispatch.
"""

from __future__ import annotations

import base64
import hashlib
import inspect
import json
import os
import re
import secrets
import uuid
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from bookctl.sandbox import clock
from bookctl.sandbox.app import create_app
from bookctl.sandbox.middleware import ProviderMiddleware

from . import (
    test_admin,
    test_bookingbug,
    test_carts,
    test_catalogue,
    test_idempotency,
    test_rundl,
    test_wix_guestmanager,
)
from .helpers import AUTH
from .test_no_server_errors import QUERY_NAMES, _headers, _ids, _json, _values

FLOW_MODULES: tuple[ModuleType, ...] = (
    test_admin,
    test_bookingbug,
    test_carts,
    test_catalogue,
    test_idempotency,
    test_rundl,
    test_wix_guestmanager,
)


class _SameIds:
    """`uuid.uuid4` and `secrets.token_urlsafe` that give both apps the same values.

    Each request of the twin starts both apps from the same point of one sequence, so the
    n-th id that either app makes during request k is the same (and unlike any other).
    """

    def __init__(self) -> None:
        self.next = 0

    def start(self, request: int) -> None:
        self.next = request * 1000

    def _take(self) -> int:
        self.next += 1
        return self.next

    def uuid4(self) -> uuid.UUID:
        return uuid.UUID(int=self._take(), version=4)

    def token_urlsafe(self, nbytes: int | None = None) -> str:
        digest = hashlib.sha256(str(self._take()).encode()).digest()[: nbytes or 32]
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


class Twin:
    """Quacks like the `TestClient` the flow tests take; every answer is checked twice."""

    def __init__(self, fast: TestClient, plain: TestClient, ids: _SameIds) -> None:
        self.fast = fast
        self.plain = plain
        self.ids = ids
        self.sent = 0
        self.app = fast.app

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        self.sent += 1
        answers: list[httpx.Response | BaseException] = []
        for client in (self.fast, self.plain):
            self.ids.start(self.sent)
            try:
                answers.append(client.request(method, url, **kwargs))
            except Exception as err:  # the reset fault: both must raise it
                answers.append(err)
        fast, plain = answers
        if isinstance(fast, BaseException) or isinstance(plain, BaseException):
            assert type(fast) is type(plain), (method, url, fast, plain)
            assert isinstance(fast, BaseException)
            raise fast
        assert _seen(fast) == _seen(plain), (method, url, kwargs)
        return fast

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", url, **kwargs)

    def put(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("PUT", url, **kwargs)

    def patch(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("PATCH", url, **kwargs)

    def delete(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("DELETE", url, **kwargs)


def _seen(response: httpx.Response) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    return response.status_code, response.headers.raw, response.content


def _flows() -> list[Any]:
    """The sandbox's flow tests that take nothing but a client: they run through the twin."""
    found = []
    for module in FLOW_MODULES:
        for name, func in sorted(vars(module).items()):
            if (
                name.startswith("test_")
                and inspect.isfunction(func)
                and not hasattr(func, "hypothesis")
                and list(inspect.signature(func).parameters) == ["client"]
            ):
                label = f"{module.__name__.rsplit('.', 1)[-1]}.{name}"
                found.append(pytest.param(func, id=label))
    return found


@pytest.fixture
def twin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Twin]:
    ids = _SameIds()
    frozen = clock.wall_ts()
    monkeypatch.setattr(clock, "wall_ts", lambda: frozen)
    monkeypatch.setattr(uuid, "uuid4", ids.uuid4)
    monkeypatch.setattr(secrets, "token_urlsafe", ids.token_urlsafe)
    fast_app = create_app(tmp_path / "fast.db")
    plain_app = create_app(tmp_path / "plain.db", dispatch=False)
    with (
        TestClient(fast_app, headers=AUTH) as fast,
        TestClient(plain_app, headers=AUTH) as plain,
    ):
        yield Twin(fast, plain, ids)


@pytest.mark.parametrize("flow", _flows())
def test_every_flow_is_answered_alike(twin: Twin, flow: Callable[[Any], None]) -> None:
    flow(twin)
    assert twin.sent > 0


#: CI runs a fixed, bounded set; ``BOOKCTL_FUZZ_EXAMPLES=5000`` runs a longer random one.
LONG_RUN = int(os.environ.get("BOOKCTL_FUZZ_EXAMPLES", "0"))
_CONTENT_TYPES = (
    None,
    "application/json",
    "application/json; charset=utf-8",
    "application/problem+json",
    "text/plain",
    "application/x-www-form-urlencoded",
)
_bodies = st.one_of(
    _json.map(lambda value: json.dumps(value).encode()),
    st.sampled_from([b"", b"null", b"{", b'{"guests": [}', b"\xff\xfe{}", b"[1, 2"]),
    st.binary(max_size=16),
)


@settings(
    derandomize=not LONG_RUN,
    max_examples=LONG_RUN or 200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_random_requests_are_answered_alike(twin: Twin, data: st.DataObject) -> None:
    schema: dict[str, Any] = twin.fast.app.openapi()  # type: ignore[attr-defined]
    routes = [
        (method.upper(), path)
        for path, operations in schema["paths"].items()
        if path not in ("/_sandbox/reset", "/_sandbox/faults")
        for method in operations
    ]
    method, template = data.draw(st.sampled_from(routes), label="route")
    method = data.draw(st.sampled_from([method] * 4 + ["HEAD", "GET", "PUT"]), label="method")
    path = re.sub(
        r"\{[^}]+\}", lambda _: quote(data.draw(_ids, label="id"), safe="") or "x", template
    )
    path += data.draw(st.sampled_from(["", "", "", "/"]), label="slash")
    headers = {"Authorization": ""}
    if data.draw(st.booleans(), label="auth"):
        headers = _headers(path) or headers
    headers["Idempotency-Key"] = data.draw(st.sampled_from(["k1", "k2", "k3", "k4"]))
    content_type = data.draw(st.sampled_from(_CONTENT_TYPES), label="content-type")
    if content_type is not None:
        headers["Content-Type"] = content_type
    twin.request(
        method,
        path,
        params=data.draw(st.dictionaries(st.sampled_from(QUERY_NAMES), _values, max_size=4)),
        content=data.draw(_bodies, label="body") if method not in ("GET", "HEAD") else None,
        headers=headers,
    )


def _endpoint(app: Any, method: str, path: str) -> object | None:
    """What the app's dispatch would answer `method path` with (None: FastAPI would)."""
    client = TestClient(app)
    client.get("/_sandbox/health")  # the middleware is built on the first request
    stack = app.middleware_stack
    while not isinstance(stack, ProviderMiddleware):
        stack = stack.app
    scope = {"type": "http", "method": method, "path": path, "root_path": ""}
    return stack.dispatch.match(scope)


def test_every_provider_route_is_dispatched_and_nothing_else(tmp_path: Path) -> None:
    app = create_app(tmp_path / "s.db")
    provider_routes = [
        (method.upper(), path)
        for path, operations in app.openapi()["paths"].items()
        if not path.startswith("/_sandbox")
        for method in operations
    ]
    assert len(provider_routes) > 50
    for method, template in provider_routes:
        path = re.sub(r"\{[^}]+\}", "1", template)
        assert _endpoint(app, method, path) is not None, (method, template)
    for method, path in (
        ("GET", "/_sandbox/health"),  # admin routes stay with FastAPI
        ("HEAD", "/bookinglayer/api/pub/v2/settings"),  # 405, FastAPI's answer
        ("GET", "/bookinglayer/api/pub/v2/bookings/add"),
        ("POST", "/bookinglayer/api/pub/v2/nowhere"),  # 404
        ("GET", "/bookinglayer/api/pub/v2/settings/"),  # FastAPI's redirect
    ):
        assert _endpoint(app, method, path) is None, (method, path)
    plain = create_app(tmp_path / "p.db", dispatch=False)
    assert _endpoint(plain, "GET", "/bookinglayer/api/pub/v2/settings") is None
