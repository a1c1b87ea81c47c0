"""The Wix and Guest Manager emulations at the HTTP level: auth, error shapes, state machine."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from bookctl.sandbox.app import create_app

GM = "/guestmanager"
WIX = "/wix/bookings/v1"
GM_AUTH = {"Authorization": "Token sandbox-key"}
WIX_AUTH = {"Authorization": "sandbox-key"}


def gm_order(client: TestClient, *items: tuple[int, int]) -> dict[str, Any]:
    body = {"order": {"line_items": [{"ticket_type_id": t, "quantity": q} for t, q in items]}}
    response = client.post(f"{GM}/orders", json=body, headers=GM_AUTH)
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()
    return data


def test_auth_schemes(client: TestClient) -> None:
    assert client.get(f"{GM}/events", headers=GM_AUTH).status_code == 200
    wrong = client.get(f"{GM}/events", headers={"Authorization": "Bearer sandbox-key"})
    assert wrong.status_code == 401
    assert wrong.json() == {
        "error": {"type": "unauthorized", "message": "Invalid or missing API token."}
    }
    assert client.get(f"{WIX}/catalog/services", headers=WIX_AUTH).status_code == 200
    assert client.get(f"{WIX}/catalog/services", headers=GM_AUTH).status_code == 401


def test_guest_manager_rate_limit_fault_has_retry_after(client: TestClient) -> None:
    assert client.put("/_sandbox/faults", json={"spec": "429=1"}).status_code == 200
    limited = client.get(f"{GM}/events", headers=GM_AUTH)
    assert limited.status_code == 429
    assert limited.headers["retry-after"] == "1"


def test_checkout_steps_and_state_errors(client: TestClient) -> None:
    order = gm_order(client, (603, 1))
    assert order["checkout_steps"] == [
        "tickets",
        "address",
        "form",
        "payment",
        "confirm",
        "complete",
    ]
    oid = order["id"]
    early = client.patch(f"{GM}/checkout/{oid}/next", headers=GM_AUTH)
    assert early.status_code == 422 and early.json()["error"]["type"] == "checkout_not_allowed"
    guest = {"state": "cart", "email": "a@b.co", "first_name": "A", "last_name": "B"}
    assert (
        client.patch(f"{GM}/checkout/{oid}", json={"order": guest}, headers=GM_AUTH).json()["state"]
        == "cart"
    )
    assert client.patch(f"{GM}/checkout/{oid}/next", headers=GM_AUTH).json()["state"] == "tickets"
    stale = client.patch(f"{GM}/checkout/{oid}", json={"order": {"state": "form"}}, headers=GM_AUTH)
    assert stale.status_code == 409 and stale.json()["error"]["type"] == "invalid_state"
    skip = client.patch(f"{GM}/checkout/{oid}/next", headers=GM_AUTH)
    assert skip.status_code == 409 and skip.json()["error"]["type"] == "invalid_state"
    ticket = order["tickets"][0]["id"]
    body = {"order": {"state": "tickets", "tickets": [{"id": ticket, "keep": True}]}}
    moved = client.patch(f"{GM}/checkout/{oid}", json=body, headers=GM_AUTH).json()
    assert moved["state"] == "address" and moved["tickets"][0]["name"] == "A B"
    back = client.patch(f"{GM}/checkout/{oid}/next", json={"state": "tickets"}, headers=GM_AUTH)
    assert back.json()["state"] == "tickets"
    forward = client.patch(f"{GM}/checkout/{oid}/next", headers=GM_AUTH)
    assert forward.json()["state"] == "address"  # the tickets step was already satisfied


def test_payment_refuses_card_data(client: TestClient) -> None:
    order = gm_order(client, (601, 1))
    oid = order["id"]
    guest = {"state": "cart", "email": "a@b.co", "first_name": "A", "last_name": "B"}
    client.patch(f"{GM}/checkout/{oid}", json={"order": guest}, headers=GM_AUTH)
    client.patch(f"{GM}/checkout/{oid}/next", headers=GM_AUTH)
    address = {"address1": "1", "city": "c", "zipcode": "1", "country_code": "GB"}
    client.patch(
        f"{GM}/checkout/{oid}",
        json={"order": {"state": "address", "bill_address": address}},
        headers=GM_AUTH,
    )
    unchosen = {"order": {"state": "payment", "payments": [{"token": "tok_visa"}]}}
    refused = client.patch(f"{GM}/checkout/{oid}", json=unchosen, headers=GM_AUTH)
    assert refused.status_code == 422 and "payment_methods" in refused.json()["error"]["message"]
    card = {"order": {"state": "payment", "payments": [{"number": "4242424242424242"}]}}
    refused = client.patch(f"{GM}/checkout/{oid}", json=card, headers=GM_AUTH)
    assert refused.status_code == 422 and "card data" in refused.json()["error"]["message"]
    assert client.get(f"{GM}/orders/{oid}", headers=GM_AUTH).json()["state"] == "payment"


def test_expired_order_stops_holding_and_resume_finds_it_by_number(client: TestClient) -> None:
    order = gm_order(client, (602, 10))
    client.post("/_sandbox/clock", json={"advance_seconds": 901})
    stats = client.get("/_sandbox/stats").json()["guestmanager"]
    assert stats["expired_orders"] == 1 and stats["open_orders"] == 0
    other = gm_order(client, (602, 4))
    assert other["state"] == "cart"
    missing = client.patch(f"{GM}/checkout/R999/resume", headers=GM_AUTH)
    assert missing.status_code == 404
    resumed = client.patch(f"{GM}/checkout/{order['number']}/resume", headers=GM_AUTH).json()
    assert resumed["state"] == "cart"
    assert resumed["unavailable"] == [
        {"ticket_type_id": 602, "name": "VIP", "requested": 10, "reserved": 6, "reason": "sold_out"}
    ]
    assert len(resumed["tickets"]) == 6


def test_wix_checkout_rules(client: TestClient) -> None:
    session = client.get(
        f"{WIX}/calendar/sessions",
        params={"serviceId": "f9969221-88b0-442d-9bfa-b7f0b739b0fc"},
        headers=WIX_AUTH,
    ).json()["sessions"][0]
    body = {
        "bookedEntity": {"singleSession": {"sessionId": session["id"]}},
        "formInfo": {"contactDetails": {"firstName": "H", "email": "h@x.com"}},
    }
    booking = client.post(f"{WIX}/bookings", json=body, headers=WIX_AUTH).json()["booking"]
    assert booking["status"] == "PENDING_CHECKOUT"
    path = f"{WIX}/bookings/{booking['id']}/checkout"
    both = client.post(
        path, json={"couponCode": "HALFOFF", "planSelection": {"planId": "x"}}, headers=WIX_AUTH
    )
    assert both.status_code == 422 and both.json()["code"] == "COUPON_WITH_PAID_PLAN"
    free = client.post(path, json={"couponCode": "FREECLASS"}, headers=WIX_AUTH).json()["booking"]
    assert free["status"] == "CONFIRMED"
    assert free["paymentDetails"]["balance"]["finalPrice"]["amount"] == "0"
    stats = client.get("/_sandbox/stats").json()["wix"]
    assert stats["confirmed"] == 1 and stats["checkouts"] == 1


def test_catalogue_is_served_without_state(tmp_path: Any) -> None:
    with TestClient(create_app(tmp_path / "x.db")) as fresh:
        events = fresh.get(f"{GM}/events", headers=GM_AUTH).json()
        assert {e["id"] for e in events} == {501, 502, 503, 504, 505, 506}
        countries = fresh.get(f"{GM}/countries", headers=GM_AUTH).json()
        assert {"id": 162, "abbr": "WA"} in next(c for c in countries if c["iso"] == "AU")["states"]


def test_stats_judge_processing_at_sandbox_now(client: TestClient) -> None:
    for token in ("tok_visa", "tok_declined"):
        oid = gm_order(client, (601, 1))["id"]
        guest = {"state": "cart", "email": "a@b.co", "first_name": "A", "last_name": "B"}
        client.patch(f"{GM}/checkout/{oid}", json={"order": guest}, headers=GM_AUTH)
        client.patch(f"{GM}/checkout/{oid}/next", headers=GM_AUTH)
        address = {"address1": "1", "city": "c", "zipcode": "1", "country_code": "GB"}
        steps: list[dict[str, Any]] = [
            {"state": "address", "bill_address": address},
            {"state": "payment", "payments": [{"payment_method_id": 1, "token": token}]},
            {"state": "confirm"},
        ]
        for step in steps:
            moved = client.patch(f"{GM}/checkout/{oid}", json={"order": step}, headers=GM_AUTH)
            assert moved.status_code == 200, moved.text
    stats = client.get("/_sandbox/stats").json()["guestmanager"]
    assert (stats["processing_orders"], stats["transitions"]) == (2, 6)
    client.post("/_sandbox/clock", json={"advance_seconds": 31})
    stats = client.get("/_sandbox/stats").json()["guestmanager"]
    assert (stats["complete_orders"], stats["open_orders"], stats["processing_orders"]) == (1, 1, 0)
    client.post("/_sandbox/clock", json={"advance_seconds": 15 * 60})
    stats = client.get("/_sandbox/stats").json()["guestmanager"]
    assert (stats["complete_orders"], stats["expired_orders"]) == (1, 1)
