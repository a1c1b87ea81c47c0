"""Bookinglayer state: the SQL schema, carts, reservations and bookings, and the stats."""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

from bookctl.sandbox import clock
from bookctl.sandbox.bookinglayer.rules import Demand, GuestPlan, available, convert, money
from bookctl.sandbox.bookinglayer.seed import CART_TTL_SECONDS, PRODUCTS
from bookctl.sandbox.errors import ApiError
from bookctl.sandbox.store import increment_counter, read_counter

NAME = "bookinglayer"
# Every page a booking's transaction changes is one more frame written to the WAL at commit,
# so a booking touches few: carts are keyed by their id alone (WITHOUT ROWID: no second
# index), guest and line ids need no AUTOINCREMENT (rows go only with a reset; a booking id
# keeps it, to restart at 1), and reservations are indexed only by what availability reads.
# Files made before keep their tables; the same statements work on both.
SCHEMA = """
CREATE TABLE IF NOT EXISTS bl_carts (
    id TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    currency TEXT NOT NULL,
    created_at REAL NOT NULL,
    expires_at REAL NOT NULL,
    booking_id INTEGER
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS bl_guests (
    id INTEGER PRIMARY KEY,
    cart_id TEXT NOT NULL REFERENCES bl_carts(id),
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS bl_guests_cart ON bl_guests(cart_id);
CREATE TABLE IF NOT EXISTS bl_lines (
    id INTEGER PRIMARY KEY,
    cart_id TEXT NOT NULL REFERENCES bl_carts(id),
    guest_id INTEGER NOT NULL REFERENCES bl_guests(id),
    data TEXT NOT NULL,
    price TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS bl_lines_cart ON bl_lines(cart_id);
CREATE TABLE IF NOT EXISTS bl_reservations (
    cart_id TEXT NOT NULL REFERENCES bl_carts(id),
    product_id INTEGER NOT NULL,
    day TEXT NOT NULL,
    slot TEXT NOT NULL,
    units INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS bl_reservations_day ON bl_reservations(product_id, day, slot);
CREATE TABLE IF NOT EXISTS bl_bookings (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    cart_id TEXT NOT NULL UNIQUE REFERENCES bl_carts(id),
    data TEXT NOT NULL
);
"""

# Wiped by reset, children first; the catalogue lives in code.
STATE_TABLES = ("bl_reservations", "bl_lines", "bl_guests", "bl_bookings", "bl_carts")


def reserved_units(
    conn: sqlite3.Connection, product_ids: Iterable[int], start: date, end: date, now_ts: float
) -> dict[tuple[int, str, str], int]:
    """Units held per (product, day, slot) by live carts (open, unexpired) and bookings."""
    ids = sorted(set(product_ids))
    if not ids:
        return {}
    marks = ",".join("?" * len(ids))
    rows = conn.execute(
        f"SELECT r.product_id, r.day, r.slot, SUM(r.units) AS units "
        f"FROM bl_reservations r JOIN bl_carts c ON c.id = r.cart_id "
        f"WHERE r.product_id IN ({marks}) AND r.day >= ? AND r.day <= ? "
        f"AND (c.status = 'checked_out' OR (c.status = 'open' AND c.expires_at > ?)) "
        f"GROUP BY r.product_id, r.day, r.slot",
        (*ids, start.isoformat(), end.isoformat(), now_ts),
    ).fetchall()
    return {(int(r["product_id"]), str(r["day"]), str(r["slot"])): int(r["units"]) for r in rows}


def check_demand(conn: sqlite3.Connection, demand: Demand, now_ts: float) -> None:
    """Raise 409 `sold_out` unless every (product, day, slot) in `demand` has room."""
    if not demand:
        return
    days = [date.fromisoformat(d) for _, d, _ in demand]
    held = reserved_units(conn, {p for p, _, _ in demand}, min(days), max(days), now_ts)
    for (product_id, day_text, slot), units in sorted(demand.items()):
        product = PRODUCTS[product_id]
        left = available(product, date.fromisoformat(day_text), slot, held)
        if left is not None and left < units:
            when = f"{day_text} {slot}".strip()
            raise ApiError(
                409,
                "sold_out",
                f"{product.title} ({product_id}) has {left} left on {when}; {units} requested.",
                {"availability": [f"{product_id} {when}: {left} available, {units} requested"]},
            )


def cart_status(row: sqlite3.Row, now_ts: float) -> str:
    """A cart's status, with expiry judged against the sandbox clock now."""
    status = str(row["status"])
    if status == "open" and float(row["expires_at"]) <= now_ts:
        return "expired"
    return status


def load_cart(conn: sqlite3.Connection, cart_id: str) -> sqlite3.Row:
    """The cart's row, or a 404 `cart_not_found`."""
    row: sqlite3.Row | None = conn.execute(
        "SELECT * FROM bl_carts WHERE id = ?", (cart_id,)
    ).fetchone()
    if row is None:
        raise ApiError(404, "cart_not_found", f"Cart {cart_id} was not found.")
    return row


def require_open(row: sqlite3.Row, now_ts: float) -> None:
    """Nothing if the cart is open, else its 409 (`cart_expired`, `cart_abandoned`, ...)."""
    status = cart_status(row, now_ts)
    if status == "open":
        return
    messages = {
        "expired": ("cart_expired", "Cart {id} has expired; its items were released."),
        "abandoned": ("cart_abandoned", "Cart {id} was abandoned."),
        "checked_out": ("cart_checked_out", "Cart {id} is already checked out."),
    }
    code, text = messages[status]
    raise ApiError(409, code, text.format(id=row["id"]))


def read_cart(
    conn: sqlite3.Connection, cart_id: str, now_ts: float, row: sqlite3.Row | None = None
) -> dict[str, Any]:
    """The cart object: guests with their lines, total, status at `now_ts`, booking.

    `row` is the cart's row when the caller has just read it. The document shows no cart
    object; this is the sandbox's (docs/sandbox.md).
    """
    if row is None:
        row = load_cart(conn, cart_id)
    guests: list[dict[str, Any]] = []
    by_guest: dict[int, dict[str, Any]] = {}
    for g in conn.execute(
        "SELECT id, data FROM bl_guests WHERE cart_id = ? ORDER BY id", (cart_id,)
    ):
        guest = json.loads(g["data"])
        guest["lines"] = []
        by_guest[int(g["id"])] = guest
        guests.append(guest)
    lines: list[dict[str, Any]] = []
    total = Decimal(0)
    for line_row in conn.execute(
        "SELECT guest_id, data, price FROM bl_lines WHERE cart_id = ? ORDER BY id", (cart_id,)
    ):
        price = Decimal(line_row["price"])
        total += price
        line = {**json.loads(line_row["data"]), "price": money(price)}
        lines.append(line)
        by_guest[int(line_row["guest_id"])]["lines"].append(line)
    booking = None
    if row["booking_id"] is not None:
        b = conn.execute(
            "SELECT data FROM bl_bookings WHERE id = ?", (row["booking_id"],)
        ).fetchone()
        booking = json.loads(b["data"])
    return {
        "cart_id": row["id"],
        "status": cart_status(row, now_ts),
        "currency": row["currency"],
        "expiry_date": clock.bookinglayer_iso(float(row["expires_at"])),
        "created_at": clock.iso(float(row["created_at"])),
        "total_price": money(total),
        "guests": guests,
        "lines": lines,
        "booking": booking,
    }


def _insert_guest(conn: sqlite3.Connection, cart_id: str, plan: GuestPlan, currency: str) -> None:
    package_product = PRODUCTS[plan.package.product_id]
    guest = {
        **plan.guest,
        "package": {
            "id": package_product.id,
            "title": package_product.title,
            "start_date": plan.start.isoformat(),
            "end_date": plan.end.isoformat(),
            "accommodation_id": plan.accommodation_id,
        },
    }
    cursor = conn.execute(
        "INSERT INTO bl_guests (cart_id, data) VALUES (?, ?)", (cart_id, json.dumps(guest))
    )
    guest_id = cursor.lastrowid
    for line in plan.lines:
        data = {
            "product_id": line.product_id,
            "package_item_id": line.package_item_id,
            "title": line.product.title,
            "type": line.product.type,
            "guest_email": plan.guest["email"],
            "dates": line.dates,
            "qty": len(line.dates)
            if line.package_item_id is not None or line.product.type == "accommodation"
            else 1,
        }
        conn.execute(
            "INSERT INTO bl_lines (cart_id, guest_id, data, price) VALUES (?, ?, ?, ?)",
            (cart_id, guest_id, json.dumps(data), str(convert(line.price_eur, currency))),
        )


def guest_emails(conn: sqlite3.Connection, cart_id: str) -> list[str]:
    """The emails of the guests already in a cart."""
    return [
        json.loads(g["data"]).get("email")
        for g in conn.execute("SELECT data FROM bl_guests WHERE cart_id = ?", (cart_id,))
    ]


def create_cart(conn: sqlite3.Connection, currency: str, now_ts: float) -> str:
    """A new open cart (uuid4 id) expiring `CART_TTL_SECONDS` from now."""
    cart_id = str(uuid.uuid4())
    conn.execute(
        "INSERT INTO bl_carts (id, status, currency, created_at, expires_at) "
        "VALUES (?, 'open', ?, ?, ?)",
        (cart_id, currency, now_ts, now_ts + CART_TTL_SECONDS),
    )
    return cart_id


def reserve(
    conn: sqlite3.Connection, cart_id: str, plans: list[GuestPlan], currency: str, demand: Demand
) -> None:
    """Add the guests' lines to the cart and hold their inventory."""
    for plan in plans:
        _insert_guest(conn, cart_id, plan, currency)
    conn.executemany(
        "INSERT INTO bl_reservations (cart_id, product_id, day, slot, units) "
        "VALUES (?, ?, ?, ?, ?)",
        [(cart_id, p, d, s, u) for (p, d, s), u in sorted(demand.items())],
    )


def extend_cart(conn: sqlite3.Connection, cart_id: str, now_ts: float) -> float:
    """Move an open cart's expiry to `CART_TTL_SECONDS` from now; the new expiry."""
    require_open(load_cart(conn, cart_id), now_ts)
    expires = now_ts + CART_TTL_SECONDS
    conn.execute("UPDATE bl_carts SET expires_at = ? WHERE id = ?", (expires, cart_id))
    return expires


def abandon_cart(conn: sqlite3.Connection, cart_id: str, now_ts: float) -> None:
    """Abandon a cart (also an expired one): its reservations stop holding anything."""
    row = load_cart(conn, cart_id)
    if cart_status(row, now_ts) in ("abandoned", "checked_out"):
        require_open(row, now_ts)
    conn.execute("UPDATE bl_carts SET status = 'abandoned' WHERE id = ?", (cart_id,))


def new_booking(conn: sqlite3.Connection, cart_id: str) -> int:
    """The id of a new booking of the cart (sequential per sandbox file)."""
    cursor = conn.execute("INSERT INTO bl_bookings (cart_id, data) VALUES (?, '{}')", (cart_id,))
    return int(cursor.lastrowid or 0)


def check_out(conn: sqlite3.Connection, cart_id: str, booking: dict[str, Any]) -> None:
    """Store the booking and mark its cart checked out (its reservations stay consumed)."""
    conn.execute(
        "UPDATE bl_bookings SET data = ? WHERE id = ?", (json.dumps(booking), booking["id"])
    )
    conn.execute(
        "UPDATE bl_carts SET status = 'checked_out', booking_id = ? WHERE id = ?",
        (booking["id"], cart_id),
    )
    increment_counter(conn, f"{NAME}.checkouts")


def stats(conn: sqlite3.Connection) -> dict[str, int]:
    """Exact counts for `/_sandbox/stats`."""
    now_ts = clock.now_ts(conn)
    row = conn.execute(
        "SELECT COUNT(*) AS carts, "
        "COALESCE(SUM(status = 'open' AND expires_at > ?), 0) AS open_carts, "
        "COALESCE(SUM(status = 'open' AND expires_at <= ?), 0) AS expired_carts, "
        "COALESCE(SUM(status = 'abandoned'), 0) AS abandoned_carts, "
        "COALESCE(SUM(status = 'checked_out'), 0) AS bookings "
        "FROM bl_carts",
        (now_ts, now_ts),
    ).fetchone()
    guests = conn.execute(
        "SELECT COUNT(*) FROM bl_guests g JOIN bl_carts c ON c.id = g.cart_id "
        "WHERE c.status = 'checked_out'"
    ).fetchone()[0]
    return {
        "carts": int(row["carts"]),
        "open_carts": int(row["open_carts"]),
        "expired_carts": int(row["expired_carts"]),
        "abandoned_carts": int(row["abandoned_carts"]),
        "bookings": int(row["bookings"]),
        "booked_guests": int(guests),
        "checkouts": read_counter(conn, f"{NAME}.checkouts"),
        "idempotent_replays": read_counter(conn, f"{NAME}.idempotent_replays"),
    }
