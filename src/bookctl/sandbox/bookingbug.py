"""BookingBug (JRNI) REST API v1 emulation, mounted under `/bookingbug/api/v1/{company_id}`.

The document (seed 000) gives `basket/add_item` with nine optional ids, view basket and
`basket/checkout?member_id,take_from_wallet`; the rest follows BookingBug's public conventions:
`App-Id`/`App-Key` headers, an `Auth-Token` answered by `add_item` and required on the later
calls of the same basket, held items that expire, HAL-style lists, amounts in pence.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
from datetime import UTC, date, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Body, Depends, Request, Response

from bookctl.sandbox import clock
from bookctl.sandbox.bookinglayer_rules import parse_date, parse_email, parse_int, require_str
from bookctl.sandbox.context import Sandbox, get_sandbox
from bookctl.sandbox.errors import ApiError, invalid
from bookctl.sandbox.seed_bookingbug import (
    ADMINISTRATORS,
    APP_ID,
    ATTACHMENTS,
    BULK_PURCHASES,
    COMPANY_ID,
    COMPANY_NAME,
    CURRENCY,
    DEALS,
    EVENT_CHAINS,
    EVENTS,
    FIRST_CLIENT_ID,
    HOLD_SECONDS,
    MEMBERS,
    PACKAGES,
    PRODUCTS,
    SERVICE_DAYS,
    SERVICES,
    Event,
    Service,
)
from bookctl.sandbox.store import increment_counter, read_counter

PREFIX = "/bookingbug/api/v1"
#: add_item's nine documented parameters, as its `_links` template names them.
ADD_ITEM_PARAMS = (
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
NAME = "bookingbug"
ADMIN_PREFIX = "/_sandbox/bookingbug"

SCHEMA = """
CREATE TABLE IF NOT EXISTS bb_clients (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    data TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS bb_baskets (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    auth_token TEXT NOT NULL UNIQUE,
    member_id INTEGER,
    status TEXT NOT NULL,
    created_at REAL NOT NULL,
    expires_at REAL NOT NULL,
    purchase_id INTEGER
);
CREATE TABLE IF NOT EXISTS bb_items (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    basket_id INTEGER NOT NULL REFERENCES bb_baskets(id),
    kind TEXT NOT NULL,
    ref_id INTEGER NOT NULL,
    slot TEXT NOT NULL,
    bulk_purchase_id INTEGER,
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS bb_items_basket ON bb_items(basket_id);
CREATE INDEX IF NOT EXISTS bb_items_ref ON bb_items(kind, ref_id, slot);
CREATE TABLE IF NOT EXISTS bb_purchases (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    basket_id INTEGER NOT NULL UNIQUE REFERENCES bb_baskets(id),
    data TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS bb_logins (
    auth_token TEXT PRIMARY KEY,
    email TEXT NOT NULL,
    created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS bb_wallet_tx (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    member_id INTEGER NOT NULL,
    amount INTEGER NOT NULL,
    reason TEXT NOT NULL,
    created_at REAL NOT NULL
);
"""
# Wiped by reset, children first; the catalogue and seeded members live in code.
STATE_TABLES = ("bb_logins", "bb_wallet_tx", "bb_purchases", "bb_items", "bb_baskets", "bb_clients")


def _authenticate(request: Request, sandbox: Sandbox = Depends(get_sandbox)) -> None:
    if request.headers.get("app-key") != sandbox.api_key:
        raise ApiError(401, "invalid_app_key", "The App-Key header is missing or wrong.")
    if request.headers.get("app-id") != APP_ID:
        raise ApiError(
            401,
            "invalid_app_id",
            f"The App-Id header is missing or wrong (the sandbox's is {APP_ID}).",
        )


def _login_email(conn: sqlite3.Connection, request: Request) -> str | None:
    token = request.headers.get("auth-token")
    if not token:
        return None
    row = conn.execute("SELECT email FROM bb_logins WHERE auth_token = ?", (token,)).fetchone()
    return None if row is None else str(row["email"])


def _require_login(conn: sqlite3.Connection, request: Request) -> str:
    email = _login_email(conn, request)
    if email is None:
        raise ApiError(401, "unauthorized", "401 Unauthorized")
    return email


def _company(company_id: str) -> int:
    if company_id != str(COMPANY_ID):
        raise ApiError(404, "company_not_found", f"Company {company_id} was not found.")
    return COMPANY_ID


_api = APIRouter(prefix=PREFIX + "/{company_id}", dependencies=[Depends(_authenticate)])
_root = APIRouter(prefix=PREFIX, dependencies=[Depends(_authenticate)])
_admin_api = APIRouter(prefix=PREFIX + "/admin/{company_id}", dependencies=[Depends(_authenticate)])
_admin = APIRouter(prefix=ADMIN_PREFIX, tags=["sandbox"])


# ---- catalogue ---------------------------------------------------------------------------


def _today(conn: sqlite3.Connection) -> date:
    return clock.now(conn).date()


def _at(day: date, hhmm: str) -> datetime:
    hour, minute = (int(p) for p in hhmm.split(":"))
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _event_start(event: Event, today: date) -> datetime:
    chain = EVENT_CHAINS[event.chain_id]
    return _at(today + timedelta(days=event.day_offset), chain.start_time)


def _live_filter() -> str:
    # Items count against capacity while their basket holds them or once they are booked.
    return "((b.status = 'open' AND b.expires_at > ?) OR b.status = 'checked_out')"


def _taken(conn: sqlite3.Connection, kind: str, ref_id: int, slot: str | None = None) -> int:
    query = (
        "SELECT COUNT(*) FROM bb_items i JOIN bb_baskets b ON b.id = i.basket_id "
        f"WHERE i.kind = ? AND i.ref_id = ? AND {_live_filter()}"
    )
    args: list[Any] = [kind, ref_id, clock.now_ts(conn)]
    if slot is not None:
        query += " AND i.slot = ?"
        args.append(slot)
    return int(conn.execute(query, args).fetchone()[0])


def _bulk_used(conn: sqlite3.Connection, bulk_id: int) -> int:
    return int(
        conn.execute(
            "SELECT COUNT(*) FROM bb_items i JOIN bb_baskets b ON b.id = i.basket_id "
            f"WHERE i.bulk_purchase_id = ? AND {_live_filter()}",
            (bulk_id, clock.now_ts(conn)),
        ).fetchone()[0]
    )


def _event_json(conn: sqlite3.Connection, event: Event) -> dict[str, Any]:
    chain = EVENT_CHAINS[event.chain_id]
    start = _event_start(event, _today(conn))
    return {
        "id": event.id,
        "type": "event",
        "name": chain.name,
        "description": chain.description,
        "datetime": _iso(start),
        "end_datetime": _iso(start + timedelta(minutes=chain.duration)),
        "duration": chain.duration,
        "price": chain.price,
        "currency": CURRENCY,
        "num_spaces": chain.spaces,
        "spaces_left": max(chain.spaces - _taken(conn, "event", event.id), 0),
        "event_chain_id": chain.id,
        "package_ids": list(chain.package_ids),
    }


def _service_json(service: Service) -> dict[str, Any]:
    return {
        "id": service.id,
        "type": "service",
        "name": service.name,
        "description": service.description,
        "duration": service.duration,
        "durations": [service.duration],
        "prices": [service.price],
        "price": service.price,
        "currency": CURRENCY,
        "times": list(service.times),
    }


def _hal(name: str, items: list[dict[str, Any]]) -> dict[str, Any]:
    return {"total_entries": len(items), "_embedded": {name: items}}


def _get_event(raw: Any) -> Event:
    event_id = parse_int(raw, "event_id")
    if event_id not in EVENTS:
        raise ApiError(404, "event_not_found", f"Event {event_id} was not found.")
    return EVENTS[event_id]


def _get_service(raw: Any) -> Service:
    service_id = parse_int(raw, "service_id")
    if service_id not in SERVICES:
        raise ApiError(404, "service_not_found", f"Service {service_id} was not found.")
    return SERVICES[service_id]


@_api.get("/company")
def company(company_id: str) -> dict[str, Any]:
    """The company this API key books for."""
    return {"id": _company(company_id), "name": COMPANY_NAME, "currency_code": CURRENCY}


@_api.get("/events")
def list_events(
    company_id: str, request: Request, sandbox: Sandbox = Depends(get_sandbox)
) -> dict[str, Any]:
    """List Events, optionally between `start_date` and `end_date`."""
    _company(company_id)
    params = request.query_params
    with sandbox.store.read() as conn:
        events = [_event_json(conn, e) for e in EVENTS.values()]
    if params.get("start_date"):
        start = parse_date(params["start_date"], "start_date").isoformat()
        events = [e for e in events if e["datetime"][:10] >= start]
    if params.get("end_date"):
        end = parse_date(params["end_date"], "end_date").isoformat()
        events = [e for e in events if e["datetime"][:10] <= end]
    return _hal("events", sorted(events, key=lambda e: (e["datetime"], e["id"])))


@_api.get("/events/{event_id}")
def get_event(
    company_id: str, event_id: str, sandbox: Sandbox = Depends(get_sandbox)
) -> dict[str, Any]:
    """One event with its spaces left."""
    _company(company_id)
    event = _get_event(event_id)
    with sandbox.store.read() as conn:
        return _event_json(conn, event)


@_api.get("/event_chains/{chain_id}")
def get_event_chain(
    company_id: str, chain_id: str, sandbox: Sandbox = Depends(get_sandbox)
) -> dict[str, Any]:
    """An event chain and its events."""
    _company(company_id)
    cid = parse_int(chain_id, "event_chain_id")
    if cid not in EVENT_CHAINS:
        raise ApiError(404, "event_chain_not_found", f"Event chain {cid} was not found.")
    chain = EVENT_CHAINS[cid]
    with sandbox.store.read() as conn:
        events = [_event_json(conn, e) for e in EVENTS.values() if e.chain_id == cid]
    return {
        "id": chain.id,
        "name": chain.name,
        "description": chain.description,
        "price": chain.price,
        "package_ids": list(chain.package_ids),
        "_embedded": {"events": events},
    }


@_api.get("/services")
def list_services(company_id: str) -> dict[str, Any]:
    """List Services."""
    _company(company_id)
    return _hal("services", [_service_json(s) for s in SERVICES.values()])


@_api.get("/services/{service_id}")
def get_service(company_id: str, service_id: str) -> dict[str, Any]:
    """One service."""
    _company(company_id)
    return _service_json(_get_service(service_id))


@_api.get("/products")
def list_products(company_id: str) -> dict[str, Any]:
    """Purchasable items that are not bookings (the `product_id` of add_item)."""
    _company(company_id)
    items = [
        {"id": p.id, "type": "product", "name": p.name, "price": p.price, "currency": CURRENCY}
        for p in PRODUCTS.values()
    ]
    return _hal("products", items)


@_api.get("/time_data")
def time_data(
    company_id: str, request: Request, sandbox: Sandbox = Depends(get_sandbox)
) -> dict[str, Any]:
    """A service's free times per day (`time` in minutes after midnight UTC, `avail` left)."""
    _company(company_id)
    params = request.query_params
    service = _get_service(params.get("service_id"))
    with sandbox.store.read() as conn:
        today = _today(conn)
        start = parse_date(params["date"], "date") if params.get("date") else today
        end = parse_date(params["end_date"], "end_date") if params.get("end_date") else start
        if end < start:
            raise invalid("end_date", "end_date must not be before date.", "invalid_date_range")
        if (end - start).days > 31:
            raise invalid("end_date", "Ask for at most 31 days at once.", "invalid_date_range")
        days = []
        day = start
        while day <= end:
            times = []
            if today < day <= today + timedelta(days=SERVICE_DAYS):
                for hhmm in service.times:
                    slot = _iso(_at(day, hhmm))
                    left = service.capacity - _taken(conn, "service", service.id, slot)
                    hour, minute = (int(p) for p in hhmm.split(":"))
                    times.append(
                        {"time": hour * 60 + minute, "avail": max(left, 0), "price": service.price}
                    )
            days.append({"date": day.isoformat(), "times": times})
            day += timedelta(days=1)
    return {"service_id": service.id, "_embedded": {"events": days}}


# ---- clients and wallets -----------------------------------------------------------------


def _wallet(conn: sqlite3.Connection, member_id: int) -> int:
    seeded = MEMBERS[member_id].wallet if member_id in MEMBERS else 0
    extra = conn.execute(
        "SELECT COALESCE(SUM(amount), 0) FROM bb_wallet_tx WHERE member_id = ?", (member_id,)
    ).fetchone()[0]
    return seeded + int(extra)


def _find_client(conn: sqlite3.Connection, member_id: int) -> dict[str, Any] | None:
    if member_id in MEMBERS:
        m = MEMBERS[member_id]
        data = {"first_name": m.first_name, "last_name": m.last_name, "email": m.email}
    else:
        row = conn.execute(
            "SELECT data FROM bb_clients WHERE id = ?", (member_id - FIRST_CLIENT_ID,)
        ).fetchone()
        if row is None:
            return None
        data = json.loads(row["data"])
    return {
        "id": member_id,
        "company_id": COMPANY_ID,
        **data,
        "wallet": {"amount": _wallet(conn, member_id), "currency": CURRENCY},
    }


def _client(conn: sqlite3.Connection, raw: Any, field: str = "member_id") -> dict[str, Any]:
    member_id = parse_int(raw, field)
    found = _find_client(conn, member_id)
    if found is None:
        raise ApiError(404, "client_not_found", f"Client {member_id} was not found.")
    return found


def _all_clients(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    ids = list(MEMBERS) + [
        FIRST_CLIENT_ID + int(r["id"]) for r in conn.execute("SELECT id FROM bb_clients")
    ]
    return [c for c in (_find_client(conn, i) for i in ids) if c is not None]


@_api.post("/client", status_code=201)
def create_client(
    company_id: str, payload: Any = Body(None), sandbox: Sandbox = Depends(get_sandbox)
) -> dict[str, Any]:
    """Create a client (member) from `first_name`, `last_name` and `email`."""
    _company(company_id)
    if not isinstance(payload, dict):
        raise ApiError(422, "invalid_body", "The request body must be a JSON object.")
    data = {
        "first_name": require_str(payload.get("first_name"), "first_name"),
        "last_name": require_str(payload.get("last_name"), "last_name"),
        "email": parse_email(payload.get("email"), "email"),
    }
    with sandbox.store.write() as conn:
        if any(c["email"] == data["email"] for c in _all_clients(conn)):
            raise ApiError(
                409, "client_exists", f"A client with email {data['email']} already exists."
            )
        cursor = conn.execute("INSERT INTO bb_clients (data) VALUES (?)", (json.dumps(data),))
        found = _find_client(conn, FIRST_CLIENT_ID + int(cursor.lastrowid or 0))
        assert found is not None
        return found


@_api.get("/client/find_by_email/{email}")
def find_client_by_email(
    company_id: str, email: str, sandbox: Sandbox = Depends(get_sandbox)
) -> dict[str, Any]:
    """The client with this email."""
    _company(company_id)
    wanted = email.strip().lower()
    with sandbox.store.read() as conn:
        for found in _all_clients(conn):
            if found["email"] == wanted:
                return found
    raise ApiError(404, "client_not_found", f"No client has email {email}.")


@_api.get("/client/{member_id}")
def get_client(
    company_id: str, member_id: str, sandbox: Sandbox = Depends(get_sandbox)
) -> dict[str, Any]:
    """One client with its wallet balance."""
    _company(company_id)
    with sandbox.store.read() as conn:
        return _client(conn, member_id)


@_admin.get("/wallets/{member_id}")
def admin_wallet(member_id: str, sandbox: Sandbox = Depends(get_sandbox)) -> dict[str, Any]:
    """A member's wallet balance (pence)."""
    with sandbox.store.read() as conn:
        found = _client(conn, member_id)
        return {"member_id": found["id"], **found["wallet"]}


@_admin.post("/wallets/{member_id}")
def admin_top_up(
    member_id: str, payload: Any = Body(None), sandbox: Sandbox = Depends(get_sandbox)
) -> dict[str, Any]:
    """Top up a member's wallet by `amount` pence."""
    amount = parse_int(
        payload.get("amount") if isinstance(payload, dict) else None, "amount", minimum=1
    )
    with sandbox.store.write() as conn:
        found = _client(conn, member_id)
        conn.execute(
            "INSERT INTO bb_wallet_tx (member_id, amount, reason, created_at) "
            "VALUES (?, ?, 'top_up', ?)",
            (found["id"], amount, clock.now_ts(conn)),
        )
        return {
            "member_id": found["id"],
            "amount": _wallet(conn, found["id"]),
            "currency": CURRENCY,
        }


# ---- basket --------------------------------------------------------------------------------


def basket_status(row: sqlite3.Row, now_ts: float) -> str:
    """A basket's status, with the hold judged against the sandbox clock now."""
    status = str(row["status"])
    if status == "open" and float(row["expires_at"]) <= now_ts:
        return "expired"
    return status


def _basket_by_token(conn: sqlite3.Connection, request: Request) -> sqlite3.Row:
    token = request.headers.get("auth-token")
    if not token:
        raise ApiError(
            401,
            "auth_token_required",
            "This basket call needs the Auth-Token header that add_item answered.",
        )
    row: sqlite3.Row | None = conn.execute(
        "SELECT * FROM bb_baskets WHERE auth_token = ?", (token,)
    ).fetchone()
    if row is None:
        raise ApiError(401, "invalid_auth_token", "The Auth-Token matches no basket.")
    return row


def _require_open(row: sqlite3.Row, now_ts: float) -> None:
    status = basket_status(row, now_ts)
    if status == "expired":
        raise ApiError(
            409, "basket_expired", "The basket's hold has expired; its items were released."
        )
    if status == "checked_out":
        raise ApiError(409, "basket_checked_out", "The basket is already checked out.")
    if status == "emptied":
        raise ApiError(409, "basket_emptied", "The basket was emptied.")


def _stored_items(conn: sqlite3.Connection, row: sqlite3.Row) -> list[dict[str, Any]]:
    return [
        {"id": int(item["id"]), **json.loads(item["data"])}
        for item in conn.execute(
            "SELECT id, data FROM bb_items WHERE basket_id = ? ORDER BY id", (row["id"],)
        )
    ]


def _base(request: Request) -> str:
    """The API root as the client reached it, for the `_links` of HAL answers."""
    return str(request.base_url).rstrip("/") + PREFIX


def _item_json(item: dict[str, Any], company_url: str) -> dict[str, Any]:
    """A basket item as basket.md shows one (string `id`, `num_book`, `date`, `time` in
    minutes, `service_name`, `status`, `_links`), plus what the sandbox knows besides."""
    item_id = f"{item['id']:016x}"
    out: dict[str, Any] = {**item, "id": item_id, "num_book": 1, "status": 4}
    if item.get("datetime"):
        start = datetime.fromisoformat(str(item["datetime"]).replace("Z", "+00:00"))
        out.update(date=start.date().isoformat(), time=start.hour * 60 + start.minute)
    if item.get("type") == "service":
        out["service_name"] = item["name"]
    out["_links"] = {"self": {"href": f"{company_url}/basket/{item_id}"}}
    return out


def _basket_json(conn: sqlite3.Connection, row: sqlite3.Row, base: str) -> dict[str, Any]:
    """The HAL basket of basket.md. A basket that expired, was emptied or was checked out
    holds nothing any more: its items were released or booked."""
    status = basket_status(row, clock.now_ts(conn))
    items = _stored_items(conn, row) if status == "open" else []
    total = sum(int(i["total_price"]) for i in items)
    company_url = f"{base}/{COMPANY_ID}"
    params = ",".join(ADD_ITEM_PARAMS)
    return {
        "company_id": COMPANY_ID,
        "total_price": total,
        "total_due_price": total,
        "_embedded": {"items": [_item_json(i, company_url) for i in items]},
        "_links": {
            "self": {"href": f"{company_url}/basket"},
            "checkout": {
                "href": f"{company_url}/basket/checkout{{?member_id,take_from_wallet}}",
                "templated": True,
            },
            "items": {"href": f"{company_url}/basket{{?id}}", "templated": True},
            "add_item": {"href": f"{company_url}/basket/add_item{{?{params}}}"},
        },
    }


def _one_of(params: Any) -> str:
    given = [n for n in ("event_id", "service_id", "product_id") if params.get(n)]
    if not given and params.get("event_chain_id"):
        return "event_chain_id"
    if len(given) != 1:
        raise invalid(
            "event_id",
            "add_item takes exactly one of event_id (or event_chain_id), service_id or product_id.",
            "one_item_required",
        )
    return given[0]


def _next_event_of_chain(conn: sqlite3.Connection, chain_id: int) -> Event:
    for event in sorted(EVENTS.values(), key=lambda e: e.day_offset):
        if event.chain_id == chain_id:
            chain = EVENT_CHAINS[chain_id]
            if _taken(conn, "event", event.id) < chain.spaces:
                return event
    raise ApiError(409, "sold_out", f"Every event of chain {chain_id} is sold out.")


def _plan_item(conn: sqlite3.Connection, params: Any) -> dict[str, Any]:
    """Validate add_item's parameters and return the item (price in pence, slot, refs)."""
    kind = _one_of(params)
    today = _today(conn)
    chain_id = None
    if params.get("event_chain_id"):
        chain_id = parse_int(params["event_chain_id"], "event_chain_id")
        if chain_id not in EVENT_CHAINS:
            raise ApiError(404, "event_chain_not_found", f"Event chain {chain_id} was not found.")
    item: dict[str, Any] = {
        "event_id": None,
        "event_chain_id": None,
        "service_id": None,
        "product_id": None,
        "package_id": None,
        "deal_id": None,
        "bulk_purchase_id": None,
        "attachment": None,
        "datetime": None,
        "end_datetime": None,
    }
    if kind in ("event_id", "event_chain_id"):
        if kind == "event_id":
            event = _get_event(params["event_id"])
            if chain_id is not None and event.chain_id != chain_id:
                raise invalid(
                    "event_chain_id",
                    f"Event {event.id} is not part of event chain {chain_id}.",
                    "event_chain_mismatch",
                )
        else:
            assert chain_id is not None
            event = _next_event_of_chain(conn, chain_id)
        chain = EVENT_CHAINS[event.chain_id]
        if _taken(conn, "event", event.id) >= chain.spaces:
            raise ApiError(409, "sold_out", f"Event {event.id} ({chain.name}) is sold out.")
        start = _event_start(event, today)
        price = chain.price
        item.update(
            type="event",
            event_id=event.id,
            event_chain_id=chain.id,
            name=chain.name,
            datetime=_iso(start),
            end_datetime=_iso(start + timedelta(minutes=chain.duration)),
            ref_id=event.id,
            slot=_iso(start),
        )
    elif kind == "service_id":
        service = _get_service(params["service_id"])
        slot = _first_free_slot(conn, service, today)
        start = datetime.fromisoformat(slot.replace("Z", "+00:00"))
        price = service.price
        item.update(
            type="service",
            service_id=service.id,
            name=service.name,
            datetime=slot,
            end_datetime=_iso(start + timedelta(minutes=service.duration)),
            ref_id=service.id,
            slot=slot,
        )
    else:
        product_id = parse_int(params["product_id"], "product_id")
        if product_id not in PRODUCTS:
            raise ApiError(404, "product_not_found", f"Product {product_id} was not found.")
        product = PRODUCTS[product_id]
        price = product.price
        item.update(type="product", product_id=product.id, name=product.name, ref_id=product.id)
        item["slot"] = ""
    price = _apply_package(params, item, price)
    price = _apply_bulk_purchase(conn, params, item, price)
    discount = _apply_deal(params, item, price)
    if params.get("attachment_id"):
        attachment_id = parse_int(params["attachment_id"], "attachment_id")
        if attachment_id not in ATTACHMENTS:
            raise ApiError(
                404, "attachment_not_found", f"Attachment {attachment_id} was not found."
            )
        item["attachment"] = {"id": attachment_id, "name": ATTACHMENTS[attachment_id]}
    item.update(price=price, discount=discount, total_price=price - discount)
    return item


def _first_free_slot(conn: sqlite3.Connection, service: Service, today: date) -> str:
    # The document gives add_item no time for a service: the sandbox holds the first free one.
    for n in range(1, SERVICE_DAYS + 1):
        for hhmm in service.times:
            slot = _iso(_at(today + timedelta(days=n), hhmm))
            if _taken(conn, "service", service.id, slot) < service.capacity:
                return slot
    raise ApiError(409, "sold_out", f"Service {service.id} has no free time left.")


def _apply_package(params: Any, item: dict[str, Any], price: int) -> int:
    chain = EVENT_CHAINS.get(item["event_chain_id"] or 0)
    if not params.get("package_id"):
        if chain is not None and chain.package_ids:
            raise invalid(
                "package_id",
                f"Event {item['event_id']} ({chain.name}) is sold as part of a package; "
                f"pass package_id ({', '.join(str(p) for p in chain.package_ids)}).",
                "package_required",
            )
        return price
    package_id = parse_int(params["package_id"], "package_id")
    if package_id not in PACKAGES:
        raise ApiError(404, "package_not_found", f"Package {package_id} was not found.")
    package = PACKAGES[package_id]
    if chain is None or chain.id not in package.chain_ids:
        raise invalid(
            "package_id",
            f"Package {package_id} ({package.name}) does not include this item.",
            "package_not_applicable",
        )
    item["package_id"] = package_id
    return package.event_price


def _apply_bulk_purchase(
    conn: sqlite3.Connection, params: Any, item: dict[str, Any], price: int
) -> int:
    if not params.get("bulk_purchase_id"):
        return price
    bulk_id = parse_int(params["bulk_purchase_id"], "bulk_purchase_id")
    if bulk_id not in BULK_PURCHASES:
        raise ApiError(404, "bulk_purchase_not_found", f"Bulk purchase {bulk_id} was not found.")
    bulk = BULK_PURCHASES[bulk_id]
    if item["event_chain_id"] not in bulk.chain_ids:
        raise invalid(
            "bulk_purchase_id",
            f"Bulk purchase {bulk_id} ({bulk.name}) does not cover this item.",
            "bulk_purchase_not_applicable",
        )
    if _bulk_used(conn, bulk_id) >= bulk.spaces:
        raise ApiError(409, "bulk_purchase_used_up", f"Bulk purchase {bulk_id} has no places left.")
    item["bulk_purchase_id"] = bulk_id
    return 0  # prepaid


def _apply_deal(params: Any, item: dict[str, Any], price: int) -> int:
    """The discount in pence: a percentage (rounded half up) or a fixed amount, never below 0."""
    if not params.get("deal_id"):
        return 0
    deal_id = parse_int(params["deal_id"], "deal_id")
    if deal_id not in DEALS:
        raise ApiError(404, "deal_not_found", f"Deal {deal_id} was not found.")
    deal = DEALS[deal_id]
    applies = (item["type"] == "event" and item["event_chain_id"] in deal.chain_ids) or (
        item["type"] == "service" and item["service_id"] in deal.service_ids
    )
    if not applies:
        raise invalid(
            "deal_id",
            f"Deal {deal_id} ({deal.name}) does not apply to {item['name']}.",
            "deal_not_applicable",
        )
    item["deal_id"] = deal_id
    if deal.percent_off:
        return min((price * deal.percent_off + 50) // 100, price)
    return min(deal.amount_off, price)


@_api.post("/basket/add_item", status_code=201)
def add_item(
    company_id: str, request: Request, response: Response, sandbox: Sandbox = Depends(get_sandbox)
) -> dict[str, Any]:
    """Hold one item in the basket named by `Auth-Token`, or in a new basket without one (or
    with the Auth-Token of a login); the answer's `Auth-Token` header names the basket."""
    _company(company_id)
    params = request.query_params
    with sandbox.store.write() as conn:
        now_ts = clock.now_ts(conn)
        row = None
        token_in = request.headers.get("auth-token")
        if token_in:
            row = conn.execute(
                "SELECT * FROM bb_baskets WHERE auth_token = ?", (token_in,)
            ).fetchone()
            if row is None and _login_email(conn, request) is None:
                raise ApiError(401, "invalid_auth_token", "The Auth-Token matches no basket.")
            if row is not None:
                _require_open(row, now_ts)
        member_id = None
        if params.get("member_id"):
            member_id = int(_client(conn, params["member_id"])["id"])
            if row is not None and row["member_id"] not in (None, member_id):
                raise invalid(
                    "member_id",
                    f"The basket belongs to member {row['member_id']}.",
                    "member_mismatch",
                )
        item = _plan_item(conn, params)
        if row is None:
            token = secrets.token_urlsafe(24)
            cursor = conn.execute(
                "INSERT INTO bb_baskets (auth_token, member_id, status, created_at, expires_at) "
                "VALUES (?, ?, 'open', ?, ?)",
                (token, member_id, now_ts, now_ts + HOLD_SECONDS),
            )
            basket_id = int(cursor.lastrowid or 0)
        else:
            token = str(row["auth_token"])
            basket_id = int(row["id"])
            conn.execute(
                "UPDATE bb_baskets SET expires_at = ?, member_id = COALESCE(member_id, ?) "
                "WHERE id = ?",
                (now_ts + HOLD_SECONDS, member_id, basket_id),
            )
        ref_id, slot = item.pop("ref_id"), item.pop("slot")
        conn.execute(
            "INSERT INTO bb_items (basket_id, kind, ref_id, slot, bulk_purchase_id, data) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (basket_id, item["type"], ref_id, slot, item["bulk_purchase_id"], json.dumps(item)),
        )
        response.headers["Auth-Token"] = token
        basket = conn.execute("SELECT * FROM bb_baskets WHERE id = ?", (basket_id,)).fetchone()
        return _basket_json(conn, basket, _base(request))


@_api.get("/basket")
def view_basket(
    company_id: str, request: Request, sandbox: Sandbox = Depends(get_sandbox)
) -> dict[str, Any]:
    """The basket of the `Auth-Token`: items, totals and when the hold expires."""
    _company(company_id)
    with sandbox.store.read() as conn:
        return _basket_json(conn, _basket_by_token(conn, request), _base(request))


@_api.delete("/basket")
def empty_basket(
    company_id: str, request: Request, sandbox: Sandbox = Depends(get_sandbox)
) -> dict[str, Any]:
    """Empty the basket, releasing its items (an expired basket may still be emptied)."""
    _company(company_id)
    with sandbox.store.write() as conn:
        row = _basket_by_token(conn, request)
        if basket_status(row, clock.now_ts(conn)) in ("checked_out", "emptied"):
            _require_open(row, clock.now_ts(conn))
        conn.execute("UPDATE bb_baskets SET status = 'emptied' WHERE id = ?", (row["id"],))
        return _basket_json(
            conn,
            conn.execute("SELECT * FROM bb_baskets WHERE id = ?", (row["id"],)).fetchone(),
            _base(request),
        )


def _flag(value: str | None, name: str) -> bool:
    if value is None or value == "":
        return False
    if value.lower() in ("true", "1", "yes"):
        return True
    if value.lower() in ("false", "0", "no"):
        return False
    raise invalid(name, f"{name} must be true or false.", "invalid_type")


@_api.post("/basket/checkout", status_code=201)
def checkout(
    company_id: str, request: Request, sandbox: Sandbox = Depends(get_sandbox)
) -> dict[str, Any]:
    """Book the basket for `member_id`; `take_from_wallet` pays from the wallet first."""
    _company(company_id)
    params = request.query_params
    use_wallet = _flag(params.get("take_from_wallet"), "take_from_wallet")
    if not params.get("member_id"):
        raise invalid("member_id", "member_id is required to check out.", "missing_field")
    with sandbox.store.write() as conn:
        now_ts = clock.now_ts(conn)
        row = _basket_by_token(conn, request)
        member = _client(conn, params["member_id"])
        member_id = int(member["id"])
        if row["member_id"] not in (None, member_id):
            raise invalid(
                "member_id", f"The basket belongs to member {row['member_id']}.", "member_mismatch"
            )
        _require_open(row, now_ts)
        items = _stored_items(conn, row)
        if not items:
            raise ApiError(409, "basket_empty", "The basket has nothing to check out.")
        total = sum(int(i["total_price"]) for i in items)
        balance = _wallet(conn, member_id)
        paid = 0
        if use_wallet:
            if balance <= 0 and total > 0:
                raise ApiError(
                    409,
                    "no_wallet_credit",
                    f"Member {member_id} has no wallet credit; check out without the wallet.",
                )
            paid = min(balance, total)
            if paid:
                conn.execute(
                    "INSERT INTO bb_wallet_tx (member_id, amount, reason, created_at) "
                    "VALUES (?, ?, ?, ?)",
                    (member_id, -paid, f"basket {row['id']}", now_ts),
                )
        cursor = conn.execute(
            "INSERT INTO bb_purchases (basket_id, data) VALUES (?, '{}')", (row["id"],)
        )
        purchase_id = int(cursor.lastrowid or 0)
        purchase = _purchase_json(
            purchase_id, member, items, total, paid, clock.iso(now_ts), _base(request)
        )
        conn.execute(
            "UPDATE bb_purchases SET data = ? WHERE id = ?", (json.dumps(purchase), purchase_id)
        )
        conn.execute(
            "UPDATE bb_baskets SET status = 'checked_out', purchase_id = ?, member_id = ? "
            "WHERE id = ?",
            (purchase_id, member_id, row["id"]),
        )
        increment_counter(conn, f"{NAME}.checkouts")
        if paid:
            increment_counter(conn, f"{NAME}.wallet_payments")
        return purchase


def _purchase_json(
    purchase_id: int,
    member: dict[str, Any],
    items: list[dict[str, Any]],
    total: int,
    paid: int,
    created_at: str,
    base: str,
) -> dict[str, Any]:
    """A purchase total as purchases.md shows one: `id`, `long_id`, `total_price`, `paid`,
    `due_now`, the client, member and bookings under `_embedded`, and `_links`. What the
    wallet paid is `paid`; the rest is `due_now`."""
    long_id = secrets.token_urlsafe(18)
    company_url = f"{base}/{COMPANY_ID}"
    purchase_url = f"{base}/purchases/{long_id}"
    person = {k: member[k] for k in ("id", "first_name", "last_name", "email")}
    name = f"{member['first_name']} {member['last_name']}"
    client_links = {"self": {"href": f"{company_url}/client/{member['id']}"}}
    bookings = [
        {
            "id": item["id"],
            "full_describe": item["name"],
            "describe": item["datetime"],
            "datetime": item["datetime"],
            "end_datetime": item["end_datetime"],
            "price": item["total_price"],
            "quantity": 1,
            "event_id": item["event_id"],
            "service_id": item["service_id"],
            "purchase_id": purchase_id,
            "purchase_ref": long_id,
            "service_name": item["name"],
            "booking_type": "Booking",
            "first_name": member["first_name"],
            "last_name": member["last_name"],
            "email": member["email"],
        }
        for item in items
        if item["type"] in ("event", "service")
    ]
    products = [
        {
            "id": item["id"],
            "product_id": item["product_id"],
            "name": item["name"],
            "price": item["total_price"],
        }
        for item in items
        if item["type"] == "product"
    ]
    links: dict[str, Any] = {
        "self": {"href": purchase_url},
        "client": {"href": f"{company_url}/client/{member['id']}"},
        "bookings": {"href": f"{purchase_url}/bookings"},
        "products": {"href": f"{purchase_url}/products"},
    }
    due = total - paid
    if due > 0:
        links["paypal_express"] = {
            "href": f"/pay/paypal_express/{long_id}{{?landing_page,allow_guest_checkout}}",
            "templated": True,
            "type": "location",
        }
    return {
        "total_price": total,
        "price": total,
        "paid": paid,
        "deposit": 0,
        "tax_payable_on_price": 0,
        "tax_payable_on_deposit": 0,
        "tax_payable_on_due_now": 0,
        "due_now": due,
        "long_id": long_id,
        "id": purchase_id,
        "client_name": name,
        "created_at": created_at,
        "payment_type": "wallet" if paid else "online",
        "_embedded": {
            "client": {**person, "_links": client_links},
            "member": {**person, "name": name, "company_id": COMPANY_ID},
            "bookings": bookings,
            "packages": [],
            "products": products,
            "deals": [],
        },
        "_links": links,
    }


def _purchase_rows(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    return [
        json.loads(r["data"]) for r in conn.execute("SELECT data FROM bb_purchases ORDER BY id")
    ]


@_root.get("/purchases/{long_id}")
def get_purchase(long_id: str, sandbox: Sandbox = Depends(get_sandbox)) -> dict[str, Any]:
    """A purchase by its `long_id` (the `self` link of a purchase)."""
    with sandbox.store.read() as conn:
        for purchase in _purchase_rows(conn):
            if purchase.get("long_id") == long_id:
                return purchase
    raise ApiError(404, "purchase_not_found", "No purchase has this reference.")


def _moment(raw: str, name: str) -> datetime:
    try:
        moment = datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
    except ValueError as err:
        raise invalid(name, f"{name} must be an ISO-8601 date and time.", "invalid_date") from err
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@_admin_api.get("/purchases")
def admin_list_purchases(
    company_id: str, request: Request, sandbox: Sandbox = Depends(get_sandbox)
) -> dict[str, Any]:
    """List Purchases created from `created_from` (required) to `created_to`; needs the
    Auth-Token of a login."""
    _company(company_id)
    params = request.query_params
    if not params.get("created_from"):
        raise invalid("created_from", "created_from is required.", "missing_field")
    start = _moment(params["created_from"], "created_from")
    end = _moment(params["created_to"], "created_to") if params.get("created_to") else None
    with sandbox.store.read() as conn:
        _require_login(conn, request)
        found = [
            p
            for p in _purchase_rows(conn)
            if _moment(p["created_at"], "created_at") >= start
            and (end is None or _moment(p["created_at"], "created_at") <= end)
        ]
    return {
        "total_entries": len(found),
        "_embedded": {"purchases": found},
        "_links": {"self": {"href": f"{_base(request)}/admin/{COMPANY_ID}/purchases"}},
    }


@_admin_api.get("/purchases/{purchase_id}")
def admin_get_purchase(
    company_id: str, purchase_id: str, request: Request, sandbox: Sandbox = Depends(get_sandbox)
) -> dict[str, Any]:
    """Get Purchase; needs the Auth-Token of a login."""
    _company(company_id)
    pid = parse_int(purchase_id, "purchase_id")
    with sandbox.store.read() as conn:
        _require_login(conn, request)
        row = conn.execute("SELECT data FROM bb_purchases WHERE id = ?", (pid,)).fetchone()
    if row is None:
        raise ApiError(404, "purchase_not_found", f"Purchase {pid} was not found.")
    data: dict[str, Any] = json.loads(row["data"])
    return data


@_root.post("/login", status_code=201)
def login(
    request: Request, payload: Any = Body(None), sandbox: Sandbox = Depends(get_sandbox)
) -> dict[str, Any]:
    """Log in with an administrator's `email` and `password`; the answer's `auth_token` goes
    in the Auth-Token header of the calls made for them."""
    if not isinstance(payload, dict):
        raise ApiError(422, "invalid_body", "The request body must be a JSON object.")
    email = str(payload.get("email") or "").strip().lower()
    admin = ADMINISTRATORS.get(email)
    if admin is None or payload.get("password") != admin.password:
        raise ApiError(401, "unauthorized", "401 Unauthorized")
    token = secrets.token_urlsafe(24)
    with sandbox.store.write() as conn:
        conn.execute(
            "INSERT INTO bb_logins (auth_token, email, created_at) VALUES (?, ?, ?)",
            (token, admin.email, clock.now_ts(conn)),
        )
    base = _base(request)
    admin_url = f"{base}/admin/{COMPANY_ID}/administrators/1"
    return {
        "email": admin.email,
        "auth_token": token,
        "company_id": COMPANY_ID,
        "path": base,
        "_embedded": {
            "members": [],
            "administrators": [
                {
                    "name": admin.name,
                    "email": admin.email,
                    "role": "owner",
                    "company_id": COMPANY_ID,
                    "company_name": COMPANY_NAME,
                    "_links": {"self": {"href": admin_url}},
                }
            ],
        },
        "_links": {
            "self": {"href": f"{base}/login/{COMPANY_ID}"},
            "administrator": {"href": admin_url, "templated": True},
        },
    }


router = APIRouter()
router.include_router(_root, tags=[NAME])
router.include_router(_admin_api, tags=[NAME])
router.include_router(_api, tags=[NAME])
router.include_router(_admin)


def stats(conn: sqlite3.Connection) -> dict[str, int]:
    """Exact counts for `/_sandbox/stats`."""
    now_ts = clock.now_ts(conn)
    row = conn.execute(
        "SELECT COUNT(*) AS baskets, "
        "COALESCE(SUM(status = 'open' AND expires_at > ?), 0) AS open_baskets, "
        "COALESCE(SUM(status = 'open' AND expires_at <= ?), 0) AS expired_baskets, "
        "COALESCE(SUM(status = 'checked_out'), 0) AS purchases "
        "FROM bb_baskets",
        (now_ts, now_ts),
    ).fetchone()
    booked = conn.execute(
        "SELECT COUNT(*) FROM bb_items i JOIN bb_baskets b ON b.id = i.basket_id "
        "WHERE b.status = 'checked_out' AND i.kind IN ('event', 'service')"
    ).fetchone()[0]
    return {
        "baskets": int(row["baskets"]),
        "open_baskets": int(row["open_baskets"]),
        "expired_baskets": int(row["expired_baskets"]),
        "purchases": int(row["purchases"]),
        "bookings": int(booked),
        "checkouts": read_counter(conn, f"{NAME}.checkouts"),
        "wallet_payments": read_counter(conn, f"{NAME}.wallet_payments"),
        "idempotent_replays": read_counter(conn, f"{NAME}.idempotent_replays"),
    }
