"""The Rundl sandbox catalogue: accounts, services, products and taxes, and the test tokens."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

CURRENCY = "AUD"

#: Sandbox seconds a product order stays `processing` before it settles.
PROCESSING_SECONDS = 5.0
DECLINED_TOKEN = "tok_declined"
FAILS_LATER_TOKEN = "tok_fails_later"
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
