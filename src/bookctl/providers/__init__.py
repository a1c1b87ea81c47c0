"""The catalogue: every provider bookctl speaks, one package each (DESIGN.md section 7).

A provider package's ``__init__`` declares it (a :class:`~bookctl.core.provider.ProviderSpec`,
cheap to import); its client, batch adapter and smoke plan are imported when first used.
Adding a provider is its package and one line here.
"""

from __future__ import annotations

import importlib

from bookctl.core.provider import Catalogue, ProviderSpec

_PACKAGES: tuple[str, ...] = (
    "bookctl.providers.bookinglayer",
    "bookctl.providers.bookingbug",
    "bookctl.providers.wix",
    "bookctl.providers.guestmanager",
    "bookctl.providers.rundl",
)


def _spec(package: str) -> ProviderSpec:
    spec: ProviderSpec = importlib.import_module(package).SPEC
    return spec


CATALOGUE = Catalogue(_spec(package) for package in _PACKAGES)
