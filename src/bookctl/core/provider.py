"""The provider interface the CLI talks to, and the registry that loads provider modules lazily.

``core`` never imports a provider: the registry maps provider keys to module paths and imports
the one a command needs.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from bookctl.core.errors import UsageError

if TYPE_CHECKING:
    from bookctl.core.config import Profile
    from bookctl.core.http import ApiClient
    from bookctl.core.models import AvailabilityRow, Cart, Order, Product
    from bookctl.core.session import CartSession

_MODULES: dict[str, str] = {
    "bookinglayer": "bookctl.providers.bookinglayer",
}


class Provider(Protocol):
    """One platform's client, speaking neutral models to the CLI."""

    key: ClassVar[str]
    #: Names of the stage options this provider accepts (``basket add``, ``checkout`` ...).
    options: ClassVar[Mapping[str, frozenset[str]]]

    def __init__(self, client: ApiClient, profile: Profile) -> None: ...

    def list_products(self, filters: Mapping[str, Any]) -> tuple[list[Product], Any]: ...

    def get_product(self, product_id: str, filters: Mapping[str, Any]) -> tuple[Product, Any]: ...

    def availability(
        self, product_ids: list[str], filters: Mapping[str, Any]
    ) -> tuple[list[AvailabilityRow], Any]: ...

    def basket_add(
        self, options: Mapping[str, Any], session: CartSession | None
    ) -> tuple[Cart, Any]: ...

    def cart_show(self, cart_id: str, session: CartSession | None) -> tuple[Cart, Any]: ...

    def cart_extend(self, cart_id: str, session: CartSession | None) -> tuple[Cart, Any]: ...

    def cart_abandon(self, cart_id: str, session: CartSession | None) -> Any: ...

    def checkout(
        self, cart_id: str, options: Mapping[str, Any], session: CartSession | None
    ) -> tuple[Order, Any]: ...

    @staticmethod
    def auth_headers(api_key: str) -> dict[str, str]: ...


def provider_class(key: str) -> type[Provider]:
    """The provider implementation for ``key``, imported on first use."""
    module_path = _MODULES.get(key)
    if module_path is None:
        raise UsageError(
            f"provider {key!r} is not supported by this bookctl yet",
            hint=f"supported now: {', '.join(sorted(_MODULES))}",
        )
    module = importlib.import_module(module_path)
    cls: type[Provider] = module.PROVIDER
    return cls


def providers_with_option(stage: str, option: str) -> list[str]:
    """Which providers accept ``option`` on ``stage`` (for the usage error that names them)."""
    return sorted(
        key for key in _MODULES if option in provider_class(key).options.get(stage, frozenset())
    )
