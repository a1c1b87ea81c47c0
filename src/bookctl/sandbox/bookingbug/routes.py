"""BookingBug (JRNI) REST API v1 routes, mounted under `/bookingbug/api/v1/{company_id}`."""

from __future__ import annotations

import secrets
import sqlite3
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Body, Depends, Request, Response

from bookctl.sandbox import clock
from bookctl.sandbox.bookingbug import backend
from bookctl.sandbox.bookingbug.seed import (
    ADMINISTRATORS,
    APP_ID,
    COMPANY_ID,
    COMPANY_NAME,
    CURRENCY,
    EVENT_CHAINS,
    EVENTS,
    PRODUCTS,
    SERVICE_DAYS,
    SERVICES,
    Event,
    Service,
)
from bookctl.sandbox.context import Sandbox, get_sandbox, sandbox_of
from bookctl.sandbox.errors import ApiError, invalid
from bookctl.sandbox.parsing import parse_date, parse_email, parse_int, require_str

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
ADMIN_PREFIX = "/_sandbox/bookingbug"


async def _authenticate(request: Request) -> None:
    sandbox = sandbox_of(request)
    if request.headers.get("app-key") != sandbox.api_key:
        raise ApiError(401, "invalid_app_key", "The App-Key header is missing or wrong.")
    if request.headers.get("app-id") != APP_ID:
        raise ApiError(
            401,
            "invalid_app_id",
            f"The App-Id header is missing or wrong (the sandbox's is {APP_ID}).",
        )


def _company(company_id: str) -> int:
    if company_id != str(COMPANY_ID):
        raise ApiError(404, "company_not_found", f"Company {company_id} was not found.")
    return COMPANY_ID


_AUTH = [Depends(_authenticate)]
_api = APIRouter(prefix=PREFIX + "/{company_id}", tags=[backend.NAME], dependencies=_AUTH)
_root = APIRouter(prefix=PREFIX, tags=[backend.NAME], dependencies=_AUTH)
_admin_api = APIRouter(
    prefix=PREFIX + "/admin/{company_id}", tags=[backend.NAME], dependencies=_AUTH
)
_admin = APIRouter(prefix=ADMIN_PREFIX, tags=["sandbox"])


def _event_json(conn: sqlite3.Connection, event: Event) -> dict[str, Any]:
    chain = EVENT_CHAINS[event.chain_id]
    start = backend.event_start(event, backend.sandbox_today(conn))
    return {
        "id": event.id,
        "type": "event",
        "name": chain.name,
        "description": chain.description,
        "datetime": backend.iso(start),
        "end_datetime": backend.iso(start + timedelta(minutes=chain.duration)),
        "duration": chain.duration,
        "price": chain.price,
        "currency": CURRENCY,
        "num_spaces": chain.spaces,
        "spaces_left": max(chain.spaces - backend.taken(conn, "event", event.id), 0),
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


@_api.get("/company")
async def company(company_id: str) -> dict[str, Any]:
    """The company this API key books for."""
    return {"id": _company(company_id), "name": COMPANY_NAME, "currency_code": CURRENCY}


@_api.get("/events")
async def list_events(
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
async def get_event(
    company_id: str, event_id: str, sandbox: Sandbox = Depends(get_sandbox)
) -> dict[str, Any]:
    """One event with its spaces left."""
    _company(company_id)
    event = backend.get_event(event_id)
    with sandbox.store.read() as conn:
        return _event_json(conn, event)


@_api.get("/event_chains/{chain_id}")
async def get_event_chain(
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
async def list_services(company_id: str) -> dict[str, Any]:
    """List Services."""
    _company(company_id)
    return _hal("services", [_service_json(s) for s in SERVICES.values()])


@_api.get("/services/{service_id}")
async def get_service(company_id: str, service_id: str) -> dict[str, Any]:
    """One service."""
    _company(company_id)
    return _service_json(backend.get_service(service_id))


@_api.get("/products")
async def list_products(company_id: str) -> dict[str, Any]:
    """Purchasable items that are not bookings (the `product_id` of add_item)."""
    _company(company_id)
    items = [
        {"id": p.id, "type": "product", "name": p.name, "price": p.price, "currency": CURRENCY}
        for p in PRODUCTS.values()
    ]
    return _hal("products", items)


@_api.get("/time_data")
async def time_data(
    company_id: str, request: Request, sandbox: Sandbox = Depends(get_sandbox)
) -> dict[str, Any]:
    """A service's free times per day (`time` in minutes after midnight UTC, `avail` left)."""
    _company(company_id)
    params = request.query_params
    service = backend.get_service(params.get("service_id"))
    with sandbox.store.read() as conn:
        today = backend.sandbox_today(conn)
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
                    slot = backend.iso(backend.at(day, hhmm))
                    left = service.capacity - backend.taken(conn, "service", service.id, slot)
                    hour, minute = (int(p) for p in hhmm.split(":"))
                    times.append(
                        {"time": hour * 60 + minute, "avail": max(left, 0), "price": service.price}
                    )
            days.append({"date": day.isoformat(), "times": times})
            day += timedelta(days=1)
    return {"service_id": service.id, "_embedded": {"events": days}}


@_api.post("/client", status_code=201)
async def create_client(
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
        return backend.create_client(conn, data)


@_api.get("/client/find_by_email/{email}")
async def find_client_by_email(
    company_id: str, email: str, sandbox: Sandbox = Depends(get_sandbox)
) -> dict[str, Any]:
    """The client with this email."""
    _company(company_id)
    wanted = email.strip().lower()
    with sandbox.store.read() as conn:
        for found in backend.all_clients(conn):
            if found["email"] == wanted:
                return found
    raise ApiError(404, "client_not_found", f"No client has email {email}.")


@_api.get("/client/{member_id}")
async def get_client(
    company_id: str, member_id: str, sandbox: Sandbox = Depends(get_sandbox)
) -> dict[str, Any]:
    """One client with its wallet balance."""
    _company(company_id)
    with sandbox.store.read() as conn:
        return backend.client(conn, member_id)


@_admin.get("/wallets/{member_id}")
def admin_wallet(member_id: str, sandbox: Sandbox = Depends(get_sandbox)) -> dict[str, Any]:
    """A member's wallet balance (pence)."""
    with sandbox.store.read() as conn:
        found = backend.client(conn, member_id)
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
        found = backend.client(conn, member_id)
        balance = backend.top_up(conn, found["id"], amount)
        return {"member_id": found["id"], "amount": balance, "currency": CURRENCY}


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
    status = backend.basket_status(row, clock.now_ts(conn))
    items = backend.stored_items(conn, row) if status == "open" else []
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


@_api.post("/basket/add_item", status_code=201)
async def add_item(
    company_id: str, request: Request, response: Response, sandbox: Sandbox = Depends(get_sandbox)
) -> dict[str, Any]:
    """Hold one item in the basket named by `Auth-Token`, or in a new basket without one (or
    with the Auth-Token of a login); the answer's `Auth-Token` header names the basket."""
    _company(company_id)
    params = request.query_params
    with sandbox.store.write() as conn:
        token, basket = backend.add_item(conn, request.headers.get("auth-token"), params)
        response.headers["Auth-Token"] = token
        return _basket_json(conn, basket, _base(request))


@_api.get("/basket")
async def view_basket(
    company_id: str, request: Request, sandbox: Sandbox = Depends(get_sandbox)
) -> dict[str, Any]:
    """The basket of the `Auth-Token`: items, totals and when the hold expires."""
    _company(company_id)
    with sandbox.store.read() as conn:
        return _basket_json(
            conn, backend.basket_by_token(conn, request.headers.get("auth-token")), _base(request)
        )


@_api.delete("/basket")
async def empty_basket(
    company_id: str, request: Request, sandbox: Sandbox = Depends(get_sandbox)
) -> dict[str, Any]:
    """Empty the basket, releasing its items (an expired basket may still be emptied)."""
    _company(company_id)
    with sandbox.store.write() as conn:
        row = backend.empty_basket(conn, request.headers.get("auth-token"))
        return _basket_json(conn, row, _base(request))


def _flag(value: str | None, name: str) -> bool:
    if value is None or value == "":
        return False
    if value.lower() in ("true", "1", "yes"):
        return True
    if value.lower() in ("false", "0", "no"):
        return False
    raise invalid(name, f"{name} must be true or false.", "invalid_type")


@_api.post("/basket/checkout", status_code=201)
async def checkout(
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
        token = request.headers.get("auth-token")
        payment = backend.pay(conn, token, params["member_id"], use_wallet, now_ts)
        purchase = _purchase_json(
            payment.purchase_id,
            payment.member,
            payment.items,
            payment.total,
            payment.paid,
            clock.iso(now_ts),
            _base(request),
        )
        backend.record_purchase(conn, payment, purchase)
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


@_root.get("/purchases/{long_id}")
async def get_purchase(long_id: str, sandbox: Sandbox = Depends(get_sandbox)) -> dict[str, Any]:
    """A purchase by its `long_id` (the `self` link of a purchase)."""
    with sandbox.store.read() as conn:
        for purchase in backend.purchases(conn):
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
async def admin_list_purchases(
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
        backend.require_login(conn, request.headers.get("auth-token"))
        found = [
            p
            for p in backend.purchases(conn)
            if _moment(p["created_at"], "created_at") >= start
            and (end is None or _moment(p["created_at"], "created_at") <= end)
        ]
    return {
        "total_entries": len(found),
        "_embedded": {"purchases": found},
        "_links": {"self": {"href": f"{_base(request)}/admin/{COMPANY_ID}/purchases"}},
    }


@_admin_api.get("/purchases/{purchase_id}")
async def admin_get_purchase(
    company_id: str, purchase_id: str, request: Request, sandbox: Sandbox = Depends(get_sandbox)
) -> dict[str, Any]:
    """Get Purchase; needs the Auth-Token of a login."""
    _company(company_id)
    pid = parse_int(purchase_id, "purchase_id")
    with sandbox.store.read() as conn:
        backend.require_login(conn, request.headers.get("auth-token"))
        found = backend.purchase(conn, pid)
    if found is None:
        raise ApiError(404, "purchase_not_found", f"Purchase {pid} was not found.")
    return found


@_root.post("/login", status_code=201)
async def login(
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
        backend.log_in(conn, token, admin.email)
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
# One flat list (the sandbox app takes the routes, not nested routers), in this order: the
# `{company_id}` of a company route would also match `purchases` or `admin`.
router.routes.extend([*_root.routes, *_admin_api.routes, *_api.routes, *_admin.routes])
