"""The provider interface the CLI talks to, and the declarations a provider package makes.

``core`` never imports a provider: a provider package describes itself with a
:class:`ProviderSpec` (its stage options, customer fields, lacking stages, built-in sandbox
profile and where its client, batch adapter and smoke plan live), and the catalogue in
``bookctl.providers`` lists the packages. Clients are imported when first used.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from bookctl.core.errors import UsageError

if TYPE_CHECKING:
    from bookctl.core.config import Profile
    from bookctl.core.http import ApiClient
    from bookctl.core.models import AvailabilityRow, Cart, Order, Product
    from bookctl.core.session import CartSession

#: The stages whose options a provider declares (DESIGN.md section 2).
STAGES: tuple[str, ...] = ("products", "availability", "basket add", "checkout")

#: Option kinds: how the command line reads a value (text, a whole number, a repeatable text,
#: an on-flag, an on/off switch with two flags, a file path).
KINDS = frozenset({"text", "int", "list", "flag", "switch", "path"})


@dataclass(frozen=True)
class StageOption:
    """One option a provider's document gives a stage, under the document's own name.

    ``word`` is the command line's shared word for a notion several providers have under
    different names (``--service`` for ``service_id`` and ``service``); the document's name
    stays accepted as an alias (``--service-id``).
    """

    key: str
    help: str = ""
    word: str | None = None
    kind: str = "text"
    metavar: str | None = None
    #: A switch's two flags (``--notify/--no-notify``); derived from the name when empty.
    switch: str | None = None
    #: A batch CSV column (files and interactive-only options are not).
    column: bool = True
    #: A one-letter flag (``-f``).
    short: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"{self.key}: unknown option kind {self.kind!r}")

    @property
    def name(self) -> str:
        """The command-line parameter name (the shared word, else the document's name)."""
        return self.word or self.key

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")

    @property
    def alias(self) -> str | None:
        """The document's own flag when the shared word differs (``--service-id``)."""
        own = "--" + self.key.replace("_", "-")
        return own if own != self.flag else None


#: Options several providers declare the same way.
BODY_FILE = StageOption(
    "file",
    "The documented JSON request body.",
    kind="path",
    metavar="FILE",
    column=False,
    short="-f",
)
WAIT = StageOption("wait", "Follow the order until it settles.", kind="flag", column=False)


@dataclass(frozen=True)
class BuiltinProfile:
    """A profile that needs no file: the provider on the embedded sandbox."""

    name: str
    fields: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ProviderSpec:
    """What the rest of bookctl knows of one provider, without importing its client.

    Each provider package's ``__init__`` holds one; the catalogue maps keys to packages.
    Code paths are ``"module:attribute"`` strings, imported when first needed.
    """

    key: str
    title: str
    client: str
    #: Where the embedded sandbox serves this provider's emulator.
    sandbox_prefix: str
    stages: Mapping[str, tuple[StageOption, ...]]
    builtin_profiles: tuple[BuiltinProfile, ...] = ()
    #: Stages the provider's documents do not have (``cart extend``, ``poll``, ...), and why.
    lacks: Mapping[str, str] = field(default_factory=dict)
    #: The customer's fields at checkout, in the document's order.
    customer_fields: tuple[str, ...] = ()
    #: Profile settings this provider needs (``company_id``, ``account``, ``app_id``).
    profile_fields: tuple[str, ...] = ()
    #: Request headers that carry a credential (redacted from traces).
    secret_headers: frozenset[str] = frozenset({"authorization"})
    #: ``"module:attribute"`` of the batch adapter class and the smoke plan function.
    batch_adapter: str | None = None
    smoke_plan: str | None = None

    def options(self, stage: str) -> tuple[StageOption, ...]:
        return self.stages.get(stage, ())

    def option_named(self, stage: str, name: str) -> StageOption | None:
        """The option of ``stage`` the command line calls ``name`` (word or document name)."""
        for option in self.options(stage):
            if name in (option.name, option.key):
                return option
        return None

    def flags(self, stage: str) -> list[str]:
        """The flags this provider takes on ``stage``, for a hint that says what to use."""
        return sorted({option.flag for option in self.options(stage)})

    def provider_class(self) -> type[Provider]:
        cls: type[Provider] = load(self.client)
        return cls


def given_value(value: Any) -> bool:
    """Whether an option was given (``0`` is a value; ``None``, an off flag, ``[]`` are not)."""
    return value is not None and value is not False and value != [] and value != ()


def load(path: str) -> Any:
    """The object ``"module:attribute"`` names, imported now."""
    module_path, _, attribute = path.partition(":")
    return getattr(importlib.import_module(module_path), attribute)


class Catalogue:
    """Every provider this bookctl speaks, by key (the one list of them)."""

    def __init__(self, specs: Iterable[ProviderSpec]) -> None:
        self._specs = {spec.key: spec for spec in specs}

    def keys(self) -> tuple[str, ...]:
        return tuple(self._specs)

    def specs(self) -> tuple[ProviderSpec, ...]:
        return tuple(self._specs.values())

    def __contains__(self, key: object) -> bool:
        return key in self._specs

    def spec(self, key: str) -> ProviderSpec:
        spec = self._specs.get(key)
        if spec is None:
            raise UsageError(
                f"unknown provider {key!r}", hint=f"choose one of: {', '.join(self._specs)}"
            )
        return spec

    def builtin_profiles(self, embedded_url: Callable[[str], str]) -> dict[str, Profile]:
        """The built-in sandbox profiles; ``embedded_url(prefix)`` gives their base URL."""
        from bookctl.core.config import Profile

        profiles: dict[str, Profile] = {}
        for spec in self._specs.values():
            for builtin in spec.builtin_profiles:
                profiles[builtin.name] = replace(
                    Profile(
                        builtin.name, spec.key, embedded_url(spec.sandbox_prefix), builtin=True
                    ),
                    **dict(builtin.fields),
                )
        return profiles

    def stage_options(self, stage: str) -> dict[str, list[tuple[ProviderSpec, StageOption]]]:
        """Every command-line option of ``stage``, by parameter name, with who declares it."""
        result: dict[str, list[tuple[ProviderSpec, StageOption]]] = {}
        for spec in self._specs.values():
            for option in spec.options(stage):
                result.setdefault(option.name, []).append((spec, option))
        return result

    def resolve(
        self, provider: str, profile: str, stage: str, given: Mapping[str, Any]
    ) -> dict[str, Any]:
        """``given`` (by command-line name) as ``provider``'s options under its document's
        names, every option it declares present; an option it lacks is refused, naming the
        providers that have it and the flags it takes instead."""
        spec = self.spec(provider)
        result: dict[str, Any] = {
            option.key: False if option.kind == "flag" else None for option in spec.options(stage)
        }
        for name, value in given.items():
            option = spec.option_named(stage, name)
            if option is not None and option.kind == "switch" and value is not None:
                result[option.key] = value  # --no-notify is a value too
                continue
            if not given_value(value):
                continue
            if option is None:
                raise self._not_an_option(spec, profile, stage, name)
            if isinstance(value, list | tuple) and option.kind != "list":
                if len(value) > 1:
                    raise UsageError(f"{provider} takes one {option.flag}, not {len(value)}")
                value = value[0]
            result[option.key] = value
        return result

    def _not_an_option(self, spec: ProviderSpec, profile: str, stage: str, name: str) -> UsageError:
        others = sorted(
            other.key for other in self._specs.values() if other.option_named(stage, name)
        )
        where = f"it is for {', '.join(others)}" if others else "no provider has it"
        instead = spec.flags(stage)
        if instead:
            where += f"; {spec.key} takes {', '.join(instead)}"
        flag = "--" + name.replace("_", "-")
        return UsageError(
            f"{stage} {flag} is not an option of {spec.key} (profile {profile!r})", hint=where
        )


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


def order_states(provider: Provider) -> tuple[frozenset[str], frozenset[str]]:
    """``(PENDING_STATES, SUCCESS_STATES)`` of a provider (empty sets if it declares none)."""
    return (
        getattr(provider, "PENDING_STATES", frozenset()),
        getattr(provider, "SUCCESS_STATES", frozenset()),
    )


def unsupported_stage(provider: str, stage: str) -> UsageError:
    """The error for a stage a provider lacks (``cart extend`` where carts never expire)."""
    return UsageError(
        f"{provider} has no '{stage}' step",
        hint="see docs/providers.md for the stages each provider supports",
    )
