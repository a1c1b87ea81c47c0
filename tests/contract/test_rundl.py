"""Rundl checkouts (seed 004) against a stub answering only what the document shows.

The document shows `POST /checkouts?account=` and the checkout object. Listing services and
products, reading a checkout, the purchase and the product order are not in it
(docs/providers.md, Rundl): the stub answers them with the document's objects.
"""

from __future__ import annotations

import base64
import copy
import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import Cli
from tests.contract.conftest import PROFILE, add_profile
from tests.contract.stub import Stub

BASE = "https://api.example.test/api"
TOKEN = "rundl-user-access-token"
ACCOUNT = "17357980"
AUTH = "OAuth " + base64.b64encode(TOKEN.encode()).decode()
CHECKOUT_ID = 30799601
ORDER_ID = 30812001
ACCOUNT_QUERY = [("account", ACCOUNT)]

PRODUCT = {
    "id": 30798131,
    "object": "product",
    "currency": "AUD",
    "name": "kzi68b4 hosted rundl",
    "price": 0,
}
#: The document's answer to creating a checkout, as it shows it.
CHECKOUT: dict[str, Any] = {
    "id": CHECKOUT_ID,
    "object": "checkout",
    "buyer": {"global_type": 0, "id": 17357980, "name": "World Conveyancing"},
    "created_date": "/Date(1532940986653+0000)/",
    "currency": "AUD",
    "items": [
        {
            "amount": 0,
            "data": None,
            "product": PRODUCT,
            "quantity": 1,
            "reference": None,
            "tax_amount": 0,
            "tax_id": 30734732,
            "tax_lines": [{"amount": 0, "name": "GST"}],
            "tax_status": 1,
        }
    ],
    "items_total_price": 0,
    "payment_account_types": ["credit_card", "manual"],
    "payment_token": None,
    "product_order": None,
    "related": None,
    "rundl": None,
    "seller": {"global_type": 0, "id": 286896, "name": "Rundl Pty Ltd"},
    "service": 30798101,
    "status": 0,
    "total_price": 0,
    "total_tax": 0,
}
PURCHASED = {**copy.deepcopy(CHECKOUT), "status": 1, "product_order": ORDER_ID}
ORDER = {
    "id": ORDER_ID,
    "checkout": CHECKOUT_ID,
    "status": "invoiced",
    "payment_account_type": "manual",
    "total_price": "0.00",
    "currency": "AUD",
}


@pytest.fixture
def stub(cli: Cli, variant: str) -> Any:
    add_profile(cli, "rundl", BASE, TOKEN, "--account", ACCOUNT)
    with Stub(BASE, variant) as stub:
        yield stub


def ok(cli: Cli, *args: str) -> Any:
    result = cli("-p", PROFILE, *args, "--json")
    assert result.exit_code == 0, result
    return result.json


def sent(stub: Stub, method: str, path: str) -> Any:
    """The one request to ``method path``: ``?account=`` and ``OAuth <Base64(token)>``."""
    seen = stub.only(method, path)
    assert seen.query == ACCOUNT_QUERY
    assert seen.headers["authorization"] == AUTH
    return seen


def add(cli: Cli) -> Any:
    return ok(cli, "basket", "add", "--service", "30798101", "--product", "30798131")


def test_the_oauth_header_carries_the_token_base64_encoded(cli: Cli, stub: Stub) -> None:
    stub.on("GET", "services/30798101/products", [PRODUCT])
    ok(cli, "products", "--service", "30798101")
    header = sent(stub, "GET", "services/30798101/products").headers["authorization"]
    assert header == "OAuth cnVuZGwtdXNlci1hY2Nlc3MtdG9rZW4="
    assert TOKEN not in header
    shown = cli("-p", PROFILE, "profile", "show", "--json").json
    assert TOKEN not in str(shown) and "cnVuZGwtdXNlci1hY2Nlc3MtdG9rZW4" not in str(shown)


def test_neither_form_of_the_token_reaches_a_trace_or_an_error(cli: Cli, stub: Stub) -> None:
    encoded = AUTH.removeprefix("OAuth ")
    echo = f"token {TOKEN} / {encoded} is not valid"
    stub.on("GET", "products/30798131", {"message": echo}, status=401)
    result = cli("-p", PROFILE, "-v", "product", "show", "30798131", "--json")
    assert result.exit_code == 5, result
    assert "authorization: OAuth ***" in result.stderr.lower().replace("oauth", "OAuth")
    for secret in (TOKEN, encoded):
        assert secret not in result.stderr and secret not in result.stdout
    assert all(secret not in str(s.query) for s in stub.seen for secret in (TOKEN, encoded))


def test_products_and_product_show(cli: Cli, stub: Stub) -> None:
    stub.on("GET", "services/30798101/products", [PRODUCT])
    stub.on("GET", "products/30798131", PRODUCT)
    (product,) = ok(cli, "products", "--service", "30798101")
    sent(stub, "GET", "services/30798101/products")
    assert (product["id"], product["title"]) == ("30798131", "kzi68b4 hosted rundl")
    assert product["price_from"] == {"amount": "0.00", "currency": "AUD"}
    assert ok(cli, "product", "show", "30798131")["title"] == "kzi68b4 hosted rundl"
    sent(stub, "GET", "products/30798131")
    stub.on("GET", "services", [{"id": 30798101, "name": "Conveyancing - Purchase"}])
    assert [p["id"] for p in ok(cli, "products")] == ["30798131"]
    sent(stub, "GET", "services")
    assert len(stub.calls("GET", "services/30798101/products")) == 2
    result = cli("-p", PROFILE, "availability", "30798131")
    assert result.exit_code == 2 and "rundl has no 'availability' step" in result.stderr


def test_checkout_purchase_and_poll(cli: Cli, stub: Stub, isolated: dict[str, Path]) -> None:
    stub.on("POST", "checkouts", CHECKOUT)
    stub.on("GET", f"checkouts/{CHECKOUT_ID}", CHECKOUT)
    stub.on("POST", f"checkouts/{CHECKOUT_ID}/purchase", PURCHASED)
    stub.on("GET", f"product_orders/{ORDER_ID}", ORDER)
    cart = add(cli)
    created = sent(stub, "POST", "checkouts")
    # The document's request, key for key and in its order.
    assert created.json == {
        "checkout": {
            "service": 30798101,
            "payment_token": None,
            "items": [{"product": {"id": 30798131}, "quantity": 1}],
        }
    }
    assert list(created.json["checkout"]) == ["service", "payment_token", "items"]
    assert created.headers["content-type"] == "application/json"
    assert (cart["id"], cart["state"], cart["total"], cart["currency"]) == (
        str(CHECKOUT_ID),
        "open",
        "0.00",
        "AUD",
    )
    assert cart["lines"][0]["quantity"] == 1
    assert ok(cli, "cart", "show")["id"] == str(CHECKOUT_ID)
    for stage in ("extend", "abandon"):
        result = cli("-p", PROFILE, "cart", stage, "--yes" if stage == "abandon" else "--quiet")
        assert result.exit_code == 2 and f"rundl has no 'cart {stage}' step" in result.stderr
    order = ok(cli, "checkout")
    purchase = sent(stub, "POST", f"checkouts/{CHECKOUT_ID}/purchase")
    assert purchase.json == {"payment_account_type": "manual"}
    assert (order["id"], order["cart_id"], order["state"]) == (
        str(ORDER_ID),
        str(CHECKOUT_ID),
        "invoiced",
    )
    assert not (isolated["state"] / "sessions" / f"{PROFILE}.json").exists()
    assert ok(cli, "poll", str(ORDER_ID), "--interval", "0.01")["state"] == "invoiced"
    assert stub.calls("GET", f"product_orders/{ORDER_ID}")[-1].query == ACCOUNT_QUERY


@pytest.mark.parametrize(
    "lost",
    [
        httpx.ReadError("connection dropped after the request was sent"),
        httpx.Response(503, json={"message": "unavailable"}),
        httpx.Response(201, content=b"<html>upstream hiccup</html>"),
        httpx.Response(409, json={"message": "checkout already purchased"}),
    ],
    ids=["dropped", "503", "garbage", "retry-refused"],
)
def test_a_purchase_that_was_made_is_reported(
    cli: Cli, stub: Stub, isolated: dict[str, Path], lost: Any
) -> None:
    stub.on("POST", "checkouts", CHECKOUT)
    add(cli)
    # Open when checkout first reads it, purchased when it reads it back after the purchase.
    stub.on(
        "GET",
        f"checkouts/{CHECKOUT_ID}",
        None,
        httpx.Response(200, json=CHECKOUT),
        httpx.Response(200, json=PURCHASED),
    )
    stub.on("POST", f"checkouts/{CHECKOUT_ID}/purchase", None, lost)
    stub.on("GET", f"product_orders/{ORDER_ID}", ORDER)
    result = cli("-p", PROFILE, "checkout", "--json")
    assert result.exit_code == 0, result
    assert "purchase was made" in result.stderr or "already purchased" in result.stderr
    assert (result.json["id"], result.json["state"]) == (str(ORDER_ID), "invoiced")
    sessions = isolated["state"] / "sessions"
    assert not (sessions / f"{PROFILE}.json").exists()
    assert str(ORDER_ID) in (sessions / f"{PROFILE}.history.jsonl").read_text()


def test_checkout_again_on_a_purchased_checkout_reports_its_order(cli: Cli, stub: Stub) -> None:
    stub.on("POST", "checkouts", CHECKOUT)
    add(cli)
    stub.on("GET", f"checkouts/{CHECKOUT_ID}", PURCHASED)
    stub.on("GET", f"product_orders/{ORDER_ID}", ORDER)
    result = cli("-p", PROFILE, "checkout", "--json")
    assert result.exit_code == 0, result
    assert "already purchased" in result.stderr
    assert result.json["id"] == str(ORDER_ID)
    assert stub.calls("POST", f"checkouts/{CHECKOUT_ID}/purchase") == []


def test_a_lost_purchase_answer_on_an_open_checkout_is_an_unknown_outcome(
    cli: Cli, stub: Stub, isolated: dict[str, Path]
) -> None:
    stub.on("POST", "checkouts", CHECKOUT)
    stub.on("GET", f"checkouts/{CHECKOUT_ID}", CHECKOUT)
    add(cli)
    stub.on("POST", f"checkouts/{CHECKOUT_ID}/purchase", None, httpx.ReadError("dropped"))
    result = cli("-p", PROFILE, "checkout")
    assert result.exit_code == 6, result
    assert "did not show a purchase" in result.stderr and "Traceback" not in result.stderr
    assert (isolated["state"] / "sessions" / f"{PROFILE}.json").exists()


def test_an_unreadable_create_answer_says_nothing_is_bought(cli: Cli, stub: Stub) -> None:
    stub.on("POST", "checkouts", None, httpx.Response(201, content=b"<html>oops</html>"))
    result = cli("-p", PROFILE, "basket", "add", "--service", "30798101", "--product", "1")
    assert result.exit_code == 6, result
    assert "nothing is bought" in result.stderr and "Traceback" not in result.stderr


def test_a_batch_row_sends_the_documented_checkout(cli: Cli, stub: Stub, tmp_path: Path) -> None:
    """``batch run`` on Rundl: the row's columns are the options; the request is the document's."""
    stub.on("POST", "checkouts", CHECKOUT)
    stub.on("GET", f"checkouts/{CHECKOUT_ID}", CHECKOUT)
    stub.on("POST", f"checkouts/{CHECKOUT_ID}/purchase", PURCHASED)
    stub.on("GET", f"product_orders/{ORDER_ID}", ORDER)
    rows = tmp_path / "rows.csv"
    rows.write_text("id,service,product,qty\nrd-1,30798101,30798131,1\n", encoding="utf-8")
    report = tmp_path / "report.json"
    summary = ok(cli, "batch", "run", str(rows), "--report", str(report))
    assert (summary["booked"], summary["failed"]) == (1, 0)
    assert summary["by_order_state"] == {"invoiced": 1}
    created = sent(stub, "POST", "checkouts")
    assert created.json == {
        "checkout": {
            "service": 30798101,
            "payment_token": None,
            "items": [{"product": {"id": 30798131}, "quantity": 1}],
        }
    }
    assert sent(stub, "POST", f"checkouts/{CHECKOUT_ID}/purchase").json == {
        "payment_account_type": "manual"
    }
    # A checkout holds nothing and cannot be extended: batch never asks.
    assert not [s for s in stub.seen if "extend" in s.path]
    (row,) = json.loads(report.read_text())["rows"]
    assert (row["id"], row["order_id"], row["order_state"]) == ("rd-1", str(ORDER_ID), "invoiced")
