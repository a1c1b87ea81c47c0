"""Bookinglayer batch rows: a package for its guests, then a checkout for the customer.

CSV columns are the ``basket add`` and ``checkout`` option names (``package``, ``start_date``,
``guest``, ``item``, ``accept_terms``, ``first_name``, ...; lists separated by ``;``). The
friendlier one-guest spelling stays accepted: ``guest_first_name``, ``guest_last_name``,
``guest_gender``, ``guest_email`` for the guest, ``customer_*`` for the customer, and ``items``
for the ``--item`` specs. A JSON row is ``{"id", "add": <bookings/add body>, "checkout":
<checkout body>}`` as the document gives them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from bookctl.core import validate
from bookctl.core.bulk import (
    CartStatus,
    ColumnAdapter,
    ColumnPlan,
    Plan,
    QuickCheck,
    RowOptions,
    RowParser,
    Rules,
    Run,
    converter,
    email_cell,
    filled,
    flag_cell,
    quick_line,
    text_cell,
    whole_number,
)
from bookctl.core.errors import UsageError
from bookctl.core.provider import StageOption
from bookctl.providers.bookinglayer import CUSTOMER_FIELDS, inputs

if TYPE_CHECKING:
    from bookctl.core.provider import Provider
    from bookctl.core.session import CartSession

_GUEST = ("guest_first_name", "guest_last_name", "guest_gender", "guest_email")
_CUSTOMER = tuple(f"customer_{name}" for name in CUSTOMER_FIELDS)
_FRIENDLY = frozenset({*_GUEST, *_CUSTOMER, "items"})
#: How a ``guest`` or ``item`` cell splits into specs (as the ``guest`` option does).
_LIST = StageOption("guest", kind="list")
#: The columns of the quick check (:meth:`Adapter.quick`), each with the cell it takes as
#: certainly valid (a guest's name or email without ';', which would make several guests);
#: the id and the dates are captured. A header with any other column has no quick check.
_QUICK_CELLS = {
    "id": f"(?P<id>{text_cell()})?",
    "package": "[0-9]+",
    "start_date": f"(?P<start>{text_cell()})",
    "end_date": f"(?P<end>{text_cell()})",
    "guest_first_name": text_cell(";"),
    "guest_last_name": text_cell(";"),
    "guest_gender": "[mMfF]",
    "guest_email": email_cell(";"),
    "customer_first_name": text_cell(),
    "customer_last_name": text_cell(),
    "customer_email": email_cell(),
    "customer_phone": f"(?:{text_cell()})?",
    "accept_terms": flag_cell(true_only=True),
    "newsletter": f"(?:{flag_cell()})?",
}
#: The columns a header must have for the quick check (the others of it are optional).
_QUICK_NEEDS = frozenset(_QUICK_CELLS) - {"id", "guest_email", "customer_phone", "newsletter"}


class Adapter(ColumnAdapter):
    required: ClassVar[tuple[str, ...]] = ("package", "start_date", "end_date", "accept_terms")
    cart_lifetime: float | None = 600.0

    def extra_columns(self) -> frozenset[str]:
        return _FRIENDLY

    def compile_csv(self, names: Sequence[str], run: Run) -> RowParser:
        """The one-guest spelling (``guest_*``, ``customer_*``, ``items``) read as option
        names, the required columns, each column as its option, then the booking's rules
        (:mod:`.inputs`), without building the request bodies."""
        plan = ColumnPlan(self, names, skip=_FRIENDLY)
        at = plan.index
        guest_cells = plan.cells(_GUEST) if any(at(c) >= 0 for c in _GUEST) else None
        guest_at, item_at, items_at = at("guest"), at("item"), at("items")
        #: The fields of the customer_* columns given, their cells, and the pairs of a
        #: customer_* column and the field's own column when the header has both.
        customer_names = tuple(n for n in CUSTOMER_FIELDS if at(f"customer_{n}") >= 0)
        customer_cells = plan.cells([f"customer_{n}" for n in customer_names])
        both = [(n, at(f"customer_{n}"), at(n)) for n in customer_names if at(n) >= 0]
        required_cells = plan.cells(self.required)
        named = [(n, at(n)) for n in ("first_name", "last_name", "email")]
        #: Each named field's own cell and its customer_* cell: one of them must be filled.
        named_cells = plan.cells([c for n, _ in named for c in (n, f"customer_{n}")])
        as_list = converter(_LIST, "guest")
        today, rules = run.today, run.rules
        #: The dates of the stays seen (a file has few): written -> (start, end, ISO forms).
        stays: dict[tuple[str, str], tuple[dt.date, dt.date, str, str]] = {}

        def missing(cells: list[str], guest: str, customer: dict[str, str]) -> UsageError:
            absent = [c for c in self.required if not cells[at(c)]]
            if not guest:
                absent.append("guest_first_name, guest_last_name, guest_gender (or guest)")
            absent += [f"customer_{n}" for n, i in named if not (customer.get(n) or cells[i])]
            return UsageError(f"missing {', '.join(absent)}")

        def parse(cells: list[str]) -> RowOptions:
            cells.append("")  # the cell of any column the header lacks (plan.padded)
            guest = cells[guest_at]
            joined = ""
            given: tuple[str, ...] = ()
            if guest_cells is not None:
                given = guest_cells(cells)
                if any(given):
                    joined = ",".join(given)
                    # All four given, no commas in them, no guest column: the spec as it is.
                    if not (all(given) and not guest and joined.count(",") == 3):
                        joined = _joined_guest(given, guest)
                    guest = joined
            for name, friendly, own in both:
                if cells[friendly] and cells[own]:
                    raise UsageError(f"give {name} or customer_{name}, not both")
            values = customer_cells(cells)
            if all(values):
                customer = dict(zip(customer_names, values))  # noqa: B905 (one length)
            else:
                customer = filled(customer_names, values)
            items = cells[items_at]
            if items and cells[item_at]:
                raise UsageError("give item or items, not both")
            first, first_, last, last_, email, email_ = named_cells(cells)
            if not (
                guest
                and all(required_cells(cells))
                and (first or first_)
                and (last or last_)
                and (email or email_)
            ):
                raise missing(cells, guest, customer)
            add, checkout = plan.fill(cells)
            # The guest_* cells are the one guest's fields (no commas: checked), unless a
            # ';' makes them several guests, as in a guest column.
            parts = list(filter(None, given)) if joined and ";" not in joined else None
            if joined:
                add["guest"] = [joined] if parts else as_list(joined)
            if items:
                add["item"] = as_list(items)
            checkout.update(customer)
            # Resolved once (relative forms too): the request carries the document's dates.
            written = add["start_date"], add["end_date"]
            stay = stays.get(written)
            if stay is None:
                stay = _stay(*written, today)
                if len(stays) >= _STAYS_KEPT:
                    stays.clear()
                stays[written] = stay
            start, end, add["start_date"], add["end_date"] = stay
            if not add["package"].isdecimal():  # a cell is a stripped text
                whole_number(add["package"], "package")
            if add.get("accommodation"):
                add["accommodation"] = whole_number(add["accommodation"], "accommodation")
            if not checkout.get("accept_terms"):
                raise UsageError("accept_terms is false: the terms must be accepted to book")
            # What bookings/add and checkout would refuse, checked without their bodies.
            if parts:
                guests = [inputs.guest_of(parts, joined, today)]
            else:
                guests = inputs.parse_guests(add["guest"], today)
            inputs.check_stay(start, end)
            for spec in add.get("item") or ():
                inputs.parse_item(spec, today)
            if len(guests) > 1:
                inputs.check_unique_emails(guests)
            if "currency" in add:  # else EUR
                inputs.currency_of(add, {})
            inputs.check_customer(checkout, today)
            if rules.required_customer_fields:
                _required_by_settings(checkout, rules, "csv")
            return add, checkout

        return parse

    def quick(self, names: Sequence[str], run: Run) -> QuickCheck | None:
        """The one-guest spelling's lines checked by one regular expression, and their
        stays (a file has few) by the parser's own rules, once each."""
        columns = [name.replace("-", "_") for name in names]
        known = set(columns)
        if (
            run.rules.required_customer_fields
            or len(known) < len(columns)
            or not known <= _QUICK_CELLS.keys()
            or not known >= _QUICK_NEEDS
        ):
            return None
        match = quick_line([_QUICK_CELLS[column] for column in columns])
        with_id, today = "id" in known, run.today
        stays: dict[tuple[str, str], bool] = {}

        def check(line: str) -> str | None:
            found = match(line)
            if found is None:
                return None
            written = found["start"], found["end"]
            fine = stays.get(written)
            if fine is None:
                try:
                    start, end, _, _ = _stay(*written, today)
                    inputs.check_stay(start, end)
                    fine = True
                except UsageError:
                    fine = False
                if len(stays) >= _STAYS_KEPT:
                    stays.clear()
                stays[written] = fine
            if not fine:
                return None
            return (found["id"] or "") if with_id else ""

        return check

    def from_json(self, row: Mapping[str, Any], run: Run) -> RowOptions:
        self.check_json_keys(row)
        body, order = row.get("add"), row.get("checkout")
        if not isinstance(body, dict):
            raise UsageError("'add' must be the bookings/add body (an object)")
        if not isinstance(order, dict):
            raise UsageError("'checkout' must be the checkout body (an object)")
        body = {**body, "guests": _with_iso_dates(body.get("guests"), run.today)}
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
        unknown_fields = sorted(set(customer) - set(CUSTOMER_FIELDS))
        if unknown_fields:
            raise UsageError(f"unknown customer field(s) {', '.join(unknown_fields)}")
        checkout.update({k: v for k, v in customer.items() if v is not None})
        return {"body": body}, checkout

    def check(self, add: dict[str, Any], checkout: dict[str, Any], run: Run, fmt: str) -> None:
        """A JSON row: its documented bodies checked as the requests they are."""
        inputs.build_add_body(add, None, run.today)
        inputs.build_checkout_body(checkout, run.today)
        _required_by_settings(checkout, run.rules, fmt)

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

    def add(self, provider: Provider, options: Mapping[str, Any]) -> tuple[str, dict[str, str]]:
        from bookctl.providers.bookinglayer.client import Bookinglayer

        if not isinstance(provider, Bookinglayer):
            return super().add(provider, options)
        cart_id, _ = provider.add_to_new_cart(options)  # the cart need not be read back
        return cart_id, {}

    def price(self, provider: Provider, plan: Plan) -> tuple[str | None, str | None]:
        from decimal import Decimal

        from bookctl.core.models import money
        from bookctl.providers.bookinglayer.client import Bookinglayer
        from bookctl.providers.bookinglayer.inputs import build_add_body

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

    def cart_status(
        self, provider: Provider, cart_id: str, session: CartSession | None
    ) -> CartStatus:
        from bookctl.providers.bookinglayer.client import WireBooking, to_order

        cart, raw = provider.cart_show(cart_id, session)
        booking = raw.get("booking") if isinstance(raw, dict) else None
        if booking:
            order = to_order(cart_id, WireBooking.model_validate(booking))
            return CartStatus("booked", cart.state, order=order)
        if cart.state == "open":
            return CartStatus("open", cart.state, expires_at=cart.expires_at)
        return CartStatus("gone", cart.state)


#: Stays whose dates are kept resolved (a run's today is fixed); more start the memo again.
_STAYS_KEPT = 4096


def _stay(start_text: str, end_text: str, today: dt.date) -> tuple[dt.date, dt.date, str, str]:
    """A row's start and end dates, checked (not past, in order), with their ISO forms."""
    start, end = validate.parse_date_range(
        start_text,
        end_text,
        start_param="start_date",
        end_param="end_date",
        allow_past=False,
        today=today,
    )
    assert start is not None and end is not None  # both required
    return start, end, start.isoformat(), end.isoformat()


def _joined_guest(given: Sequence[str], guest: str) -> str:
    """The ``guest_*`` cells as one ``--guest`` spec (``FIRST,LAST,GENDER[,EMAIL]``)."""
    if "," in "".join(given):
        column, value = next((c, v) for c, v in zip(_GUEST, given, strict=True) if "," in v)
        raise UsageError(f"{column}: {value!r} may not contain a comma")
    if not all(given[:3]):
        missing = [c for c, v in zip(_GUEST[:3], given, strict=False) if not v]
        raise UsageError(f"missing {', '.join(missing)}")
    if guest:
        raise UsageError("give the guest as guest or as guest_* columns, not both")
    return ",".join(given) if all(given) else ",".join(v for v in given if v)


def _required_by_settings(checkout: Mapping[str, Any], rules: Rules, fmt: str) -> None:
    for name in sorted(rules.required_customer_fields):
        if not checkout.get(name):
            column = f"customer_{name}" if fmt == "csv" else f"checkout.customer.{name}"
            raise UsageError(f"{column} is required by the business' settings")


def _with_iso_dates(guests: Any, today: dt.date) -> Any:
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
            today=today,
        )
        package = dict(package)
        if start is not None:
            package["start_date"] = start.isoformat()
        if end is not None:
            package["end_date"] = end.isoformat()
        items = package.get("items")
        if isinstance(items, list):
            package["items"] = [_item_with_iso_dates(item, n, today) for item in items]
        out.append({**guest, "package": package})
    return out


def _item_with_iso_dates(item: Any, guest: int, today: dt.date) -> Any:
    dates = item.get("dates") if isinstance(item, dict) else None
    if not isinstance(dates, list):
        return item
    iso = []
    for value in dates:
        day, _, time = str(value).partition(" ")
        param = f"add.guests.{guest}.package.items.dates"
        resolved = validate.parse_date(day, param, today=today).isoformat()
        iso.append(f"{resolved} {time}" if time else resolved)
    return {**item, "dates": iso}
