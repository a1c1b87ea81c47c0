"""The emulated providers. Each module has the same shape, so adding one is one line here.

A provider module defines ``NAME``, ``PREFIX`` (its URL prefix), ``SCHEMA`` (SQL run at start-up),
``STATE_TABLES`` (wiped by reset, children first), ``router`` (a FastAPI APIRouter under
``PREFIX``) and ``stats(conn) -> dict`` (its exact counts for ``/_sandbox/stats``).
"""

from __future__ import annotations

from types import ModuleType

from bookctl.sandbox import bookingbug, bookinglayer, guestmanager, rundl, wix

PROVIDER_MODULES: tuple[ModuleType, ...] = (bookinglayer, bookingbug, wix, guestmanager, rundl)
