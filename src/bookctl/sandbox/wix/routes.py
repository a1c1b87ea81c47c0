"""Wix Bookings v1 routes, mounted under `/wix/bookings/v1`."""

from __future__ import annotations

import json
import sqlite3
import uuid
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Body, Depends, Request

from bookctl.sandbox import clock
from bookctl.sandbox.context import Sandbox, get_sandbox, sandbox_of
from bookctl.sandbox.errors import ApiError, invalid
from bookctl.sandbox.parsing import EMAIL
from bookctl.sandbox.wix import backend
from bookctl.sandbox.wix.seed import CURRENCY, SERVICES, SESSION_DAYS, Service

PREFIX = "/wix/bookings/v1"


async def _authenticate(request: Request) -> None:
    sandbox = sandbox_of(request)
    # Wix sends the access token as the whole header value, no scheme.
    if request.headers.get("authorization") != sandbox.api_key:
        raise ApiError(401, "UNAUTHENTICATED", "Invalid or missing access token.")


router = APIRouter(prefix=PREFIX, tags=[backend.NAME], dependencies=[Depends(_authenticate)])


def _price(amount: Decimal) -> dict[str, str]:
    return {"amount": backend.amount_text(amount), "currency": CURRENCY, "downPayAmount": "0"}


def _service_json(service: Service) -> dict[str, Any]:
    return {
        "id": service.id,
        "name": service.name,
        "scheduleId": service.schedule_id,
        "tags": list(service.tags),
        "capacity": service.capacity,
        "location": {"locationType": "OWNER_BUSINESS"},
        "rate": {
            "labeledPriceOptions": {k: _price(v) for k, v in service.prices.items()},
            "priceText": "",
        },
        "bookedResources": [service.resource],
        "paymentOptions": {"wixPayOnline": True, "wixPaidPlan": service.code != "master"},
    }


def _service(service_id: str) -> Service:
    service = SERVICES.get(service_id)
    if service is None:
        raise ApiError(404, "SERVICE_NOT_FOUND", f"Service {service_id} was not found.")
    return service


@router.get("/catalog/services")
async def list_services() -> dict[str, Any]:
    """Every bookable service with its price options and tags."""
    return {"services": [_service_json(s) for s in SERVICES.values()]}


@router.get("/catalog/services/{service_id}")
async def get_service(service_id: str) -> dict[str, Any]:
    """One service."""
    return {"service": _service_json(_service(service_id))}


def _session_json(conn: sqlite3.Connection, service: Service, day: date) -> dict[str, Any]:
    session_id = f"{service.code}-{day:%Y%m%d}"
    start, end = backend.session_times(service, day)
    return {
        "id": session_id,
        "serviceId": service.id,
        "scheduleId": service.schedule_id,
        "start": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "end": end.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "capacity": service.capacity,
        "openSpots": max(service.capacity - backend.booked(conn, session_id), 0),
        "locked": service.locked,
    }


@router.get("/calendar/sessions")
async def list_sessions(
    request: Request, sandbox: Sandbox = Depends(get_sandbox)
) -> dict[str, Any]:
    """Sessions of a service (`serviceId`) between `from` and `to` (dates, default 14 days)."""
    params = request.query_params
    service = _service(params.get("serviceId") or "")
    with sandbox.store.read() as conn:
        today = clock.now(conn).date()
        first = today + timedelta(days=1)
        try:
            start = date.fromisoformat(params["from"]) if params.get("from") else first
            end = (
                date.fromisoformat(params["to"])
                if params.get("to")
                else today + timedelta(days=SESSION_DAYS)
            )
        except ValueError:
            raise invalid(
                "from", "from and to must be dates (YYYY-MM-DD).", "INVALID_ARGUMENT"
            ) from None
        start = max(start, first)
        end = min(end, today + timedelta(days=SESSION_DAYS))
        days = [start + timedelta(days=n) for n in range((end - start).days + 1)]
        return {"sessions": [_session_json(conn, service, d) for d in days]}


def _contact(raw: Any) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise invalid(
            "formInfo.contactDetails", "contactDetails must be an object.", "INVALID_ARGUMENT"
        )
    for name in ("firstName", "email"):
        if not isinstance(raw.get(name), str) or not raw[name].strip():
            raise invalid(
                f"formInfo.contactDetails.{name}",
                f"contactDetails.{name} is required.",
                "INVALID_ARGUMENT",
            )
    if not EMAIL.match(raw["email"].strip()):
        raise invalid(
            "formInfo.contactDetails.email",
            "contactDetails.email is not an email address.",
            "INVALID_ARGUMENT",
        )
    known = ("contactId", "firstName", "lastName", "email", "phone", "timeZone", "countryCode")
    contact = {k: raw[k] for k in known if raw.get(k) is not None}
    contact.setdefault("contactId", str(uuid.uuid4()))
    return contact


@router.post("/bookings", status_code=201)
async def create_booking(
    payload: Any = Body(None), sandbox: Sandbox = Depends(get_sandbox)
) -> dict[str, Any]:
    """Create a booking for one session, awaiting checkout (`PENDING_CHECKOUT`).

    Body: `{"bookedEntity": {"singleSession": {"sessionId"}}, "formInfo": {"contactDetails",
    "paymentSelection": [{"rateLabel", "numberOfParticipants"}]}}`. No spot is held until checkout.
    """
    body = payload if isinstance(payload, dict) else {}
    entity = body.get("bookedEntity")
    single = entity.get("singleSession") if isinstance(entity, dict) else None
    session_id = single.get("sessionId") if isinstance(single, dict) else None
    if not isinstance(session_id, str) or not session_id:
        raise invalid(
            "bookedEntity.singleSession.sessionId", "sessionId is required.", "INVALID_ARGUMENT"
        )
    service, day = backend.parse_session(session_id)
    service_id = entity.get("serviceId") if isinstance(entity, dict) else None
    if service_id not in (None, service.id):
        raise invalid(
            "bookedEntity.serviceId",
            f"Session {session_id} is not a session of service {service_id}.",
            "INVALID_ARGUMENT",
        )
    form: dict[str, Any] = body["formInfo"] if isinstance(body.get("formInfo"), dict) else {}
    contact = _contact(form.get("contactDetails"))
    selection = form.get("paymentSelection") or [
        {"rateLabel": "general", "numberOfParticipants": 1}
    ]
    if not isinstance(selection, list) or len(selection) != 1 or not isinstance(selection[0], dict):
        raise invalid(
            "formInfo.paymentSelection",
            "paymentSelection must hold one price option.",
            "INVALID_ARGUMENT",
        )
    label = selection[0].get("rateLabel", "general")
    count = selection[0].get("numberOfParticipants", 1)
    if label not in service.prices:
        raise invalid(
            "formInfo.paymentSelection.rateLabel",
            f"{service.name} has no price option {label!r} (it has {', '.join(service.prices)}).",
            "INVALID_RATE_LABEL",
        )
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= service.capacity:
        raise invalid(
            "formInfo.paymentSelection.numberOfParticipants",
            f"numberOfParticipants must be 1 to {service.capacity} for {service.name}.",
            "INVALID_ARGUMENT",
        )
    with sandbox.store.write() as conn:
        now_ts = clock.now_ts(conn)
        start, end = backend.session_times(service, day)
        if start.timestamp() <= now_ts or day > clock.now(conn).date() + timedelta(
            days=SESSION_DAYS
        ):
            raise ApiError(
                409, "SESSION_NOT_BOOKABLE", f"Session {session_id} is not open for booking."
            )
        booking_id = str(uuid.uuid4())
        price = service.prices[label] * count
        data = {
            "id": booking_id,
            "bookedEntity": {
                "serviceId": service.id,
                "scheduleId": service.schedule_id,
                "singleSession": {
                    "sessionId": session_id,
                    "start": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "end": end.strftime("%Y-%m-%dT%H:%M:%SZ"),
                },
                "title": service.name,
                "location": {"locationType": "OWNER_BUSINESS"},
                "rate": _service_json(service)["rate"],
                "tags": list(service.tags),
            },
            "bookedResources": [service.resource],
            "formInfo": {
                "contactDetails": contact,
                "paymentSelection": [{"rateLabel": label, "numberOfParticipants": count}],
            },
            "paymentDetails": {
                "balance": {"finalPrice": _price(price), "amountReceived": "0"},
                "state": "UNDEFINED",
            },
            "status": "PENDING_CHECKOUT",
            "created": clock.iso(now_ts),
            "updated": clock.iso(now_ts),
        }
        backend.create_booking(conn, data, count, now_ts)
        return {"booking": data}


@router.get("/bookings/{booking_id}")
async def get_booking(booking_id: str, sandbox: Sandbox = Depends(get_sandbox)) -> dict[str, Any]:
    """The booking, with its payment brought up to sandbox now."""
    with sandbox.store.write() as conn:
        row = backend.refresh(conn, backend.load(conn, booking_id), clock.now_ts(conn))
        return {"booking": json.loads(row["data"])}


@router.post("/bookings/{booking_id}/cancel")
async def cancel_booking(
    booking_id: str, sandbox: Sandbox = Depends(get_sandbox)
) -> dict[str, Any]:
    """Cancel a booking that is not paid yet (its spot is freed)."""
    with sandbox.store.write() as conn:
        row = backend.refresh(conn, backend.load(conn, booking_id), clock.now_ts(conn))
        return {"booking": backend.cancel(conn, row)}


@router.post("/bookings/{booking_id}/checkout")
async def checkout_booking(
    booking_id: str, payload: Any = Body(None), sandbox: Sandbox = Depends(get_sandbox)
) -> dict[str, Any]:
    """The document's checkout: validate the slot, then charge or redeem a paid plan."""
    body = payload if isinstance(payload, dict) else {}
    coupon = body.get("couponCode")
    plan_selection = body.get("planSelection")
    key = body.get("lockedSessionKey")
    notify = body.get("notifyParticipants", True)
    if not isinstance(notify, bool):
        raise invalid(
            "notifyParticipants", "notifyParticipants must be true or false.", "INVALID_ARGUMENT"
        )
    if coupon is not None and plan_selection is not None:
        raise invalid(
            "couponCode", "A coupon cannot be used with a paid plan.", "COUPON_WITH_PAID_PLAN"
        )
    with sandbox.store.write() as conn:
        now_ts = clock.now_ts(conn)
        row = backend.refresh(conn, backend.load(conn, booking_id), now_ts)
        data = backend.check_out(
            conn,
            row,
            coupon=coupon,
            plan_selection=plan_selection,
            locked_session_key=key,
            notify=notify,
            now_ts=now_ts,
        )
        return {"booking": data}
