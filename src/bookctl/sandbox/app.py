"""The sandbox app factory.

`create_app` needs no lifespan event: the embedded transport may never send one, so the
database is created (schema; the catalogue lives in code) when the app is built.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from bookctl.sandbox import admin
from bookctl.sandbox.context import Sandbox
from bookctl.sandbox.errors import ApiError, api_error_handler, validation_error_handler
from bookctl.sandbox.faults import FaultInjector
from bookctl.sandbox.middleware import ProviderMiddleware
from bookctl.sandbox.protocol import DAMAGED_HEADER
from bookctl.sandbox.registry import provider_modules
from bookctl.sandbox.store import OutOfRange, Store

DEFAULT_API_KEY = "sandbox-key"


def create_app(
    db_path: Path,
    *,
    api_key: str = DEFAULT_API_KEY,
    faults: str | None = None,
    seed: int = 0,
    providers: Iterable[str] | None = None,
    dispatch: bool = True,
) -> FastAPI:
    """Build a sandbox app on the SQLite file `db_path` (created if missing).

    `faults` is a fault spec (see `bookctl.sandbox.faults`); a bad spec raises ValueError.
    `seed` seeds the fault RNG so faulty runs are reproducible. `providers` limits the app to
    those emulators (all five when None): the embedded sandbox loads only its profile's one.
    `dispatch=False` leaves every request to FastAPI's own routing (the answers are the same:
    `bookctl.sandbox.dispatch` is tested against it).
    """
    modules = provider_modules(providers)
    # Path prefix -> provider name; one module (one APIRouter) per emulated provider.
    prefixes = {m.PREFIX: m.NAME for m in modules}
    injector = FaultInjector(spec=(faults or "").strip(), seed=seed)
    store = Store(
        Path(db_path),
        schemas=tuple(m.SCHEMA for m in modules),
        state_tables=tuple(t for m in modules for t in m.STATE_TABLES),
    )
    store.initialise()
    app = FastAPI(
        title="bookctl sandbox",
        description="Local emulator of the booking APIs bookctl drives.",
        docs_url="/_sandbox/docs",
        redoc_url=None,
        openapi_url="/_sandbox/openapi.json",
    )
    app.state.sandbox = Sandbox(store=store, api_key=api_key, faults=injector, providers=modules)
    app.add_exception_handler(ApiError, api_error_handler)
    app.add_exception_handler(RequestValidationError, validation_error_handler)
    app.add_exception_handler(OutOfRange, _out_of_range)
    app.add_exception_handler(OverflowError, _overflow)
    app.add_exception_handler(sqlite3.DatabaseError, _damaged(store))
    # The routers' routes go straight into the app's router (each already carries its
    # router's prefix and dependencies): `include_router` would wrap every router in a layer
    # that matches each request twice, a sixth of a request's cost. Routes match in this
    # order: the provider routes, which carry the traffic, before the admin ones.
    for module in modules:
        app.router.routes.extend(module.router.routes)
    app.router.routes.extend(admin.router.routes)
    # The provider routes are answered by the middleware's own dispatch where it can
    # (`bookctl.sandbox.dispatch`); FastAPI keeps the schema, the docs and the admin routes.
    app.add_middleware(
        ProviderMiddleware,
        sandbox=app.state.sandbox,
        prefixes=prefixes,
        routes=app.router.routes if dispatch else (),
        exception_handlers=app.exception_handlers,
    )
    return app


async def _out_of_range(request: Request, exc: Exception) -> JSONResponse:
    """An integer past SQLite's range: no record has that id (404), nor can one get it (422)."""
    assert isinstance(exc, OutOfRange)
    if exc.lookup:
        return _error(request, 404, "not_found", f"No record has the id {exc.value}.")
    return _overflow_answer(request)


async def _overflow(request: Request, exc: Exception) -> JSONResponse:
    """A number too large to compute with (a date or amount overflowing)."""
    return _overflow_answer(request)


def _overflow_answer(request: Request) -> JSONResponse:
    return _error(request, 422, "out_of_range", "A number in the request is out of range.")


def _error(request: Request, status: int, code: str, message: str) -> JSONResponse:
    # Guest Manager's document wraps its errors; the other four answer them flat.
    body: dict[str, Any] = {"message": message, "code": code}
    if request.url.path.startswith("/guestmanager"):
        body = {"error": {"type": code, "message": message}}
    return JSONResponse(body, status_code=status)


def _damaged(store: Store) -> Any:
    async def handler(request: Request, exc: Exception) -> JSONResponse:
        if isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc):
            message = "The sandbox database is busy; try again."
            return JSONResponse(
                {"message": message, "code": "busy"}, status_code=503, headers={"retry-after": "1"}
            )
        message = f"The sandbox database {store.path} is damaged ({exc})."
        return JSONResponse(
            {"message": message, "code": "sandbox_damaged"},
            status_code=500,
            headers={DAMAGED_HEADER: "1"},
        )

    return handler
