"""Bookinglayer (seed 003) against a stub answering only what the document shows.

The document's examples, repaired into JSON (tests/fixtures/bookinglayer), are the answers; the
cart view and the checkout answer are not shown by the document, so the stub answers them with
the one field it promises (``cart_id``) unless a test says otherwise.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import TODAY, Cli
from tests.contract.conftest import PROFILE, add_profile
from tests.contract.stub import Stub

BASE = "https://api.example.test/api/pub/v2"
KEY = "bl-doc-key-123"
AUTH = f"Bearer {KEY}"
CART = "6e518664-7325-4f7f-aa20-2880b9cfc305"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "bookinglayer"
START = (TODAY + timedelta(days=26)).isoformat()
END = (TODAY + timedelta(days=33)).isoformat()
CUSTOMER = ["--first-name", "Oliver", "--last-name", "Nicholson", "--email", "o@example.com"]


def doc(name: str) -> Any:
    return json.loads((FIXTURES / f"{name}.json").read_text())


@pytest.fixture
def stub(cli: Cli, variant: str) -> Any:
    add_profile(cli, "bookinglayer", BASE, KEY)
    with Stub(BASE, variant) as stub:
        yield stub


def ok(cli: Cli, *args: str, stdin: str = "") -> Any:
    result = cli("-p", PROFILE, *args, "--json", stdin=stdin)
    assert result.exit_code == 0, result
    return result.json


def assert_sent(stub: Stub, method: str, path: str, query: list[tuple[str, str]]) -> Any:
    """The one request to ``method path``: its query, and the document's auth header."""
    seen = stub.only(method, path)
    assert seen.query == query
    assert seen.headers["authorization"] == AUTH
    assert seen.headers["accept"] == "application/json"
    return seen


def test_products_and_product_show(cli: Cli, stub: Stub) -> None:
    stub.on("GET", "products", doc("products"))
    stub.on("GET", "products/384", doc("product"))
    products = ok(cli, "products", "--type", "package", "--location", "12", "--language", "es")
    assert_sent(
        stub, "GET", "products", [("type", "package"), ("location", "12"), ("language", "es")]
    )
    assert products[0] == {
        **products[0],
        "id": "384",
        "provider": "bookinglayer",
        "type": "package",
        "title": "Surf Camp",
        "location": "Kauai, Hawaii",
        "price_from": {"amount": "199.00", "currency": "EUR"},
    }
    one = ok(cli, "product", "show", "384", "--language", "es")
    assert_sent(stub, "GET", "products/384", [("language", "es")])
    assert (one["id"], one["title"], one["price_from"]["amount"]) == ("384", "Surf Camp", "199.00")


def test_availability_single_timeslots_and_multiple(cli: Cli, stub: Stub) -> None:
    stub.on("GET", "products/3368/availabilities", doc("availability_dated"), maps=True)
    rows = ok(cli, "availability", "3368", "--start-date", START, "--end-date", END)
    assert_sent(
        stub, "GET", "products/3368/availabilities", [("start_date", START), ("end_date", END)]
    )
    assert rows[0] == {
        "product_id": "3368",
        "date": "2019-05-01",
        "available": 6,
        "capacity": 8,
        "blocked": False,
        "checkin": True,
        "checkout": True,
        "timeslots": None,
    }
    stub.on("GET", "products/3337/availabilities", doc("availability_timeslots"), maps=True)
    slots = ok(cli, "availability", "3337")
    assert_sent(stub, "GET", "products/3337/availabilities", [])
    assert slots[0]["timeslots"] == [
        {"time": "10:00", "available": 10, "capacity": 10},
        {"time": "13:00", "available": 5, "capacity": 10},
    ]
    assert slots[1]["blocked"] is True
    stub.on("GET", "products/availabilities", doc("availabilities_multiple"), maps=True)
    many = ok(cli, "availability", "3368", "4562", "--start-date", START, "--type", "package")
    assert_sent(
        stub,
        "GET",
        "products/availabilities",
        [("ids[]", "3368"), ("ids[]", "4562"), ("start_date", START), ("type", "package")],
    )
    assert {r["product_id"] for r in many} >= {"3368"}
    assert next(r for r in many if r["date"] == "2019-05-04")["checkout"] is None


def test_packages_and_accommodations(cli: Cli, stub: Stub) -> None:
    stub.on("GET", "packages/384", doc("package"))
    stub.on("GET", "packages/384/accommodations", doc("accommodations"))
    ok(cli, "packages", "show", "384", "--start-date", START, "--duration", "7")
    assert_sent(stub, "GET", "packages/384", [("start_date", START), ("duration", "7")])
    rooms = ok(
        cli, "packages", "accommodations", "384", "--start-date", START, "--duration", "7",
        "--males", "2", "--females", "2", "--couples", "0", "--currency", "EUR",
    )  # fmt: skip
    assert_sent(
        stub,
        "GET",
        "packages/384/accommodations",
        [
            ("start_date", START),
            ("duration", "7"),
            ("males", "2"),
            ("females", "2"),
            ("couples", "0"),
            ("currency", "EUR"),
        ],
    )
    assert "Double room" in json.dumps(rooms)


def test_prices_seasons_settings_deeplink(cli: Cli, stub: Stub, tmp_path: Path) -> None:
    stub.on("GET", "products/384/prices", doc("price"))
    stub.on("GET", "products/prices", doc("prices_multiple"), maps=True)
    stub.on("POST", "packages/prices", doc("package_prices"), maps=True)
    stub.on("GET", "seasons", doc("seasons"))
    stub.on("GET", "settings", doc("settings"))
    stub.on("GET", "products/384/deeplink", doc("deeplink"))
    one = ok(cli, "prices", "384", "--start-date", START, "--pax", "2", "--currency", "USD")
    assert_sent(
        stub,
        "GET",
        "products/384/prices",
        [("start_date", START), ("pax", "2"), ("currency", "USD")],
    )
    assert "12.00" in json.dumps(one)
    many = ok(cli, "prices", "329", "512", "--start-date", START, "--pax", "2", "--duration", "3")
    assert_sent(
        stub,
        "GET",
        "products/prices",
        [
            ("product_ids[]", "329"),
            ("product_ids[]", "512"),
            ("start_date", START),
            ("pax", "2"),
            ("duration", "3"),
            ("currency", "EUR"),  # bookctl names the currency its amounts are in
        ],
    )
    assert {"12.00", "456.00"} <= set(json.dumps(many).replace('"', " ").split())
    body = doc("package_prices_request")
    for guest in body["guests"]:
        guest["package"].update(start_date=START, end_date=END)
        for item in guest["package"]["items"]:
            item["dates"] = [START]
    request = tmp_path / "prices.json"
    request.write_text(json.dumps(body))
    ok(cli, "prices", "package", "--file", str(request))
    sent = assert_sent(stub, "POST", "packages/prices", [])
    # "The request payload is the same as when adding items to the cart": its `currency`, for
    # the example's `currency_id` (docs/providers.md).
    expected = {k: v for k, v in body.items() if k != "currency_id"}
    assert sent.json == {**expected, "currency": body["currency_id"]}
    ok(cli, "seasons")
    assert_sent(stub, "GET", "seasons", [])
    settings = ok(cli, "settings")
    assert_sent(stub, "GET", "settings", [])
    assert "LUEX Demo" in json.dumps(settings)
    link = ok(cli, "deeplink", "384", "--start-date", START, "--duration", "4", "--males", "2")
    assert_sent(
        stub,
        "GET",
        "products/384/deeplink",
        [("product_id", "384"), ("start_date", START), ("duration", "4"), ("males", "2")],
    )
    assert doc("deeplink")["url"] in json.dumps(link)


def _add_args() -> list[str]:
    return [
        "basket", "add", "--package", "384", "--accommodation", "392",
        "--start-date", START, "--end-date", END,
        "--guest", "Oliver,Nicholson,m,ollie@example.com", "--item", f"400:{START} 10:30",
    ]  # fmt: skip


ADD_BODY = {
    "guests": [
        {
            "first_name": "Oliver",
            "last_name": "Nicholson",
            "gender": "m",
            "email": "ollie@example.com",
            "package": {
                "id": 384,
                "start_date": START,
                "end_date": END,
                "items": [{"package_item_id": 400, "dates": [f"{START} 10:30:00"]}],
                "accommodation_id": 392,
            },
        }
    ],
    "currency": "EUR",
}


def test_cart_flow_reads_the_cart_the_add_answer_names(
    cli: Cli, stub: Stub, isolated: dict[str, Path]
) -> None:
    stub.on("POST", "bookings/add", {"cart_id": CART})
    stub.on("GET", f"carts/{CART}", {"cart_id": CART})
    stub.on("PUT", f"carts/{CART}/extend", doc("extend"))
    stub.on("POST", f"carts/{CART}/checkout", {"cart_id": CART})
    cart = ok(cli, *_add_args())
    sent = assert_sent(stub, "POST", "bookings/add", [])
    assert sent.json == ADD_BODY
    assert sent.headers["content-type"] == "application/json"
    assert sent.headers["idempotency-key"]
    assert [(s.method, s.path) for s in stub.seen] == [
        ("POST", "bookings/add"),
        ("GET", f"carts/{CART}"),
    ]
    assert (cart["id"], cart["provider"], cart["state"]) == (CART, "bookinglayer", "open")
    shown = ok(cli, "cart", "show")
    assert (shown["id"], shown["state"]) == (CART, "open")
    extended = ok(cli, "cart", "extend")
    seen = assert_sent(stub, "PUT", f"carts/{CART}/extend", [])
    assert seen.content == b""
    assert extended["expires_at"] == "2019-09-19T20:05:50+00:00"
    order = ok(cli, "checkout", "--accept-terms", *CUSTOMER, "--phone", "403 201 767")
    checkout = assert_sent(stub, "POST", f"carts/{CART}/checkout", [])
    assert checkout.json == {
        "terms_accepted": True,
        "newsletter_opt_in": False,
        "customer": {
            "first_name": "Oliver",
            "last_name": "Nicholson",
            "email": "o@example.com",
            "phone": "403 201 767",
        },
    }
    assert (order["id"], order["cart_id"], order["provider"]) == (CART, CART, "bookinglayer")
    assert order["state"] == "checked_out"
    sessions = isolated["state"] / "sessions"
    assert not (sessions / f"{PROFILE}.json").exists()
    assert CART in (sessions / f"{PROFILE}.history.jsonl").read_text()


def test_a_second_add_names_the_cart_and_abandon_deletes_it(cli: Cli, stub: Stub) -> None:
    stub.on("POST", "bookings/add", {"cart_id": CART})
    stub.on("GET", f"carts/{CART}", {"cart_id": CART})
    stub.on("DELETE", f"carts/{CART}", doc("abandon"))
    ok(cli, *_add_args())
    args = _add_args()
    args[args.index("Oliver,Nicholson,m,ollie@example.com")] = "Ann,Lee,f,ann@example.com"
    ok(cli, *args)
    second = stub.calls("POST", "bookings/add")[1].json
    assert second["cart_id"] == CART and second["guests"][0]["first_name"] == "Ann"
    gone = ok(cli, "cart", "abandon", "--yes")
    assert_sent(stub, "DELETE", f"carts/{CART}", [])
    assert gone == {"id": CART, "state": "abandoned"}
    assert cli("-p", PROFILE, "cart", "show").exit_code == 3


def test_poll_is_not_a_bookinglayer_stage(cli: Cli, stub: Stub) -> None:
    result = cli("-p", PROFILE, "poll", "1")
    assert result.exit_code == 2 and "bookinglayer has no 'poll' step" in result.stderr
    assert stub.seen == []


CHECKED_OUT = {"cart_id": CART, "status": "checked_out", "booking": {"id": 77, "status": "ok"}}


@pytest.mark.parametrize(
    "lost",
    [
        httpx.ReadError("connection dropped after the request was sent"),
        httpx.Response(503, json={"message": "unavailable"}),
        httpx.Response(200, content=b"<html>upstream hiccup</html>"),
    ],
    ids=["dropped", "503", "garbage"],
)
def test_a_checkout_that_went_through_is_reported_made(
    cli: Cli, stub: Stub, isolated: dict[str, Path], lost: Any
) -> None:
    stub.on("POST", "bookings/add", {"cart_id": CART})
    stub.on("GET", f"carts/{CART}", {"cart_id": CART})
    ok(cli, *_add_args())
    stub.on("POST", f"carts/{CART}/checkout", None, lost)
    stub.on("GET", f"carts/{CART}", CHECKED_OUT)
    result = cli("-p", PROFILE, "checkout", "--accept-terms", *CUSTOMER, "--json")
    assert result.exit_code == 0, result
    assert "the booking was made" in result.stderr
    assert (result.json["id"], result.json["state"]) == ("77", "ok")
    sessions = isolated["state"] / "sessions"
    assert not (sessions / f"{PROFILE}.json").exists()
    assert '"77"' in (sessions / f"{PROFILE}.history.jsonl").read_text()


def test_a_lost_answer_on_an_unchanged_cart_is_an_unknown_outcome(
    cli: Cli, stub: Stub, isolated: dict[str, Path]
) -> None:
    stub.on("POST", "bookings/add", {"cart_id": CART})
    stub.on("GET", f"carts/{CART}", {"cart_id": CART})
    ok(cli, *_add_args())
    stub.on("POST", f"carts/{CART}/checkout", None, httpx.ReadError("dropped"))
    result = cli("-p", PROFILE, "checkout", "--accept-terms", *CUSTOMER)
    assert result.exit_code == 6, result
    assert "did not show whether it was checked out" in result.stderr
    assert "Traceback" not in result.stderr
    assert len(stub.calls("POST", f"carts/{CART}/checkout")) == 3  # one key, retried
    keys = {s.headers["idempotency-key"] for s in stub.calls("POST", f"carts/{CART}/checkout")}
    assert len(keys) == 1
    assert (isolated["state"] / "sessions" / f"{PROFILE}.json").exists()


def test_a_retry_on_a_checked_out_cart_reports_the_booking(cli: Cli, stub: Stub) -> None:
    stub.on("POST", "bookings/add", {"cart_id": CART})
    stub.on("GET", f"carts/{CART}", {"cart_id": CART})
    ok(cli, *_add_args())
    stub.on("POST", f"carts/{CART}/checkout", {"message": "Cart already checked out"}, status=409)
    stub.on("GET", f"carts/{CART}", CHECKED_OUT)
    result = cli("-p", PROFILE, "checkout", "--accept-terms", *CUSTOMER, "--json")
    assert result.exit_code == 0, result
    assert "already checked out" in result.stderr
    assert result.json["id"] == "77"


def test_a_cart_that_cannot_be_read_back_is_still_remembered(
    cli: Cli, stub: Stub, isolated: dict[str, Path]
) -> None:
    stub.on("POST", "bookings/add", {"cart_id": CART})
    stub.on("GET", f"carts/{CART}", None, httpx.Response(500, json={"message": "boom"}))
    result = cli("-p", PROFILE, *_add_args(), "--json")
    assert result.exit_code == 0, result
    assert "reading it back failed" in result.stderr
    assert result.json["id"] == CART
    session = json.loads((isolated["state"] / "sessions" / f"{PROFILE}.json").read_text())
    assert session["cart_id"] == CART


def test_an_unreadable_first_add_answer_says_nothing_is_booked(
    cli: Cli, stub: Stub, isolated: dict[str, Path]
) -> None:
    stub.on("POST", "bookings/add", None, httpx.Response(201, content=b"<html>oops</html>"))
    result = cli("-p", PROFILE, *_add_args())
    assert result.exit_code == 6, result
    assert "nothing is booked" in result.stderr and "Traceback" not in result.stderr
    assert not (isolated["state"] / "sessions" / f"{PROFILE}.json").exists()
