"""Bookinglayer rules: its own input parsing, inventory arithmetic, prices, package configuration.

Kept apart from the routes so the routes read as "parse, apply rules, shape the answer", and
free of SQL: the units held come from `backend.reserved_units`. Parsing shared with the other
emulators is `bookctl.sandbox.parsing`. Money is computed in EUR with `Decimal` and converted
per line, rounded half-up to cents.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from bookctl.sandbox.bookinglayer.seed import (
    CURRENCY_RATES,
    DEFAULT_CURRENCY,
    PACKAGE_ITEMS,
    PACKAGES,
    PRODUCTS,
    WEEKDAY_KEYS,
    Package,
    PackageItem,
    Product,
    is_high_season,
)
from bookctl.sandbox.errors import ApiError, invalid
from bookctl.sandbox.parsing import parse_date, parse_email, require, require_str

CENT = Decimal("0.01")
_LANGUAGE = re.compile(r"^[a-z]{2}$")
_DATETIME = re.compile(r"^(\d{4}-\d{2}-\d{2}) (\d{2}):(\d{2}):(\d{2})$")
MAX_WINDOW_DAYS = 366

# (product_id, day ISO, slot "HH:MM" or "") -> units
Demand = dict[tuple[int, str, str], int]


# ---- input parsing ---------------------------------------------------------------------


def parse_currency(value: Any, field_name: str = "currency") -> str:
    """A currency of the business (default EUR), or a 422 `unknown_currency`."""
    if value is None or value == "":
        return DEFAULT_CURRENCY
    code = value.upper() if isinstance(value, str) else None
    if code not in CURRENCY_RATES:
        known = ", ".join(CURRENCY_RATES)
        raise invalid(
            field_name, f"Unknown currency {value!r}; use one of {known}.", "unknown_currency"
        )
    return str(code)


def parse_gender(value: Any, field_name: str) -> str:
    """`m` or `f` (case-insensitive), or a 422 `invalid_gender`."""
    if not isinstance(value, str) or value.lower() not in ("m", "f"):
        raise invalid(field_name, f"{field_name} must be 'm' or 'f'.", "invalid_gender")
    return value.lower()


def parse_language(value: Any, field_name: str) -> str | None:
    """An optional two-letter ISO 639-1 code, or a 422 `invalid_language`."""
    if value is None:
        return None
    if not isinstance(value, str) or not _LANGUAGE.match(value):
        raise invalid(
            field_name, f"{field_name} must be a two-letter ISO 639-1 code.", "invalid_language"
        )
    return value


def get_product(raw_id: Any) -> Product:
    """The product with this id, or a 404 `product_not_found`."""
    try:
        product_id = int(raw_id)
    except (TypeError, ValueError):
        product_id = -1
    product = PRODUCTS.get(product_id)
    if product is None:
        raise ApiError(404, "product_not_found", f"Product {raw_id} was not found.")
    return product


def get_package(raw_id: Any) -> Package:
    """The package with this id, or a 404 `package_not_found`."""
    try:
        package_id = int(raw_id)
    except (TypeError, ValueError):
        package_id = -1
    package = PACKAGES.get(package_id)
    if package is None:
        raise ApiError(404, "package_not_found", f"Package {raw_id} was not found.")
    return package


# ---- money -----------------------------------------------------------------------------


def convert(eur: Decimal, currency: str) -> Decimal:
    """An EUR amount in `currency`, rounded to cents."""
    return (eur * CURRENCY_RATES[currency]).quantize(CENT, rounding=ROUND_HALF_UP)


def money(amount: Decimal) -> int | float:
    """A JSON number for an amount (the document answers numbers, not strings)."""
    amount = amount.quantize(CENT, rounding=ROUND_HALF_UP)
    return int(amount) if amount == amount.to_integral_value() else float(amount)


def unit_price(product: Product, day: date, units: int = 1) -> Decimal:
    """EUR price of one unit on `day` when `units` are bought together (quantity breaks)."""
    price = product.price_high if is_high_season(day) else product.price_low
    for threshold, break_price in product.qty_breaks:
        if units >= threshold:
            price = min(price, break_price)
    return price


def product_total(product: Product, start: date, pax: int, duration: int, qty: int = 1) -> Decimal:
    """EUR total for a product: season per night for stays, quantity breaks for the rest."""
    if product.type == "package":
        return unit_price(product, start) * pax
    if product.price_type == "fixed":
        return unit_price(product, start) * qty
    if product.type == "accommodation":
        nights = [start + timedelta(days=n) for n in range(duration)]
        return sum((unit_price(product, night) for night in nights), Decimal(0)) * pax * qty
    units = pax * duration * qty
    return unit_price(product, start, units) * units


def price_from(product: Product) -> list[dict[str, Any]]:
    """The `price_from` list: lowest unit price in every currency."""
    lowest = min([product.price_low, product.price_high, *(p for _, p in product.qty_breaks)])
    return [{"value": money(convert(lowest, cur)), "currency": cur} for cur in CURRENCY_RATES]


# ---- inventory -------------------------------------------------------------------------


def available(
    product: Product, day: date, slot: str, held: Mapping[tuple[int, str, str], int]
) -> int | None:
    """Units left (None = unlimited); 0 when the product does not run or the day is blocked."""
    if not product.runs_on(day) or product.is_blocked(day):
        return 0
    if product.capacity is None:
        return None
    return max(0, product.capacity - held.get((product.id, day.isoformat(), slot), 0))


def package_capacity(package: Package, day: date) -> int | None:
    """A package's capacity: its own, or the sum of its accommodations' when it has them."""
    product = PRODUCTS[package.product_id]
    if not package.accommodation_ids:
        return product.capacity if product.runs_on(day) else 0
    return sum(PRODUCTS[a].capacity or 0 for a in package.accommodation_ids)


def package_available(
    package: Package, day: date, held: Mapping[tuple[int, str, str], int]
) -> int | None:
    """Guests a package can still take on `day`."""
    product = PRODUCTS[package.product_id]
    if not package.accommodation_ids:
        return available(product, day, "", held)
    return sum(available(PRODUCTS[a], day, "", held) or 0 for a in package.accommodation_ids)


def inventory_products(product: Product) -> list[int]:
    """The product ids whose reservations decide `product`'s availability."""
    package = PACKAGES.get(product.id)
    if package is not None and package.accommodation_ids:
        return list(package.accommodation_ids)
    return [product.id]


def checkin_allowed(product: Product, day: date) -> bool:
    """Whether `day`'s weekday is an allowed check-in (and check-out) day."""
    return product.allowed_checkin_days.get(WEEKDAY_KEYS[day.weekday()], False)


# ---- package configuration -------------------------------------------------------------


@dataclass
class Line:
    """One priced line of a guest's configuration (EUR)."""

    product_id: int
    package_item_id: int | None
    dates: list[str]
    price_eur: Decimal
    is_fixed: bool

    @property
    def product(self) -> Product:
        """The line's product."""
        return PRODUCTS[self.product_id]


@dataclass
class GuestPlan:
    """A validated guest with their package, lines and inventory demand."""

    guest: dict[str, Any]
    package: Package
    start: date
    end: date
    accommodation_id: int | None
    lines: list[Line] = field(default_factory=list)
    demand: Demand = field(default_factory=lambda: defaultdict(int))


def _parse_item_date(value: Any, field_name: str) -> tuple[date, str]:
    if isinstance(value, str):
        match = _DATETIME.match(value)
        if match:
            day = parse_date(match.group(1), field_name)
            hh, mm, ss = (int(match.group(n)) for n in (2, 3, 4))
            if hh > 23 or mm > 59 or ss > 59:
                raise invalid(field_name, f"{field_name} has an invalid time.", "invalid_date")
            return day, f"{hh:02d}:{mm:02d}"
    return parse_date(value, field_name), ""


def _item_allowed_dates(item: PackageItem, start: date, end: date) -> list[date]:
    if item.dates_rule == "start":
        return [start]
    return [start + timedelta(days=n) for n in range((end - start).days)]


def item_dates(item: PackageItem, start: date, end: date) -> list[date]:
    """The dates an item may be taken on for a stay from `start` to `end`."""
    return _item_allowed_dates(item, start, end)


def plan_guest(raw: Any, index: int, today: date) -> GuestPlan:
    """Validate one guest object of `/bookings/add` (or `/packages/prices`) into a plan."""
    at = f"guests.{index}"
    if not isinstance(raw, dict):
        raise invalid(at, f"{at} must be an object.", "invalid_type")
    guest: dict[str, Any] = {
        "first_name": require_str(raw.get("first_name"), f"{at}.first_name"),
        "last_name": require_str(raw.get("last_name"), f"{at}.last_name"),
        "email": None,
        "gender": parse_gender(require(raw.get("gender"), f"{at}.gender"), f"{at}.gender"),
        "language_code": parse_language(raw.get("language_code"), f"{at}.language_code"),
        "birth_date": None,
    }
    if raw.get("email") not in (None, ""):
        guest["email"] = parse_email(raw["email"], f"{at}.email")
    if raw.get("birth_date") is not None:
        birth = parse_date(raw["birth_date"], f"{at}.birth_date")
        if birth > today:
            raise invalid(f"{at}.birth_date", "birth_date is in the future.", "invalid_date")
        guest["birth_date"] = birth.isoformat()

    pkg_raw = require(raw.get("package"), f"{at}.package")
    if not isinstance(pkg_raw, dict):
        raise invalid(f"{at}.package", f"{at}.package must be an object.", "invalid_type")
    package = get_package(require(pkg_raw.get("id"), f"{at}.package.id"))
    product = PRODUCTS[package.product_id]
    start = parse_date(
        require(pkg_raw.get("start_date"), f"{at}.package.start_date"), f"{at}.package.start_date"
    )
    end = parse_date(
        require(pkg_raw.get("end_date"), f"{at}.package.end_date"), f"{at}.package.end_date"
    )
    if end <= start:
        raise invalid(
            f"{at}.package.end_date", "end_date must be after start_date.", "invalid_date_range"
        )
    if start < today:
        raise invalid(
            f"{at}.package.start_date", f"start_date {start} is in the past.", "date_in_past"
        )
    if not checkin_allowed(product, start):
        raise invalid(
            f"{at}.package.start_date",
            f"{product.title} does not allow check-in on a {start:%A}.",
            "checkin_day_not_allowed",
        )
    if not checkin_allowed(product, end):
        raise invalid(
            f"{at}.package.end_date",
            f"{product.title} does not allow check-out on a {end:%A}.",
            "checkout_day_not_allowed",
        )
    nights = (end - start).days
    rule = product.duration
    variants = list(rule["variants"]) or [rule["min"]]
    ok = rule["min"] <= nights <= max(variants) if rule["is_flexible"] else nights in variants
    if not ok:
        allowed = (
            f"between {rule['min']} and {max(variants)}"
            if rule["is_flexible"]
            else f"one of {variants}"
        )
        raise invalid(
            f"{at}.package.end_date",
            f"A stay of {nights} nights is not allowed for {product.title}; use {allowed} nights.",
            "invalid_duration",
        )
    if product.gender != "mf" and guest["gender"] != product.gender:
        raise invalid(
            f"{at}.gender",
            f"{product.title} is for gender {product.gender} only.",
            "invalid_gender",
        )

    accommodation_id = _plan_accommodation(package, pkg_raw.get("accommodation_id"), at)
    plan = GuestPlan(guest, package, start, end, accommodation_id)
    stay = [start + timedelta(days=n) for n in range(nights)]
    plan.lines.append(Line(product.id, None, [start.isoformat()], unit_price(product, start), True))
    if accommodation_id is not None:
        room = PRODUCTS[accommodation_id]
        price = product_total(room, start, 1, nights)
        plan.lines.append(Line(room.id, None, [d.isoformat() for d in stay], price, False))
        for night in stay:
            plan.demand[(room.id, night.isoformat(), "")] += 1
    elif product.capacity is not None:
        for night in stay:
            plan.demand[(product.id, night.isoformat(), "")] += 1
    _plan_items(plan, pkg_raw.get("items"), at)
    return plan


def _plan_accommodation(package: Package, raw: Any, at: str) -> int | None:
    field_name = f"{at}.package.accommodation_id"
    if raw is None:
        if package.accommodation_ids:
            raise invalid(
                field_name,
                f"Package {package.product_id} has accommodation; accommodation_id is required.",
                "accommodation_required",
            )
        return None
    try:
        acc_id = int(raw)
    except (TypeError, ValueError):
        acc_id = -1
    room = PRODUCTS.get(acc_id)
    if room is None or room.type != "accommodation":
        raise ApiError(404, "accommodation_not_found", f"Accommodation {raw} was not found.")
    if acc_id not in package.accommodation_ids:
        raise invalid(
            field_name,
            f"Accommodation {acc_id} is not an option of package {package.product_id}.",
            "accommodation_not_in_package",
        )
    return acc_id


def _plan_items(plan: GuestPlan, raw_items: Any, at: str) -> None:
    if raw_items is None:
        raw_items = []
    if not isinstance(raw_items, list):
        raise invalid(f"{at}.package.items", "items must be an array.", "invalid_type")
    chosen: dict[int, tuple[PackageItem, list[tuple[date, str]]]] = {}
    for n, raw in enumerate(raw_items):
        where = f"{at}.package.items.{n}"
        if not isinstance(raw, dict):
            raise invalid(where, f"{where} must be an object.", "invalid_type")
        raw_id = raw.get("package_item_id", raw.get("id"))
        require(raw_id, f"{where}.package_item_id")
        found = PACKAGE_ITEMS.get(raw_id) if isinstance(raw_id, int) else None
        if found is None or found[0] is not plan.package:
            raise invalid(
                f"{where}.package_item_id",
                f"Package item {raw_id} is not part of package {plan.package.product_id}.",
                "item_not_in_package",
            )
        item = found[1]
        if item.role == "default":
            continue  # the document: default items are handled by the API and ignored if sent
        if item.id in chosen:
            raise invalid(
                f"{where}.package_item_id",
                f"Package item {item.id} is sent twice.",
                "duplicate_item",
            )
        dates_raw = require(raw.get("dates"), f"{where}.dates")
        if not isinstance(dates_raw, list) or not dates_raw:
            raise invalid(f"{where}.dates", "dates must be a non-empty array.", "missing_field")
        product = PRODUCTS[item.product_id]
        allowed = set(_item_allowed_dates(item, plan.start, plan.end))
        picked: list[tuple[date, str]] = []
        for k, value in enumerate(dates_raw):
            day, slot = _parse_item_date(value, f"{where}.dates.{k}")
            if product.is_on_timeslots and slot not in product.timeslots:
                times = ", ".join(product.timeslots)
                raise invalid(
                    f"{where}.dates.{k}",
                    f"{product.title} runs on timeslots ({times}); give 'YYYY-MM-DD HH:mm:ss'.",
                    "invalid_timeslot",
                )
            if not product.is_on_timeslots and slot:
                raise invalid(
                    f"{where}.dates.{k}",
                    f"{product.title} is not on timeslots; give dates as YYYY-MM-DD.",
                    "invalid_date",
                )
            if day not in allowed:
                raise invalid(
                    f"{where}.dates.{k}",
                    f"{day} is outside the dates package item {item.id} can be taken on.",
                    "item_date_outside_package",
                )
            if any(d == day for d, _ in picked):
                raise invalid(f"{where}.dates.{k}", f"{day} is given twice.", "duplicate_item_date")
            picked.append((day, slot))
        chosen[item.id] = (item, picked)

    groups: dict[str, list[PackageItem]] = defaultdict(list)
    for item in plan.package.items:
        if item.group is not None:
            groups[item.group].append(item)
    for key, members in groups.items():
        picked_items = [chosen[m.id] for m in members if m.id in chosen]
        default = next((m for m in members if m.role == "default"), None)
        if default is None:
            if len(picked_items) > 1:
                ids = ", ".join(str(i.id) for i, _ in picked_items)
                raise invalid(
                    f"{at}.package.items",
                    f"Items {ids} are options of one group ({key}); choose at most one.",
                    "too_many_options",
                )
            continue
        # Radio group: each date has one choice; the default fills the dates nobody chose.
        taken: set[date] = set()
        for _item, picked in picked_items:
            days = {d for d, _ in picked}
            if days & taken:
                raise invalid(
                    f"{at}.package.items",
                    f"Items of group {key} overlap on {min(days & taken)}; pick one per date.",
                    "group_conflict",
                )
            taken |= days
        rest = [
            (d, "") for d in _item_allowed_dates(default, plan.start, plan.end) if d not in taken
        ]
        if rest:
            chosen[default.id] = (default, rest)

    for item in plan.package.items:  # catalogue order keeps lines stable
        if item.id not in chosen:
            continue
        _, picked = chosen[item.id]
        product = PRODUCTS[item.product_id]
        units = len(picked)
        if product.price_type == "fixed":
            price = sum((unit_price(product, d) for d, _ in picked), Decimal(0))
        else:
            price = sum((unit_price(product, d, units) for d, _ in picked), Decimal(0))
        dates = [f"{d.isoformat()} {s}:00" if s else d.isoformat() for d, s in picked]
        plan.lines.append(Line(product.id, item.id, dates, price, product.price_type == "fixed"))
        for d, s in picked:
            plan.demand[(product.id, d.isoformat(), s)] += 1


def merge_demand(plans: Iterable[GuestPlan]) -> Demand:
    """Total inventory demand of several guests."""
    total: Demand = defaultdict(int)
    for plan in plans:
        for key, units in plan.demand.items():
            total[key] += units
    return total


def check_party(plans: list[GuestPlan], existing_emails: Iterable[str]) -> None:
    """Rules across guests: unique emails (also against the cart) and package pax limits."""
    seen = {e for e in existing_emails if e}
    for n, plan in enumerate(plans):
        email = plan.guest["email"]
        if email is None:
            continue
        if email in seen:
            raise invalid(
                f"guests.{n}.email",
                f"Email {email} is used by another guest of this cart.",
                "duplicate_email",
            )
        seen.add(email)
    per_package: dict[int, int] = defaultdict(int)
    for plan in plans:
        per_package[plan.package.product_id] += 1
    for package_id, count in per_package.items():
        pax = PRODUCTS[package_id].pax
        if not pax["min"] <= count <= pax["max"]:
            raise invalid(
                "guests",
                f"Package {package_id} takes {pax['min']} to {pax['max']} guests; {count} given.",
                "invalid_pax",
            )


def today_of(now: datetime) -> date:
    """The sandbox's calendar day (UTC)."""
    return now.date()
