"""What a provider gives batch runs: rows read as its stage options, offline checks, read-back.

Provider-neutral. Each provider package has a batch adapter (``ProviderSpec.batch_adapter``),
usually a :class:`ColumnAdapter`: a CSV row's columns are the provider's own ``basket add``
and ``checkout`` option names (dashes or underscores), and a JSON row is
``{"id", "add", "checkout"}`` with the document's request fields. ``bookctl.batch`` runs the
rows; nothing there knows a provider.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple, Protocol, TypeVar

from bookctl.core import clock, validate
from bookctl.core.errors import NotFoundError, UsageError

if TYPE_CHECKING:
    from bookctl.core.models import Order, Product
    from bookctl.core.provider import Provider, ProviderSpec, StageOption
    from bookctl.core.session import CartSession


class Plan(NamedTuple):
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
class Run:
    """What every row of one batch run is checked against, worked out once for the run."""

    rules: Rules
    #: The day relative dates count from and past dates are refused before (the clock is
    #: read once, so a run that crosses midnight reads all its rows the same way).
    today: dt.date


#: A row's options as ``(basket add options, checkout options)``.
RowOptions = tuple[dict[str, Any], dict[str, Any]]
#: One file's rows read and checked: a CSV row's cells (a list in the header's order,
#: stripped, ``""`` when empty; the parser may extend it) or a JSON row's object to its
#: options; raises :class:`UsageError`.
RowParser = Callable[[Any], RowOptions]
#: A provider's own columns of a CSV row read into its options ``(cells, add, checkout)``.
ExtraCells = Callable[[Sequence[str], dict[str, Any], dict[str, Any]], None]
#: A quick check of one whole line of a CSV file whose records are one line each (no quote
#: character, no carriage return): the row's id cell (``""`` for none) when the line is
#: certainly a row the file's :data:`RowParser` takes, else None (then the parser decides).
#: It may only ever say less than the parser: never "valid" for a row the parser refuses.
QuickCheck = Callable[[str], str | None]


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

    def compile(self, fmt: str, names: Sequence[str], run: Run) -> RowParser:
        """How each row of a file (CSV: with header ``names``) becomes its options, worked
        out once for the file; the parser raises :class:`UsageError` for a bad row."""
        ...

    def quick(self, names: Sequence[str], run: Run) -> QuickCheck | None:
        """A :data:`QuickCheck` for the lines of a CSV file with header ``names`` (for
        ``batch validate``), or None when this header has none."""
        ...

    def price(self, provider: Provider, plan: Plan) -> tuple[str | None, str | None]:
        """``(amount, currency)`` the row would cost, without booking it."""
        ...

    def cart_status(
        self, provider: Provider, cart_id: str, session: CartSession | None
    ) -> CartStatus: ...

    def add(self, provider: Provider, options: Mapping[str, Any]) -> tuple[str, dict[str, str]]:
        """A row's ``basket add`` into a new cart: ``(cart id, the cart's session tokens)``."""
        ...


_BOOLS = {
    **dict.fromkeys(("true", "yes", "y", "1"), True),
    **dict.fromkeys(("false", "no", "n", "0", ""), False),
}

# -- cells of a quick check (:data:`QuickCheck`), as regular expressions ----------------------
#: What no cell of a quick-checked line holds: a delimiter, a quote, a line end or a NUL
#: (which csv refuses); such a line is left to the parser.
_NOT_IN_CELL = ',"\r\n\x00'


def text_cell(exclude: str = "") -> str:
    """A non-empty cell as the reader gives it (no white space at either end), with none of
    the characters of ``exclude``."""
    banned = re.escape(_NOT_IN_CELL + exclude)
    return rf"[^\s{banned}](?:[^{banned}]*[^\s{banned}])?"


def flag_cell(*, true_only: bool = False) -> str:
    """A flag's cell in any spelling :func:`parse_bool` reads (only the true ones with
    ``true_only``); letters in either case, ASCII only."""
    words = [w for w, value in _BOOLS.items() if w and (value or not true_only)]
    spelled = (
        "".join(f"[{c}{c.upper()}]" if c.isalpha() else re.escape(c) for c in w) for w in words
    )
    return f"(?:{'|'.join(spelled)})"


def email_cell(exclude: str = "") -> str:
    """A cell :func:`bookctl.core.validate.check_email` takes, with none of ``exclude``."""
    return validate.email_pattern(_NOT_IN_CELL + exclude)


def quick_line(cells: Sequence[str]) -> Callable[[str], re.Match[str] | None]:
    """The matcher of a whole line (its newline too) whose cells are ``cells``, patterns in
    the header's order."""
    return re.compile(",".join(cells) + r"\n?").fullmatch


def parse_bool(value: Any, column: str) -> bool:
    if isinstance(value, bool):
        return value
    found = _BOOLS.get(str(value).strip().lower())
    if found is None:
        raise UsageError(f"{column}: {value!r} is not true or false")
    return found


def whole_number(value: Any, column: str) -> str:
    text = str(value).strip()
    if not text.isdecimal():  # not isdigit: int() refuses "²"
        raise UsageError(f"{column}: {value!r} is not an id (a whole number)")
    return text


Convert = Callable[[Any], Any]
_FLAGS = frozenset({"flag", "switch"})


def converter(option: StageOption, column: str) -> Convert:
    """How a cell (or a JSON value) becomes the option's kind, worked out once per column:
    lists split on ``;``; errors name ``column``."""
    if option.kind in _FLAGS:
        return lambda value: parse_bool(value, column)
    if option.kind == "int":

        def whole(value: Any) -> int:
            if isinstance(value, int) and not isinstance(value, bool):
                return value
            text = str(value).strip()
            if not text.lstrip("-").isdecimal():
                raise UsageError(f"{column}: {value!r} is not a whole number")
            return int(text)

        return whole
    if option.kind == "list":

        def listed(value: Any) -> list[str]:
            if isinstance(value, list):
                return [str(v) for v in value]
            text = str(value)
            if ";" not in text:
                return [text.strip()] if text.strip() else []
            return [part.strip() for part in text.split(";") if part.strip()]

        return listed

    def text(value: Any) -> str:
        if isinstance(value, dict | list):
            raise UsageError(f"{column}: expected a text, not {type(value).__name__}")
        return str(value).strip()

    return text


def _flag_cell(column: str) -> Convert:
    """A flag's converter for a CSV cell (a stripped text)."""

    def flag(value: str) -> bool:
        found = _BOOLS.get(value.lower())
        return parse_bool(value, column) if found is None else found

    return flag


class ColumnPlan:
    """The option columns of one CSV header, each with what to do with its cell worked out
    once: which stage it fills, under which key, converted how. Text cells (stripped by the
    reader) are taken as they are, a stage's at once; the others are converted in the
    header's order, so a row's first bad cell is the one reported."""

    def __init__(
        self, adapter: ColumnAdapter, names: Sequence[str], skip: frozenset[str] = frozenset()
    ) -> None:
        #: Each column's position in a row, by its underscored name.
        self.position: dict[str, int] = {}
        texts: dict[bool, list[tuple[str, int]]] = {True: [], False: []}
        self._steps: list[tuple[int, bool, str, Convert]] = []
        for index, name in enumerate(names):
            column = name.replace("-", "_")
            self.position.setdefault(column, index)
            if column == "id" or column in skip:
                continue
            targets = adapter.targets(name, None)
            if not targets:
                self._steps.append((index, True, name, adapter.unknown(name)))
            for stage, option in targets:
                if option.kind == "text":
                    texts[stage == "basket add"].append((option.key, index))
                else:
                    convert = _flag_cell(name) if option.kind in _FLAGS else converter(option, name)
                    self._steps.append((index, stage == "basket add", option.key, convert))
        self._add_keys, self._add_cells = self._texts(texts[True])
        self._checkout_keys, self._checkout_cells = self._texts(texts[False])

    @classmethod
    def _texts(
        cls, columns: list[tuple[str, int]]
    ) -> tuple[tuple[str, ...], Callable[[Sequence[str]], tuple[str, ...]]]:
        """One stage's text options: their keys, and a getter of their cells."""
        return tuple(key for key, _ in columns), cls._getter([index for _, index in columns])

    @staticmethod
    def _getter(indexes: list[int]) -> Callable[[Sequence[str]], tuple[str, ...]]:
        if not indexes:
            return lambda cells: ()
        if len(indexes) == 1:
            index = indexes[0]
            return lambda cells: (cells[index],)
        getter: Callable[[Sequence[str]], tuple[str, ...]] = itemgetter(*indexes)
        return getter

    def index(self, name: str) -> int:
        """Column ``name``'s position in a :meth:`padded` row; -1 (its empty last cell) when
        the header has no such column."""
        return self.position.get(name, -1)

    def cells(self, names: Sequence[str]) -> Callable[[Sequence[str]], tuple[str, ...]]:
        """A getter of several columns' cells at once from a :meth:`padded` row, as a tuple
        in the order of ``names``."""
        return self._getter([self.index(name) for name in names])

    @staticmethod
    def padded(cells: list[str]) -> list[str]:
        """The row's cells (a list made for the row: it is extended, not copied) and one
        empty cell after them, read for any column the header does not have."""
        cells.append("")
        return cells

    def fill(self, cells: Sequence[str]) -> RowOptions:
        """The row's options from its non-empty cells."""
        # Inline, not a helper per stage: this runs for every row of a file.
        add: dict[str, Any] = {}
        checkout: dict[str, Any] = {}
        if keys := self._add_keys:
            values = self._add_cells(cells)
            add = dict(zip(keys, values)) if all(values) else filled(keys, values)  # noqa: B905
        if keys := self._checkout_keys:
            values = self._checkout_cells(cells)
            checkout = dict(zip(keys, values)) if all(values) else filled(keys, values)  # noqa: B905
        for index, into_add, key, convert in self._steps:
            value = cells[index]
            if value:
                (add if into_add else checkout)[key] = convert(value)
        return add, checkout


def filled(keys: tuple[str, ...], values: tuple[str, ...]) -> dict[str, Any]:
    """``{key: value}`` for the non-empty values."""
    if all(values):
        return dict(zip(keys, values, strict=True))
    return {key: value for key, value in zip(keys, values, strict=True) if value}


class ColumnAdapter:
    """Rows whose columns (CSV) or keys (JSON ``add``/``checkout``) are the provider's own
    stage options; a provider subclasses it for its offline checks and its read-back.

    A file's rows go through one parser built by :meth:`compile` (what each column does is
    worked out once from the header); ``batch validate`` and ``batch run`` share it.
    """

    #: Columns a row must fill (underscored names), checked before anything else.
    required: ClassVar[tuple[str, ...]] = ()
    cart_lifetime: float | None = None
    _json_keys: ClassVar[frozenset[str]] = frozenset({"id", "add", "checkout"})

    def __init__(self, spec: ProviderSpec) -> None:
        self.spec = spec
        self._by_column: dict[str, list[tuple[str, StageOption]]] = {}
        self._cache: dict[tuple[str, str | None], list[tuple[str, StageOption]]] = {}
        self._converters: dict[tuple[str, str], Convert] = {}
        for stage in ("basket add", "checkout"):
            for option in spec.options(stage):
                if option.column:
                    for name in {option.name, option.key}:
                        self._by_column.setdefault(name, []).append((stage, option))
        self.columns: frozenset[str] = frozenset({"id", *self._by_column, *self.extra_columns()})

    def extra_columns(self) -> frozenset[str]:
        """Columns beyond the option names (a provider's older or friendlier spellings)."""
        return frozenset()

    def quick(self, names: Sequence[str], run: Run) -> QuickCheck | None:
        """No quick check: the parser reads every row."""
        return None

    def extra_cells(self, plan: ColumnPlan) -> ExtraCells | None:
        """What the :meth:`extra_columns` of a header add to a row's options (after its
        option columns), worked out once per file; None when they add nothing."""
        return None

    # -- reading rows -----------------------------------------------------------------------

    def compile(self, fmt: str, names: Sequence[str], run: Run) -> RowParser:
        if fmt == "csv":
            return self.compile_csv(names, run)
        return self.compile_json(run)

    def compile_csv(self, names: Sequence[str], run: Run) -> RowParser:
        """The parser of a CSV file with header ``names``: required columns, then each
        column's cell as its option, then the provider's :meth:`check`."""
        plan = ColumnPlan(self, names, skip=self.extra_columns())
        required = [(c, plan.index(c)) for c in self.required]
        extra, check, padded = self.extra_cells(plan), self.check, plan.padded

        def parse(row: list[str]) -> RowOptions:
            cells = padded(row)
            missing = [c for c, i in required if not cells[i]]
            if missing:
                raise UsageError(f"missing {', '.join(missing)}")
            add, checkout = plan.fill(cells)
            if extra is not None:
                extra(cells, add, checkout)
            check(add, checkout, run, "csv")
            return add, checkout

        return parse

    def compile_json(self, run: Run) -> RowParser:
        """The parser of JSON rows (``{"id", "add", "checkout"}``)."""
        from_json, check = self.from_json, self.check

        def parse(row: Mapping[str, Any]) -> RowOptions:
            add, checkout = from_json(row, run)
            check(add, checkout, run, "json")
            return add, checkout

        return parse

    def parse(self, row: Mapping[str, Any], fmt: str, rules: Rules) -> RowOptions:
        """One row on its own: a CSV row as ``{column: cell}`` or a JSON row's object."""
        run = Run(rules, clock.today())
        if fmt == "csv":
            cells = ["" if v is None else str(v).strip() for v in row.values()]
            return self.compile_csv(list(row), run)(cells)
        return self.compile_json(run)(row)

    def from_json(self, row: Mapping[str, Any], run: Run) -> RowOptions:
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

    def _options(self, values: Mapping[str, Any], where: str, *, stage: str) -> RowOptions:
        add: dict[str, Any] = {}
        checkout: dict[str, Any] = {}
        for name, value in values.items():
            if value is None or value == "":
                continue
            targets = self.targets(name, stage)
            if not targets:
                self.unknown(f"{where}{name}")(value)
            for target_stage, option in targets:
                column = f"{where}{name}"
                convert = self._converters.get((column, option.key))
                if convert is None:
                    convert = self._converters[column, option.key] = converter(option, column)
                (add if target_stage == "basket add" else checkout)[option.key] = convert(value)
        return add, checkout

    def targets(self, name: str, stage: str | None) -> list[tuple[str, StageOption]]:
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

    def unknown(self, column: str) -> Convert:
        """What a value under a name that is no option of this provider gets: refused."""

        def refuse(value: Any) -> Any:
            raise UsageError(f"{column} is not a {self.spec.key} option")

        return refuse

    def check(self, add: dict[str, Any], checkout: dict[str, Any], run: Run, fmt: str) -> None:
        """The provider's offline checks of a row's options; raise :class:`UsageError` for a
        bad one. Request bodies are built only where the provider's rules need one."""

    # -- talking to the provider ------------------------------------------------------------

    def preflight(self, provider: Provider) -> Rules:
        return Rules()

    def add(self, provider: Provider, options: Mapping[str, Any]) -> tuple[str, dict[str, str]]:
        cart, _ = provider.basket_add(options, None)
        return cart.id, dict(cart.session_tokens)

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
