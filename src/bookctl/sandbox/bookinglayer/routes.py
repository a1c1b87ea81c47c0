"""Bookinglayer public API v2 routes, mounted under `/bookinglayer/api/pub/v2`."""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Body, Depends, Request

from bookctl.sandbox import clock
from bookctl.sandbox.bookinglayer import backend
from bookctl.sandbox.bookinglayer.rules import (
    MAX_WINDOW_DAYS,
    available,
    check_party,
    checkin_allowed,
    convert,
    get_package,
    get_product,
    inventory_products,
    item_dates,
    merge_demand,
    money,
    package_available,
    package_capacity,
    parse_currency,
    parse_gender,
    parse_language,
    plan_guest,
    price_from,
    product_total,
    unit_price,
)
from bookctl.sandbox.bookinglayer.seed import (
    BACKOFFICE_CATEGORIES,
    FRONTOFFICE_CATEGORIES,
    LOCATIONS,
    PACKAGES,
    PRODUCTS,
    PackageItem,
    Product,
    image,
    seasons,
    settings,
)
from bookctl.sandbox.context import Sandbox, get_sandbox, sandbox_of
from bookctl.sandbox.errors import ApiError, invalid
from bookctl.sandbox.parsing import parse_date, parse_email, parse_int, require, require_str

PREFIX = "/bookinglayer/api/pub/v2"
PRODUCT_TYPES = ("package", "accommodation", "activity", "rental", "service", "bundle", "item")
FIXED_DATE_HORIZON_DAYS = 365
DEEPLINK_BASE = "https://sandbox.bookinglayer.io/frontoffice/product"


async def _authenticate(request: Request) -> None:
    sandbox = sandbox_of(request)
    if request.headers.get("authorization") != f"Bearer {sandbox.api_key}":
        raise ApiError(401, None, "Unauthenticated.")


router = APIRouter(prefix=PREFIX, tags=[backend.NAME], dependencies=[Depends(_authenticate)])
#: The cart and booking routes, which `router` lists first (at the end of this module).
_carts = APIRouter(prefix=PREFIX, tags=[backend.NAME], dependencies=[Depends(_authenticate)])


def _translated(product: Product, language: str | None) -> dict[str, str]:
    base = {
        "title": product.title,
        "description": product.description,
        "extended_description": product.extended_description,
    }
    base.update(product.translations.get(language or "en", {}))
    return base


def _product_json(product: Product, language: str | None) -> dict[str, Any]:
    text = _translated(product, language)
    fo = product.frontoffice_category_id
    return {
        "id": product.id,
        "type": product.type,
        "title": text["title"],
        "backoffice_title": product.backoffice_title,
        "description": text["description"],
        "extended_description": text["extended_description"],
        "image": image(product.id),
        "gender": product.gender,
        "backoffice_category": {
            "id": product.backoffice_category_id,
            "title": BACKOFFICE_CATEGORIES[product.backoffice_category_id],
        },
        "frontoffice_category": None
        if fo is None
        else {"id": fo, "title": FRONTOFFICE_CATEGORIES[fo]},
        "location": {"id": product.location_id, "title": LOCATIONS[product.location_id]},
        "accommodation_type": product.accommodation_type,
        "duration": product.duration,
        "pax": product.pax,
        "default_start_time": product.default_start_time,
        "is_private": False,
        "allowed_checkin_days": product.allowed_checkin_days,
        "is_on_timeslots": product.is_on_timeslots,
        "price_from": price_from(product),
    }


def _count(value: int | None) -> int | str:
    return "unlimited" if value is None else value


def _availability_rows(
    product: Product, days: list[date], held: dict[tuple[int, str, str], int], today: date
) -> dict[str, Any]:
    rows: dict[str, Any] = {}
    package = PACKAGES.get(product.id)
    for day in days:
        key = day.isoformat()
        blocked = product.is_blocked(day)
        if product.is_on_timeslots:
            if blocked:
                rows[key] = {"blocked": True, "timeslots": []}
                continue
            slots = product.timeslots if product.runs_on(day) else ()
            rows[key] = {
                "timeslots": [
                    {
                        "time": slot,
                        "available": _count(available(product, day, slot, held)),
                        "capacity": _count(product.capacity),
                    }
                    for slot in slots
                ]
            }
            continue
        if package is not None:
            left = package_available(package, day, held)
            capacity = package_capacity(package, day)
        else:
            left = available(product, day, "", held)
            capacity = product.capacity if product.runs_on(day) else 0
        rows[key] = {
            "available_for_checkin": checkin_allowed(product, day) and left != 0 and day >= today,
            "available_for_checkout": checkin_allowed(product, day) and day > today,
            "blocked": blocked,
            "available": _count(left),
            "capacity": _count(capacity),
            "timeslots": None,
        }
    return rows


def _window(params: Any, today: date) -> tuple[date, date]:
    start = parse_date(params["start_date"], "start_date") if params.get("start_date") else today
    end = (
        parse_date(params["end_date"], "end_date")
        if params.get("end_date")
        else start + timedelta(days=30)
    )
    if end < start:
        raise invalid("end_date", "end_date must not be before start_date.", "invalid_date_range")
    if (end - start).days > MAX_WINDOW_DAYS:
        raise invalid(
            "end_date", f"Ask for at most {MAX_WINDOW_DAYS} days at once.", "invalid_date_range"
        )
    return start, end


def _product_availability(
    conn: sqlite3.Connection, product: Product, start: date, end: date, now_ts: float
) -> dict[str, Any]:
    today = clock.now(conn).date()
    if product.is_fixed_date:
        # The document: fixed date products return all future dates.
        horizon = [today + timedelta(days=n) for n in range(FIXED_DATE_HORIZON_DAYS + 1)]
        days = [d for d in horizon if product.runs_on(d)]
    else:
        days = [start + timedelta(days=n) for n in range((end - start).days + 1)]
    if not days:
        return {}
    held = backend.reserved_units(conn, inventory_products(product), days[0], days[-1], now_ts)
    return _availability_rows(product, days, held, today)


def _item_json(
    item: PackageItem,
    start: date,
    end: date,
    currency: str,
    language: str | None,
    held: dict[tuple[int, str, str], int],
) -> dict[str, Any]:
    product = PRODUCTS[item.product_id]
    text = _translated(product, language)
    dates: list[dict[str, Any]] = []
    for day in item_dates(item, start, end):
        if product.is_on_timeslots:
            slots = [] if product.is_blocked(day) or not product.runs_on(day) else product.timeslots
            dates.append(
                {
                    "date": day.isoformat(),
                    "available": None,
                    "capacity": None,
                    "timeslots": [
                        {
                            "time": s,
                            "available": _count(available(product, day, s, held)),
                            "capacity": _count(product.capacity),
                        }
                        for s in slots
                    ],
                }
            )
        else:
            dates.append(
                {
                    "date": day.isoformat(),
                    "available": _count(available(product, day, "", held)),
                    "capacity": _count(product.capacity),
                    "timeslots": None,
                }
            )
    return {
        "package_item_id": item.id,
        "role": item.role,
        "qty": item.qty,
        "is_configurable_dates": item.is_configurable_dates,
        "product": {
            "id": product.id,
            "type": product.type,
            "title": text["title"],
            "backoffice_title": product.backoffice_title,
            "description": text["description"],
            "extended_description": text["extended_description"],
            "image": image(product.id),
            "is_on_timeslots": product.is_on_timeslots,
            "price": {
                "value": money(convert(unit_price(product, start), currency)),
                "currency": currency,
                "type": product.price_type,
                "from_price": bool(product.qty_breaks),
            },
        },
        "dates": dates,
    }


@router.get("/products")
async def list_products(request: Request) -> list[dict[str, Any]]:
    """All products with a frontoffice category, optionally filtered by location and type."""
    params = request.query_params
    language = params.get("language")
    location = parse_int(params["location"], "location") if params.get("location") else None
    kind = params.get("type")
    if kind and kind not in PRODUCT_TYPES:
        raise invalid("type", f"type must be one of {', '.join(PRODUCT_TYPES)}.", "invalid_type")
    return [
        _product_json(p, language)
        for p in PRODUCTS.values()
        if p.frontoffice_category_id is not None
        and (location is None or p.location_id == location)
        and (not kind or p.type == kind)
    ]


@router.get("/products/availabilities")
async def multiple_availabilities(
    request: Request, sandbox: Sandbox = Depends(get_sandbox)
) -> dict[str, Any]:
    """Availability of several products, as a JSON object keyed by product id."""
    params = request.query_params
    raw_ids = params.getlist("ids[]") + params.getlist("ids")
    products = [get_product(i) for i in raw_ids] if raw_ids else list(PRODUCTS.values())
    kind = params.get("type")
    if kind and kind not in PRODUCT_TYPES:
        raise invalid("type", f"type must be one of {', '.join(PRODUCT_TYPES)}.", "invalid_type")
    category = (
        parse_int(params["backoffice_category_id"], "backoffice_category_id")
        if params.get("backoffice_category_id")
        else None
    )
    products = [
        p
        for p in products
        if (not kind or p.type == kind)
        and (category is None or p.backoffice_category_id == category)
    ]
    with sandbox.store.read() as conn:
        now_ts = clock.now_ts(conn)
        start, end = _window(params, clock.now(conn).date())
        return {str(p.id): _product_availability(conn, p, start, end, now_ts) for p in products}


@router.get("/products/prices")
async def multiple_prices(request: Request) -> dict[str, Any]:
    """Total prices of several products: `{"<id>": total}`."""
    params = request.query_params
    raw_ids = params.getlist("product_ids[]") + params.getlist("product_ids")
    if not raw_ids:
        raise invalid("product_ids", "product_ids[] is required.", "missing_field")
    products = [get_product(i) for i in raw_ids]
    start = parse_date(require(params.get("start_date"), "start_date"), "start_date")
    pax = parse_int(require(params.get("pax"), "pax"), "pax", minimum=1)
    duration = parse_int(require(params.get("duration"), "duration"), "duration", minimum=1)
    qty = parse_int(params.get("qty", "1"), "qty", minimum=1)
    _check_unit(params.get("duration_unit"), None)
    currency = parse_currency(params.get("currency"))
    return {
        str(p.id): money(convert(product_total(p, start, pax, duration, qty), currency))
        for p in products
    }


def _check_unit(unit: str | None, product: Product | None) -> None:
    if unit is None or unit == "":
        return
    if unit not in ("hour", "day", "night", "week"):
        raise invalid(
            "duration_unit", "duration_unit must be hour, day, night or week.", "invalid_unit"
        )
    if (
        product is not None
        and unit != product.duration["unit"]
        and {unit, product.duration["unit"]} != {"day", "night"}
    ):
        raise invalid(
            "duration_unit",
            f"{product.title} is sold per {product.duration['unit']}, not per {unit}.",
            "invalid_unit",
        )


@router.get("/products/{product_id}")
async def get_one_product(product_id: str, request: Request) -> dict[str, Any]:
    """One product (also products not shown in the list, e.g. package-only activities)."""
    return _product_json(get_product(product_id), request.query_params.get("language"))


@router.get("/products/{product_id}/availabilities")
async def product_availability(
    product_id: str, request: Request, sandbox: Sandbox = Depends(get_sandbox)
) -> dict[str, Any]:
    """Dates and availability of one product (30 days from start_date by default)."""
    product = get_product(product_id)
    with sandbox.store.read() as conn:
        start, end = _window(request.query_params, clock.now(conn).date())
        return _product_availability(conn, product, start, end, clock.now_ts(conn))


@router.get("/products/{product_id}/prices")
async def product_price(product_id: str, request: Request) -> dict[str, Any]:
    """`{"total_price": n}` for one product, pax and duration."""
    product = get_product(product_id)
    params = request.query_params
    start = parse_date(require(params.get("start_date"), "start_date"), "start_date")
    pax = parse_int(require(params.get("pax"), "pax"), "pax", minimum=1)
    default = int(product.duration["default"])
    duration = parse_int(params.get("duration", default), "duration", minimum=1)
    _check_unit(params.get("duration_unit"), product)
    currency = parse_currency(params.get("currency"))
    return {"total_price": money(convert(product_total(product, start, pax, duration), currency))}


@router.get("/products/{product_id}/deeplink")
async def deeplink(product_id: str, request: Request) -> dict[str, Any]:
    """A frontoffice URL for the product with the given dates, pax, language and currency."""
    product = get_product(product_id)
    params = request.query_params
    query: list[tuple[str, str]] = []
    for name, key in (("start_date", "start"), ("end_date", "end")):
        if params.get(name):
            query.append((key, parse_date(params[name], name).isoformat()))
    for name, key in (
        ("duration", "duration"),
        ("males", "male"),
        ("females", "female"),
        ("couples", "couple"),
    ):
        if params.get(name):
            query.append((key, str(parse_int(params[name], name))))
    if params.get("language"):
        query.append(("language", str(parse_language(params["language"], "language"))))
    if params.get("currency"):
        query.append(("currency", parse_currency(params["currency"])))
    suffix = f"?{urlencode(query)}" if query else ""
    return {"url": f"{DEEPLINK_BASE}/{product.id}{suffix}"}


def _stay(params: Any) -> tuple[date, date]:
    start = parse_date(require(params.get("start_date"), "start_date"), "start_date")
    nights = parse_int(require(params.get("duration"), "duration"), "duration", minimum=1)
    return start, start + timedelta(days=nights)


@router.get("/packages/{package_id}")
async def package_items(
    package_id: str, request: Request, sandbox: Sandbox = Depends(get_sandbox)
) -> dict[str, Any]:
    """The package's single items and groups, with dates, timeslots and prices."""
    package = get_package(package_id)
    params = request.query_params
    start, end = _stay(params)
    currency = parse_currency(params.get("currency"))
    language = params.get("language")
    products = [i.product_id for i in package.items]
    with sandbox.store.read() as conn:
        held = backend.reserved_units(conn, products, start, end, clock.now_ts(conn))
    singles = [
        _item_json(i, start, end, currency, language, held)
        for i in package.items
        if i.group is None
    ]
    groups: dict[str, list[PackageItem]] = {}
    for item in package.items:
        if item.group is not None:
            groups.setdefault(item.group, []).append(item)
    return {
        "start_date": start.isoformat(),
        "end_date": end.isoformat(),
        "single_items": singles,
        "groups": [
            {
                "is_configurable_dates": any(i.is_configurable_dates for i in members),
                "items": [_item_json(i, start, end, currency, language, held) for i in members],
            }
            for members in groups.values()
        ],
    }


@router.get("/packages/{package_id}/accommodations")
async def package_accommodations(
    package_id: str, request: Request, sandbox: Sandbox = Depends(get_sandbox)
) -> list[dict[str, Any]]:
    """Accommodation options of a package for a stay and party."""
    package = get_package(package_id)
    params = request.query_params
    start, end = _stay(params)
    party = {
        name: parse_int(require(params.get(name), name), name)
        for name in ("males", "females", "couples")
    }
    if party["males"] + party["females"] + 2 * party["couples"] < 1:
        raise invalid("males", "The party needs at least one guest.", "invalid_pax")
    currency = parse_currency(params.get("currency"))
    nights = [start + timedelta(days=n) for n in range((end - start).days)]
    with sandbox.store.read() as conn:
        held = backend.reserved_units(
            conn, package.accommodation_ids, start, end, clock.now_ts(conn)
        )
    options: list[dict[str, Any]] = []
    for acc_id in package.accommodation_ids:
        room = PRODUCTS[acc_id]
        left = [available(room, night, "", held) for night in nights]
        counts = [n for n in left if n is not None]
        options.append(
            {
                "start_date": start.isoformat(),
                "end_date": end.isoformat(),
                "available": min(counts) if counts else "unlimited",
                "price": {
                    "type": "person",
                    "value": money(convert(product_total(room, start, 1, len(nights)), currency)),
                    "currency": currency,
                },
                "product": _product_json(room, params.get("language")),
            }
        )
    return options


@router.post("/packages/prices")
async def package_prices(
    payload: Any = Body(None), sandbox: Sandbox = Depends(get_sandbox)
) -> dict[str, Any]:
    """Price breakdown per guest `unique_id` for package configurations (no inventory held)."""
    body = _object(payload)
    currency = parse_currency(body.get("currency", body.get("currency_id")))
    guests = _guests(body)
    with sandbox.store.read() as conn:
        today = clock.now(conn).date()
    answer: dict[str, Any] = {}
    for n, raw in enumerate(guests):
        unique_id = require_str(
            raw.get("unique_id") if isinstance(raw, dict) else None, f"guests.{n}.unique_id"
        )
        if unique_id in answer:
            raise invalid(
                f"guests.{n}.unique_id",
                f"unique_id {unique_id} is used twice.",
                "duplicate_unique_id",
            )
        plan = plan_guest(raw, n, today)
        answer[unique_id] = [
            {
                "package_item_id": line.package_item_id,
                "product_id": line.product_id,
                "price": money(convert(line.price_eur, currency)),
                "is_fixed": line.is_fixed,
                "guest_to_charge": [unique_id],
            }
            for line in plan.lines
        ]
    return answer


@router.get("/seasons")
async def list_seasons(sandbox: Sandbox = Depends(get_sandbox)) -> list[dict[str, Any]]:
    """High and Low season segments covering this year and the next two."""
    with sandbox.store.read() as conn:
        return seasons(clock.now(conn).date())


@router.get("/settings")
async def get_settings() -> dict[str, Any]:
    """Business level settings."""
    return settings()


def _object(payload: Any) -> dict[str, Any]:
    if not isinstance(payload, dict):
        raise ApiError(422, "invalid_body", "The request body must be a JSON object.")
    return payload


def _guests(body: dict[str, Any]) -> list[Any]:
    guests = require(body.get("guests"), "guests")
    if not isinstance(guests, list) or not guests:
        raise invalid("guests", "guests must be a non-empty array.", "missing_field")
    return guests


@_carts.post("/bookings/add", status_code=201)
async def add_to_cart(
    payload: Any = Body(None), sandbox: Sandbox = Depends(get_sandbox)
) -> dict[str, Any]:
    """Reserve packages for guests in a new cart, or in the open cart given by `cart_id`.

    Answers `{"cart_id": ...}` as the document shows, nothing more.
    """
    body = _object(payload)
    currency = parse_currency(require(body.get("currency"), "currency"))
    guests = _guests(body)
    cart_id = body.get("cart_id")
    if cart_id is not None and not isinstance(cart_id, str):
        raise invalid("cart_id", "cart_id must be a string.", "invalid_type")
    with sandbox.store.write() as conn:
        now_ts = clock.now_ts(conn)
        today = datetime.fromtimestamp(now_ts, UTC).date()
        existing_emails: list[str] = []
        if cart_id:
            row = backend.load_cart(conn, cart_id)
            backend.require_open(row, now_ts)
            if row["currency"] != currency:
                raise invalid(
                    "currency",
                    f"Cart {cart_id} is in {row['currency']}; add items in the same currency.",
                    "currency_mismatch",
                )
            existing_emails = backend.guest_emails(conn, cart_id)
        plans = [plan_guest(raw, n, today) for n, raw in enumerate(guests)]
        check_party(plans, existing_emails)
        demand = merge_demand(plans)
        backend.check_demand(conn, demand, now_ts)
        if not cart_id:
            cart_id = backend.create_cart(conn, currency, now_ts)
        backend.reserve(conn, cart_id, plans, currency, demand)
        # The document's answer: the cart id, to pass on later adds; GET /carts/{id} shows it.
        return {"cart_id": cart_id}


@_carts.get("/carts/{cart_id}")
async def view_cart(cart_id: str, sandbox: Sandbox = Depends(get_sandbox)) -> dict[str, Any]:
    """The contents and state of a cart."""
    with sandbox.store.read() as conn:
        return backend.read_cart(conn, cart_id, clock.now_ts(conn))


@_carts.put("/carts/{cart_id}/extend")
async def extend_cart(cart_id: str, sandbox: Sandbox = Depends(get_sandbox)) -> dict[str, Any]:
    """Move an open cart's expiry to 10 minutes from now."""
    with sandbox.store.write() as conn:
        now_ts = clock.now_ts(conn)
        expires = backend.extend_cart(conn, cart_id, now_ts)
        return {"cart_id": cart_id, "expiry_date": clock.bookinglayer_iso(expires)}


@_carts.delete("/carts/{cart_id}")
async def abandon_cart(cart_id: str, sandbox: Sandbox = Depends(get_sandbox)) -> dict[str, Any]:
    """Abandon a cart, releasing its items (an expired cart may still be abandoned)."""
    with sandbox.store.write() as conn:
        backend.abandon_cart(conn, cart_id, clock.now_ts(conn))
        return {"success": True}


_CUSTOMER_FIELDS = (
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


def _customer(raw: Any) -> dict[str, Any]:
    require(raw, "customer")
    if not isinstance(raw, dict):
        raise invalid("customer", "customer must be an object.", "invalid_type")
    customer: dict[str, Any] = {name: raw.get(name) for name in _CUSTOMER_FIELDS}
    customer["first_name"] = require_str(raw.get("first_name"), "customer.first_name")
    customer["last_name"] = require_str(raw.get("last_name"), "customer.last_name")
    customer["email"] = parse_email(require(raw.get("email"), "customer.email"), "customer.email")
    if raw.get("gender") is not None:
        customer["gender"] = parse_gender(raw["gender"], "customer.gender")
    customer["language_code"] = parse_language(raw.get("language_code"), "customer.language_code")
    if raw.get("birth_date") is not None:
        customer["birth_date"] = parse_date(raw["birth_date"], "customer.birth_date").isoformat()
    # The business settings say customer_fields.phone.required = true.
    customer["phone"] = require_str(raw.get("phone"), "customer.phone")
    code = raw.get("phone_countrycode")
    if code is not None:
        customer["phone_countrycode"] = parse_int(code, "customer.phone_countrycode", minimum=1)
    return customer


@_carts.post("/carts/{cart_id}/checkout")
async def checkout_cart(
    cart_id: str, payload: Any = Body(None), sandbox: Sandbox = Depends(get_sandbox)
) -> dict[str, Any]:
    """Turn an open cart into a confirmed booking; its reservations stay consumed."""
    body = _object(payload)
    with sandbox.store.write() as conn:
        now_ts = clock.now_ts(conn)
        row = backend.load_cart(conn, cart_id)
        if body.get("terms_accepted") is not True:
            raise invalid(
                "terms_accepted",
                "The terms and conditions must be accepted (terms_accepted: true).",
                "terms_not_accepted",
            )
        newsletter = body.get("newsletter_opt_in", False)
        if not isinstance(newsletter, bool):
            raise invalid(
                "newsletter_opt_in", "newsletter_opt_in must be true or false.", "invalid_type"
            )
        customer = _customer(body.get("customer"))
        backend.require_open(row, now_ts)
        cart = backend.read_cart(conn, cart_id, now_ts, row)
        if not cart["lines"]:
            raise ApiError(409, "cart_empty", f"Cart {cart_id} has nothing to check out.")
        booking_id = backend.new_booking(conn, cart_id)
        booking = {
            "id": booking_id,
            "reference": f"BL-{booking_id}",
            "status": "confirmed",
            "total_price": cart["total_price"],
            "currency": cart["currency"],
            "created_at": clock.iso(now_ts),
            "newsletter_opt_in": newsletter,
            "customer": customer,
        }
        backend.check_out(conn, cart_id, booking)
        return {"cart_id": cart_id, "status": "checked_out", "booking": booking}


# The app tries routes in order, and a batch sends thousands of bookings: their routes first.
router.routes[:0] = _carts.routes
