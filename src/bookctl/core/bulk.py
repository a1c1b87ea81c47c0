"""What a provider gives batch runs: rows read as its stage options, offline checks, read-back.

Provider-neutral. Each provider package has a batch adapter (``ProviderSpec.batch_adapter``),
usually a :class:`ColumnAdapter`: a CSV row's columns are the provider's own ``basket add``
and ``checkout`` option names (dashes or underscores), and a JSON row is
``{"id", "add", "checkout"}`` with the document's request fields. ``bookctl.batch`` runs the
rows; nothing there knows a provider.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, TypeVar

from bookctl.core.errors import NotFoundError, UsageError

if TYPE_CHECKING:
    from bookctl.core.models import Order, Product
    from bookctl.core.provider import Provider, ProviderSpec, StageOption
    from bookctl.core.session import CartSession


@dataclass(frozen=True)
class Plan:
    """One row as the stage options of ``basket add`` and ``checkout``."""

    row_id: str
    line: int
    add: dict[str, Any]
    checkout: dict[str, Any]

    @property
    def digest(self) -> str:
        """A fingerprint of what the row asks for: the journal refuses a changed row."""
        canonical = json.dumps([self.add, self.checkout], sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Invalid:
    """A row that will not be booked, and why."""

    row_id: str
    line: int
    reason: str


@dataclass(frozen=True)
class Rules:
    """What the provider's live settings add to the offline checks (from ``preflight``)."""

    required_customer_fields: frozenset[str] = frozenset()


@dataclass(frozen=True)
class CartStatus:
    """What reading a cart tells a resuming run: booked, still open, or gone."""

    state: str  # "booked", "open" or "gone"
    cart_state: str
    order: Order | None = None
    expires_at: str | None = None


class BatchAdapter(Protocol):
    """One provider's batch support."""

    #: CSV columns this provider understands (``id`` included), with underscores.
    columns: frozenset[str]
    #: Seconds a new cart lives (older than half of it: extended before checkout); None when
    #: the provider's carts are not extended.
    cart_lifetime: float | None

    def preflight(self, provider: Provider) -> Rules: ...

    def parse(
        self, row: Mapping[str, Any], fmt: str, rules: Rules
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """``(add options, checkout options)``; raise :class:`UsageError` for a bad row."""
        ...

    def price(self, provider: Provider, plan: Plan) -> tuple[str | None, str | None]:
        """``(amount, currency)`` the row would cost, without booking it."""
        ...

    def cart_status(
        self, provider: Provider, cart_id: str, session: CartSession | None
    ) -> CartStatus: ...


_TRUE = frozenset({"true", "yes", "y", "1"})
_FALSE = frozenset({"false", "no", "n", "0", ""})


def parse_bool(value: Any, column: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise UsageError(f"{column}: {value!r} is not true or false")


def whole_number(value: Any, column: str) -> str:
    text = str(value).strip()
    if not text.isdigit():
        raise UsageError(f"{column}: {value!r} is not an id (a whole number)")
    return text


def column_value(option: StageOption, value: Any, column: str) -> Any:
    """A cell (or a JSON value) as the option's kind: lists split on ``;``."""
    if option.kind in ("flag", "switch"):
        return parse_bool(value, column)
    if option.kind == "int":
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        text = str(value).strip()
        if not text.lstrip("-").isdigit():
            raise UsageError(f"{column}: {value!r} is not a whole number")
        return int(text)
    if option.kind == "list":
        if isinstance(value, list):
            return [str(v) for v in value]
        return [part.strip() for part in str(value).split(";") if part.strip()]
    if isinstance(value, dict | list):
        raise UsageError(f"{column}: expected a text, not {type(value).__name__}")
    return str(value).strip()


class ColumnAdapter:
    """Rows whose columns (CSV) or keys (JSON ``add``/``checkout``) are the provider's own
    stage options; a provider subclasses it for its offline checks and its read-back."""

    #: Columns a row must fill (underscored names), checked before anything else.
    required: ClassVar[tuple[str, ...]] = ()
    cart_lifetime: float | None = None
    _json_keys: ClassVar[frozenset[str]] = frozenset({"id", "add", "checkout"})

    def __init__(self, spec: ProviderSpec) -> None:
        self.spec = spec
        self._by_column: dict[str, list[tuple[str, StageOption]]] = {}
        self._cache: dict[tuple[str, str | None], list[tuple[str, StageOption]]] = {}
        for stage in ("basket add", "checkout"):
            for option in spec.options(stage):
                if option.column:
                    for name in {option.name, option.key}:
                        self._by_column.setdefault(name, []).append((stage, option))
        self.columns: frozenset[str] = frozenset({"id", *self._by_column, *self.extra_columns()})

    def extra_columns(self) -> frozenset[str]:
        """Columns beyond the option names (a provider's older or friendlier spellings)."""
        return frozenset()

    # -- reading a row ----------------------------------------------------------------------

    def parse(
        self, row: Mapping[str, Any], fmt: str, rules: Rules
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        if fmt == "csv":
            add, checkout = self.from_columns(row)
        else:
            add, checkout = self.from_json(row)
        self.check(add, checkout, rules, fmt)
        return add, checkout

    def from_columns(self, row: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
        missing = [c for c in self.required if not row.get(c)]
        if missing:
            raise UsageError(f"missing {', '.join(missing)}")
        return self._options({k: v for k, v in row.items() if k != "id"}, "")

    def from_json(self, row: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
        self.check_json_keys(row)
        add, checkout = row.get("add"), row.get("checkout", {})
        if not isinstance(add, dict):
            raise UsageError("'add' must be an object of the basket add request's fields")
        if not isinstance(checkout, dict):
            raise UsageError("'checkout' must be an object of the checkout request's fields")
        add_options, _ = self._options(add, "add.", stage="basket add")
        _, checkout_options = self._options(checkout, "checkout.", stage="checkout")
        missing = [c for c in self.required if c not in add and c not in checkout]
        if missing:
            raise UsageError(f"missing {', '.join(missing)}")
        return add_options, checkout_options

    def check_json_keys(self, row: Mapping[str, Any]) -> None:
        """A JSON row holds ``id``, ``add`` and ``checkout`` only."""
        unknown = sorted(set(row) - self._json_keys)
        if unknown:
            raise UsageError(
                f'unknown key(s) {", ".join(unknown)}; a row is {{"id", "add", "checkout"}}'
            )

    def _options(
        self, values: Mapping[str, Any], where: str, *, stage: str | None = None
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        add: dict[str, Any] = {}
        checkout: dict[str, Any] = {}
        for name, value in values.items():
            if value is None or value == "":
                continue
            targets = self._targets(name, stage)
            if not targets:
                raise UsageError(f"{where}{name} is not a {self.spec.key} option")
            for target_stage, option in targets:
                converted = column_value(option, value, f"{where}{name}")
                (add if target_stage == "basket add" else checkout)[option.key] = converted
        return add, checkout

    def _targets(self, name: str, stage: str | None) -> list[tuple[str, StageOption]]:
        """The options a column (or JSON key) fills, by stage; worked out once per name."""
        cached = self._cache.get((name, stage))
        if cached is None:
            cached = [
                (s, option)
                for s, option in self._by_column.get(name.replace("-", "_"), [])
                if stage in (None, s)
            ]
            self._cache[(name, stage)] = cached
        return cached

    def check(self, add: dict[str, Any], checkout: dict[str, Any], rules: Rules, fmt: str) -> None:
        """The provider's offline checks of a row (build its request bodies); raise
        :class:`UsageError` for a bad one."""

    # -- talking to the provider ------------------------------------------------------------

    def preflight(self, provider: Provider) -> Rules:
        return Rules()

    def price(self, provider: Provider, plan: Plan) -> tuple[str | None, str | None]:
        return None, None

    def cart_status(
        self, provider: Provider, cart_id: str, session: CartSession | None
    ) -> CartStatus:
        """Read the cart back: booked (a state of ``booked_states``), still open (check it
        out again with the same key: the provider's checkout reads a finished one back), or
        gone."""
        try:
            cart, _ = provider.cart_show(cart_id, session)
        except NotFoundError:
            return CartStatus("gone", "missing")
        if cart.state in self.gone_states:
            return CartStatus("gone", cart.state)
        if cart.state in self.booked_states:
            order, _ = provider.get_order(cart_id, session)
            return CartStatus("booked", cart.state, order=order)
        return CartStatus("open", cart.state, expires_at=cart.expires_at)

    #: Cart states from which nothing can be booked any more (a new cart is needed).
    gone_states: ClassVar[frozenset[str]] = frozenset({"expired", "abandoned", "cancelled"})
    #: Cart states past the checkout, for providers whose checkout cannot be sent again once
    #: it went through (the cart is the order: it is read back as booked).
    booked_states: ClassVar[frozenset[str]] = frozenset()


# -- smoke plans ------------------------------------------------------------------------------

T = TypeVar("T")
Options = dict[str, Any]


class SmokeSteps(Protocol):
    """What a provider's smoke plan runs its catalogue steps through (``bookctl smoke``)."""

    @property
    def provider(self) -> Provider: ...

    def step(
        self, name: str, call: Callable[[], T], detail: Callable[[T], str] | None = None
    ) -> T: ...

    def skip(self, name: str, why: str) -> None: ...


def no_call(run: SmokeSteps, step: str, why: str) -> None:
    """Skip ``step``: the provider has no such call."""
    run.skip(step, f"{run.provider.key} has no {why}")


def smoke_email() -> str:
    """A fresh guest address for one smoke run."""
    return f"smoke-{uuid.uuid4().hex[:12]}@example.com"


def price_text(product: Product) -> str:
    price = product.price_from
    return f"{price.amount} {price.currency}" if price else "no price"
