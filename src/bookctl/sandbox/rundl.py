"""Rundl checkouts emulation, mounted under `/rundl/api`.

The document (seed 004) gives `POST /checkouts?account=` and the checkout object; the rest
follows Rundl's public conventions: `Authorization: OAuth <Base64-Encoded-User-Access-Token>`
(the sandbox key is the user access token), amounts as strings,
`/Date(ms+0000)/` dates. Completing a purchase creates a product order that settles
asynchronously by the sandbox clock (`processing`, then `complete`, `invoiced` or `failed`).
"""

from __future__ import annotations

import base64
import json
import sqlite3
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from fastapi import APIRouter, Body, Depends, Request

from bookctl.sandbox import clock
from bookctl.sandbox.bookinglayer_rules import parse_int
from bookctl.sandbox.context import Sandbox, get_sandbox
from bookctl.sandbox.errors import ApiError, invalid
from bookctl.sandbox.store import increment_counter, read_counter

PREFIX = "/rundl/api"
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
CURRENCY = "AUD"
CENT = Decimal("0.01")
#: Sandbox seconds a product order stays `processing` before it settles.
PROCESSING_SECONDS = 5.0
DECLINED_TOKEN = "tok_declined"
FAILS_LATER_TOKEN = "tok_fails_later"

STATUS_OPEN = 0
STATUS_PURCHASED = 1

SELLER = {"global_type": 0, "id": 286896, "name": "Rundl Pty Ltd"}
ACCOUNTS: dict[int, str] = {17357980: "World Conveyancing", 17357981: "Harbour Legal"}


@dataclass(frozen=True)
class Tax:
    id: int
    name: str
    percent: int


@dataclass(frozen=True)
class Service:
    id: int
    name: str
    payment_account_types: tuple[str, ...]


@dataclass(frozen=True)
class Product:
    id: int
    service_id: int
    name: str
    price: Decimal
    tax_id: int


TAXES: dict[int, Tax] = {t.id: t for t in (Tax(30734732, "GST", 10), Tax(30734733, "GST-free", 0))}
SERVICES: dict[int, Service] = {
    s.id: s
    for s in (
        Service(30798101, "Conveyancing - Purchase", ("credit_card", "manual")),
        Service(30798201, "Conveyancing - Sale", ("credit_card",)),
    )
}
PRODUCTS: dict[int, Product] = {
    p.id: p
    for p in (
        Product(30798131, 30798101, "kzi68b4 hosted rundl", Decimal("0.00"), 30734732),
        Product(30798132, 30798101, "Title search", Decimal("27.45"), 30734732),
        Product(30798133, 30798101, "Settlement agent fee", Decimal("199.95"), 30734732),
        Product(30798134, 30798101, "Government search fee", Decimal("33.10"), 30734733),
        Product(30798231, 30798201, "Sale contract review", Decimal("349.99"), 30734732),
        Product(30798232, 30798201, "Discharge of mortgage", Decimal("181.15"), 30734732),
    )
}


def _authenticate(request: Request, sandbox: Sandbox = Depends(get_sandbox)) -> None:
    token = base64.b64encode(sandbox.api_key.encode()).decode("ascii")
    if request.headers.get("authorization") != f"OAuth {token}":
        raise ApiError(401, "unauthorized", "The OAuth access token is missing or wrong.")


router = APIRouter(prefix=PREFIX, tags=[NAME], dependencies=[Depends(_authenticate)])


def rundl_date(ts: float) -> str:
    """Rundl's date format, e.g. `/Date(1532940986653+0000)/`."""
    return f"/Date({round(ts * 1000)}+0000)/"


def _amount(value: Decimal) -> str:
    return str(value.quantize(CENT, rounding=ROUND_HALF_UP))


def _account(request: Request) -> int:
    raw = request.query_params.get("account")
    if not raw:
        raise invalid("account", "The account query parameter is required.", "missing_field")
    account = parse_int(raw, "account")
    if account not in ACCOUNTS:
        raise ApiError(404, "account_not_found", f"Account {account} was not found.")
    return account


def _product_json(product: Product) -> dict[str, Any]:
    return {
        "id": product.id,
        "object": "product",
        "name": product.name,
        "price": _amount(product.price),
        "currency": CURRENCY,
        "tax_id": product.tax_id,
        "service": product.service_id,
    }


def _get_service(raw: Any, field: str = "service") -> Service:
    service_id = parse_int(raw, field)
    if service_id not in SERVICES:
        raise ApiError(404, "service_not_found", f"Service {service_id} was not found.")
    return SERVICES[service_id]


# ---- catalogue ---------------------------------------------------------------------------


@router.get("/services")
def list_services(request: Request) -> list[dict[str, Any]]:
    """The services the account can start a rundl for."""
    _account(request)
    return [
        {
            "id": s.id,
            "object": "service",
            "name": s.name,
            "payment_account_types": list(s.payment_account_types),
        }
        for s in SERVICES.values()
    ]


@router.get("/services/{service_id}/products")
def list_products(service_id: str, request: Request) -> list[dict[str, Any]]:
    """The products of a service."""
    _account(request)
    service = _get_service(service_id)
    return [_product_json(p) for p in PRODUCTS.values() if p.service_id == service.id]


@router.get("/products/{product_id}")
def get_product(product_id: str, request: Request) -> dict[str, Any]:
    """One product."""
    _account(request)
    pid = parse_int(product_id, "product_id")
    if pid not in PRODUCTS:
        raise ApiError(404, "product_not_found", f"Product {pid} was not found.")
    return _product_json(PRODUCTS[pid])


# ---- checkouts ---------------------------------------------------------------------------


def _item(raw: Any, index: int, service: Service) -> dict[str, Any]:
    at = f"checkout.items.{index}"
    if not isinstance(raw, dict):
        raise invalid(at, f"{at} must be an object.", "invalid_type")
    product_ref = raw.get("product")
    if not isinstance(product_ref, dict) or product_ref.get("id") is None:
        raise invalid(f"{at}.product", f"{at}.product needs an id.", "missing_field")
    pid = parse_int(product_ref["id"], f"{at}.product.id")
    if pid not in PRODUCTS:
        raise ApiError(404, "product_not_found", f"Product {pid} was not found.")
    product = PRODUCTS[pid]
    if product.service_id != service.id:
        raise invalid(
            f"{at}.product.id",
            f"Product {pid} is not a product of service {service.id}.",
            "product_not_in_service",
        )
    quantity = parse_int(raw.get("quantity", 1), f"{at}.quantity", minimum=1)
    tax = TAXES[product.tax_id]
    amount = (product.price * quantity).quantize(CENT, rounding=ROUND_HALF_UP)
    # Tax per line, rounded half up to the cent; the totals are sums of rounded lines.
    tax_amount = (amount * tax.percent / 100).quantize(CENT, rounding=ROUND_HALF_UP)
    return {
        "amount": _amount(amount),
        "data": None,
        "product": {
            "id": product.id,
            "object": "product",
            "currency": CURRENCY,
            "name": product.name,
            "price": _amount(product.price),
        },
        "quantity": str(quantity),
        "reference": None,
        "tax_amount": _amount(tax_amount),
        "tax_id": tax.id,
        "tax_lines": [{"amount": tax.percent, "name": tax.name}],
        "tax_status": 1 if tax.percent else 0,
    }


def _load_checkout(conn: sqlite3.Connection, checkout_id: str, account: int) -> dict[str, Any]:
    cid = parse_int(checkout_id, "checkout_id")
    row = conn.execute(
        "SELECT data FROM rd_checkouts WHERE id = ? AND account = ?",
        (cid - FIRST_CHECKOUT_ID, account),
    ).fetchone()
    if row is None:
        raise ApiError(404, "checkout_not_found", f"Checkout {cid} was not found.")
    data: dict[str, Any] = json.loads(row["data"])
    return data


@router.post("/checkouts", status_code=201)
def create_checkout(
    request: Request, payload: Any = Body(None), sandbox: Sandbox = Depends(get_sandbox)
) -> dict[str, Any]:
    """Create a checkout for products of a service; tax and totals are computed here."""
    account = _account(request)
    body = payload.get("checkout") if isinstance(payload, dict) else None
    if not isinstance(body, dict):
        raise invalid("checkout", "The body needs a checkout object.", "missing_field")
    if body.get("service") is None:
        raise invalid("checkout.service", "checkout.service is required.", "missing_field")
    service = _get_service(body["service"], "checkout.service")
    raw_items = body.get("items")
    if not isinstance(raw_items, list) or not raw_items:
        raise invalid("checkout.items", "checkout.items must be a non-empty list.", "missing_field")
    items = [_item(raw, n, service) for n, raw in enumerate(raw_items)]
    items_total = sum((Decimal(i["amount"]) for i in items), Decimal(0))
    total_tax = sum((Decimal(i["tax_amount"]) for i in items), Decimal(0))
    token = body.get("payment_token")
    if token is not None and not isinstance(token, str):
        raise invalid("checkout.payment_token", "payment_token must be a string.", "invalid_type")
    with sandbox.store.write() as conn:
        cursor = conn.execute(
            "INSERT INTO rd_checkouts (account, data) VALUES (?, '{}')", (account,)
        )
        checkout_id = FIRST_CHECKOUT_ID + int(cursor.lastrowid or 0)
        checkout = {
            "id": checkout_id,
            "object": "checkout",
            "buyer": {"global_type": 0, "id": account, "name": ACCOUNTS[account]},
            "created_date": rundl_date(clock.now_ts(conn)),
            "currency": CURRENCY,
            "items": items,
            "items_total_price": _amount(items_total),
            "payment_account_types": list(service.payment_account_types),
            "payment_token": token,
            "product_order": None,
            "related": None,
            "rundl": None,
            "seller": SELLER,
            "service": service.id,
            "status": STATUS_OPEN,
            "total_price": _amount(items_total + total_tax),
            "total_tax": _amount(total_tax),
        }
        conn.execute(
            "UPDATE rd_checkouts SET data = ? WHERE id = ?",
            (json.dumps(checkout), checkout_id - FIRST_CHECKOUT_ID),
        )
        return checkout


@router.get("/checkouts/{checkout_id}")
def get_checkout(
    checkout_id: str, request: Request, sandbox: Sandbox = Depends(get_sandbox)
) -> dict[str, Any]:
    """One checkout of the account."""
    account = _account(request)
    with sandbox.store.read() as conn:
        return _load_checkout(conn, checkout_id, account)


@router.post("/checkouts/{checkout_id}/purchase", status_code=201)
def purchase(
    checkout_id: str,
    request: Request,
    payload: Any = Body(None),
    sandbox: Sandbox = Depends(get_sandbox),
) -> dict[str, Any]:
    """Complete the purchase: `payment_account_type` and, for a card, `payment_token`."""
    account = _account(request)
    body = payload if isinstance(payload, dict) else {}
    kind = body.get("payment_account_type")
    token = body.get("payment_token")
    with sandbox.store.write() as conn:
        checkout = _load_checkout(conn, checkout_id, account)
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
        checkout.update(
            status=STATUS_PURCHASED, product_order=order_id, payment_token=token or None
        )
        conn.execute(
            "UPDATE rd_checkouts SET data = ? WHERE id = ?",
            (json.dumps(checkout), checkout["id"] - FIRST_CHECKOUT_ID),
        )
        increment_counter(conn, f"{NAME}.purchases")
        return checkout


def _order_json(row: sqlite3.Row, now_ts: float) -> dict[str, Any]:
    order: dict[str, Any] = json.loads(row["data"])
    settled = now_ts >= float(row["settles_at"])
    order["status"] = str(row["outcome"]) if settled else "processing"
    order["completed_date"] = rundl_date(float(row["settles_at"])) if settled else None
    return order


@router.get("/product_orders/{order_id}")
def get_product_order(
    order_id: str, request: Request, sandbox: Sandbox = Depends(get_sandbox)
) -> dict[str, Any]:
    """A product order: `processing` until it settles a few sandbox seconds after purchase."""
    account = _account(request)
    oid = parse_int(order_id, "product_order")
    with sandbox.store.read() as conn:
        row = conn.execute(
            "SELECT * FROM rd_product_orders WHERE id = ? AND account = ?",
            (oid - FIRST_PRODUCT_ORDER_ID, account),
        ).fetchone()
        if row is None:
            raise ApiError(404, "product_order_not_found", f"Product order {oid} was not found.")
        return _order_json(row, clock.now_ts(conn))


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
