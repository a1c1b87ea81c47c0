"""The Bookinglayer document's own examples (seed 003), repaired into fixtures, against the client.

Every response example must parse through the wire models and map to the neutral models; the
request examples must pass the client's body checks once their dates are moved to the future.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from bookctl.core.errors import UsageError
from bookctl.providers.bookinglayer.client import (
    CUSTOMER_FIELDS,
    WireAccommodation,
    WireDay,
    WireExtend,
    WirePackage,
    WireProduct,
    WireSeason,
    WireSettings,
    build_add_body,
    build_checkout_body,
    to_availability_rows,
    to_product,
)
from tests.conftest import TODAY

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "bookinglayer"
RESPONSES = (
    "products",
    "product",
    "package",
    "accommodations",
    "availability_dated",
    "availability_timeslots",
    "availabilities_multiple",
    "price",
    "prices_multiple",
    "package_prices",
    "seasons",
    "settings",
    "deeplink",
    "extend",
    "abandon",
)
REQUESTS = (
    "bookings_add_request",
    "checkout_request",
    "prices_multiple_request",
    "package_prices_request",
)


def load(name: str) -> Any:
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


def days_of(data: dict[str, Any]) -> dict[str, WireDay]:
    return {date: WireDay.model_validate(day) for date, day in data.items()}


@pytest.mark.parametrize("name", RESPONSES + REQUESTS)
def test_every_example_is_a_strict_json_file(name: str) -> None:
    text = (FIXTURES / f"{name}.json").read_text(encoding="utf-8")
    assert "..." not in text
    assert "<--" not in text
    assert isinstance(json.loads(text), dict | list)


def test_products_example_maps_to_a_neutral_product() -> None:
    data = load("products")
    assert isinstance(data, list)
    wire = WireProduct.model_validate(data[0])
    assert wire.allowed_checkin_days == {
        "mon": True,
        "tue": False,
        "wed": True,
        "thu": True,
        "fri": False,
        "sat": True,
        "sun": False,
    }
    assert wire.duration is not None
    assert wire.duration.is_flexible is True
    assert wire.duration.variants == [7, 10, 14]
    product = to_product(wire)
    assert product.id == "384"
    assert product.provider == "bookinglayer"
    assert product.type == "package"
    assert product.title == "Surf Camp"
    assert product.location == "Kauai, Hawaii"
    assert product.price_from is not None
    assert product.price_from.model_dump() == {"amount": "199.00", "currency": "EUR"}
    dumped = product.model_dump(mode="json")
    assert dumped["details"]["allowed_checkin_days"]["tue"] is False
    assert dumped["details"]["backoffice_title"] == "Advanced Surf Camp"


def test_product_example_is_the_fixed_duration_variant() -> None:
    wire = WireProduct.model_validate(load("product"))
    assert wire.duration is not None
    assert wire.duration.is_flexible is False
    assert wire.pax is not None
    assert (wire.pax.min, wire.pax.max) == (1, 10)
    assert wire.frontoffice_category is not None
    assert wire.frontoffice_category.title == "Surf camps"
    product = to_product(wire)
    assert product.price_from is not None
    assert product.price_from.amount == "199.00"
    assert product.details["is_on_timeslots"] is False


def test_package_example_has_single_items_and_a_group() -> None:
    package = WirePackage.model_validate(load("package"))
    assert (package.start_date, package.end_date) == ("2019-09-01", "2019-09-04")
    single = package.single_items[0]
    assert (single.package_item_id, single.role) == (27299, "option")
    assert single.product.is_on_timeslots is True
    assert single.product.price is not None
    assert single.product.price.from_price is True
    day = single.dates[0]
    assert day.available is None
    assert day.capacity is None
    assert day.timeslots is not None
    assert [(t.time, t.available, t.capacity) for t in day.timeslots] == [
        ("10:30", 10, 10),
        ("15:00", 7, 10),
    ]
    product = to_product(single.product)
    assert product.price_from is not None
    assert product.price_from.model_dump() == {"amount": "10.00", "currency": "EUR"}
    group = package.groups[0]
    assert [i.role for i in group.items] == ["default", "alternative"]
    assert group.items[0].dates[0].available == 10
    assert group.items[1].dates[0].available == "unlimited"
    assert group.items[1].dates[0].capacity == "unlimited"


def test_accommodations_example() -> None:
    data = load("accommodations")
    option = WireAccommodation.model_validate(data[0])
    assert option.available == 2
    assert option.price is not None
    assert (option.price.value, option.price.type) == (200, "person")
    assert option.product.accommodation_type is not None
    assert option.product.accommodation_type.title == "Double Room"
    product = to_product(option.product)
    assert (product.type, product.title, product.price_from) == (
        "accommodation",
        "Double room",
        None,
    )


def test_dated_availability_example_maps_to_rows() -> None:
    rows = to_availability_rows("384", days_of(load("availability_dated")))
    assert [r.date for r in rows] == ["2019-05-01", "2019-05-02", "2019-05-03", "2019-05-04"]
    first, second, _, last = rows
    assert first.model_dump(mode="json") == {
        "product_id": "384",
        "date": "2019-05-01",
        "available": 6,
        "capacity": 8,
        "blocked": False,
        "checkin": True,
        "checkout": True,
        "timeslots": None,
    }
    assert (second.blocked, second.checkout) == (True, False)
    assert (last.checkin, last.available) == (False, 5)


def test_timeslot_availability_example_maps_to_rows() -> None:
    rows = to_availability_rows("3337", days_of(load("availability_timeslots")))
    by_date = {r.date: r for r in rows}
    first = by_date["2019-05-01"]
    assert first.available is None
    assert first.checkin is None
    assert first.timeslots is not None
    assert [(t.time, t.available, t.capacity) for t in first.timeslots] == [
        ("10:00", 10, 10),
        ("13:00", 5, 10),
    ]
    assert by_date["2019-05-02"].blocked is True
    assert by_date["2019-05-02"].timeslots == []
    assert by_date["2019-05-03"].timeslots is not None
    assert by_date["2019-05-03"].timeslots[0].time == "15:30"


def test_multiple_availability_example_is_an_object_keyed_by_product() -> None:
    data = load("availabilities_multiple")
    assert isinstance(data, dict)
    assert list(data) == ["3368"]
    rows = to_availability_rows("3368", days_of(data["3368"]))
    assert {r.product_id for r in rows} == {"3368"}
    assert len(rows) == 4
    # The document's last day has no available_for_checkout: unknown, not False.
    assert rows[-1].checkout is None


def test_unlimited_stays_the_string_unlimited() -> None:
    day = WireDay.model_validate({"available": "unlimited", "capacity": "unlimited"})
    (row,) = to_availability_rows("3338", {"2019-10-01": day})
    assert row.model_dump(mode="json")["available"] == "unlimited"
    assert row.model_dump(mode="json")["capacity"] == "unlimited"


def test_price_examples() -> None:
    from bookctl.core.money import money

    assert money(load("price")["total_price"]) == "12.00"
    totals = {k: money(v) for k, v in load("prices_multiple").items()}
    assert totals == {"329": "12.00", "512": "456.00", "145": "123.00"}
    request = load("prices_multiple_request")
    assert request["products"]["512"] == {"qty": 6, "duration": 4, "duration_unit": "hour"}


def test_package_prices_example_sums_per_guest() -> None:
    from decimal import Decimal

    answer = load("package_prices")
    lines = answer["guest_1"]
    assert [line["package_item_id"] for line in lines] == [41530, 41514, 41516, 41520]
    assert sum(Decimal(line["price"]) for line in lines) == Decimal(4600)
    assert all(line["guest_to_charge"] == ["guest_1"] for line in lines)


def test_seasons_example() -> None:
    seasons = [WireSeason.model_validate(s) for s in load("seasons")]
    assert [(s.id, s.title) for s in seasons] == [(80, "High"), (81, "Low")]
    assert [(g.start_date, g.end_date) for g in seasons[0].segments] == [
        ("2019-01-01", "2019-04-29"),
        ("2019-08-01", "2019-12-31"),
    ]
    assert seasons[1].segments[0].id == 137


def test_settings_example() -> None:
    settings = WireSettings.model_validate(load("settings"))
    assert (settings.id, settings.title) == (176, "LUEX Demo")
    assert settings.currencies[0]["iso_code"] == "EUR"
    assert settings.currencies[0]["symbol"] == "€"
    assert settings.languages == ["en", "de"]
    assert settings.settings["customer_fields"]["phone"] == {"request": True, "required": True}
    assert settings.terms == "These are our booking terms and conditions."
    assert (settings.model_extra or {})["business_domain"] == "luex.bookinglayer.io"


def test_deeplink_extend_and_abandon_examples() -> None:
    assert load("deeplink")["url"].startswith(
        "https://yourbusiness.bookinglayer.io/frontoffice/product/384?"
    )
    extend = WireExtend.model_validate(load("extend"))
    assert extend.cart_id == "6e518664-7325-4f7f-aa20-2880b9cfc305"
    assert extend.expiry_date == "2019-09-19T20:05:50+0000"
    assert load("abandon") == {"success": True}


# -- request examples --------------------------------------------------------------------------


def _shift_dates(body: Any, days: int) -> Any:
    """The same body with every date (and date-time) moved by ``days``; birth dates stay."""
    if isinstance(body, dict):
        return {k: v if k == "birth_date" else _shift_dates(v, days) for k, v in body.items()}
    if isinstance(body, list):
        return [_shift_dates(v, days) for v in body]
    if isinstance(body, str) and len(body) >= 10 and body[4:5] == "-" and body[7:8] == "-":
        try:
            day = dt.date.fromisoformat(body[:10])
        except ValueError:
            return body
        return (day + dt.timedelta(days=days)).isoformat() + body[10:]
    return body


def _to_future(body: Any) -> Any:
    """Move the example's dates forward by whole years, so weekdays stay near the document's."""
    years = TODAY.year - 2018 + 1
    return _shift_dates(body, 364 * years)


def test_bookings_add_example_is_accepted_with_future_dates(tmp_path: Path) -> None:
    example = load("bookings_add_request")
    file = tmp_path / "add.json"
    file.write_text(json.dumps(_to_future(example)), encoding="utf-8")
    body = build_add_body({"file": file}, None)
    guest = body["guests"][0]
    assert body["currency"] == "EUR"
    assert "cart_id" in body  # the example carries one: a second add to an existing cart
    assert guest["gender"] == "m"
    assert guest["birth_date"] == "1984-02-04"
    assert guest["package"]["id"] == 384
    items = guest["package"]["items"]
    assert [i["package_item_id"] for i in items] == [394, 400, 385]
    assert items[1]["dates"][0].endswith(" 10:30:00")
    assert dt.date.fromisoformat(guest["package"]["start_date"]) > TODAY


def test_bookings_add_with_a_session_cart_id_uses_the_session() -> None:
    body = build_add_body(
        {
            "package": "384",
            "guest": ["Oliver,Nicholson,m,ollie@bookinglayer.com,1984-02-04,en"],
            "start_date": (TODAY + dt.timedelta(days=30)).isoformat(),
            "end_date": (TODAY + dt.timedelta(days=37)).isoformat(),
            "accommodation": "392",
            "item": ["400:" + (TODAY + dt.timedelta(days=31)).isoformat() + " 10:30"],
        },
        "cart-1",
    )
    example_guest = load("bookings_add_request")["guests"][0]
    guest = body["guests"][0]
    for name in ("first_name", "last_name", "gender", "language_code", "birth_date"):
        assert guest[name] == example_guest[name]
    assert set(guest["package"]) == set(example_guest["package"])
    assert body["cart_id"] == "cart-1"
    assert guest["package"]["items"][0]["dates"][0].endswith(" 10:30:00")


def test_bookings_add_example_without_guests_is_refused(tmp_path: Path) -> None:
    example = load("bookings_add_request")
    example["guests"] = []
    file = tmp_path / "add.json"
    file.write_text(json.dumps(example), encoding="utf-8")
    with pytest.raises(UsageError, match="guests"):
        build_add_body({"file": file}, None)


def test_checkout_example_is_accepted(tmp_path: Path) -> None:
    example = load("checkout_request")
    assert set(example["customer"]) == set(CUSTOMER_FIELDS)
    file = tmp_path / "customer.json"
    file.write_text(json.dumps(example), encoding="utf-8")
    body = build_checkout_body({"accept_terms": True, "customer_file": file})
    assert body == {
        "terms_accepted": True,
        "newsletter_opt_in": False,
        "customer": example["customer"],
    }
    assert body["customer"]["phone_countrycode"] == 61
    with pytest.raises(UsageError, match="accept-terms"):
        build_checkout_body({"customer_file": file})


def test_package_prices_request_is_an_add_body_with_unique_ids(tmp_path: Path) -> None:
    example = _to_future(load("package_prices_request"))
    file = tmp_path / "prices.json"
    file.write_text(json.dumps(example), encoding="utf-8")
    body = build_add_body({"file": file, "currency": example["currency_id"]}, None)
    assert body["currency"] == "USD"
    assert [g["unique_id"] for g in body["guests"]] == ["guest_1"]
    assert body["guests"][0]["gender"] == "M"  # the document's example; bookctl checks m/f loosely
