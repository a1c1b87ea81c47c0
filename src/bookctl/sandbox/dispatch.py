"""The provider routes' own dispatch: FastAPI's answers without FastAPI's work per request.

FastAPI declares every route: the OpenAPI schema and `/_sandbox/docs` list them all, and
FastAPI serves the admin routes and any route this module does not take. For a provider
request, `ProviderMiddleware` asks `Dispatch.match` which route FastAPI's router would pick
(the first, in the router's order, whose path and method match). When that route is one this
module compiled, the middleware runs it here: the route's dependencies and handler are called
as FastAPI calls them, with the body the middleware has already read, and the answer (or the
app's exception handler's answer) is rendered as FastAPI renders it, byte for byte. What
FastAPI would redo on every request (trying each route through Starlette's `matches`, walking
the dependency tree, a request, response and exit-stack layer around the handler) is worked
out once, when the app takes its first request.

A route is compiled only when everything it takes is of a kind the emulators use: `str` path
parameters, the `Request`, the sub-`Response` (for headers), one `Any` body, and dependencies
that are `async def` of the request or connection alone (the auth checks, `get_sandbox`),
answering JSON through its return annotation. Anything else (a typed query parameter, a model
body, a sync handler, dependency overrides, a mounted app before it) stays with FastAPI.
"""

from __future__ import annotations

import copy
import email.message
import functools
import inspect
import json
import re
from collections.abc import Awaitable, Callable, Iterable, Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any

from fastapi import params
from fastapi.datastructures import DefaultPlaceholder
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError, ResponseValidationError
from fastapi.routing import APIRoute
from fastapi.utils import is_body_allowed_for_status_code
from starlette.concurrency import run_in_threadpool
from starlette.convertors import StringConvertor
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ExceptionHandler = Callable[[Request, Exception], Any]

_JSON_TYPE = [(b"content-type", b"application/json")]


@dataclass(frozen=True)
class _Dependency:
    call: Callable[..., Awaitable[Any]]
    name: str | None
    """The handler's parameter it fills (None for a route's parameterless dependencies)."""
    request_arg: str | None
    """The dependency's own parameter that takes the request, if any."""


@dataclass(frozen=True)
class _Endpoint:
    """One route's handler, its dependencies and its answer, as FastAPI would run them."""

    route: APIRoute
    dependencies: tuple[_Dependency, ...]
    path_params: tuple[tuple[str, str], ...]  # (parameter, path name)
    body_param: str | None
    body_default: Any
    strict_content_type: bool
    request_param: str | None
    response_param: str | None
    status: int

    async def run(self, scope: Scope, receive: Receive, send: Send, body: bytes) -> None:
        """Answer the request through `send`, as FastAPI's route would have."""
        request = Request(scope, receive)
        values: dict[str, Any] = {}
        if self.body_param is not None:
            values[self.body_param] = self._payload(request, body)
        for dependency in self.dependencies:
            args = {dependency.request_arg: request} if dependency.request_arg else {}
            solved = await dependency.call(**args)
            if dependency.name is not None:
                values[dependency.name] = solved
        path_params = scope["path_params"]
        for name, alias in self.path_params:
            values[name] = path_params[alias]
        if self.request_param is not None:
            values[self.request_param] = request
        sub: Response | None = None
        if self.response_param is not None:
            sub = Response()
            del sub.headers["content-length"]
            sub.status_code = None  # type: ignore[assignment]
            values[self.response_param] = sub
        call = self.route.dependant.call
        assert call is not None
        raw = await call(**values)
        if isinstance(raw, Response):
            await raw(scope, receive, send)
            return
        field = self.route.response_field
        assert field is not None
        value, errors = field.validate(raw, {}, loc=("response",))
        if errors:
            raise ResponseValidationError(errors=errors, body=raw)
        content = field.serialize_json(value)
        status = self.status
        headers = _JSON_TYPE
        if sub is not None:
            if sub.status_code:
                status = sub.status_code
            headers = [*_JSON_TYPE, *sub.raw_headers]
        if not is_body_allowed_for_status_code(status):
            content = b""
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": content, "more_body": False})

    def _payload(self, request: Request, body: bytes) -> Any:
        """The body parameter's value: FastAPI's reading of a JSON body into `Any`."""
        if not body:
            return copy.deepcopy(self.body_default)
        content_type = request.headers.get("content-type")
        if content_type:
            if not _is_json(content_type):
                return body
        elif self.strict_content_type:
            return body
        try:
            return json.loads(body)
        except json.JSONDecodeError as err:
            raise RequestValidationError(
                [
                    {
                        "type": "json_invalid",
                        "loc": ("body", err.pos),
                        "msg": "JSON decode error",
                        "input": {},
                        "ctx": {"error": err.msg},
                    }
                ],
                body=err.doc,
            ) from err
        except Exception as err:
            raise HTTPException(
                status_code=400, detail="There was an error parsing the body"
            ) from err


@functools.lru_cache(maxsize=64)
def _is_json(content_type: str) -> bool:
    # FastAPI's own test of a JSON body's content type.
    message = email.message.Message()
    message["content-type"] = content_type
    if message.get_content_maintype() != "application":
        return False
    subtype = message.get_content_subtype()
    return subtype == "json" or subtype.endswith("+json")


@dataclass(frozen=True)
class _Candidate:
    regex: re.Pattern[str]
    methods: frozenset[str] | None
    endpoint: _Endpoint | None  # None: FastAPI answers it


class Dispatch:
    """The routes of an app that this module answers, in the order its router tries them."""

    def __init__(
        self, routes: Iterable[Any], exception_handlers: Mapping[Any, ExceptionHandler]
    ) -> None:
        self._candidates: list[_Candidate] = []
        for route in routes:
            if isinstance(route, WebSocketRoute):
                continue  # never matches an HTTP request
            if type(route) not in (Route, APIRoute):
                break  # a mount or another kind: what follows it stays with FastAPI
            methods = frozenset(route.methods) if route.methods else None
            endpoint = _compile(route) if isinstance(route, APIRoute) else None
            self._candidates.append(_Candidate(route.path_regex, methods, endpoint))
        # As Starlette's ExceptionMiddleware takes them: 500 and Exception go to the outermost
        # layer, whole status codes answer an HTTPException of that status.
        self._by_status = {
            k: v for k, v in exception_handlers.items() if isinstance(k, int) and k != 500
        }
        self._by_type = {
            k: v
            for k, v in exception_handlers.items()
            if isinstance(k, type) and k is not Exception
        }
        if HTTPException not in self._by_type:
            self._candidates = []  # Starlette's own answer to it would be needed: none taken

    def match(self, scope: Scope) -> _Endpoint | None:
        """The compiled route FastAPI's router would run for this request, if there is one.

        Sets the path parameters in `scope`, as the router does.
        """
        if scope.get("root_path"):
            return None
        path = scope["path"]
        method = scope["method"]
        for candidate in self._candidates:
            found = candidate.regex.match(path)
            if found is None:
                continue
            if candidate.methods is not None and method not in candidate.methods:
                continue  # a partial match: a later route may still match fully
            endpoint = candidate.endpoint
            if endpoint is None:
                return None
            provider = endpoint.route.dependency_overrides_provider
            if provider is not None and getattr(provider, "dependency_overrides", None):
                return None
            path_params = dict(scope.get("path_params", {}))
            path_params.update(found.groupdict())
            scope["path_params"] = path_params
            scope["endpoint"] = endpoint.route.endpoint
            scope["route"] = endpoint.route
            return endpoint
        return None

    async def run(
        self, endpoint: _Endpoint, scope: Scope, receive: Receive, send: Send, body: bytes
    ) -> None:
        """Run `endpoint`; an exception the app has a handler for is answered by it."""
        try:
            await endpoint.run(scope, receive, send, body)
        except Exception as exc:
            handler = self._handler(exc)
            if handler is None:
                raise
            request = Request(scope, receive)
            if inspect.iscoroutinefunction(handler):
                response = await handler(request, exc)
            else:
                response = await run_in_threadpool(handler, request, exc)
            if response is not None:
                await response(scope, receive, send)

    def _handler(self, exc: Exception) -> ExceptionHandler | None:
        if isinstance(exc, HTTPException) and exc.status_code in self._by_status:
            return self._by_status[exc.status_code]
        for cls in type(exc).__mro__:
            if cls in self._by_type:
                return self._by_type[cls]
        return None


def _compile(route: APIRoute) -> _Endpoint | None:
    """The route as an `_Endpoint`, or None when it takes something this module leaves to
    FastAPI."""
    dependant = route.dependant
    response_class = route.response_class
    if not (
        _is_plain_async(dependant.call)
        and isinstance(response_class, DefaultPlaceholder)
        and response_class.value is JSONResponse
        and route.response_field is not None
        and not route.stream_item_field
        and not route.is_json_stream
        and route.response_model_include is None
        and route.response_model_exclude is None
        and route.response_model_by_alias
        and not route.response_model_exclude_unset
        and not route.response_model_exclude_defaults
        and not route.response_model_exclude_none
        and not route._embed_body_fields
        and not (dependant.query_params or dependant.header_params or dependant.cookie_params)
        and dependant.websocket_param_name is None
        and dependant.http_connection_param_name is None
        and dependant.background_tasks_param_name is None
        and dependant.security_scopes_param_name is None
        and all(type(c) is StringConvertor for c in route.param_convertors.values())
    ):
        return None
    path_params = []
    for field in dependant.path_params:
        if field.field_info.annotation is not str or field.field_info.metadata:
            return None
        path_params.append((field.name, field.alias))
    body_param, body_default = None, None
    if dependant.body_params:
        if len(dependant.body_params) > 1:
            return None
        field = dependant.body_params[0]
        info = field.field_info
        if (
            info.annotation is not Any
            or isinstance(info, params.Form)
            or info.is_required()
            or info.validate_default
        ):
            return None
        body_param, body_default = field.name, info.get_default(call_default_factory=True)
    dependencies = []
    calls = set()
    for sub in dependant.dependencies:
        dependency = _dependency(sub)
        if dependency is None or dependency.call in calls:
            return None
        calls.add(dependency.call)
        dependencies.append(dependency)
    strict = route.strict_content_type
    status = route.status_code or 200
    return _Endpoint(
        route=route,
        dependencies=tuple(dependencies),
        path_params=tuple(path_params),
        body_param=body_param,
        body_default=body_default,
        strict_content_type=strict.value if isinstance(strict, DefaultPlaceholder) else strict,
        request_param=dependant.request_param_name,
        response_param=dependant.response_param_name,
        status=status,
    )


def _dependency(sub: Dependant) -> _Dependency | None:
    """A dependency taking nothing but the request or connection, or None."""
    if not (
        _is_plain_async(sub.call)
        and sub.concurrency is None
        and not sub.dependencies
        and not sub.own_oauth_scopes
        and not sub.parent_oauth_scopes
        and not (
            sub.path_params
            or sub.query_params
            or sub.header_params
            or sub.cookie_params
            or sub.body_params
        )
        and sub.websocket_param_name is None
        and sub.response_param_name is None
        and sub.background_tasks_param_name is None
        and sub.security_scopes_param_name is None
        and not (sub.request_param_name and sub.http_connection_param_name)
    ):
        return None
    assert sub.call is not None
    return _Dependency(
        call=sub.call,
        name=sub.name,
        request_arg=sub.request_param_name or sub.http_connection_param_name,
    )


def _is_plain_async(call: Any) -> bool:
    return inspect.iscoroutinefunction(call)
