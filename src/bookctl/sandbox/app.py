"""The sandbox app factory.

`create_app` needs no lifespan event: the embedded transport may never send one, so the
database is created (schema; the catalogue lives in code) when the app is built.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError

from bookctl.sandbox import admin
from bookctl.sandbox.context import Sandbox
from bookctl.sandbox.errors import ApiError, api_error_handler, validation_error_handler
from bookctl.sandbox.faults import FaultInjector
from bookctl.sandbox.middleware import ProviderMiddleware
from bookctl.sandbox.registry import provider_modules
from bookctl.sandbox.store import Store

DEFAULT_API_KEY = "sandbox-key"


def create_app(
    db_path: Path,
    *,
    api_key: str = DEFAULT_API_KEY,
    faults: str | None = None,
    seed: int = 0,
    providers: Iterable[str] | None = None,
) -> FastAPI:
    """Build a sandbox app on the SQLite file `db_path` (created if missing).

    `faults` is a fault spec (see `bookctl.sandbox.faults`); a bad spec raises ValueError.
    `seed` seeds the fault RNG so faulty runs are reproducible. `providers` limits the app to
    those emulators (all five when None): the embedded sandbox loads only its profile's one.
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
    app.include_router(admin.router)
    for module in modules:
        app.include_router(module.router)
    app.add_middleware(ProviderMiddleware, sandbox=app.state.sandbox, prefixes=prefixes)
    return app
