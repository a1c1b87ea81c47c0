"""Wix Bookings v1 emulation, mounted under `/wix/bookings/v1`.

The document (seed 001) documents only `POST /bookings/{bookingId}/checkout` and the booking
object. The catalogue, session and create calls follow Wix's public conventions (see
docs/providers.md, Wix). A booking is created `PENDING_CHECKOUT`; checkout validates the slot,
the locked-session key, coupon and plan, then charges: a paid booking is `PENDING` until its
payment completes `PAYMENT_SECONDS` of sandbox time later (`CONFIRMED`, or `DECLINED`).
"""

from __future__ import annotations

import json
import re
import sqlite3
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from fastapi import APIRouter, Body, Depends, Request

from bookctl.sandbox import clock
from bookctl.sandbox.context import Sandbox, get_sandbox
from bookctl.sandbox.errors import ApiError, invalid
from bookctl.sandbox.seed_wix import (
    COUPONS,
    CURRENCY,
    DECLINED_EMAIL,
    LOCKED_SESSION_KEY,
    PAYMENT_SECONDS,
    PLANS,
    SERVICES,
    SESSION_DAYS,
    Service,
)
from bookctl.sandbox.store import increment_counter, read_counter

PREFIX = "/wix/bookings/v1"
NAME = "wix"

SCHEMA = """
CREATE TABLE IF NOT EXISTS wx_bookings (
    id TEXT PRIMARY KEY,
    session_id TEXT NOT NULL,
    participants INTEGER NOT NULL,
    status TEXT NOT NULL,
    outcome TEXT,
    settle_at REAL,
    created_at REAL NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS wx_bookings_session ON wx_bookings(session_id);
CREATE TABLE IF NOT EXISTS wx_plan_redemptions (
    plan_id TEXT NOT NULL,
    booking_id TEXT NOT NULL REFERENCES wx_bookings(id),
    sessions INTEGER NOT NULL
);
"""
STATE_TABLES = ("wx_plan_redemptions", "wx_bookings")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _authenticate(request: Request, sandbox: Sandbox = Depends(get_sandbox)) -> None:
    # Wix sends the access token as the whole header value, no scheme.
    if request.headers.get("authorization") != sandbox.api_key:
        raise ApiError(401, "UNAUTHENTICATED", "Invalid or missing access token.")


router = APIRouter(prefix=PREFIX, tags=[NAME], dependencies=[Depends(_authenticate)])


def _amount(value: Decimal) -> str:
    """Wix amounts are strings: "14", "12.6" style, as in the document."""
    value = value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return str(value.to_integral_value()) if value == value.to_integral_value() else str(value)


def _price(amount: Decimal) -> dict[str, str]:
    return {"amount": _amount(amount), "currency": CURRENCY, "downPayAmount": "0"}


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
def list_services() -> dict[str, Any]:
    """Every bookable service with its price options and tags."""
    return {"services": [_service_json(s) for s in SERVICES.values()]}


@router.get("/catalog/services/{service_id}")
def get_service(service_id: str) -> dict[str, Any]:
    """One service."""
    return {"service": _service_json(_service(service_id))}


# ---- sessions ----------------------------------------------------------------------------


def _session_times(service: Service, day: date) -> tuple[datetime, datetime]:
    hour, minute = (int(x) for x in service.start_time.split(":"))
    start = datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)
    return start, start + timedelta(minutes=service.minutes)


def _parse_session(session_id: str) -> tuple[Service, date]:
    code, _, day_text = session_id.rpartition("-")
    service = next((s for s in SERVICES.values() if s.code == code), None)
    try:
        day = datetime.strptime(day_text, "%Y%m%d").date()
    except ValueError:
        service = None
    if service is None:
        raise ApiError(404, "SESSION_NOT_FOUND", f"Session {session_id} was not found.")
    return service, day


def _booked(conn: sqlite3.Connection, session_id: str, skip: str = "") -> int:
    row = conn.execute(
        "SELECT COALESCE(SUM(participants), 0) FROM wx_bookings WHERE session_id = ? AND id != ? "
        "AND (status = 'CONFIRMED' OR (status = 'PENDING' AND outcome = 'CONFIRMED'))",
        (session_id, skip),
    ).fetchone()
    return int(row[0])


def _session_json(conn: sqlite3.Connection, service: Service, day: date) -> dict[str, Any]:
    session_id = f"{service.code}-{day:%Y%m%d}"
    start, end = _session_times(service, day)
    return {
        "id": session_id,
        "serviceId": service.id,
        "scheduleId": service.schedule_id,
        "start": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "end": end.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "capacity": service.capacity,
        "openSpots": max(service.capacity - _booked(conn, session_id), 0),
        "locked": service.locked,
    }


@router.get("/calendar/sessions")
def list_sessions(request: Request, sandbox: Sandbox = Depends(get_sandbox)) -> dict[str, Any]:
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


# ---- bookings ----------------------------------------------------------------------------


def _load(conn: sqlite3.Connection, booking_id: str) -> sqlite3.Row:
    row: sqlite3.Row | None = conn.execute(
        "SELECT * FROM wx_bookings WHERE id = ?", (booking_id,)
    ).fetchone()
    if row is None:
        raise ApiError(404, "BOOKING_NOT_FOUND", f"Booking {booking_id} was not found.")
    return row


def _refresh(conn: sqlite3.Connection, row: sqlite3.Row, now_ts: float) -> sqlite3.Row:
    """Complete (or decline) a payment whose time has come on the sandbox clock."""
    if row["status"] != "PENDING" or row["settle_at"] is None or now_ts < row["settle_at"]:
        return row
    data = json.loads(row["data"])
    details = data["paymentDetails"]
    if row["outcome"] == "CONFIRMED":
        details["state"] = "COMPLETE"
        details["balance"]["amountReceived"] = details["balance"]["finalPrice"]["amount"]
        increment_counter(conn, f"{NAME}.payments_completed")
    else:
        details["state"] = "DECLINED"
        increment_counter(conn, f"{NAME}.payments_declined")
    data["status"] = row["outcome"]
    data["updated"] = clock.iso(float(row["settle_at"]))
    conn.execute(
        "UPDATE wx_bookings SET status = ?, data = ? WHERE id = ?",
        (row["outcome"], json.dumps(data), row["id"]),
    )
    return _load(conn, str(row["id"]))


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
    if not _EMAIL.match(raw["email"].strip()):
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
def create_booking(
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
    service, day = _parse_session(session_id)
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
        start, end = _session_times(service, day)
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
        conn.execute(
            "INSERT INTO wx_bookings (id, session_id, participants, status, created_at, data) "
            "VALUES (?, ?, ?, 'PENDING_CHECKOUT', ?, ?)",
            (booking_id, session_id, count, now_ts, json.dumps(data)),
        )
        increment_counter(conn, f"{NAME}.bookings_created")
        return {"booking": data}


@router.get("/bookings/{booking_id}")
def get_booking(booking_id: str, sandbox: Sandbox = Depends(get_sandbox)) -> dict[str, Any]:
    """The booking, with its payment brought up to sandbox now."""
    with sandbox.store.write() as conn:
        row = _refresh(conn, _load(conn, booking_id), clock.now_ts(conn))
        return {"booking": json.loads(row["data"])}


@router.post("/bookings/{booking_id}/cancel")
def cancel_booking(booking_id: str, sandbox: Sandbox = Depends(get_sandbox)) -> dict[str, Any]:
    """Cancel a booking that is not paid yet (its spot is freed)."""
    with sandbox.store.write() as conn:
        row = _refresh(conn, _load(conn, booking_id), clock.now_ts(conn))
        if row["status"] not in ("PENDING_CHECKOUT", "DECLINED"):
            raise ApiError(
                409, "BOOKING_NOT_CANCELABLE", f"Booking {booking_id} is {row['status']}."
            )
        data = json.loads(row["data"])
        data["status"] = "CANCELED"
        conn.execute(
            "UPDATE wx_bookings SET status = 'CANCELED', data = ? WHERE id = ?",
            (json.dumps(data), booking_id),
        )
        return {"booking": data}


def _plan_left(conn: sqlite3.Connection, plan_id: str) -> int:
    used = conn.execute(
        "SELECT COALESCE(SUM(sessions), 0) FROM wx_plan_redemptions WHERE plan_id = ?", (plan_id,)
    ).fetchone()[0]
    return PLANS[plan_id].sessions - int(used)


@router.post("/bookings/{booking_id}/checkout")
def checkout_booking(
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
        row = _refresh(conn, _load(conn, booking_id), now_ts)
        if row["status"] != "PENDING_CHECKOUT":
            raise ApiError(
                409,
                "BOOKING_NOT_PENDING_CHECKOUT",
                f"Booking {booking_id} is {row['status']}, not awaiting checkout.",
            )
        service, day = _parse_session(str(row["session_id"]))
        if service.locked:
            if not key:
                raise invalid(
                    "lockedSessionKey",
                    f"Session {row['session_id']} is locked; its lockedSessionKey is required.",
                    "LOCKED_SESSION_KEY_REQUIRED",
                )
            if key != LOCKED_SESSION_KEY:
                raise ApiError(
                    403,
                    "INVALID_LOCKED_SESSION_KEY",
                    "The lockedSessionKey does not open this session.",
                )
        start, _ = _session_times(service, day)
        if start.timestamp() <= now_ts:
            raise ApiError(
                409, "SESSION_STARTED", f"Session {row['session_id']} has already started."
            )
        left = service.capacity - _booked(conn, str(row["session_id"]), skip=booking_id)
        if left < int(row["participants"]):
            raise ApiError(
                409,
                "SESSION_FULL",
                f"Session {row['session_id']} has {max(left, 0)} open spot(s) left.",
            )
        data = json.loads(row["data"])
        final = Decimal(data["paymentDetails"]["balance"]["finalPrice"]["amount"])
        if coupon is not None:
            percent = COUPONS.get(str(coupon).upper())
            if percent is None:
                raise invalid("couponCode", f"Coupon {coupon!r} is not valid.", "INVALID_COUPON")
            final = final * (100 - percent) / 100
            data["couponCode"] = str(coupon).upper()
        if plan_selection is not None:
            plan_id = plan_selection.get("planId") if isinstance(plan_selection, dict) else None
            plan = PLANS.get(str(plan_id))
            if plan is None:
                raise invalid(
                    "planSelection.planId", f"Plan {plan_id!r} was not found.", "INVALID_PLAN"
                )
            if service.code not in plan.services:
                raise invalid(
                    "planSelection.planId",
                    f"Plan {plan.id} does not cover {service.name}.",
                    "INVALID_PLAN",
                )
            if _plan_left(conn, plan.id) < int(row["participants"]):
                raise ApiError(
                    409,
                    "PLAN_EXHAUSTED",
                    f"Plan {plan.id} has {_plan_left(conn, plan.id)} session(s) left.",
                )
            conn.execute(
                "INSERT INTO wx_plan_redemptions (plan_id, booking_id, sessions) VALUES (?, ?, ?)",
                (plan.id, booking_id, row["participants"]),
            )
            final = Decimal(0)
            data["planSelection"] = {
                "planId": plan.id,
                "sessionsRedeemed": row["participants"],
                "sessionsRemaining": _plan_left(conn, plan.id),
            }
        data["paymentDetails"]["balance"]["finalPrice"]["amount"] = _amount(final)
        data["notifyParticipants"] = notify
        data["updated"] = clock.iso(now_ts)
        declined = data["formInfo"]["contactDetails"]["email"].lower() == DECLINED_EMAIL
        if final == 0:
            status, outcome, settle_at = "CONFIRMED", "CONFIRMED", None
            data["paymentDetails"]["state"] = "COMPLETE"
        else:
            status, settle_at = "PENDING", now_ts + PAYMENT_SECONDS
            outcome = "DECLINED" if declined else "CONFIRMED"
            data["paymentDetails"]["state"] = "PENDING_MERCHANT"
        data["status"] = status
        conn.execute(
            "UPDATE wx_bookings SET status = ?, outcome = ?, settle_at = ?, data = ? WHERE id = ?",
            (status, outcome, settle_at, json.dumps(data), booking_id),
        )
        increment_counter(conn, f"{NAME}.checkouts")
        return {"booking": data}


def stats(conn: sqlite3.Connection) -> dict[str, int]:
    """Exact counts for `/_sandbox/stats` (payments settled as of sandbox now)."""
    now_ts = clock.now_ts(conn)
    row = conn.execute(
        "SELECT COUNT(*) AS bookings, "
        "COALESCE(SUM(status = 'PENDING_CHECKOUT'), 0) AS pending_checkout, "
        "COALESCE(SUM(status = 'PENDING' AND settle_at > ?), 0) AS pending_payment, "
        "COALESCE(SUM(status = 'CONFIRMED' OR (status = 'PENDING' AND settle_at <= ? "
        "AND outcome = 'CONFIRMED')), 0) AS confirmed, "
        "COALESCE(SUM(status = 'DECLINED' OR (status = 'PENDING' AND settle_at <= ? "
        "AND outcome = 'DECLINED')), 0) AS declined, "
        "COALESCE(SUM(status = 'CANCELED'), 0) AS canceled "
        "FROM wx_bookings",
        (now_ts, now_ts, now_ts),
    ).fetchone()
    counts = {key: int(value) for key, value in zip(row.keys(), row, strict=True)}
    counts["plan_redemptions"] = int(
        conn.execute("SELECT COUNT(*) FROM wx_plan_redemptions").fetchone()[0]
    )
    counts["checkouts"] = read_counter(conn, f"{NAME}.checkouts")
    return counts
