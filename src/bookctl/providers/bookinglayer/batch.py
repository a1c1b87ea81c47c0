"""Bookinglayer batch rows: a package for its guests, then a checkout for the customer.

CSV columns are the ``basket add`` and ``checkout`` option names (``package``, ``start_date``,
``guest``, ``item``, ``accept_terms``, ``first_name``, ...; lists separated by ``;``). The
friendlier one-guest spelling stays accepted: ``guest_first_name``, ``guest_last_name``,
``guest_gender``, ``guest_email`` for the guest, ``customer_*`` for the customer, and ``items``
for the ``--item`` specs. A JSON row is ``{"id", "add": <bookings/add body>, "checkout":
<checkout body>}`` as the document gives them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from bookctl.core import validate
from bookctl.core.bulk import CartStatus, ColumnAdapter, Plan, Rules, whole_number
from bookctl.core.errors import UsageError
from bookctl.providers.bookinglayer import CUSTOMER_FIELDS

if TYPE_CHECKING:
    from bookctl.core.provider import Provider
    from bookctl.core.session import CartSession

_GUEST = ("guest_first_name", "guest_last_name", "guest_gender", "guest_email")
_CUSTOMER = tuple(f"customer_{name}" for name in CUSTOMER_FIELDS)
_FRIENDLY = frozenset({*_GUEST, *_CUSTOMER, "items"})


class Adapter(ColumnAdapter):
    required: ClassVar[tuple[str, ...]] = ("package", "start_date", "end_date", "accept_terms")
    cart_lifetime: float | None = 600.0

    def extra_columns(self) -> frozenset[str]:
        return frozenset({*_GUEST, *_CUSTOMER, "items"})

    def from_columns(self, row: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
        row = _friendly(row)
        missing = [c for c in self.required if not row.get(c)]
        if not row.get("guest"):
            missing.append("guest_first_name, guest_last_name, guest_gender (or guest)")
        missing += [f"customer_{n}" for n in ("first_name", "last_name", "email") if not row.get(n)]
        if missing:
            raise UsageError(f"missing {', '.join(missing)}")
        add, checkout = super().from_columns(row)
        start, end = validate.parse_date_range(
            add.get("start_date"),
            add.get("end_date"),
            start_param="start_date",
            end_param="end_date",
            allow_past=False,
        )
        # Resolved once (relative forms too): the request carries the document's dates.
        if start is not None and end is not None:
            add["start_date"], add["end_date"] = start.isoformat(), end.isoformat()
        add["package"] = whole_number(add["package"], "package")
        if add.get("accommodation"):
            add["accommodation"] = whole_number(add["accommodation"], "accommodation")
        if not checkout.get("accept_terms"):
            raise UsageError("accept_terms is false: the terms must be accepted to book")
        return add, checkout

    def from_json(self, row: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
        self.check_json_keys(row)
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
        unknown_fields = sorted(set(customer) - set(CUSTOMER_FIELDS))
        if unknown_fields:
            raise UsageError(f"unknown customer field(s) {', '.join(unknown_fields)}")
        checkout.update({k: v for k, v in customer.items() if v is not None})
        return {"body": body}, checkout

    def check(self, add: dict[str, Any], checkout: dict[str, Any], rules: Rules, fmt: str) -> None:
        from bookctl.providers.bookinglayer.client import build_add_body, build_checkout_body

        build_add_body(add, None)
        build_checkout_body(checkout)
        for name in sorted(rules.required_customer_fields):
            if not checkout.get(name):
                column = f"customer_{name}" if fmt == "csv" else f"checkout.customer.{name}"
                raise UsageError(f"{column} is required by the business' settings")

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


def _friendly(row: Mapping[str, Any]) -> dict[str, Any]:
    """The one-guest spelling (``guest_*``, ``customer_*``, ``items``) as option names."""
    if _FRIENDLY.isdisjoint(row):
        return dict(row)
    out = {k: v for k, v in row.items() if k not in _FRIENDLY}
    given = [str(row.get(c) or "") for c in _GUEST]
    if any(given):
        for column, value in zip(_GUEST, given, strict=True):
            if "," in value:
                raise UsageError(f"{column}: {value!r} may not contain a comma")
        missing = [c for c, v in zip(_GUEST[:3], given, strict=False) if not v]
        if missing:
            raise UsageError(f"missing {', '.join(missing)}")
        if row.get("guest"):
            raise UsageError("give the guest as guest or as guest_* columns, not both")
        out["guest"] = ",".join(v for v in given if v)
    for column in _CUSTOMER:
        if row.get(column):
            name = column.removeprefix("customer_")
            if row.get(name):
                raise UsageError(f"give {name} or {column}, not both")
            out[name] = row[column]
    if row.get("items"):
        if row.get("item"):
            raise UsageError("give item or items, not both")
        out["item"] = row["items"]
    return out


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
