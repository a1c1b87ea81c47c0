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
    "bookinglayer": "bookctl.providers.bookinglayer.client",
    "bookingbug": "bookctl.providers.bookingbug.client",
    "wix": "bookctl.providers.wix.client",
    "guestmanager": "bookctl.providers.guestmanager.client",
    "rundl": "bookctl.providers.rundl.client",
}

#: The customer object of Bookinglayer's checkout, in the document's order.
BOOKINGLAYER_CUSTOMER_FIELDS: tuple[str, ...] = (
    "first_name",
    "last_name",
    "email",
    "gender",
    "language_code",
    "birth_date",
    "phone_countrycode",
    "phone",
    "address_line_1",
    "address_line_2",
    "city",
    "state",
    "zipcode",
    "country",
)

#: BookingBug's nine documented add_item parameters, in the document's order.
BOOKINGBUG_ADD_ITEM_PARAMS: tuple[str, ...] = (
    "event_id",
    "member_id",
    "event_chain_id",
    "service_id",
    "product_id",
    "attachment_id",
    "deal_id",
    "package_id",
    "bulk_purchase_id",
)

#: The stage options each provider's documents give it (DESIGN.md section 2). The CLI refuses
#: an option the profile's provider lacks, naming the providers that have it, before any request.
STAGE_OPTIONS: dict[str, dict[str, frozenset[str]]] = {
    "bookinglayer": {
        "basket add": frozenset(
            {
                "package",
                "start_date",
                "end_date",
                "accommodation",
                "guest",
                "item",
                "currency",
                "file",
            }
        ),
        "checkout": frozenset({"accept_terms", "customer_file", "newsletter"})
        | frozenset(BOOKINGLAYER_CUSTOMER_FIELDS),
        "products": frozenset({"type", "location", "language"}),
        "availability": frozenset({"start_date", "end_date", "type", "category"}),
    },
    "bookingbug": {
        "basket add": frozenset(BOOKINGBUG_ADD_ITEM_PARAMS),
        "checkout": frozenset({"member_id", "take_from_wallet"}),
        "products": frozenset(),
        "availability": frozenset({"start_date", "end_date"}),
    },
    "wix": {
        "basket add": frozenset(
            {"service_id", "session_id", "contact_file", "participants", "rate_label"}
        ),
        "checkout": frozenset({"coupon", "plan", "locked_session_key", "notify", "wait"}),
        "products": frozenset(),
        "availability": frozenset({"start_date", "end_date"}),
    },
    "guestmanager": {
        "basket add": frozenset({"ticket_type", "qty"}),
        "checkout": frozenset(
            {
                "email",
                "first_name",
                "last_name",
                "phone",
                "answers_file",
                "payment_token",
                "payment_method",
                "step",
                "wait",
            }
        ),
        "products": frozenset(),
        "availability": frozenset(),
    },
    "rundl": {
        "basket add": frozenset({"service", "product", "qty", "file"}),
        "checkout": frozenset({"payment_token", "wait"}),
        "products": frozenset({"service"}),
        "availability": frozenset(),
    },
}


#: The words providers share on the command line (DESIGN.md section 2), and each provider's
#: own name for the notion (the document's). ``--service-id`` and the like stay as aliases.
SHARED_OPTIONS: dict[str, dict[str, str]] = {
    "package": {"bookinglayer": "package", "bookingbug": "package_id"},
    "service": {"bookingbug": "service_id", "wix": "service_id", "rundl": "service"},
    "product": {"bookingbug": "product_id", "rundl": "product"},
    "session": {"wix": "session_id"},
    "qty": {"wix": "participants", "guestmanager": "qty", "rundl": "qty"},
}


def _flag(provider: str, key: str) -> str:
    """The command-line flag of ``provider``'s option ``key`` (the shared word if there is one)."""
    for word, keys in SHARED_OPTIONS.items():
        if keys.get(provider) == key:
            return f"--{word}"
    return "--" + key.replace("_", "-")


def stage_flags(provider: str, stage: str) -> list[str]:
    """The flags ``provider`` takes on ``stage``, for a hint that says what to use instead."""
    return sorted({_flag(provider, key) for key in STAGE_OPTIONS.get(provider, {}).get(stage, ())})


def provider_options(
    provider: str, profile: str, stage: str, given: Mapping[str, Any]
) -> dict[str, Any]:
    """``given`` with the shared words under ``provider``'s own names; refuses one it lacks."""
    result: dict[str, Any] = {}
    for name, value in given.items():
        keys = SHARED_OPTIONS.get(name)
        if keys is None:
            result[name] = value
            continue
        if provider not in keys and value in (None, False, [], ()):
            continue
        if provider not in keys:
            raise UsageError(
                f"{stage} --{name} is not an option of {provider} (profile {profile!r})",
                hint=f"it is for {', '.join(sorted(keys))}; {provider} takes "
                f"{', '.join(stage_flags(provider, stage))}",
            )
        key = keys[provider]
        if isinstance(value, list) and key.endswith("_id"):
            if len(value) > 1:
                raise UsageError(f"{provider} takes one --{name}, not {len(value)}")
            value = value[0]
        result[key] = value
    return result


class Provider(Protocol):
    """One platform's client, speaking neutral models to the CLI."""

    key: ClassVar[str]
    #: Order states ``poll`` waits through (empty: orders are settled when checkout answers).
    PENDING_STATES: ClassVar[frozenset[str]]
    #: Settled states that mean success: ``poll`` exits 0 on them, and ``checkout`` retires the
    #: cart session only on them (when the set is empty, on any answer).
    SUCCESS_STATES: ClassVar[frozenset[str]]

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

    def get_order(self, order_id: str, session: CartSession | None) -> tuple[Order, Any]:
        """The order's current state (what ``poll`` reads); raise ``unsupported_stage`` if none."""
        ...

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
    try:
        module = importlib.import_module(module_path)
    except ModuleNotFoundError as err:
        if err.name != module_path:
            raise
        raise UsageError(
            f"provider {key!r} is not supported by this bookctl yet",
            hint="see the CHANGELOG for what each release supports",
        ) from err
    cls: type[Provider] = module.PROVIDER
    return cls


def order_states(provider: Provider) -> tuple[frozenset[str], frozenset[str]]:
    """``(PENDING_STATES, SUCCESS_STATES)`` of a provider (empty sets if it declares none)."""
    return (
        getattr(provider, "PENDING_STATES", frozenset()),
        getattr(provider, "SUCCESS_STATES", frozenset()),
    )


def unsupported_stage(provider: str, stage: str) -> UsageError:
    """The error for a stage a provider lacks (``cart extend`` on rundl): exit 2."""
    return UsageError(
        f"{provider} has no '{stage}' step",
        hint="see docs/providers.md for the stages each provider supports",
    )


def providers_with_option(stage: str, option: str) -> list[str]:
    """Which providers accept ``option`` on ``stage`` (for the usage error that names them)."""
    return sorted(key for key, stages in STAGE_OPTIONS.items() if option in stages.get(stage, ()))


def check_stage_options(provider: str, profile: str, stage: str, given: Mapping[str, Any]) -> None:
    """Refuse options of ``stage`` that ``provider`` does not have, naming who has them."""
    accepted = STAGE_OPTIONS.get(provider, {}).get(stage, frozenset())
    for name, value in given.items():
        if value in (None, False, [], ()) or name in accepted:
            continue
        flag = "--" + name.replace("_", "-")
        others = providers_with_option(stage, name)
        where = f"it is for {', '.join(others)}" if others else "no provider has it"
        instead = stage_flags(provider, stage)
        if instead:
            where += f"; {provider} takes {', '.join(instead)}"
        raise UsageError(
            f"{stage} {flag} is not an option of {provider} (profile {profile!r})", hint=where
        )
