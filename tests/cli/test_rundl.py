"""Rundl end to end (issue 4): products of a service, checkouts with tax, product orders."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest

from tests.cli.test_bad_input import assert_clean_error, snapshot
from tests.conftest import Cli, ServedSandbox

RD = "sandbox-rundl"
PURCHASE = "30798101"  # card or manual
SALE = "30798201"  # card only
TITLE_SEARCH = "30798132"  # 27.45 + GST 10%
GOV_FEE = "30798134"  # 33.10, GST-free
DOC_BODY = {
    "checkout": {
        "service": 30798101,
        "payment_token": None,
        "items": [{"product": {"id": 30798131}, "quantity": 1}],
    }
}


@pytest.fixture(params=["embedded", "served"])
def target(request: pytest.FixtureRequest, cli: Cli) -> list[str]:
    """Global options selecting the embedded Rundl sandbox or a served one."""
    if request.param == "embedded":
        return ["-p", RD]
    served: ServedSandbox = request.getfixturevalue("served")
    added = cli(
        "profile",
        "add",
        "rd",
        "--provider",
        "rundl",
        "--base-url",
        f"{served.url}/rundl/api",
        "--account",
        "17357980",
        "--api-key-stdin",
        stdin="sandbox-key\n",
    )
    assert added.exit_code == 0, added
    return ["-p", "rd"]


@pytest.fixture
def provider(target: list[str], request: pytest.FixtureRequest) -> Iterator[object]:
    """The Rundl provider on the same sandbox as ``target`` (for get_order, which poll uses)."""
    from bookctl.core.config import Profile, embedded_url
    from bookctl.core.embedded import ASGISyncTransport
    from bookctl.core.http import ApiClient, ClientConfig
    from bookctl.core.paths import embedded_sandbox_db
    from bookctl.providers import CATALOGUE
    from bookctl.providers.rundl.client import Rundl
    from bookctl.sandbox.app import create_app

    headers = Rundl.auth_headers("sandbox-key")
    if target[1] == RD:
        transport = ASGISyncTransport(create_app(embedded_sandbox_db()))
        profile = CATALOGUE.builtin_profiles(embedded_url)[RD]
    else:
        transport = None
        url = request.getfixturevalue("served").url + "/rundl/api"
        profile = Profile(name="rd", provider="rundl", base_url=url, account="17357980")
    client = ApiClient(
        ClientConfig(base_url=profile.base_url, auth_headers=headers), transport=transport
    )
    yield Rundl(client, profile)
    client.close()
    if transport is not None:
        transport.close()


def advance(cli: Cli, target: list[str], request: pytest.FixtureRequest, amount: str) -> None:
    args = ["sandbox", "clock", "advance", amount, "--json"]
    if target[1] != RD:
        args += ["--url", request.getfixturevalue("served").url]
    assert cli(*args).exit_code == 0


def cents(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def test_products_of_a_service(cli: Cli, target: list[str]) -> None:
    result = cli(*target, "products", "--service", PURCHASE, "--json")
    assert result.exit_code == 0, result
    products = {p["id"]: p for p in result.json}
    assert set(products) == {"30798131", TITLE_SEARCH, "30798133", GOV_FEE}
    search = products[TITLE_SEARCH]
    assert search["provider"] == "rundl" and search["title"] == "Title search"
    assert search["price_from"] == {"amount": "27.45", "currency": "AUD"}
    every = cli(*target, "products", "--json").json
    assert {"30798231", TITLE_SEARCH} <= {p["id"] for p in every}
    shown = cli(*target, "product", "show", "30798231", "--json")
    assert shown.json["title"] == "Sale contract review"


def test_checkout_has_every_documented_field(cli: Cli, target: list[str]) -> None:
    result = cli(
        *target,
        "basket",
        "add",
        "--service",
        PURCHASE,
        "--product",
        TITLE_SEARCH,
        "--product",
        GOV_FEE,
        "--qty",
        "3",
        "--json",
        "--raw",
    )
    assert result.exit_code == 0, result
    cart, raw = result.json, result.json["raw"]
    assert cart["provider"] == "rundl" and cart["state"] == "open"
    assert cart["currency"] == "AUD" and cart["expires_at"] is None
    assert [(ln["product_id"], ln["quantity"], ln["amount"]) for ln in cart["lines"]] == [
        (TITLE_SEARCH, 3, "82.35"),
        (GOV_FEE, 3, "99.30"),
    ]
    assert cart["total"] == "189.89"

    assert raw["id"] == int(cart["id"]) and raw["object"] == "checkout"
    assert raw["seller"] == {"global_type": 0, "id": 286896, "name": "Rundl Pty Ltd"}
    assert raw["buyer"] == {"global_type": 0, "id": 17357980, "name": "World Conveyancing"}
    assert raw["status"] == 0 and raw["product_order"] is None
    assert raw["service"] == int(PURCHASE)
    assert raw["related"] is None and raw["rundl"] is None and raw["payment_token"] is None
    assert raw["currency"] == "AUD"
    assert raw["payment_account_types"] == ["credit_card", "manual"]
    assert re.fullmatch(r"/Date\(\d{13}\+0000\)/", raw["created_date"])
    first, second = raw["items"]
    assert first["product"] == {
        "id": 30798132,
        "object": "product",
        "currency": "AUD",
        "name": "Title search",
        "price": "27.45",
    }
    assert first["quantity"] == "3" and first["amount"] == "82.35"
    assert first["tax_id"] == 30734732 and first["tax_status"] == 1
    assert first["tax_lines"] == [{"amount": 10, "name": "GST"}]
    assert first["tax_amount"] == "8.24"  # 8.235 rounds half up
    assert first["reference"] is None and first["data"] is None
    assert second["tax_amount"] == "0.00" and second["tax_status"] == 0
    assert second["tax_lines"] == [{"amount": 0, "name": "GST-free"}]
    for name in ("items_total_price", "total_tax", "total_price"):
        assert isinstance(raw[name], str)
    items_total = sum(Decimal(i["amount"]) for i in raw["items"])
    tax_total = sum(Decimal(i["tax_amount"]) for i in raw["items"])
    assert Decimal(raw["items_total_price"]) == items_total == Decimal("181.65")
    assert Decimal(raw["total_tax"]) == tax_total == Decimal("8.24")
    assert Decimal(raw["total_price"]) == items_total + tax_total

    shown = cli(*target, "cart", "show", "--json")
    assert shown.exit_code == 0, shown
    assert shown.json == {k: v for k, v in cart.items() if k != "raw"}


@pytest.mark.parametrize("qty", [1, 2, 3, 7])
def test_tax_is_rounded_half_up_per_line(cli: Cli, qty: int) -> None:
    result = cli(
        "-p",
        RD,
        "basket",
        "add",
        "--service",
        PURCHASE,
        "--product",
        TITLE_SEARCH,
        "--qty",
        str(qty),
        "--json",
        "--raw",
    )
    assert result.exit_code == 0, result
    item = result.json["raw"]["items"][0]
    amount = Decimal("27.45") * qty
    assert item["amount"] == str(amount)
    assert item["tax_amount"] == str(cents(amount / 10))
    assert result.json["total"] == str(amount + cents(amount / 10))


def test_documented_body_from_file(cli: Cli, target: list[str], tmp_path: Path) -> None:
    body = tmp_path / "checkout.json"
    body.write_text(json.dumps(DOC_BODY))
    result = cli(*target, "basket", "add", "--file", str(body), "--json", "--raw")
    assert result.exit_code == 0, result
    raw = result.json["raw"]
    assert raw["items"][0]["product"]["name"] == "kzi68b4 hosted rundl"
    assert (raw["items_total_price"], raw["total_tax"], raw["total_price"]) == (
        "0.00",
        "0.00",
        "0.00",
    )


def test_manual_purchase_settles_as_invoiced(
    cli: Cli, target: list[str], provider: object, request: pytest.FixtureRequest
) -> None:
    cart = cli(*target, "basket", "add", "--service", PURCHASE, "--product", TITLE_SEARCH, "--json")
    assert cart.exit_code == 0, cart
    done = cli(*target, "checkout", "--json")
    assert done.exit_code == 0, done
    order = done.json
    assert order["cart_id"] == cart.json["id"]
    assert order["state"] == "processing" and order["payment_state"] == "pending"
    assert order["total"] == "30.20" and order["currency"] == "AUD"
    assert order["completed_at"] is None
    assert order["details"]["payment_account_type"] == "manual"
    assert re.fullmatch(
        r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", order["details"]["created_at"]
    )
    from bookctl.providers.rundl.client import Rundl

    assert isinstance(provider, Rundl)
    assert provider.get_order(order["id"], None)[0].state == "processing"
    advance(cli, target, request, "10s")
    settled, raw = provider.get_order(order["id"], None)
    assert settled.state == "invoiced" and settled.payment_state == "invoiced"
    assert settled.completed_at is not None and settled.completed_at.endswith("+00:00")
    assert raw["checkout"] == int(cart.json["id"])


def test_card_purchase_needs_a_token_and_settles_complete(
    cli: Cli,
    target: list[str],
    provider: object,
    request: pytest.FixtureRequest,
    isolated: dict[str, Path],
) -> None:
    added = cli(*target, "basket", "add", "--service", SALE, "--product", "30798231", "--json")
    assert added.exit_code == 0, added
    assert added.json["total"] == "384.99"  # 349.99 + 35.00 (34.999 rounded)
    before = snapshot(isolated["state"])
    assert_clean_error(cli(*target, "checkout"), 2, "--payment-token")
    declined = cli(*target, "checkout", "--payment-token", "tok_declined")
    assert_clean_error(declined, 4, "declined")
    assert snapshot(isolated["state"]) == before
    assert cli(*target, "cart", "show", "--json").json["state"] == "open"

    done = cli(*target, "checkout", "--payment-token", "tok_visa", "--json", "--raw")
    assert done.exit_code == 0, done
    assert done.json["state"] == "processing"
    assert done.json["raw"]["checkout"]["status"] == 1
    assert done.json["raw"]["checkout"]["product_order"] == int(done.json["id"])
    advance(cli, target, request, "10s")
    from bookctl.providers.rundl.client import Rundl

    assert isinstance(provider, Rundl)
    settled, _ = provider.get_order(done.json["id"], None)
    assert (settled.state, settled.payment_state) == ("complete", "paid")
    # A retry reports the purchase it finds instead of failing (issue 10).
    again = cli(
        *target, "checkout", "--cart", added.json["id"], "--payment-token", "tok_visa", "--json"
    )
    assert again.exit_code == 0, again
    assert "already purchased" in again.stderr
    assert (again.json["id"], again.json["state"]) == (done.json["id"], "complete")


def test_card_failure_shows_after_processing(
    cli: Cli, target: list[str], provider: object, request: pytest.FixtureRequest
) -> None:
    assert cli(*target, "basket", "add", "--service", SALE, "--product", "30798232").exit_code == 0
    done = cli(*target, "checkout", "--payment-token", "tok_fails_later", "--json")
    assert done.json["state"] == "processing"
    advance(cli, target, request, "6s")
    from bookctl.providers.rundl.client import Rundl

    assert isinstance(provider, Rundl)
    assert provider.get_order(done.json["id"], None)[0].payment_state == "failed"


def test_rundl_date_format_is_iso() -> None:
    from bookctl.providers.rundl.client import parse_date

    assert parse_date("/Date(1532940986653+0000)/") == "2018-07-30T08:56:26.653+00:00"
    assert parse_date("/Date(0)/") == "1970-01-01T00:00:00.000+00:00"
    assert parse_date(None) is None
