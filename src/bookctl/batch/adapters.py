"""The per-provider part of batch runs: row -> stage options, offline checks, price, reconcile.

Everything else in ``bookctl.batch`` is provider-neutral. A provider joins batch runs by adding
one adapter class here and one line to ``_ADAPTERS``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from bookctl.batch.reader import BadRow, read_rows
from bookctl.core import validate
from bookctl.core.errors import BookctlError, UsageError

if TYPE_CHECKING:
    from bookctl.core.models import Order
    from bookctl.core.provider import Provider


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

    provider: ClassVar[str]
    #: CSV columns this provider understands (``id`` included).
    columns: ClassVar[frozenset[str]]
    #: Seconds a new cart lives; carts older than half of it are extended before checkout.
    cart_lifetime: ClassVar[float]

    def preflight(self, provider: Provider) -> Rules: ...

    def parse(
        self, row: Mapping[str, Any], fmt: str, rules: Rules
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """``(add options, checkout options)``; raise :class:`UsageError` for a bad row."""
        ...

    def price(self, provider: Provider, plan: Plan) -> tuple[str | None, str | None]:
        """``(amount, currency)`` the row would cost, without booking it."""
        ...

    def cart_status(self, provider: Provider, cart_id: str) -> CartStatus: ...


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


def _whole_number(value: Any, column: str) -> str:
    text = str(value).strip()
    if not text.isdigit():
        raise UsageError(f"{column}: {value!r} is not an id (a whole number)")
    return text


@dataclass
class BookinglayerAdapter:
    """Bookinglayer rows: a package for one guest, then a checkout for the customer.

    CSV ``items`` holds ``--item`` specs separated by ``;``
    (``400:2026-12-03 10:30,2026-12-05 15:00;401:2026-12-04``).
    """

    provider: ClassVar[str] = "bookinglayer"
    required_columns: ClassVar[tuple[str, ...]] = (
        "package",
        "start_date",
        "end_date",
        "guest_first_name",
        "guest_last_name",
        "guest_gender",
        "customer_first_name",
        "customer_last_name",
        "customer_email",
        "accept_terms",
    )
    columns: ClassVar[frozenset[str]] = frozenset(
        {
            *required_columns,
            "id",
            "accommodation",
            "guest_email",
            "items",
            "currency",
            "customer_phone",
            "customer_phone_countrycode",
            "newsletter",
        }
    )
    cart_lifetime: ClassVar[float] = 600.0
    _json_keys: ClassVar[frozenset[str]] = frozenset({"id", "add", "checkout"})

    def preflight(self, provider: Provider) -> Rules:
        from bookctl.providers.bookinglayer.client import Bookinglayer

        if not isinstance(provider, Bookinglayer):
            return Rules()
        settings, _ = provider.settings()
        fields = settings.settings.get("customer_fields", {})
        required = {
            name
            for name, spec in fields.items()
            if isinstance(spec, dict) and spec.get("required") and name in ("phone",)
        }
        return Rules(required_customer_fields=frozenset(required))

    def parse(
        self, row: Mapping[str, Any], fmt: str, rules: Rules
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        from bookctl.providers.bookinglayer.client import build_add_body, build_checkout_body

        if fmt == "csv":
            add, checkout = self._from_columns(row)
        else:
            add, checkout = self._from_json(row)
        build_add_body(add, None)
        build_checkout_body(checkout)
        for name in sorted(rules.required_customer_fields):
            if not checkout.get(name):
                column = f"customer_{name}" if fmt == "csv" else f"checkout.customer.{name}"
                raise UsageError(f"{column} is required by the business' settings")
        return add, checkout

    def _from_columns(self, row: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
        missing = [c for c in self.required_columns if not row.get(c)]
        if missing:
            raise UsageError(f"missing {', '.join(missing)}")
        validate.parse_date_range(
            row["start_date"],
            row["end_date"],
            start_param="start_date",
            end_param="end_date",
            allow_past=False,
        )
        guest = [row["guest_first_name"], row["guest_last_name"], row["guest_gender"]]
        if row.get("guest_email"):
            guest.append(row["guest_email"])
        for column, value in zip(
            ("guest_first_name", "guest_last_name", "guest_gender", "guest_email"),
            guest,
            strict=False,
        ):
            if "," in value:
                raise UsageError(f"{column}: {value!r} may not contain a comma")
        add: dict[str, Any] = {
            "package": _whole_number(row["package"], "package"),
            "start_date": row["start_date"],
            "end_date": row["end_date"],
            "guest": [",".join(guest)],
            "item": [s.strip() for s in row.get("items", "").split(";") if s.strip()],
        }
        if row.get("accommodation"):
            add["accommodation"] = _whole_number(row["accommodation"], "accommodation")
        if row.get("currency"):
            add["currency"] = row["currency"]
        checkout: dict[str, Any] = {
            "accept_terms": parse_bool(row["accept_terms"], "accept_terms"),
            "first_name": row["customer_first_name"],
            "last_name": row["customer_last_name"],
            "email": row["customer_email"],
        }
        if not checkout["accept_terms"]:
            raise UsageError("accept_terms is false: the terms must be accepted to book")
        for name in ("phone", "phone_countrycode"):
            if row.get(f"customer_{name}"):
                checkout[name] = row[f"customer_{name}"]
        if row.get("newsletter"):
            checkout["newsletter"] = parse_bool(row["newsletter"], "newsletter")
        return add, checkout

    def _from_json(self, row: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
        unknown = sorted(set(row) - self._json_keys)
        if unknown:
            raise UsageError(
                f'unknown key(s) {", ".join(unknown)}; a row is {{"id", "add", "checkout"}}'
            )
        body, order = row.get("add"), row.get("checkout")
        if not isinstance(body, dict):
            raise UsageError("'add' must be the bookings/add body (an object)")
        if not isinstance(order, dict):
            raise UsageError("'checkout' must be the checkout body (an object)")
        body = {**body, "guests": _with_iso_dates(body.get("guests"))}
        customer = order.get("customer")
        if not isinstance(customer, dict):
            raise UsageError("'checkout.customer' must be an object of customer fields")
        extra = sorted(set(order) - {"terms_accepted", "newsletter_opt_in", "customer"})
        if extra:
            raise UsageError(f"unknown checkout key(s) {', '.join(extra)}")
        if order.get("terms_accepted") is not True:
            raise UsageError("checkout.terms_accepted must be true to book")
        checkout: dict[str, Any] = {
            "accept_terms": True,
            "newsletter": bool(order.get("newsletter_opt_in")),
        }
        from bookctl.providers.bookinglayer import CUSTOMER_FIELDS

        unknown_fields = sorted(set(customer) - set(CUSTOMER_FIELDS))
        if unknown_fields:
            raise UsageError(f"unknown customer field(s) {', '.join(unknown_fields)}")
        checkout.update({k: v for k, v in customer.items() if v is not None})
        return {"body": body}, checkout

    def price(self, provider: Provider, plan: Plan) -> tuple[str | None, str | None]:
        from decimal import Decimal

        from bookctl.core.models import money
        from bookctl.providers.bookinglayer.client import Bookinglayer, build_add_body

        if not isinstance(provider, Bookinglayer):
            return None, None
        body = build_add_body(plan.add, None)
        body["guests"] = [{**g, "unique_id": f"g{n}"} for n, g in enumerate(body["guests"])]
        raw = provider.package_prices(body)
        total = sum(
            (Decimal(str(line.get("price", 0))) for lines in raw.values() for line in lines),
            Decimal(0),
        )
        return money(total), str(body["currency"])

    def cart_status(self, provider: Provider, cart_id: str) -> CartStatus:
        from bookctl.providers.bookinglayer.client import WireBooking, to_order

        cart, raw = provider.cart_show(cart_id, None)
        booking = raw.get("booking") if isinstance(raw, dict) else None
        if booking:
            order = to_order(cart_id, WireBooking.model_validate(booking))
            return CartStatus("booked", cart.state, order=order)
        if cart.state == "open":
            return CartStatus("open", cart.state, expires_at=cart.expires_at)
        return CartStatus("gone", cart.state)


_ADAPTERS: dict[str, type[BatchAdapter]] = {"bookinglayer": BookinglayerAdapter}


def adapter_for(provider: str) -> BatchAdapter:
    """The batch adapter of ``provider``, or a usage error saying batch does not cover it yet."""
    cls = _ADAPTERS.get(provider)
    if cls is None:
        raise UsageError(
            f"batch runs do not support {provider} yet",
            hint=f"batch supports: {', '.join(sorted(_ADAPTERS))}",
        )
    return cls()


def iter_plans(
    path: Path, fmt: str, adapter: BatchAdapter, rules: Rules
) -> Iterator[Plan | Invalid]:
    """Every row of ``path`` as a :class:`Plan` or an :class:`Invalid`, streamed in order.

    Row identity is the ``id`` column (or key) when given, else ``line-N``; given ids must be
    unique (only they are remembered, so a file without ids streams in flat memory).
    """
    seen: dict[str, int] = {}
    for line, row in read_rows(path, fmt, adapter.columns if fmt == "csv" else frozenset()):
        if isinstance(row, BadRow):
            yield Invalid(f"line-{line}", line, row.reason)
            continue
        raw_id = row.get("id")
        if raw_id in (None, ""):
            row_id = f"line-{line}"
        else:
            row_id = str(raw_id).strip()
            if row_id in seen:
                yield Invalid(row_id, line, f"id {row_id!r} is also on line {seen[row_id]}")
                continue
            seen[row_id] = line
        try:
            add, checkout = adapter.parse(row, fmt, rules)
        except BookctlError as err:
            yield Invalid(row_id, line, err.message)
            continue
        yield Plan(row_id, line, add, checkout)


def _with_iso_dates(guests: Any) -> Any:
    """The guests with their package dates checked and written as the API takes them.

    A batch file may give relative dates (``+7d``, ``next-wed``) so that it does not go stale;
    the request carries the ``YYYY-MM-DD`` (and ``YYYY-MM-DD HH:MM:SS``) the document shows.
    """
    if not isinstance(guests, list):
        return guests
    out = []
    for n, guest in enumerate(guests):
        package = guest.get("package") if isinstance(guest, dict) else None
        if not isinstance(package, dict):
            out.append(guest)
            continue
        start, end = validate.parse_date_range(
            str(package.get("start_date", "")) or None,
            str(package.get("end_date", "")) or None,
            start_param=f"add.guests.{n}.package.start_date",
            end_param=f"add.guests.{n}.package.end_date",
            allow_past=False,
        )
        package = dict(package)
        if start is not None:
            package["start_date"] = start.isoformat()
        if end is not None:
            package["end_date"] = end.isoformat()
        items = package.get("items")
        if isinstance(items, list):
            package["items"] = [_item_with_iso_dates(item, n) for item in items]
        out.append({**guest, "package": package})
    return out


def _item_with_iso_dates(item: Any, guest: int) -> Any:
    dates = item.get("dates") if isinstance(item, dict) else None
    if not isinstance(dates, list):
        return item
    iso = []
    for value in dates:
        day, _, time = str(value).partition(" ")
        param = f"add.guests.{guest}.package.items.dates"
        resolved = validate.parse_date(day, param).isoformat()
        iso.append(f"{resolved} {time}" if time else resolved)
    return {**item, "dates": iso}
