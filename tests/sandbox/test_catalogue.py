"""Bookinglayer read endpoints: products, availability, prices, packages, business data."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient

from bookctl.sandbox.bookinglayer.seed import PRODUCTS

from .helpers import BL, add, free_monday, sandbox_today, simple_guest


def _day_in(client: TestClient, month: int, day: int = 10) -> date:
    today = sandbox_today(client)
    candidate = date(today.year, month, day)
    return candidate if candidate > today else date(today.year + 1, month, day)


def test_requests_without_the_key_are_401(client: TestClient) -> None:
    for headers in (
        {"Authorization": ""},
        {"Authorization": "Bearer wrong"},
        {"Authorization": "sandbox-key"},
    ):
        response = client.get(f"{BL}/products", headers=headers)
        assert response.status_code == 401
        assert response.json() == {"message": "Unauthenticated."}
    assert (
        client.post(f"{BL}/bookings/add", json={}, headers={"Authorization": "x"}).status_code
        == 401
    )


def test_products_list_has_the_document_fields(client: TestClient) -> None:
    products = client.get(f"{BL}/products").json()
    surf = next(p for p in products if p["id"] == 384)
    assert surf["title"] == "Surf Camp"
    assert surf["backoffice_title"] == "Advanced Surf Camp"
    assert surf["location"] == {"id": 12, "title": "Kauai, Hawaii"}
    assert surf["backoffice_category"] == {"id": 1, "title": "Surf packages"}
    assert surf["frontoffice_category"] == {"id": 12, "title": "Surf camps"}
    assert surf["duration"] == {
        "is_flexible": True,
        "min": 7,
        "default": 7,
        "unit": "day",
        "variants": [7, 10, 14],
    }
    assert surf["pax"] == {"min": 1, "max": 10}
    assert surf["allowed_checkin_days"]["mon"] is True
    assert surf["allowed_checkin_days"]["tue"] is False
    assert surf["is_on_timeslots"] is False
    assert {"value": 199, "currency": "EUR"} in surf["price_from"]
    assert {p["currency"] for p in surf["price_from"]} == {"EUR", "USD", "GBP", "AUD"}
    # package-only items have no frontoffice category and are not listed
    assert 3338 not in {p["id"] for p in products}
    assert client.get(f"{BL}/products/3338").json()["frontoffice_category"] is None


def test_products_filters(client: TestClient) -> None:
    types = {p["type"] for p in client.get(f"{BL}/products").json()}
    assert {"package", "accommodation", "activity", "rental", "service"} <= types
    for kind in ("package", "accommodation", "activity", "rental", "service"):
        listed = client.get(f"{BL}/products", params={"type": kind}).json()
        assert listed
        assert {p["type"] for p in listed} == {kind}
    byron = client.get(f"{BL}/products", params={"location": 13}).json()
    assert byron
    assert {p["location"]["id"] for p in byron} == {13}
    assert client.get(f"{BL}/products", params={"type": "boat"}).status_code == 422


def test_product_detail_translation_and_404(client: TestClient) -> None:
    assert client.get(f"{BL}/products/384").json()["title"] == "Surf Camp"
    assert client.get(f"{BL}/products/384", params={"language": "de"}).json()["title"] == "Surfcamp"
    assert (
        client.get(f"{BL}/products/384", params={"language": "es"}).json()["title"]
        == "Campamento de surf"
    )
    assert (
        client.get(f"{BL}/products/384", params={"language": "fr"}).json()["title"] == "Surf Camp"
    )
    missing = client.get(f"{BL}/products/999999")
    assert missing.status_code == 404
    assert missing.json()["code"] == "product_not_found"
    assert client.get(f"{BL}/products/abc").status_code == 404


def test_single_availability_dated_shape(client: TestClient) -> None:
    rows = client.get(f"{BL}/products/392/availabilities").json()
    assert len(rows) == 31  # today and 30 days ahead
    first = rows[sandbox_today(client).isoformat()]
    assert set(first) == {
        "available_for_checkin",
        "available_for_checkout",
        "blocked",
        "available",
        "capacity",
        "timeslots",
    }
    assert first["timeslots"] is None
    assert first["capacity"] == 8
    blocked = [d for d, row in rows.items() if row["blocked"]]
    for day in blocked:
        assert PRODUCTS[392].is_blocked(date.fromisoformat(day))
        assert rows[day]["available"] == 0
    package = client.get(f"{BL}/products/384/availabilities").json()
    for day, row in package.items():
        weekday = date.fromisoformat(day).weekday()
        if weekday in (1, 4, 6):  # tue, fri, sun are not check-in days
            assert row["available_for_checkin"] is False


def test_single_availability_window_and_errors(client: TestClient) -> None:
    start = sandbox_today(client) + timedelta(days=5)
    rows = client.get(
        f"{BL}/products/3339/availabilities",
        params={
            "start_date": start.isoformat(),
            "end_date": (start + timedelta(days=2)).isoformat(),
        },
    ).json()
    assert list(rows) == [(start + timedelta(days=n)).isoformat() for n in range(3)]
    bad = client.get(f"{BL}/products/3339/availabilities", params={"start_date": "2020-13-01"})
    assert bad.status_code == 422
    assert bad.json()["code"] == "invalid_date"
    backwards = client.get(
        f"{BL}/products/3339/availabilities",
        params={
            "start_date": start.isoformat(),
            "end_date": (start - timedelta(days=1)).isoformat(),
        },
    )
    assert backwards.json()["code"] == "invalid_date_range"


def test_timeslot_availability_shape_and_reservations(client: TestClient) -> None:
    start = free_monday(client)
    lesson_day = start + timedelta(days=1)
    guest = simple_guest(start, "a@example.com")
    guest["package"]["items"] = [{"package_item_id": 400, "dates": [f"{lesson_day} 15:00:00"]}]
    assert add(client, [guest]).status_code == 201
    rows = client.get(
        f"{BL}/products/3337/availabilities",
        params={"start_date": lesson_day.isoformat(), "end_date": lesson_day.isoformat()},
    ).json()
    assert rows == {
        lesson_day.isoformat(): {
            "timeslots": [
                {"time": "10:30", "available": 10, "capacity": 10},
                {"time": "15:00", "available": 9, "capacity": 10},
            ]
        }
    }
    all_rows = client.get(f"{BL}/products/3337/availabilities").json()
    for day, row in all_rows.items():
        if PRODUCTS[3337].is_blocked(date.fromisoformat(day)):
            assert row == {"blocked": True, "timeslots": []}


def test_fixed_date_product_returns_all_future_dates(client: TestClient) -> None:
    rows = client.get(f"{BL}/products/620/availabilities").json()
    days = [date.fromisoformat(d) for d in rows]
    assert len(days) >= 24
    assert all(d.day in (1, 15) for d in days)
    assert min(days) >= sandbox_today(client)


def test_unlimited_service_availability(client: TestClient) -> None:
    rows = client.get(f"{BL}/products/3340/availabilities").json()
    row = next(iter(rows.values()))
    assert row["available"] == "unlimited"
    assert row["capacity"] == "unlimited"


def test_multiple_availabilities_keyed_by_id(client: TestClient) -> None:
    response = client.get(
        f"{BL}/products/availabilities", params={"ids[]": ["392", "3337"], "end_date": ""}
    ).json()
    assert set(response) == {"392", "3337"}
    assert len(response["392"]) == 31
    by_type = client.get(f"{BL}/products/availabilities", params={"type": "accommodation"}).json()
    assert set(by_type) == {"392", "393"}
    by_category = client.get(
        f"{BL}/products/availabilities", params={"backoffice_category_id": 3}
    ).json()
    assert set(by_category) == {
        str(p.id) for p in PRODUCTS.values() if p.backoffice_category_id == 3
    }
    assert client.get(f"{BL}/products/availabilities", params={"ids[]": "5"}).status_code == 404


def test_single_prices_season_pax_duration_and_currency(client: TestClient) -> None:
    high, low = _day_in(client, 10), _day_in(client, 6)

    def price(product: int, **params: object) -> object:
        response = client.get(f"{BL}/products/{product}/prices", params=params)
        assert response.status_code == 200, response.text
        return response.json()["total_price"]

    assert price(392, start_date=high.isoformat(), pax=2, duration=7) == 770  # 55 x 7 x 2
    assert price(392, start_date=low.isoformat(), pax=1, duration=3) == 120  # 40 x 3
    assert price(392, start_date=high.isoformat(), pax=1, duration=1, currency="USD") == 59.4
    assert price(392, start_date=high.isoformat(), pax=1, duration=1, currency="gbp") == 46.75
    assert price(3340, start_date=high.isoformat(), pax=4) == 30  # fixed price per booking
    unknown = client.get(
        f"{BL}/products/392/prices",
        params={"start_date": high.isoformat(), "pax": 1, "currency": "JPY"},
    )
    assert unknown.status_code == 422
    assert unknown.json()["code"] == "unknown_currency"
    missing = client.get(f"{BL}/products/392/prices", params={"pax": 1})
    assert missing.json()["code"] == "missing_field"
    wrong_unit = client.get(
        f"{BL}/products/512/prices",
        params={"start_date": high.isoformat(), "pax": 1, "duration_unit": "day"},
    )
    assert wrong_unit.json()["code"] == "invalid_unit"


def test_quantity_breaks_lower_the_unit_price(client: TestClient) -> None:
    start = _day_in(client, 10).isoformat()

    def lesson(pax: int) -> float:
        params = {"start_date": start, "pax": pax, "duration": 1}
        total: float = client.get(f"{BL}/products/3337/prices", params=params).json()["total_price"]
        return total

    assert PRODUCTS[3337].qty_breaks
    assert lesson(1) == 10
    assert lesson(3) == 27
    assert lesson(5) == 40
    assert client.get(f"{BL}/products/3337").json()["price_from"][0] == {
        "value": 8,
        "currency": "EUR",
    }


def test_multiple_prices(client: TestClient) -> None:
    start = _day_in(client, 10).isoformat()
    response = client.get(
        f"{BL}/products/prices",
        params={"start_date": start, "pax": 2, "duration": 2, "product_ids[]": [3337, 512, 3340]},
    )
    assert response.json() == {"3337": 36, "512": 18, "3340": 30}
    assert (
        client.get(f"{BL}/products/prices", params={"start_date": start, "pax": 1}).status_code
        == 422
    )


def test_package_detail_structure(client: TestClient) -> None:
    start = free_monday(client)
    response = client.get(
        f"{BL}/packages/384",
        params={"start_date": start.isoformat(), "duration": 7, "currency": "USD"},
    )
    assert response.status_code == 200
    body = response.json()
    assert body["start_date"] == start.isoformat()
    assert body["end_date"] == (start + timedelta(days=7)).isoformat()
    singles = {i["package_item_id"]: i for i in body["single_items"]}
    assert set(singles) == {394, 400}
    assert [d["date"] for d in singles[394]["dates"]] == [start.isoformat()]
    lesson = singles[400]
    assert lesson["product"]["id"] == 3337
    assert lesson["product"]["is_on_timeslots"] is True
    assert lesson["product"]["price"] == {
        "value": 10.8,
        "currency": "USD",
        "type": "person",
        "from_price": True,
    }
    first = lesson["dates"][0]
    assert first["available"] is None
    assert first["capacity"] is None
    assert [t["time"] for t in first["timeslots"]] == ["10:30", "15:00"]
    radio, options = body["groups"]
    assert [(i["package_item_id"], i["role"]) for i in radio["items"]] == [
        (27299, "default"),
        (27300, "alternative"),
        (385, "upgrade"),
    ]
    assert {i["role"] for i in options["items"]} == {"option"}
    default = radio["items"][0]
    assert default["qty"] == {"min": 1, "max": 1, "default": 1}
    assert default["dates"][0]["timeslots"] is None
    assert len(default["dates"]) == 7
    assert (
        client.get(
            f"{BL}/packages/3337", params={"start_date": start.isoformat(), "duration": 7}
        ).status_code
        == 404
    )
    assert client.get(f"{BL}/packages/384", params={"duration": 7}).status_code == 422


def test_package_accommodations(client: TestClient) -> None:
    start = free_monday(client)
    params = {
        "start_date": start.isoformat(),
        "duration": 7,
        "males": 1,
        "females": 1,
        "couples": 0,
    }
    options = client.get(f"{BL}/packages/384/accommodations", params=params).json()
    assert [o["product"]["id"] for o in options] == [392, 393]
    double = options[0]
    assert double["start_date"] == start.isoformat()
    assert double["end_date"] == (start + timedelta(days=7)).isoformat()
    assert double["available"] == 8
    assert double["price"]["type"] == "person"
    assert double["price"]["currency"] == "EUR"
    assert double["product"]["accommodation_type"] == {"id": 1345, "title": "Double Room"}
    assert double["product"]["pax"] == {"min": 1, "max": 2}
    no_party = client.get(
        f"{BL}/packages/384/accommodations", params={**params, "males": 0, "females": 0}
    )
    assert no_party.json()["code"] == "invalid_pax"


def test_package_prices(client: TestClient) -> None:
    start = free_monday(client)
    guest = simple_guest(start, "a@example.com", 393)
    guest["package"]["items"] = [
        {"package_item_id": 400, "dates": [f"{start + timedelta(days=1)} 10:30:00"]}
    ]
    body = {"currency_id": "EUR", "guests": [{**guest, "unique_id": "guest_1", "gender": "M"}]}
    response = client.post(f"{BL}/packages/prices", json=body)
    assert response.status_code == 200, response.text
    lines = response.json()["guest_1"]
    assert {line["product_id"] for line in lines} == {384, 393, 3337, 3338}
    for line in lines:
        assert set(line) == {
            "package_item_id",
            "product_id",
            "price",
            "is_fixed",
            "guest_to_charge",
        }
        assert line["guest_to_charge"] == ["guest_1"]
    assert next(line for line in lines if line["product_id"] == 3337)["price"] == 10
    # a price quote holds no inventory
    assert client.get("/_sandbox/stats").json()["bookinglayer"]["carts"] == 0
    del body["guests"][0]["unique_id"]
    assert client.post(f"{BL}/packages/prices", json=body).json()["code"] == "missing_field"


def test_seasons_cover_three_years_without_overlap(client: TestClient) -> None:
    seasons = client.get(f"{BL}/seasons").json()
    assert [s["title"] for s in seasons] == ["High", "Low"]
    segments = sorted(
        (date.fromisoformat(seg["start_date"]), date.fromisoformat(seg["end_date"]))
        for s in seasons
        for seg in s["segments"]
    )
    year = sandbox_today(client).year
    assert segments[0][0] == date(year, 1, 1)
    assert segments[-1][1] == date(year + 2, 12, 31)
    for (_, end), (start, _) in itertools.pairwise(segments):
        assert start == end + timedelta(days=1)


def test_settings(client: TestClient) -> None:
    settings = client.get(f"{BL}/settings").json()
    assert settings["languages"] == ["en", "de"]
    assert settings["settings"]["customer_fields"]["phone"] == {"request": True, "required": True}
    assert {c["iso_code"] for c in settings["currencies"]} == {"EUR", "USD", "GBP", "AUD"}
    assert settings["terms"]


@pytest.mark.parametrize(
    ("params", "url"),
    [
        ({}, "https://sandbox.bookinglayer.io/frontoffice/product/384"),
        (
            {"start_date": "2030-03-02", "duration": 4, "males": 2},
            "https://sandbox.bookinglayer.io/frontoffice/product/384?start=2030-03-02&duration=4&male=2",
        ),
        (
            {
                "end_date": "2030-03-09",
                "females": 1,
                "couples": 1,
                "language": "es",
                "currency": "USD",
            },
            "https://sandbox.bookinglayer.io/frontoffice/product/384"
            "?end=2030-03-09&female=1&couple=1&language=es&currency=USD",
        ),
    ],
)
def test_deeplink(client: TestClient, params: dict[str, object], url: str) -> None:
    assert client.get(f"{BL}/products/384/deeplink", params=params).json() == {"url": url}
