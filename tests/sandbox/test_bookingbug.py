"""The BookingBug sandbox at the HTTP level: auth, Auth-Token, holds, deals, wallets, stats.

Answers follow BookingBug's public REST docs: HAL baskets (`_embedded.items`, `_links`) and
purchase totals (`id`, `long_id`, `total_price`, `paid`, `due_now`).
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

BB = "/bookingbug/api/v1/37000"
APP = {"App-Id": "bookctl-sandbox", "App-Key": "sandbox-key"}


def add_item(client: TestClient, token: str | None = None, **params: Any) -> Any:
    headers = {**APP, **({"Auth-Token": token} if token else {})}
    return client.post(f"{BB}/basket/add_item", params=params, headers=headers)


def items(answer: Any) -> list[dict[str, Any]]:
    basket = answer.json() if hasattr(answer, "json") else answer
    result: list[dict[str, Any]] = basket["_embedded"]["items"]
    return result


def test_app_key_and_app_id_are_required(client: TestClient) -> None:
    assert client.get(f"{BB}/events", headers={"App-Key": "wrong"}).status_code == 401
    wrong_app = client.get(f"{BB}/events", headers={**APP, "App-Id": "bookctl"})
    assert wrong_app.status_code == 401 and wrong_app.json()["code"] == "invalid_app_id"
    no_app = client.get(f"{BB}/events", headers={"App-Key": "sandbox-key"})
    assert no_app.status_code == 401
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
    assert basket == added.json()
    assert set(basket) == {"company_id", "total_price", "total_due_price", "_embedded", "_links"}
    assert basket["_links"]["checkout"]["href"].endswith(
        "/37000/basket/checkout{?member_id,take_from_wallet}"
    )
    (item,) = items(basket)
    assert isinstance(item["id"], str) and item["num_book"] == 1 and item["event_id"] == 7001


def test_add_item_adds_to_the_basket_of_its_token(client: TestClient) -> None:
    first = add_item(client, event_id=7001)
    token = first.headers["Auth-Token"]
    second = add_item(client, token, product_id=9001)
    assert second.headers["Auth-Token"] == token
    assert [i["type"] for i in items(second)] == ["event", "product"]
    assert items(second)[0] == items(first)[0]
    other = add_item(client, event_id=7001)
    assert other.headers["Auth-Token"] != token and len(items(other)) == 1


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
    item = items(add_item(client, **params))[0]
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
    assert basket["_embedded"]["items"] == [] and basket["total_price"] == 0
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
    assert (paid["total_price"], paid["paid"], paid["due_now"]) == (2500, 1000, 1500)
    assert paid["_embedded"]["member"]["id"] == 1002
    assert [b["event_id"] for b in paid["_embedded"]["bookings"]] == [7001]
    assert client.get("/_sandbox/bookingbug/wallets/1002").json()["amount"] == 0
    assert paid["_links"]["self"]["href"].endswith(f"/purchases/{paid['long_id']}")
    assert client.get(f"/bookingbug/api/v1/purchases/{paid['long_id']}", headers=APP).json() == paid
    basket = client.get(f"{BB}/basket", headers=headers).json()
    assert basket["_embedded"]["items"] == []
    again = client.post(f"{BB}/basket/checkout", params={"member_id": 1002}, headers=headers)
    assert again.status_code == 409 and again.json()["code"] == "basket_checked_out"
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


def test_login_gives_an_auth_token_for_the_admin_purchase_calls(client: TestClient) -> None:
    login = "/bookingbug/api/v1/login"
    wrong = client.post(
        login, json={"email": "admin@oldmill.example", "password": "no"}, headers=APP
    )
    assert wrong.status_code == 401
    no_app = client.post(
        login,
        json={"email": "admin@oldmill.example", "password": "sandbox-password"},
        headers={"App-Key": "sandbox-key"},
    )
    assert no_app.status_code == 401
    answer = client.post(
        login, json={"email": "admin@oldmill.example", "password": "sandbox-password"}, headers=APP
    )
    assert answer.status_code == 201
    body = answer.json()
    token = body["auth_token"]
    assert body["company_id"] == 37000 and body["_embedded"]["administrators"][0]["role"]
    purchases = "/bookingbug/api/v1/admin/37000/purchases"
    since = {"created_from": "2000-01-01T00:00:00"}
    assert client.get(purchases, params=since, headers=APP).status_code == 401
    assert client.get(purchases, headers={**APP, "Auth-Token": token}).status_code == 422
    # A login's token opens a new basket on add_item; the basket gets a token of its own.
    added = add_item(client, token, event_id=7001)
    assert added.status_code == 201 and added.headers["Auth-Token"] != token
    basket_token = added.headers["Auth-Token"]
    made = client.post(
        f"{BB}/basket/checkout",
        params={"member_id": 1001, "take_from_wallet": "false"},
        headers={**APP, "Auth-Token": basket_token},
    ).json()
    listed = client.get(purchases, params=since, headers={**APP, "Auth-Token": token}).json()
    assert listed["_embedded"]["purchases"] == [made]
    later = {"created_from": "2999-01-01T00:00:00"}
    assert (
        client.get(purchases, params=later, headers={**APP, "Auth-Token": token}).json()[
            "_embedded"
        ]["purchases"]
        == []
    )
    one = client.get(f"{purchases}/{made['id']}", headers={**APP, "Auth-Token": token})
    assert one.json() == made
