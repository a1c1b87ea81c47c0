"""The Rundl sandbox at the HTTP level: auth, account, tax arithmetic, product order states."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st

from bookctl.sandbox.rundl.routes import _item
from bookctl.sandbox.rundl.seed import PRODUCTS, SERVICES, TAXES

RD = "/rundl/api"
# The document's `OAuth <Base64-Encoded-User-Access-Token>`, the token being the sandbox key.
OAUTH = {"Authorization": "OAuth c2FuZGJveC1rZXk="}
ACCOUNT = {"account": "17357980"}


def create(client: TestClient, *items: tuple[int, int], service: int = 30798101) -> dict:
    body = {
        "checkout": {
            "service": service,
            "items": [{"product": {"id": p}, "quantity": q} for p, q in items],
        }
    }
    answer = client.post(f"{RD}/checkouts", params=ACCOUNT, json=body, headers=OAUTH)
    assert answer.status_code == 201, answer.text
    result: dict = answer.json()
    return result


def test_oauth_token_and_account_are_required(client: TestClient) -> None:
    assert client.get(f"{RD}/services", params=ACCOUNT).status_code == 401
    bearer = {"Authorization": "Bearer sandbox-key"}
    assert client.get(f"{RD}/services", params=ACCOUNT, headers=bearer).status_code == 401
    assert client.get(f"{RD}/services", headers=OAUTH).status_code == 422
    unknown = client.get(f"{RD}/services", params={"account": "5"}, headers=OAUTH)
    assert unknown.status_code == 404


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(sorted(p for p in PRODUCTS if PRODUCTS[p].service_id == 30798101)),
            st.integers(1, 999),
        ),
        min_size=1,
        max_size=5,
    )
)
def test_tax_lines_round_half_up_and_totals_add_up(items: list[tuple[int, int]]) -> None:
    service = SERVICES[30798101]
    lines = [
        _item({"product": {"id": p}, "quantity": q}, n, service) for n, (p, q) in enumerate(items)
    ]
    for line, (pid, qty) in zip(lines, items, strict=True):
        product = PRODUCTS[pid]
        amount = product.price * qty
        rate = Decimal(TAXES[product.tax_id].percent) / 100
        assert Decimal(line["amount"]) == amount
        expected = (amount * rate).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        assert Decimal(line["tax_amount"]) == expected
        assert line["tax_amount"] == f"{expected:.2f}"


def test_checkout_totals_are_sums_of_rounded_lines(client: TestClient) -> None:
    checkout = create(client, (30798132, 1), (30798132, 1), (30798133, 1))
    # 2.745 + 2.745 + 19.995 each round up on their own line
    assert [i["tax_amount"] for i in checkout["items"]] == ["2.75", "2.75", "20.00"]
    assert checkout["total_tax"] == "25.50"
    assert checkout["items_total_price"] == "254.85"
    assert checkout["total_price"] == "280.35"


def test_product_order_settles_by_the_sandbox_clock(client: TestClient) -> None:
    checkout = create(client, (30798132, 2))
    bought = client.post(
        f"{RD}/checkouts/{checkout['id']}/purchase",
        params=ACCOUNT,
        json={"payment_account_type": "credit_card", "payment_token": "tok_visa"},
        headers=OAUTH,
    ).json()
    order_url = f"{RD}/product_orders/{bought['product_order']}"
    order = client.get(order_url, params=ACCOUNT, headers=OAUTH).json()
    assert order["status"] == "processing" and order["completed_date"] is None
    assert client.get("/_sandbox/stats").json()["rundl"]["processing_orders"] == 1
    client.post("/_sandbox/clock", json={"advance_seconds": 5})
    order = client.get(order_url, params=ACCOUNT, headers=OAUTH).json()
    assert order["status"] == "complete" and order["completed_date"].startswith("/Date(")
    again = client.post(
        f"{RD}/checkouts/{checkout['id']}/purchase",
        params=ACCOUNT,
        json={"payment_account_type": "manual"},
        headers=OAUTH,
    )
    assert again.status_code == 409 and again.json()["code"] == "checkout_completed"
    other = client.get(order_url, params={"account": "17357981"}, headers=OAUTH)
    assert other.status_code == 404


def test_purchase_rules(client: TestClient) -> None:
    checkout = create(client, (30798231, 1), service=30798201)
    url = f"{RD}/checkouts/{checkout['id']}/purchase"
    manual = client.post(
        url, params=ACCOUNT, json={"payment_account_type": "manual"}, headers=OAUTH
    )
    assert manual.status_code == 422 and manual.json()["code"] == "payment_type_not_accepted"
    tokenless = client.post(
        url, params=ACCOUNT, json={"payment_account_type": "credit_card"}, headers=OAUTH
    )
    assert tokenless.status_code == 422 and tokenless.json()["code"] == "payment_token_required"
    assert (
        client.get(f"{RD}/checkouts/{checkout['id']}", params=ACCOUNT, headers=OAUTH).json()[
            "status"
        ]
        == 0
    )
