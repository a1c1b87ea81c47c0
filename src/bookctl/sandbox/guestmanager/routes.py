"""Guest Manager routes, mounted under `/guestmanager`: events, orders and checkout."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Body, Depends, Request

from bookctl.sandbox import clock
from bookctl.sandbox.context import Sandbox, get_sandbox, sandbox_of
from bookctl.sandbox.guestmanager import backend
from bookctl.sandbox.guestmanager.backend import GuestManagerError
from bookctl.sandbox.guestmanager.seed import (
    COUNTRIES,
    CURRENCY,
    EVENTS,
    LINK_BASE,
    PAYMENT_METHODS,
    STATES,
    TICKET_TYPES,
    Event,
    TicketType,
)

PREFIX = "/guestmanager"


async def _authenticate(request: Request) -> None:
    sandbox = sandbox_of(request)
    if request.headers.get("authorization") != f"Token {sandbox.api_key}":
        raise GuestManagerError(401, "unauthorized", "Invalid or missing API token.")


router = APIRouter(prefix=PREFIX, tags=[backend.NAME], dependencies=[Depends(_authenticate)])


def _ticket_type_json(conn: sqlite3.Connection, tt: TicketType, now_ts: float) -> dict[str, Any]:
    left = max(tt.capacity - backend.held(conn, tt.id, now_ts), 0)
    return {
        "id": tt.id,
        "event_id": tt.event_id,
        "name": tt.name,
        "price": str(tt.price),
        "currency": CURRENCY,
        "capacity": tt.capacity,
        "available": left if tt.on_sale else 0,
        "on_sale": tt.on_sale,
        "sold_out": tt.on_sale and left == 0,
        "can_request": tt.can_request,
        "can_reserve": tt.can_reserve,
        "collect_name": tt.collect_name,
        "collect_email": tt.collect_email,
        "collect_member_id": tt.collect_member_id,
        "shipping": tt.shipping,
    }


def _event_json(event: Event, now_ts: float) -> dict[str, Any]:
    starts = datetime.fromtimestamp(now_ts, UTC).date() + timedelta(days=event.starts_in_days)
    return {
        "id": event.id,
        "name": event.name,
        "venue": event.venue,
        "starts_at": f"{starts.isoformat()}T19:00:00Z",
        "password_protected": event.password is not None,
        "invitation_only": bool(event.invite_codes),
        "form": None
        if event.form_id is None
        else {"id": event.form_id, "fields": [backend.field_json(f) for f in event.form]},
    }


@router.get("/events")
async def list_events(sandbox: Sandbox = Depends(get_sandbox)) -> list[dict[str, Any]]:
    """Every event with its ticket types and their sale status."""
    with sandbox.store.read() as conn:
        now_ts = clock.now_ts(conn)
        return [
            {
                **_event_json(event, now_ts),
                "ticket_types": [
                    _ticket_type_json(conn, tt, now_ts)
                    for tt in TICKET_TYPES.values()
                    if tt.event_id == event.id
                ],
            }
            for event in EVENTS.values()
        ]


@router.get("/ticket_types/{ticket_type_id}")
async def get_ticket_type(
    ticket_type_id: str, sandbox: Sandbox = Depends(get_sandbox)
) -> dict[str, Any]:
    """One ticket type with its event."""
    tt = backend.ticket_type(ticket_type_id)
    with sandbox.store.read() as conn:
        now_ts = clock.now_ts(conn)
        return {
            **_ticket_type_json(conn, tt, now_ts),
            "event": _event_json(EVENTS[tt.event_id], now_ts),
        }


@router.get("/countries")
async def list_countries() -> list[dict[str, Any]]:
    """Countries and their states, with the ids the `address` step accepts."""
    return [
        {
            "id": cid,
            "iso": iso,
            "states": [{"id": sid, "abbr": abbr} for sid, (c, abbr) in STATES.items() if c == iso],
        }
        for cid, iso in COUNTRIES.items()
    ]


def _order_json(conn: sqlite3.Connection, row: sqlite3.Row) -> dict[str, Any]:
    data = json.loads(row["data"])
    lines = backend.line_rows(conn, int(row["id"]))
    line_items = []
    for li in lines:
        tt = TICKET_TYPES[int(li["ticket_type_id"])]
        line_items.append(
            {
                "id": li["id"],
                "ticket_type_id": tt.id,
                "event_id": tt.event_id,
                "name": f"{EVENTS[tt.event_id].name} - {tt.name}",
                "quantity": li["quantity"],
                "price": str(tt.price),
                "total": str(tt.price * int(li["quantity"])),
                "reserved": bool(li["holds"]),
                "shipping": tt.shipping,
            }
        )
    number = row["number"]
    return {
        "id": row["id"],
        "number": number,
        "state": row["state"],
        "checkout_steps": backend.checkout_steps(lines) if lines else [],
        "expires_at": clock.iso(float(row["expires_at"])),
        "created_at": clock.iso(float(row["created_at"])),
        "completed_at": None if row["completed_at"] is None else clock.iso(row["completed_at"]),
        "currency": CURRENCY,
        "item_total": str(backend.order_total(lines)),
        "total": str(backend.order_total(lines)),
        "payment_total": data.get("payment_total", "0.00"),
        "payment_state": data.get("payment_state"),
        "guest_token": data["guest_token"],
        "email": data.get("email"),
        "first_name": data.get("first_name"),
        "last_name": data.get("last_name"),
        "phone_number": data.get("phone_number"),
        "phone_number_country": data.get("phone_number_country"),
        "line_items": line_items,
        "tickets": [_ticket_json(t) for t in data.get("tickets", [])],
        "bill_address_id": data.get("bill_address_id"),
        "ship_address_id": data.get("ship_address_id"),
        "bill_address": data.get("bill_address"),
        "ship_address": data.get("ship_address"),
        "form_responses": data.get("form_responses", []),
        "payment_methods": PAYMENT_METHODS,
        "payments": [
            {k: v for k, v in p.items() if k != "token"} for p in data.get("payments", [])
        ],
        "links": {
            "cart": f"{LINK_BASE}/{number}/cart",
            "checkout": f"{LINK_BASE}/{number}/checkout",
        },
    }


def _ticket_json(ticket: dict[str, Any]) -> dict[str, Any]:
    """A ticket of the order's `tickets` attribute: the document's `id, name, email, keep`,
    plus the member id (`member` step) and which ticket type and line item it belongs to.

    The ticket type's `collect_name`/`collect_email` flags stay inside: the document says the
    `tickets` attribute itself is what needs names and emails.
    """
    hidden = ("collect_name", "collect_email")
    return {k: v for k, v in ticket.items() if k not in hidden}


def _object(payload: Any, name: str = "order") -> dict[str, Any]:
    if not isinstance(payload, dict) or not isinstance(payload.get(name), dict):
        raise backend.invalid(name, f"The body must be a JSON object with an `{name}` object.")
    body: dict[str, Any] = payload[name]
    return body


@router.post("/orders", status_code=201)
async def create_order(
    payload: Any = Body(None), sandbox: Sandbox = Depends(get_sandbox)
) -> dict[str, Any]:
    """Create an order in `cart` with line items; its tickets are reserved for 15 minutes."""
    body = _object(payload)
    items = body.get("line_items")
    if not isinstance(items, list) or not items:
        raise backend.invalid("line_items", "line_items must be a non-empty array.")
    with sandbox.store.write() as conn:
        order_id = backend.create_order(conn, items, clock.now_ts(conn))
        return _order_json(conn, backend.load(conn, str(order_id)))


@router.post("/orders/{order_id}/line_items", status_code=201)
async def add_line_item(
    order_id: str, payload: Any = Body(None), sandbox: Sandbox = Depends(get_sandbox)
) -> dict[str, Any]:
    """Add tickets to an order still in `cart`; its 15-minute timer restarts."""
    item = _object(payload, "line_item")
    with sandbox.store.write() as conn:
        backend.add_line_item(conn, order_id, item, clock.now_ts(conn))
        return _order_json(conn, backend.load(conn, order_id))


@router.get("/orders/{order_id}")
async def get_order(order_id: str, sandbox: Sandbox = Depends(get_sandbox)) -> dict[str, Any]:
    """The order, with expiry and processing brought up to sandbox now."""
    with sandbox.store.write() as conn:
        row = backend.refresh(conn, backend.load(conn, order_id), clock.now_ts(conn))
        return _order_json(conn, row)


@router.delete("/orders/{order_id}")
async def cancel_order(order_id: str, sandbox: Sandbox = Depends(get_sandbox)) -> dict[str, Any]:
    """Cancel an order that is not placed yet; its tickets go back on sale."""
    with sandbox.store.write() as conn:
        backend.cancel(conn, order_id, clock.now_ts(conn))
        return _order_json(conn, backend.load(conn, order_id))


@router.patch("/checkout/{order_id}/next")
async def begin_checkout(
    order_id: str,
    request: Request,
    payload: Any = Body(None),
    sandbox: Sandbox = Depends(get_sandbox),
) -> dict[str, Any]:
    """Move the order to its next step (or back to an earlier one given as `state`)."""
    target = request.query_params.get("state")
    if isinstance(payload, dict) and isinstance(payload.get("state"), str):
        target = payload["state"]
    with sandbox.store.write() as conn:
        backend.next_step(conn, order_id, target, clock.now_ts(conn))
        return _order_json(conn, backend.load(conn, order_id))


@router.patch("/checkout/{order_id}")
async def update_checkout(
    order_id: str, payload: Any = Body(None), sandbox: Sandbox = Depends(get_sandbox)
) -> dict[str, Any]:
    """Submit the current step's data (`order[state]` names it) and move to the next step."""
    body = _object(payload)
    with sandbox.store.write() as conn:
        backend.submit_step(conn, order_id, body, clock.now_ts(conn))
        return _order_json(conn, backend.load(conn, order_id))


@router.patch("/checkout/{number}/resume")
async def resume_order(number: str, sandbox: Sandbox = Depends(get_sandbox)) -> dict[str, Any]:
    """Resume an order: an expired one re-reserves what it can and returns to `cart`.

    The answer is the order plus `unavailable`: the tickets that could not be re-reserved.
    A live order only gets a new 15-minute timer.
    """
    with sandbox.store.write() as conn:
        order_id, unavailable = backend.resume(conn, number, clock.now_ts(conn))
        return {**_order_json(conn, backend.load(conn, str(order_id))), "unavailable": unavailable}
