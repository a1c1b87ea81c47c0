"""Wix state: the SQL schema, bookings, their payment by the sandbox clock, plans, stats."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from bookctl.sandbox import clock
from bookctl.sandbox.errors import ApiError, invalid
from bookctl.sandbox.store import increment_counter, read_counter
from bookctl.sandbox.wix.seed import (
    COUPONS,
    DECLINED_EMAIL,
    LOCKED_SESSION_KEY,
    PAYMENT_SECONDS,
    PLANS,
    SERVICES,
    Service,
)

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


def amount_text(value: Decimal) -> str:
    """Wix amounts are strings: "14", "12.6" style, as in the document."""
    value = value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return str(value.to_integral_value()) if value == value.to_integral_value() else str(value)


def session_times(service: Service, day: date) -> tuple[datetime, datetime]:
    """When the service's session on `day` starts and ends (UTC)."""
    hour, minute = (int(x) for x in service.start_time.split(":"))
    start = datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)
    return start, start + timedelta(minutes=service.minutes)


def parse_session(session_id: str) -> tuple[Service, date]:
    """The service and day of a session id (`<code>-YYYYMMDD`), or a 404."""
    code, _, day_text = session_id.rpartition("-")
    service = next((s for s in SERVICES.values() if s.code == code), None)
    try:
        day = datetime.strptime(day_text, "%Y%m%d").date()
    except ValueError:
        service = None
    if service is None:
        raise ApiError(404, "SESSION_NOT_FOUND", f"Session {session_id} was not found.")
    return service, day


def booked(conn: sqlite3.Connection, session_id: str, skip: str = "") -> int:
    """Participants holding a spot of the session (confirmed or paying), but `skip`."""
    row = conn.execute(
        "SELECT COALESCE(SUM(participants), 0) FROM wx_bookings WHERE session_id = ? AND id != ? "
        "AND (status = 'CONFIRMED' OR (status = 'PENDING' AND outcome = 'CONFIRMED'))",
        (session_id, skip),
    ).fetchone()
    return int(row[0])


def load(conn: sqlite3.Connection, booking_id: str) -> sqlite3.Row:
    """The booking's row, or a 404 `BOOKING_NOT_FOUND`."""
    row: sqlite3.Row | None = conn.execute(
        "SELECT * FROM wx_bookings WHERE id = ?", (booking_id,)
    ).fetchone()
    if row is None:
        raise ApiError(404, "BOOKING_NOT_FOUND", f"Booking {booking_id} was not found.")
    return row


def refresh(conn: sqlite3.Connection, row: sqlite3.Row, now_ts: float) -> sqlite3.Row:
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
    return load(conn, str(row["id"]))


def plan_left(conn: sqlite3.Connection, plan_id: str) -> int:
    """Sessions the paid plan has left."""
    used = conn.execute(
        "SELECT COALESCE(SUM(sessions), 0) FROM wx_plan_redemptions WHERE plan_id = ?", (plan_id,)
    ).fetchone()[0]
    return PLANS[plan_id].sessions - int(used)


def create_booking(
    conn: sqlite3.Connection, data: dict[str, Any], participants: int, now_ts: float
) -> None:
    """Store a new booking (`PENDING_CHECKOUT`); it holds no spot until checkout."""
    conn.execute(
        "INSERT INTO wx_bookings (id, session_id, participants, status, created_at, data) "
        "VALUES (?, ?, ?, 'PENDING_CHECKOUT', ?, ?)",
        (
            data["id"],
            data["bookedEntity"]["singleSession"]["sessionId"],
            participants,
            now_ts,
            json.dumps(data),
        ),
    )
    increment_counter(conn, f"{NAME}.bookings_created")


def cancel(conn: sqlite3.Connection, row: sqlite3.Row) -> dict[str, Any]:
    """Cancel a booking that is not paid yet (its spot is freed); the booking."""
    if row["status"] not in ("PENDING_CHECKOUT", "DECLINED"):
        raise ApiError(409, "BOOKING_NOT_CANCELABLE", f"Booking {row['id']} is {row['status']}.")
    data: dict[str, Any] = json.loads(row["data"])
    data["status"] = "CANCELED"
    conn.execute(
        "UPDATE wx_bookings SET status = 'CANCELED', data = ? WHERE id = ?",
        (json.dumps(data), row["id"]),
    )
    return data


def check_out(
    conn: sqlite3.Connection,
    row: sqlite3.Row,
    *,
    coupon: Any,
    plan_selection: Any,
    locked_session_key: Any,
    notify: bool,
    now_ts: float,
) -> dict[str, Any]:
    """The document's checkout of a booking awaiting it; the booking.

    Checks the locked-session key, the session's start and spots, applies a coupon or redeems
    a paid plan, then charges: free at once (`CONFIRMED`), else `PENDING` until the payment
    settles `PAYMENT_SECONDS` later (`DECLINED` for `DECLINED_EMAIL`).
    """
    if row["status"] != "PENDING_CHECKOUT":
        raise ApiError(
            409,
            "BOOKING_NOT_PENDING_CHECKOUT",
            f"Booking {row['id']} is {row['status']}, not awaiting checkout.",
        )
    service, day = parse_session(str(row["session_id"]))
    if service.locked:
        if not locked_session_key:
            raise invalid(
                "lockedSessionKey",
                f"Session {row['session_id']} is locked; its lockedSessionKey is required.",
                "LOCKED_SESSION_KEY_REQUIRED",
            )
        if locked_session_key != LOCKED_SESSION_KEY:
            raise ApiError(
                403,
                "INVALID_LOCKED_SESSION_KEY",
                "The lockedSessionKey does not open this session.",
            )
    start, _ = session_times(service, day)
    if start.timestamp() <= now_ts:
        raise ApiError(409, "SESSION_STARTED", f"Session {row['session_id']} has already started.")
    left = service.capacity - booked(conn, str(row["session_id"]), skip=str(row["id"]))
    if left < int(row["participants"]):
        raise ApiError(
            409,
            "SESSION_FULL",
            f"Session {row['session_id']} has {max(left, 0)} open spot(s) left.",
        )
    data: dict[str, Any] = json.loads(row["data"])
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
        if plan_left(conn, plan.id) < int(row["participants"]):
            raise ApiError(
                409,
                "PLAN_EXHAUSTED",
                f"Plan {plan.id} has {plan_left(conn, plan.id)} session(s) left.",
            )
        conn.execute(
            "INSERT INTO wx_plan_redemptions (plan_id, booking_id, sessions) VALUES (?, ?, ?)",
            (plan.id, row["id"], row["participants"]),
        )
        final = Decimal(0)
        data["planSelection"] = {
            "planId": plan.id,
            "sessionsRedeemed": row["participants"],
            "sessionsRemaining": plan_left(conn, plan.id),
        }
    data["paymentDetails"]["balance"]["finalPrice"]["amount"] = amount_text(final)
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
        (status, outcome, settle_at, json.dumps(data), row["id"]),
    )
    increment_counter(conn, f"{NAME}.checkouts")
    return data


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
