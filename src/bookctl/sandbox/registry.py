"""The emulated providers. Each package has the same shape, so adding one is one line here.

An emulator is the package ``bookctl.sandbox.<name>``: ``routes.py`` (the HTTP layer),
``backend.py`` (state and SQL), ``seed.py`` (the catalogue). Its ``__init__`` exports ``NAME``,
``PREFIX`` (its URL prefix), ``SCHEMA`` (SQL run at start-up), ``STATE_TABLES`` (wiped by
reset, children first), ``router`` (a FastAPI APIRouter under ``PREFIX``) and
``stats(conn) -> dict`` (its exact counts for ``/_sandbox/stats``), and nothing else. An emulator
imports no other emulator; what several share lives in a neutral module (``sandbox/parsing.py``).

Packages are imported on demand: the embedded sandbox loads only the one its profile talks to.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from types import ModuleType

#: Every emulated provider, by the name of its package in ``bookctl.sandbox``.
PROVIDER_NAMES: tuple[str, ...] = ("bookinglayer", "bookingbug", "wix", "guestmanager", "rundl")


def provider_modules(names: Iterable[str] | None = None) -> tuple[ModuleType, ...]:
    """The emulator packages of ``names`` (all of them when None), imported now."""
    wanted = PROVIDER_NAMES if names is None else tuple(names)
    unknown = [n for n in wanted if n not in PROVIDER_NAMES]
    if unknown:
        raise ValueError(f"no emulator for {', '.join(unknown)}")
    return tuple(importlib.import_module(f"bookctl.sandbox.{name}") for name in wanted)


def __getattr__(name: str) -> tuple[ModuleType, ...]:
    # ``PROVIDER_MODULES``: all five packages, imported when first asked for.
    if name == "PROVIDER_MODULES":
        return provider_modules()
    raise AttributeError(name)
