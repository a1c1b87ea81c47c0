"""Bookinglayer carts: add, view, extend, abandon, expiry, checkout, inventory."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from .helpers import (
    BL,
    add,
    checkout_body,
    doc_guest,
    double_room_left,
    free_monday,
    sandbox_today,
    simple_guest,
)


def _expiry(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S%z")


def _now(client: TestClient) -> datetime:
    return datetime.strptime(
        client.get("/_sandbox/clock").json()["now"], "%Y-%m-%dT%H:%M:%SZ"
    ).replace(tzinfo=UTC)


def _view(client: TestClient, added: Any) -> dict[str, Any]:
    """The cart a `/bookings/add` answer names, read with `GET /carts/{cart_id}`."""
    cart: dict[str, Any] = client.get(f"{BL}/carts/{added.json()['cart_id']}").json()
    return cart


def test_document_booking_example_makes_an_open_cart(client: TestClient) -> None:
    start = free_monday(client)
    response = add(client, [doc_guest(start)])
    assert response.status_code == 201, response.text
    # The document's answer is the cart id alone; the cart is read with GET /carts/{cart_id}.
    assert response.json() == {"cart_id": response.json()["cart_id"]}
    cart = _view(client, response)
    assert cart["status"] == "open"
    assert cart["currency"] == "EUR"
    assert cart["booking"] is None
    remaining = _expiry(cart["expiry_date"]) - _now(client)
    assert timedelta(minutes=9) < remaining <= timedelta(minutes=10, seconds=1)
    (guest,) = cart["guests"]
    assert guest["package"] == {
        "id": 384,
        "title": "Surf Camp",
        "start_date": start.isoformat(),
        "end_date": (start + timedelta(days=7)).isoformat(),
        "accommodation_id": 392,
    }
    by_item = {line["package_item_id"]: line for line in cart["lines"]}
    # package line, accommodation line, 394, 400, 385 and the default 27299 on the other days
    assert set(by_item) == {None, 394, 400, 385, 27299}
    assert by_item[400]["dates"] == [
        f"{start + timedelta(days=1)} 10:30:00",
        f"{start + timedelta(days=6)} 15:00:00",
    ]
    default_days = set(by_item[27299]["dates"])
    assert len(default_days) == 5
    assert not default_days & set(by_item[385]["dates"])
    assert all(line["guest_email"] == "ollie@bookinglayer.com" for line in cart["lines"])
    assert cart["total_price"] == pytest.approx(sum(line["price"] for line in cart["lines"]))
    assert guest["lines"] == cart["lines"]


def test_default_items_sent_by_the_client_are_ignored(client: TestClient) -> None:
    start = free_monday(client)
    guest = simple_guest(start, "a@example.com")
    guest["package"]["items"] = [{"package_item_id": 27299, "dates": [start.isoformat()]}]
    cart = _view(client, add(client, [guest]))
    (default,) = [line for line in cart["lines"] if line["package_item_id"] == 27299]
    assert len(default["dates"]) == 7


def test_add_to_existing_cart_and_currency(client: TestClient) -> None:
    start = free_monday(client)
    first = add(client, [simple_guest(start, "a@example.com")]).json()
    second = add(client, [simple_guest(start, "b@example.com")], cart_id=first["cart_id"])
    assert second.status_code == 201
    assert second.json() == {"cart_id": first["cart_id"]}
    assert len(_view(client, second)["guests"]) == 2
    duplicate = add(client, [simple_guest(start, "a@example.com")], cart_id=first["cart_id"])
    assert duplicate.status_code == 422
    assert duplicate.json()["code"] == "duplicate_email"
    usd = _view(
        client,
        client.post(
            f"{BL}/bookings/add",
            json={"currency": "USD", "guests": [simple_guest(start, "c@example.com")]},
        ),
    )
    eur = _view(client, add(client, [simple_guest(start, "c@example.com")]))
    assert usd["total_price"] == pytest.approx(eur["total_price"] * 1.08, abs=0.05)


def test_unknown_cart_is_404(client: TestClient) -> None:
    start = free_monday(client)
    assert client.get(f"{BL}/carts/nope").status_code == 404
    response = add(client, [simple_guest(start, "a@example.com")], cart_id="nope")
    assert response.status_code == 404
    assert response.json()["code"] == "cart_not_found"
    for method, path in (
        ("PUT", f"{BL}/carts/nope/extend"),
        ("DELETE", f"{BL}/carts/nope"),
        ("POST", f"{BL}/carts/nope/checkout"),
    ):
        answer = client.request(method, path, json=checkout_body())
        assert answer.status_code == 404
        assert answer.json()["code"] == "cart_not_found"


def _mutations() -> list[tuple[str, Any, str]]:
    def change(path: str, value: Any) -> Any:
        def apply(guest: dict[str, Any], start: date) -> None:
            target = guest
            keys = path.split(".")
            for key in keys[:-1]:
                target = target[int(key)] if isinstance(target, list) else target[key]
            if value is _DELETE:
                del target[keys[-1]]
            else:
                target[keys[-1]] = value(start) if callable(value) else value

        return apply

    return [
        ("first_name", change("first_name", _DELETE), "missing_field"),
        ("email", change("email", "not-an-email"), "invalid_email"),
        ("gender", change("gender", "x"), "invalid_gender"),
        ("language", change("language_code", "english"), "invalid_language"),
        ("date format", change("package.start_date", "01/02/2030"), "invalid_date"),
        (
            "end before start",
            change("package.end_date", lambda s: (s - timedelta(days=1)).isoformat()),
            "invalid_date_range",
        ),
        ("past", change("package.start_date", "2001-01-01"), "date_in_past"),
        (
            "checkin day",
            change("package.start_date", lambda s: (s + timedelta(days=1)).isoformat()),
            "checkin_day_not_allowed",
        ),
        (
            "duration",
            change("package.end_date", lambda s: (s + timedelta(days=21)).isoformat()),
            "invalid_duration",
        ),
        (
            "accommodation missing",
            change("package.accommodation_id", _DELETE),
            "accommodation_required",
        ),
        (
            "accommodation not in package",
            change("package.accommodation_id", 3337),
            "accommodation_not_found",
        ),
        (
            "item not in package",
            change("package.items", [{"package_item_id": 999, "dates": []}]),
            "item_not_in_package",
        ),
        (
            "item date outside",
            change(
                "package.items",
                lambda s: [
                    {"package_item_id": 385, "dates": [(s + timedelta(days=30)).isoformat()]}
                ],
            ),
            "item_date_outside_package",
        ),
        (
            "timeslot missing time",
            change("package.items", lambda s: [{"package_item_id": 400, "dates": [s.isoformat()]}]),
            "invalid_timeslot",
        ),
        (
            "unknown timeslot",
            change(
                "package.items", lambda s: [{"package_item_id": 400, "dates": [f"{s} 09:00:00"]}]
            ),
            "invalid_timeslot",
        ),
        (
            "two options of one group",
            change(
                "package.items",
                lambda s: [
                    {"package_item_id": 401, "dates": [(s + timedelta(days=1)).isoformat()]},
                    {"package_item_id": 402, "dates": [(s + timedelta(days=2)).isoformat()]},
                ],
            ),
            "too_many_options",
        ),
        (
            "radio group overlap",
            change(
                "package.items",
                lambda s: [
                    {"package_item_id": 385, "dates": [(s + timedelta(days=1)).isoformat()]},
                    {"package_item_id": 27300, "dates": [(s + timedelta(days=1)).isoformat()]},
                ],
            ),
            "group_conflict",
        ),
    ]


_DELETE = object()


@pytest.mark.parametrize(("name", "mutate", "code"), _mutations(), ids=[m[0] for m in _mutations()])
def test_add_rejects_invalid_input(client: TestClient, name: str, mutate: Any, code: str) -> None:
    start = free_monday(client)
    guest = doc_guest(start)
    mutate(guest, start)
    response = add(client, [guest])
    expected = 404 if code.endswith("not_found") else 422
    assert response.status_code == expected, response.text
    body = response.json()
    assert body["code"] == code
    assert body["message"]
    if expected == 422:
        assert body["errors"]


def test_add_rejects_unknown_currency_duplicate_emails_and_too_many_guests(
    client: TestClient,
) -> None:
    start = free_monday(client)
    response = client.post(
        f"{BL}/bookings/add", json={"currency": "XYZ", "guests": [doc_guest(start)]}
    )
    assert response.json()["code"] == "unknown_currency"
    assert add(client, [doc_guest(start), doc_guest(start)]).json()["code"] == "duplicate_email"
    guests = [simple_guest(start, f"g{n}@example.com", 393) for n in range(11)]
    assert add(client, guests).json()["code"] == "invalid_pax"
    assert add(client, []).json()["code"] == "missing_field"
    unknown = add(
        client, [{**doc_guest(start), "package": {**doc_guest(start)["package"], "id": 1}}]
    )
    assert unknown.status_code == 404
    assert unknown.json()["code"] == "package_not_found"


def test_day_pass_package_needs_no_accommodation(client: TestClient) -> None:
    day = sandbox_today(client) + timedelta(days=2)
    guest = {
        "first_name": "Ana",
        "last_name": "Lima",
        "gender": "f",
        "package": {
            "id": 450,
            "start_date": day.isoformat(),
            "end_date": (day + timedelta(days=1)).isoformat(),
        },
    }
    response = add(client, [guest])
    assert response.status_code == 201, response.text
    assert _view(client, response)["total_price"] > 0


def test_cart_reserves_inventory_and_abandon_releases_it(client: TestClient) -> None:
    start = free_monday(client)
    before = double_room_left(client, start)
    cart = add(client, [simple_guest(start, "a@example.com"), simple_guest(start, "b@example.com")])
    assert double_room_left(client, start) == before - 2
    assert client.delete(f"{BL}/carts/{cart.json()['cart_id']}").json() == {"success": True}
    assert double_room_left(client, start) == before
    again = client.delete(f"{BL}/carts/{cart.json()['cart_id']}")
    assert again.status_code == 409
    assert again.json()["code"] == "cart_abandoned"
    view = client.get(f"{BL}/carts/{cart.json()['cart_id']}").json()
    assert view["status"] == "abandoned"
    extend = client.put(f"{BL}/carts/{cart.json()['cart_id']}/extend")
    assert extend.status_code == 409


def test_expiry_releases_inventory(client: TestClient) -> None:
    start = free_monday(client)
    before = double_room_left(client, start)
    cart_id = add(client, [simple_guest(start, "a@example.com")]).json()["cart_id"]
    assert double_room_left(client, start) == before - 1
    client.post("/_sandbox/clock", json={"advance_seconds": 11 * 60})
    assert double_room_left(client, start) == before
    assert client.get(f"{BL}/carts/{cart_id}").json()["status"] == "expired"
    for method, path in (
        ("PUT", f"{BL}/carts/{cart_id}/extend"),
        ("POST", f"{BL}/carts/{cart_id}/checkout"),
    ):
        response = client.request(method, path, json=checkout_body())
        assert response.status_code == 409
        assert response.json()["code"] == "cart_expired"
    more = add(client, [simple_guest(start, "b@example.com")], cart_id=cart_id)
    assert more.json()["code"] == "cart_expired"
    stats = client.get("/_sandbox/stats").json()["bookinglayer"]
    assert stats["expired_carts"] == 1
    assert stats["open_carts"] == 0


def test_extend_moves_expiry_to_now_plus_ten_minutes(client: TestClient) -> None:
    start = free_monday(client)
    cart_id = add(client, [simple_guest(start, "a@example.com")]).json()["cart_id"]
    client.post("/_sandbox/clock", json={"advance_seconds": 8 * 60})
    response = client.put(f"{BL}/carts/{cart_id}/extend")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"cart_id", "expiry_date"}
    remaining = _expiry(body["expiry_date"]) - _now(client)
    assert timedelta(minutes=9) < remaining <= timedelta(minutes=10, seconds=1)
    client.post("/_sandbox/clock", json={"advance_seconds": 5 * 60})
    assert client.get(f"{BL}/carts/{cart_id}").json()["status"] == "open"


def test_checkout_confirms_a_booking(client: TestClient) -> None:
    start = free_monday(client)
    cart = _view(client, add(client, [doc_guest(start)]))
    before = double_room_left(client, start)
    response = client.post(f"{BL}/carts/{cart['cart_id']}/checkout", json=checkout_body())
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["cart_id"] == cart["cart_id"]
    assert body["status"] == "checked_out"
    booking = body["booking"]
    assert booking["reference"] == f"BL-{booking['id']}"
    assert booking["status"] == "confirmed"
    assert booking["total_price"] == cart["total_price"]
    assert booking["currency"] == "EUR"
    assert booking["customer"]["phone"] == "403 201 767"
    # inventory stays consumed, even after the cart's expiry time
    client.post("/_sandbox/clock", json={"advance_seconds": 3600})
    assert double_room_left(client, start) == before
    view = client.get(f"{BL}/carts/{cart['cart_id']}").json()
    assert view["status"] == "checked_out"
    assert view["booking"] == booking
    again = client.post(f"{BL}/carts/{cart['cart_id']}/checkout", json=checkout_body())
    assert again.status_code == 409
    assert again.json()["code"] == "cart_checked_out"
    abandon = client.delete(f"{BL}/carts/{cart['cart_id']}")
    assert abandon.json()["code"] == "cart_checked_out"
    stats = client.get("/_sandbox/stats").json()["bookinglayer"]
    assert stats["bookings"] == 1
    assert stats["checkouts"] == 1
    assert stats["booked_guests"] == 1


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"terms_accepted": False}, "terms_accepted", "terms_not_accepted"),
        ({"terms_accepted": None}, "terms_accepted", "terms_not_accepted"),
        (
            {"customer": {**checkout_body()["customer"], "phone": None}},
            "customer.phone",
            "missing_field",
        ),
        (
            {"customer": {**checkout_body()["customer"], "email": "nope"}},
            "customer.email",
            "invalid_email",
        ),
        (
            {"customer": {**checkout_body()["customer"], "first_name": ""}},
            "customer.first_name",
            "missing_field",
        ),
        ({"customer": None}, "customer", "missing_field"),
    ],
)
def test_checkout_rules(client: TestClient, changes: dict[str, Any], field: str, code: str) -> None:
    start = free_monday(client)
    cart_id = add(client, [simple_guest(start, "a@example.com")]).json()["cart_id"]
    response = client.post(f"{BL}/carts/{cart_id}/checkout", json=checkout_body(**changes))
    assert response.status_code == 422
    assert response.json()["code"] == code
    assert field in response.json()["errors"]
    assert client.get(f"{BL}/carts/{cart_id}").json()["status"] == "open"


def test_capacity_exhaustion_is_sold_out(client: TestClient) -> None:
    start = free_monday(client)
    left = double_room_left(client, start)
    assert left == 8
    guests = [simple_guest(start, f"g{n}@example.com") for n in range(9)]
    response = add(client, guests)
    assert response.status_code == 409
    assert response.json()["code"] == "sold_out"
    assert double_room_left(client, start) == 8  # nothing half-reserved
    assert add(client, guests[:8]).status_code == 201
    last = add(client, [simple_guest(start, "late@example.com")])
    assert last.status_code == 409
    assert last.json()["code"] == "sold_out"
    # the dorm still has room, and the package reports the rooms left
    assert add(client, [simple_guest(start, "late@example.com", 393)]).status_code == 201


def test_timeslot_capacity_is_per_slot(client: TestClient) -> None:
    start = free_monday(client)
    slot = f"{start + timedelta(days=1)} 10:30:00"
    guests = []
    for n in range(11):
        guest = simple_guest(start, f"g{n}@example.com", 393)
        guest["package"]["items"] = [{"package_item_id": 400, "dates": [slot]}]
        guests.append(guest)
    assert add(client, guests[:10]).status_code == 201
    assert add(client, guests[10:]).json()["code"] == "sold_out"
    other = simple_guest(start, "other@example.com", 393)
    other["package"]["items"] = [
        {"package_item_id": 400, "dates": [f"{start + timedelta(days=1)} 15:00:00"]}
    ]
    assert add(client, [other]).status_code == 201
