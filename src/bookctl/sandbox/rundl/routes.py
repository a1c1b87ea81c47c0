"""Rundl routes, mounted under `/rundl/api`: catalogue, checkouts and product orders."""

from __future__ import annotations

import base64
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Body, Depends, Request

from bookctl.sandbox import clock
from bookctl.sandbox.context import Sandbox, get_sandbox, sandbox_of
from bookctl.sandbox.errors import ApiError, invalid
from bookctl.sandbox.parsing import parse_int
from bookctl.sandbox.rundl import backend
from bookctl.sandbox.rundl.backend import amount_text
from bookctl.sandbox.rundl.seed import (
    ACCOUNTS,
    CURRENCY,
    PRODUCTS,
    SELLER,
    SERVICES,
    TAXES,
    Product,
    Service,
)

PREFIX = "/rundl/api"


async def _authenticate(request: Request) -> None:
    sandbox = sandbox_of(request)
    token = base64.b64encode(sandbox.api_key.encode()).decode("ascii")
    if request.headers.get("authorization") != f"OAuth {token}":
        raise ApiError(401, "unauthorized", "The OAuth access token is missing or wrong.")


router = APIRouter(prefix=PREFIX, tags=[backend.NAME], dependencies=[Depends(_authenticate)])


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
        "price": amount_text(product.price),
        "currency": CURRENCY,
        "tax_id": product.tax_id,
        "service": product.service_id,
    }


def _get_service(raw: Any, field: str = "service") -> Service:
    service_id = parse_int(raw, field)
    if service_id not in SERVICES:
        raise ApiError(404, "service_not_found", f"Service {service_id} was not found.")
    return SERVICES[service_id]


@router.get("/services")
async def list_services(request: Request) -> list[dict[str, Any]]:
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
async def list_products(service_id: str, request: Request) -> list[dict[str, Any]]:
    """The products of a service."""
    _account(request)
    service = _get_service(service_id)
    return [_product_json(p) for p in PRODUCTS.values() if p.service_id == service.id]


@router.get("/products/{product_id}")
async def get_product(product_id: str, request: Request) -> dict[str, Any]:
    """One product."""
    _account(request)
    pid = parse_int(product_id, "product_id")
    if pid not in PRODUCTS:
        raise ApiError(404, "product_not_found", f"Product {pid} was not found.")
    return _product_json(PRODUCTS[pid])


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
    amount, tax_amount = backend.line_amounts(product, quantity)
    return {
        "amount": amount_text(amount),
        "data": None,
        "product": {
            "id": product.id,
            "object": "product",
            "currency": CURRENCY,
            "name": product.name,
            "price": amount_text(product.price),
        },
        "quantity": str(quantity),
        "reference": None,
        "tax_amount": amount_text(tax_amount),
        "tax_id": tax.id,
        "tax_lines": [{"amount": tax.percent, "name": tax.name}],
        "tax_status": 1 if tax.percent else 0,
    }


@router.post("/checkouts", status_code=201)
async def create_checkout(
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
        checkout = {
            "id": backend.new_checkout(conn, account),
            "object": "checkout",
            "buyer": {"global_type": 0, "id": account, "name": ACCOUNTS[account]},
            "created_date": backend.rundl_date(clock.now_ts(conn)),
            "currency": CURRENCY,
            "items": items,
            "items_total_price": amount_text(items_total),
            "payment_account_types": list(service.payment_account_types),
            "payment_token": token,
            "product_order": None,
            "related": None,
            "rundl": None,
            "seller": SELLER,
            "service": service.id,
            "status": backend.STATUS_OPEN,
            "total_price": amount_text(items_total + total_tax),
            "total_tax": amount_text(total_tax),
        }
        backend.save_checkout(conn, checkout)
        return checkout


@router.get("/checkouts/{checkout_id}")
async def get_checkout(
    checkout_id: str, request: Request, sandbox: Sandbox = Depends(get_sandbox)
) -> dict[str, Any]:
    """One checkout of the account."""
    account = _account(request)
    cid = parse_int(checkout_id, "checkout_id")
    with sandbox.store.read() as conn:
        return backend.load_checkout(conn, cid, account)


@router.post("/checkouts/{checkout_id}/purchase", status_code=201)
async def purchase(
    checkout_id: str,
    request: Request,
    payload: Any = Body(None),
    sandbox: Sandbox = Depends(get_sandbox),
) -> dict[str, Any]:
    """Complete the purchase: `payment_account_type` and, for a card, `payment_token`."""
    account = _account(request)
    body = payload if isinstance(payload, dict) else {}
    cid = parse_int(checkout_id, "checkout_id")
    with sandbox.store.write() as conn:
        checkout = backend.load_checkout(conn, cid, account)
        return backend.purchase(
            conn, checkout, body.get("payment_account_type"), body.get("payment_token")
        )


@router.get("/product_orders/{order_id}")
async def get_product_order(
    order_id: str, request: Request, sandbox: Sandbox = Depends(get_sandbox)
) -> dict[str, Any]:
    """A product order: `processing` until it settles a few sandbox seconds after purchase."""
    account = _account(request)
    oid = parse_int(order_id, "product_order")
    with sandbox.store.read() as conn:
        return backend.product_order(conn, oid, account)
