"""A stand-in for a provider's API built from its documents only (never from bookctl.sandbox).

A :class:`Stub` answers the routes a test gives it with the document's example payloads,
varied three ways (:data:`VARIANTS`), and records every request it saw, so a test asserts the
exact method, path, query, headers and body the document prescribes. It fakes HTTP at the
transport (respx), so the real ``bookctl`` CLI runs unchanged.

    with Stub("https://api.example.test/v2", variant) as stub:
        stub.on("GET", "products", [{"id": 384, "title": "Surf Camp"}])
        result = cli("-p", "doc", "products", "--json")
    (seen,) = stub.seen
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import respx

#: documented: the example as the document shows it; extras: plus fields no document names,
#: on every object; swapped: numbers where the document shows strings, and the reverse.
VARIANTS = ("documented", "extras", "swapped")

EXTRA = {"x_undocumented": {"nested": [1, "two", None]}, "_links": {"self": {"href": "/x"}}}
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


def vary(payload: Any, variant: str, *, maps: bool = False) -> Any:
    """``payload`` as ``variant`` serves it.

    ``maps``: the top level is a map keyed by ids, dates or names (no fields of its own), so
    extras go only into its values. Objects whose keys are all ids or dates get none either.
    """
    if variant == "documented":
        return copy.deepcopy(payload)
    if variant == "extras":
        return _with_extras(payload, top_is_map=maps)
    if variant == "swapped":
        return _swapped(payload)
    raise ValueError(f"unknown variant {variant!r}")


def _is_map(value: dict[str, Any]) -> bool:
    return bool(value) and all(k[:1].isdigit() for k in value)


def _with_extras(value: Any, *, top_is_map: bool = False) -> Any:
    if isinstance(value, list):
        return [_with_extras(v) for v in value]
    if isinstance(value, dict):
        inner = {k: _with_extras(v) for k, v in value.items()}
        if top_is_map or _is_map(value):
            return inner
        return {**inner, **copy.deepcopy(EXTRA)}
    return value


def _swapped(value: Any) -> Any:
    if isinstance(value, list):
        return [_swapped(v) for v in value]
    if isinstance(value, dict):
        return {k: _swapped(v) for k, v in value.items()}
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str) and _NUMBER.match(value):
        number = float(value)
        return int(number) if number.is_integer() and "." not in value else number
    return value


@dataclass
class Seen:
    """One request as the stub received it; ``path`` is relative to the base URL."""

    method: str
    path: str
    query: list[tuple[str, str]]
    headers: httpx.Headers
    content: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.content) if self.content else None


#: The headers a request may carry: the document's auth, JSON, the client's own, and the
#: Idempotency-Key of a state-changing call. Anything else is a header no document names.
HEADERS = frozenset(
    {
        "host",
        "accept",
        "accept-encoding",
        "connection",
        "user-agent",
        "authorization",
        "content-type",
        "content-length",
        "idempotency-key",
    }
)

Answer = httpx.Response | Exception | Callable[[httpx.Request], httpx.Response]


class Stub:
    """respx routes under ``base_url`` answering document examples, and the requests seen."""

    def __init__(self, base_url: str, variant: str = "documented") -> None:
        self.base_url = base_url.rstrip("/")
        self.variant = variant
        self.seen: list[Seen] = []
        self._router = respx.MockRouter(assert_all_called=False, assert_all_mocked=True)

    def __enter__(self) -> Stub:
        self._router.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._router.__exit__(*exc)

    def on(
        self,
        method: str,
        path: str,
        payload: Any = None,
        *answers: Answer,
        status: int = 200,
        maps: bool = False,
    ) -> None:
        """Answer ``method path`` (any query) with ``payload`` varied, or with ``answers`` in
        turn (responses, exceptions to raise, or functions of the request); the last repeats.
        A later ``on`` for the same route replaces the earlier one."""
        queue: list[Answer] = list(answers) or [
            httpx.Response(status, json=vary(payload, self.variant, maps=maps))
        ]

        def _answer(request: httpx.Request) -> httpx.Response:
            self.seen.append(
                Seen(
                    request.method,
                    request.url.path[len(httpx.URL(self.base_url).path) :].lstrip("/"),
                    list(request.url.params.multi_items()),
                    request.headers,
                    request.content,
                )
            )
            answer = queue.pop(0) if len(queue) > 1 else queue[0]
            if isinstance(answer, Exception):
                raise answer
            if isinstance(answer, httpx.Response):
                return httpx.Response(
                    answer.status_code, headers=answer.headers, content=answer.content
                )
            return answer(request)

        url = re.compile(re.escape(f"{self.base_url}/{path.lstrip('/')}") + r"(\?.*)?$")
        self._router.route(method=method, url=url).mock(side_effect=_answer)

    def calls(self, method: str, path: str) -> list[Seen]:
        return [s for s in self.seen if (s.method, s.path) == (method, path)]

    def only(self, method: str, path: str, headers: frozenset[str] = HEADERS) -> Seen:
        """The one request to ``method path`` (fails if there were none or several), carrying
        no header outside ``headers``."""
        found = self.calls(method, path)
        assert len(found) == 1, (method, path, [(s.method, s.path) for s in self.seen])
        assert set(found[0].headers) <= headers, sorted(set(found[0].headers) - headers)
        return found[0]
