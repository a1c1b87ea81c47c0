"""BookingBug state: the SQL schema, clients and wallets, baskets and held items, purchases."""

from __future__ import annotations

import json
import secrets
import sqlite3
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from bookctl.sandbox import clock
from bookctl.sandbox.bookingbug.seed import (
    ATTACHMENTS,
    BULK_PURCHASES,
    COMPANY_ID,
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
from bookctl.sandbox.errors import ApiError, invalid
from bookctl.sandbox.parsing import parse_int
from bookctl.sandbox.store import increment_counter, read_counter

NAME = "bookingbug"
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


def login_email(conn: sqlite3.Connection, token: str | None) -> str | None:
    """The email of the administrator whose login `token` is, if it is one."""
    if not token:
        return None
    row = conn.execute("SELECT email FROM bb_logins WHERE auth_token = ?", (token,)).fetchone()
    return None if row is None else str(row["email"])


def require_login(conn: sqlite3.Connection, token: str | None) -> str:
    """The logged-in administrator's email, or a 401."""
    email = login_email(conn, token)
    if email is None:
        raise ApiError(401, "unauthorized", "401 Unauthorized")
    return email


def sandbox_today(conn: sqlite3.Connection) -> date:
    """The sandbox's calendar day (UTC)."""
    return clock.now(conn).date()


def at(day: date, hhmm: str) -> datetime:
    """`day` at `hhmm` (UTC)."""
    hour, minute = (int(p) for p in hhmm.split(":"))
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


def iso(moment: datetime) -> str:
    """A moment as BookingBug writes it: `YYYY-MM-DDTHH:MM:SSZ`."""
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def event_start(event: Event, today: date) -> datetime:
    """When an event starts: its chain's time, `day_offset` days after `today`."""
    chain = EVENT_CHAINS[event.chain_id]
    return at(today + timedelta(days=event.day_offset), chain.start_time)


def _live_filter() -> str:
    # Items count against capacity while their basket holds them or once they are booked.
    return "((b.status = 'open' AND b.expires_at > ?) OR b.status = 'checked_out')"


def taken(conn: sqlite3.Connection, kind: str, ref_id: int, slot: str | None = None) -> int:
    """Items of `kind`/`ref_id` (and `slot`) held by live baskets or booked."""
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


def get_event(raw: Any) -> Event:
    """The event with this id, or a 404 `event_not_found`."""
    event_id = parse_int(raw, "event_id")
    if event_id not in EVENTS:
        raise ApiError(404, "event_not_found", f"Event {event_id} was not found.")
    return EVENTS[event_id]


def get_service(raw: Any) -> Service:
    """The service with this id, or a 404 `service_not_found`."""
    service_id = parse_int(raw, "service_id")
    if service_id not in SERVICES:
        raise ApiError(404, "service_not_found", f"Service {service_id} was not found.")
    return SERVICES[service_id]


def wallet(conn: sqlite3.Connection, member_id: int) -> int:
    """A member's wallet balance in pence: the seeded amount plus every transaction."""
    seeded = MEMBERS[member_id].wallet if member_id in MEMBERS else 0
    extra = conn.execute(
        "SELECT COALESCE(SUM(amount), 0) FROM bb_wallet_tx WHERE member_id = ?", (member_id,)
    ).fetchone()[0]
    return seeded + int(extra)


def find_client(conn: sqlite3.Connection, member_id: int) -> dict[str, Any] | None:
    """The client (seeded member or created client) with its wallet, if there is one."""
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
        "wallet": {"amount": wallet(conn, member_id), "currency": CURRENCY},
    }


def client(conn: sqlite3.Connection, raw: Any, field: str = "member_id") -> dict[str, Any]:
    """The client `raw` names, or a 404 `client_not_found`."""
    member_id = parse_int(raw, field)
    found = find_client(conn, member_id)
    if found is None:
        raise ApiError(404, "client_not_found", f"Client {member_id} was not found.")
    return found


def all_clients(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    """Every client: the seeded members, then the created ones."""
    ids = list(MEMBERS) + [
        FIRST_CLIENT_ID + int(r["id"]) for r in conn.execute("SELECT id FROM bb_clients")
    ]
    return [c for c in (find_client(conn, i) for i in ids) if c is not None]


def basket_status(row: sqlite3.Row, now_ts: float) -> str:
    """A basket's status, with the hold judged against the sandbox clock now."""
    status = str(row["status"])
    if status == "open" and float(row["expires_at"]) <= now_ts:
        return "expired"
    return status


def basket_by_token(conn: sqlite3.Connection, token: str | None) -> sqlite3.Row:
    """The basket whose `Auth-Token` this is, or a 401."""
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


def require_open(row: sqlite3.Row, now_ts: float) -> None:
    """Nothing if the basket is open, else its 409."""
    status = basket_status(row, now_ts)
    if status == "expired":
        raise ApiError(
            409, "basket_expired", "The basket's hold has expired; its items were released."
        )
    if status == "checked_out":
        raise ApiError(409, "basket_checked_out", "The basket is already checked out.")
    if status == "emptied":
        raise ApiError(409, "basket_emptied", "The basket was emptied.")


def stored_items(conn: sqlite3.Connection, row: sqlite3.Row) -> list[dict[str, Any]]:
    """The basket's items as stored (with their row ids), oldest first."""
    return [
        {"id": int(item["id"]), **json.loads(item["data"])}
        for item in conn.execute(
            "SELECT id, data FROM bb_items WHERE basket_id = ? ORDER BY id", (row["id"],)
        )
    ]


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
            if taken(conn, "event", event.id) < chain.spaces:
                return event
    raise ApiError(409, "sold_out", f"Every event of chain {chain_id} is sold out.")


def plan_item(conn: sqlite3.Connection, params: Any) -> dict[str, Any]:
    """Validate add_item's parameters and return the item (price in pence, slot, refs)."""
    kind = _one_of(params)
    today = sandbox_today(conn)
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
            event = get_event(params["event_id"])
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
        if taken(conn, "event", event.id) >= chain.spaces:
            raise ApiError(409, "sold_out", f"Event {event.id} ({chain.name}) is sold out.")
        start = event_start(event, today)
        price = chain.price
        item.update(
            type="event",
            event_id=event.id,
            event_chain_id=chain.id,
            name=chain.name,
            datetime=iso(start),
            end_datetime=iso(start + timedelta(minutes=chain.duration)),
            ref_id=event.id,
            slot=iso(start),
        )
    elif kind == "service_id":
        service = get_service(params["service_id"])
        slot = _first_free_slot(conn, service, today)
        start = datetime.fromisoformat(slot.replace("Z", "+00:00"))
        price = service.price
        item.update(
            type="service",
            service_id=service.id,
            name=service.name,
            datetime=slot,
            end_datetime=iso(start + timedelta(minutes=service.duration)),
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
            slot = iso(at(today + timedelta(days=n), hhmm))
            if taken(conn, "service", service.id, slot) < service.capacity:
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


def purchases(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    """Every purchase, oldest first."""
    return [
        json.loads(r["data"]) for r in conn.execute("SELECT data FROM bb_purchases ORDER BY id")
    ]


def create_client(conn: sqlite3.Connection, data: dict[str, Any]) -> dict[str, Any]:
    """A new client (member) from `first_name`, `last_name` and `email`; 409 if the email is
    taken."""
    if any(c["email"] == data["email"] for c in all_clients(conn)):
        raise ApiError(409, "client_exists", f"A client with email {data['email']} already exists.")
    cursor = conn.execute("INSERT INTO bb_clients (data) VALUES (?)", (json.dumps(data),))
    found = find_client(conn, FIRST_CLIENT_ID + int(cursor.lastrowid or 0))
    assert found is not None
    return found


def top_up(conn: sqlite3.Connection, member_id: int, amount: int) -> int:
    """Add `amount` pence to a member's wallet; the new balance."""
    conn.execute(
        "INSERT INTO bb_wallet_tx (member_id, amount, reason, created_at) "
        "VALUES (?, ?, 'top_up', ?)",
        (member_id, amount, clock.now_ts(conn)),
    )
    return wallet(conn, member_id)


def log_in(conn: sqlite3.Connection, token: str, email: str) -> None:
    """Record an administrator's login token."""
    conn.execute(
        "INSERT INTO bb_logins (auth_token, email, created_at) VALUES (?, ?, ?)",
        (token, email, clock.now_ts(conn)),
    )


def add_item(
    conn: sqlite3.Connection, token_in: str | None, params: Any
) -> tuple[str, sqlite3.Row]:
    """Hold one item in the basket of `token_in`, or in a new basket when there is none (or it
    is a login's token); the basket's token and row. Every add restarts the hold."""
    now_ts = clock.now_ts(conn)
    row = None
    if token_in:
        row = conn.execute("SELECT * FROM bb_baskets WHERE auth_token = ?", (token_in,)).fetchone()
        if row is None and login_email(conn, token_in) is None:
            raise ApiError(401, "invalid_auth_token", "The Auth-Token matches no basket.")
        if row is not None:
            require_open(row, now_ts)
    member_id = None
    if params.get("member_id"):
        member_id = int(client(conn, params["member_id"])["id"])
        if row is not None and row["member_id"] not in (None, member_id):
            raise invalid(
                "member_id",
                f"The basket belongs to member {row['member_id']}.",
                "member_mismatch",
            )
    item = plan_item(conn, params)
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
            "UPDATE bb_baskets SET expires_at = ?, member_id = COALESCE(member_id, ?) WHERE id = ?",
            (now_ts + HOLD_SECONDS, member_id, basket_id),
        )
    ref_id, slot = item.pop("ref_id"), item.pop("slot")
    conn.execute(
        "INSERT INTO bb_items (basket_id, kind, ref_id, slot, bulk_purchase_id, data) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (basket_id, item["type"], ref_id, slot, item["bulk_purchase_id"], json.dumps(item)),
    )
    basket: sqlite3.Row = conn.execute(
        "SELECT * FROM bb_baskets WHERE id = ?", (basket_id,)
    ).fetchone()
    return token, basket


def empty_basket(conn: sqlite3.Connection, token: str | None) -> sqlite3.Row:
    """Empty the basket, releasing its items (an expired basket may still be emptied)."""
    row = basket_by_token(conn, token)
    if basket_status(row, clock.now_ts(conn)) in ("checked_out", "emptied"):
        require_open(row, clock.now_ts(conn))
    conn.execute("UPDATE bb_baskets SET status = 'emptied' WHERE id = ?", (row["id"],))
    emptied: sqlite3.Row = conn.execute(
        "SELECT * FROM bb_baskets WHERE id = ?", (row["id"],)
    ).fetchone()
    return emptied


@dataclass(frozen=True)
class Payment:
    """A basket being checked out: who pays, what, and how much the wallet paid."""

    basket_id: int
    purchase_id: int
    member: dict[str, Any]
    items: list[dict[str, Any]]
    total: int
    paid: int


def pay(
    conn: sqlite3.Connection, token: str | None, member_raw: Any, use_wallet: bool, now_ts: float
) -> Payment:
    """Check the basket out for the member: the wallet pays first when `use_wallet`."""
    row = basket_by_token(conn, token)
    member = client(conn, member_raw)
    member_id = int(member["id"])
    if row["member_id"] not in (None, member_id):
        raise invalid(
            "member_id", f"The basket belongs to member {row['member_id']}.", "member_mismatch"
        )
    require_open(row, now_ts)
    items = stored_items(conn, row)
    if not items:
        raise ApiError(409, "basket_empty", "The basket has nothing to check out.")
    total = sum(int(i["total_price"]) for i in items)
    balance = wallet(conn, member_id)
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
    return Payment(int(row["id"]), int(cursor.lastrowid or 0), member, items, total, paid)


def record_purchase(conn: sqlite3.Connection, payment: Payment, purchase: dict[str, Any]) -> None:
    """Store the purchase and mark its basket checked out (its items are booked)."""
    conn.execute(
        "UPDATE bb_purchases SET data = ? WHERE id = ?",
        (json.dumps(purchase), payment.purchase_id),
    )
    conn.execute(
        "UPDATE bb_baskets SET status = 'checked_out', purchase_id = ?, member_id = ? WHERE id = ?",
        (payment.purchase_id, int(payment.member["id"]), payment.basket_id),
    )
    increment_counter(conn, f"{NAME}.checkouts")
    if payment.paid:
        increment_counter(conn, f"{NAME}.wallet_payments")


def purchase(conn: sqlite3.Connection, purchase_id: int) -> dict[str, Any] | None:
    """A purchase by its id, if there is one."""
    row = conn.execute("SELECT data FROM bb_purchases WHERE id = ?", (purchase_id,)).fetchone()
    if row is None:
        return None
    data: dict[str, Any] = json.loads(row["data"])
    return data


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
