"""The BookingBug sandbox at the HTTP level: auth, Auth-Token, holds, deals, wallets, stats."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

BB = "/bookingbug/api/v1/37000"
APP = {"App-Id": "tests", "App-Key": "sandbox-key"}


def add_item(client: TestClient, token: str | None = None, **params: Any) -> Any:
    headers = {**APP, **({"Auth-Token": token} if token else {})}
    return client.post(f"{BB}/basket/add_item", params=params, headers=headers)


def test_app_key_is_required(client: TestClient) -> None:
    assert client.get(f"{BB}/events", headers={"App-Key": "wrong"}).status_code == 401
    assert client.get(f"{BB}/events", headers={"Authorization": ""}).status_code == 401
    assert client.get(f"{BB}/events", headers=APP).status_code == 200
    missing = client.get("/bookingbug/api/v1/1/events", headers=APP)
    assert missing.status_code == 404 and missing.json()["code"] == "company_not_found"


def test_basket_calls_need_the_auth_token(client: TestClient) -> None:
    added = add_item(client, event_id=7001)
    assert added.status_code == 201
    token = added.headers["Auth-Token"]
    without = client.get(f"{BB}/basket", headers=APP)
    assert without.status_code == 401 and without.json()["code"] == "auth_token_required"
    wrong = client.get(f"{BB}/basket", headers={**APP, "Auth-Token": "nope"})
    assert wrong.status_code == 401 and wrong.json()["code"] == "invalid_auth_token"
    checkout = client.post(f"{BB}/basket/checkout", params={"member_id": 1001}, headers=APP)
    assert checkout.status_code == 401
    basket = client.get(f"{BB}/basket", headers={**APP, "Auth-Token": token}).json()
    assert basket["id"] == added.json()["id"] and basket["status"] == "open"


def test_add_item_adds_to_the_basket_of_its_token(client: TestClient) -> None:
    first = add_item(client, event_id=7001)
    token = first.headers["Auth-Token"]
    second = add_item(client, token, product_id=9001)
    assert second.headers["Auth-Token"] == token
    assert second.json()["id"] == first.json()["id"]
    assert [i["type"] for i in second.json()["items"]] == ["event", "product"]
    other = add_item(client, event_id=7001)
    assert other.json()["id"] != first.json()["id"]


def test_replayed_add_item_gives_the_same_token(client: TestClient) -> None:
    headers = {**APP, "Idempotency-Key": "k1"}
    first = client.post(f"{BB}/basket/add_item", params={"event_id": 7001}, headers=headers)
    again = client.post(f"{BB}/basket/add_item", params={"event_id": 7001}, headers=headers)
    assert again.headers["Auth-Token"] == first.headers["Auth-Token"]
    assert again.headers["idempotent-replayed"] == "true"
    event = client.get(f"{BB}/events/7001", headers=APP).json()
    assert event["spaces_left"] == 39


@pytest.mark.parametrize(
    ("params", "price", "discount"),
    [
        ({"event_id": 7001, "deal_id": 4001}, 2500, 250),
        ({"service_id": 6001, "deal_id": 4002}, 3000, 500),
        ({"event_id": 7101, "package_id": 8001}, 3000, 0),
        ({"event_id": 7001, "bulk_purchase_id": 3001, "deal_id": 4001}, 0, 0),
    ],
)
def test_prices_deals_packages_and_bulk_purchases(
    client: TestClient, params: dict[str, int], price: int, discount: int
) -> None:
    item = add_item(client, **params).json()["items"][0]
    assert (item["price"], item["discount"], item["total_price"]) == (
        price,
        discount,
        price - discount,
    )


def test_hold_expires_and_releases_places(client: TestClient) -> None:
    token = add_item(client, event_id=7201).headers["Auth-Token"]
    assert client.get(f"{BB}/events/7201", headers=APP).json()["spaces_left"] == 1
    client.post("/_sandbox/clock", json={"advance_seconds": 15 * 60 + 1})
    assert client.get(f"{BB}/events/7201", headers=APP).json()["spaces_left"] == 2
    basket = client.get(f"{BB}/basket", headers={**APP, "Auth-Token": token}).json()
    assert basket["status"] == "expired"
    refused = client.post(
        f"{BB}/basket/checkout",
        params={"member_id": 1001},
        headers={**APP, "Auth-Token": token},
    )
    assert refused.status_code == 409 and refused.json()["code"] == "basket_expired"
    assert client.get("/_sandbox/stats").json()["bookingbug"]["expired_baskets"] == 1


def test_wallet_checkout_and_top_up(client: TestClient) -> None:
    token = add_item(client, event_id=7001).headers["Auth-Token"]
    headers = {**APP, "Auth-Token": token}
    poor = client.post(
        f"{BB}/basket/checkout",
        params={"member_id": 1002, "take_from_wallet": "true"},
        headers=headers,
    )
    assert poor.status_code == 409 and poor.json()["code"] == "no_wallet_credit"
    bad = client.post("/_sandbox/bookingbug/wallets/1002", json={"amount": 0})
    assert bad.status_code == 422
    assert client.post("/_sandbox/bookingbug/wallets/9999", json={"amount": 5}).status_code == 404
    client.post("/_sandbox/bookingbug/wallets/1002", json={"amount": 1000})
    paid = client.post(
        f"{BB}/basket/checkout",
        params={"member_id": 1002, "take_from_wallet": "true"},
        headers=headers,
    ).json()
    assert (paid["paid_from_wallet"], paid["amount_due"], paid["wallet"]["amount"]) == (
        1000,
        1500,
        0,
    )
    assert paid["payment_status"] == "balance_due"
    assert client.get(f"{BB}/purchases/{paid['id']}", headers=APP).json() == paid
    client.post("/_sandbox/reset")
    assert client.get("/_sandbox/bookingbug/wallets/1002").json()["amount"] == 0


def test_clients_are_created_and_found(client: TestClient) -> None:
    made = client.post(
        f"{BB}/client",
        json={"first_name": "Ann", "last_name": "Lee", "email": "Ann@Example.com"},
        headers=APP,
    )
    assert made.status_code == 201
    found = client.get(f"{BB}/client/find_by_email/ann@example.com", headers=APP).json()
    assert found == made.json() == client.get(f"{BB}/client/{found['id']}", headers=APP).json()
    invalid = client.post(f"{BB}/client", json={"first_name": "A"}, headers=APP)
    assert invalid.status_code == 422
