"""Rundl state: the SQL schema, checkouts and product orders settling by the sandbox clock."""

from __future__ import annotations

import json
import sqlite3
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from bookctl.sandbox import clock
from bookctl.sandbox.errors import ApiError, invalid
from bookctl.sandbox.rundl.seed import (
    DECLINED_TOKEN,
    FAILS_LATER_TOKEN,
    PROCESSING_SECONDS,
    TAXES,
    Product,
)
from bookctl.sandbox.store import increment_counter, read_counter

NAME = "rundl"
SCHEMA = """
CREATE TABLE IF NOT EXISTS rd_checkouts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account INTEGER NOT NULL,
    data TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS rd_product_orders (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    checkout_id INTEGER NOT NULL UNIQUE REFERENCES rd_checkouts(id),
    account INTEGER NOT NULL,
    outcome TEXT NOT NULL,
    settles_at REAL NOT NULL,
    data TEXT NOT NULL
);
"""
STATE_TABLES = ("rd_product_orders", "rd_checkouts")

#: Ids start near the document's example (checkout 30799601) and count up from there.
FIRST_CHECKOUT_ID = 30799600
FIRST_PRODUCT_ORDER_ID = 30812000
CENT = Decimal("0.01")
STATUS_OPEN = 0
STATUS_PURCHASED = 1


def rundl_date(ts: float) -> str:
    """Rundl's date format, e.g. `/Date(1532940986653+0000)/`."""
    return f"/Date({round(ts * 1000)}+0000)/"


def amount_text(value: Decimal) -> str:
    """An amount as Rundl writes it: a string with two decimals."""
    return str(value.quantize(CENT, rounding=ROUND_HALF_UP))


def line_amounts(product: Product, quantity: int) -> tuple[Decimal, Decimal]:
    """A line's amount and its tax, each rounded half up to the cent.

    Tax is computed per line; the checkout's totals are sums of rounded lines.
    """
    tax = TAXES[product.tax_id]
    amount = (product.price * quantity).quantize(CENT, rounding=ROUND_HALF_UP)
    tax_amount = (amount * tax.percent / 100).quantize(CENT, rounding=ROUND_HALF_UP)
    return amount, tax_amount


def new_checkout(conn: sqlite3.Connection, account: int) -> int:
    """The id of a new, still empty checkout of the account."""
    cursor = conn.execute("INSERT INTO rd_checkouts (account, data) VALUES (?, '{}')", (account,))
    return FIRST_CHECKOUT_ID + int(cursor.lastrowid or 0)


def save_checkout(conn: sqlite3.Connection, checkout: dict[str, Any]) -> None:
    """Store the checkout object under its id."""
    conn.execute(
        "UPDATE rd_checkouts SET data = ? WHERE id = ?",
        (json.dumps(checkout), checkout["id"] - FIRST_CHECKOUT_ID),
    )


def load_checkout(conn: sqlite3.Connection, checkout_id: int, account: int) -> dict[str, Any]:
    """The account's checkout, or a 404 `checkout_not_found`."""
    row = conn.execute(
        "SELECT data FROM rd_checkouts WHERE id = ? AND account = ?",
        (checkout_id - FIRST_CHECKOUT_ID, account),
    ).fetchone()
    if row is None:
        raise ApiError(404, "checkout_not_found", f"Checkout {checkout_id} was not found.")
    data: dict[str, Any] = json.loads(row["data"])
    return data


def purchase(
    conn: sqlite3.Connection, checkout: dict[str, Any], kind: Any, token: Any
) -> dict[str, Any]:
    """Purchase an open checkout: a product order that settles `PROCESSING_SECONDS` later.

    `manual` payments end `invoiced`; a card ends `complete`, or `failed` for
    `FAILS_LATER_TOKEN`; `DECLINED_TOKEN` is refused at once. Answers the updated checkout.
    """
    if checkout["status"] != STATUS_OPEN:
        raise ApiError(
            409,
            "checkout_completed",
            f"Checkout {checkout['id']} is already purchased "
            f"(product order {checkout['product_order']}).",
        )
    if kind not in checkout["payment_account_types"]:
        accepted = ", ".join(checkout["payment_account_types"])
        raise invalid(
            "payment_account_type",
            f"payment_account_type must be one of: {accepted}.",
            "payment_type_not_accepted",
        )
    token = token or checkout.get("payment_token")
    if kind == "credit_card":
        if not isinstance(token, str) or not token.strip():
            raise invalid(
                "payment_token",
                "A credit card purchase needs a payment_token.",
                "payment_token_required",
            )
        if token == DECLINED_TOKEN:
            raise ApiError(409, "payment_declined", "The card was declined.")
    now_ts = clock.now_ts(conn)
    if kind == "manual":
        outcome = "invoiced"
    else:
        outcome = "failed" if token == FAILS_LATER_TOKEN else "complete"
    account = checkout["buyer"]["id"]
    cursor = conn.execute(
        "INSERT INTO rd_product_orders (checkout_id, account, outcome, settles_at, data) "
        "VALUES (?, ?, ?, ?, '{}')",
        (checkout["id"], account, outcome, now_ts + PROCESSING_SECONDS),
    )
    order_id = FIRST_PRODUCT_ORDER_ID + int(cursor.lastrowid or 0)
    order = {
        "id": order_id,
        "object": "product_order",
        "checkout": checkout["id"],
        "service": checkout["service"],
        "payment_account_type": kind,
        "total_price": checkout["total_price"],
        "currency": checkout["currency"],
        "created_date": rundl_date(now_ts),
    }
    conn.execute(
        "UPDATE rd_product_orders SET data = ? WHERE id = ?",
        (json.dumps(order), order_id - FIRST_PRODUCT_ORDER_ID),
    )
    checkout.update(status=STATUS_PURCHASED, product_order=order_id, payment_token=token or None)
    save_checkout(conn, checkout)
    increment_counter(conn, f"{NAME}.purchases")
    return checkout


def product_order(conn: sqlite3.Connection, order_id: int, account: int) -> dict[str, Any]:
    """The account's product order as of sandbox now (`processing` until it settles)."""
    row = conn.execute(
        "SELECT * FROM rd_product_orders WHERE id = ? AND account = ?",
        (order_id - FIRST_PRODUCT_ORDER_ID, account),
    ).fetchone()
    if row is None:
        raise ApiError(404, "product_order_not_found", f"Product order {order_id} was not found.")
    order: dict[str, Any] = json.loads(row["data"])
    settled = clock.now_ts(conn) >= float(row["settles_at"])
    order["status"] = str(row["outcome"]) if settled else "processing"
    order["completed_date"] = rundl_date(float(row["settles_at"])) if settled else None
    return order


def stats(conn: sqlite3.Connection) -> dict[str, int]:
    """Exact counts for `/_sandbox/stats`."""
    now_ts = clock.now_ts(conn)
    checkouts = conn.execute("SELECT COUNT(*) FROM rd_checkouts").fetchone()[0]
    row = conn.execute(
        "SELECT COUNT(*) AS orders, COALESCE(SUM(settles_at > ?), 0) AS processing "
        "FROM rd_product_orders",
        (now_ts,),
    ).fetchone()
    return {
        "checkouts": int(checkouts),
        "product_orders": int(row["orders"]),
        "processing_orders": int(row["processing"]),
        "purchases": read_counter(conn, f"{NAME}.purchases"),
        "idempotent_replays": read_counter(conn, f"{NAME}.idempotent_replays"),
    }
