"""Wix Bookings v1 (seed 001) against a stub answering only what the document shows.

The document shows the checkout call and the booking object. The catalogue, the sessions, the
booking's creation, reading and cancelling are not in it (docs/providers.md, Wix): the stub
answers them with the booking object of the document and the fields bookctl names there.
"""

from __future__ import annotations

import copy
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import TODAY, Cli
from tests.contract.conftest import PROFILE, add_profile
from tests.contract.stub import Stub

BASE = "https://api.example.test/bookings/v1"
TOKEN = "wix-oauth-access-token-xyz"
BOOKING = "ceea2e96-4b64-48ce-92d6-70e4033cfaaf"
SERVICE = "f9969221-88b0-442d-9bfa-b7f0b739b0fc"
SESSION = "193ZPR9ppP9emJUCLevcLf6orynNEIDt5nc0520xjGQILnPPaF5s62yK3BWz7ExgIRM1U16wP6xWxScBjow"

#: The document's checkout response, as it shows it (a confirmed booking).
CONFIRMED: dict[str, Any] = {
    "booking": {
        "id": BOOKING,
        "bookedEntity": {
            "serviceId": SERVICE,
            "scheduleId": "a1239c6f-5984-4e2e-af5d-fa54726c63a5",
            "singleSession": {
                "sessionId": SESSION,
                "start": "2020-04-29T07:00:00Z",
                "end": "2020-04-29T08:00:00Z",
            },
            "title": "Yoga class over Zoom",
            "location": {"locationType": "OWNER_BUSINESS"},
            "rate": {
                "labeledPriceOptions": {
                    "general": {"amount": "14", "currency": "USD", "downPayAmount": "0"}
                },
                "priceText": "",
            },
            "tags": ["GROUP"],
        },
        "bookedResources": [
            {"id": "936d2078-79ba-49ca-b82d-8f12b8a050ac", "name": "Dorgal", "email": "d@wix.com"}
        ],
        "formInfo": {
            "contactDetails": {
                "contactId": "b9388c66-29c3-4719-997c-7440c5530e4b",
                "firstName": "Homer",
                "lastName": "Simpson",
                "email": "Doh@Doh.com",
                "phone": "5558707",
                "timeZone": "Asia/Jerusalem",
                "countryCode": "IL",
            },
            "paymentSelection": [{"rateLabel": "general", "numberOfParticipants": 1}],
        },
        "paymentDetails": {
            "balance": {
                "finalPrice": {"amount": "14", "currency": "USD", "downPayAmount": "0"},
                "amountReceived": "0",
            },
            "state": "READY",
        },
        "status": "CONFIRMED",
        "created": "2020-04-28T09:02:13.592Z",
    }
}


def booking(status: str) -> dict[str, Any]:
    answer = copy.deepcopy(CONFIRMED)
    answer["booking"]["status"] = status
    return answer


SERVICES = {
    "services": [
        {
            "id": SERVICE,
            "name": "Yoga class over Zoom",
            "rate": CONFIRMED["booking"]["bookedEntity"]["rate"],
            "tags": ["GROUP"],
        }
    ]
}
DAY = (TODAY + timedelta(days=3)).isoformat()
SESSIONS = {
    "sessions": [
        {
            "id": SESSION,
            "serviceId": SERVICE,
            "start": f"{DAY}T07:00:00Z",
            "end": f"{DAY}T08:00:00Z",
            "capacity": 10,
            "openSpots": 4,
        }
    ]
}
CONTACT = CONFIRMED["booking"]["formInfo"]["contactDetails"]


@pytest.fixture
def stub(cli: Cli, variant: str) -> Any:
    add_profile(cli, "wix", BASE, TOKEN)
    with Stub(BASE, variant) as stub:
        yield stub


def ok(cli: Cli, *args: str) -> Any:
    result = cli("-p", PROFILE, *args, "--json")
    assert result.exit_code == 0, result
    return result.json


def sent(stub: Stub, method: str, path: str, query: list[tuple[str, str]] | None = None) -> Any:
    """The one request to ``method path``, with the document's bare token as Authorization."""
    seen = stub.only(method, path)
    assert seen.query == (query or [])
    assert seen.headers["authorization"] == TOKEN
    return seen


def add(cli: Cli, tmp_path: Path) -> Any:
    contact = tmp_path / "contact.json"
    contact.write_text(json.dumps(CONTACT))
    return ok(
        cli, "basket", "add", "--service-id", SERVICE, "--session-id", SESSION,
        "--contact-file", str(contact),
    )  # fmt: skip


def test_services_and_sessions(cli: Cli, stub: Stub) -> None:
    stub.on("GET", "catalog/services", SERVICES)
    stub.on("GET", f"catalog/services/{SERVICE}", {"service": SERVICES["services"][0]})
    stub.on("GET", "calendar/sessions", SESSIONS)
    (product,) = ok(cli, "products")
    sent(stub, "GET", "catalog/services")
    assert (product["id"], product["title"]) == (SERVICE, "Yoga class over Zoom")
    assert product["price_from"] == {"amount": "14.00", "currency": "USD"}
    assert ok(cli, "product", "show", SERVICE)["id"] == SERVICE
    sent(stub, "GET", f"catalog/services/{SERVICE}")
    (row,) = ok(cli, "availability", SERVICE, "--start-date", "+3d")
    sent(stub, "GET", "calendar/sessions", [("serviceId", SERVICE), ("from", DAY)])
    assert (row["date"], row["available"], row["capacity"]) == (DAY, 4, 10)
    assert row["timeslots"][0]["session_id"] == SESSION


def test_booking_checkout_and_poll(
    cli: Cli, stub: Stub, tmp_path: Path, isolated: dict[str, Path]
) -> None:
    stub.on("POST", "bookings", booking("PENDING_CHECKOUT"))
    stub.on("GET", f"bookings/{BOOKING}", booking("PENDING_CHECKOUT"))
    stub.on("POST", f"bookings/{BOOKING}/checkout", CONFIRMED)
    cart = add(cli, tmp_path)
    created = sent(stub, "POST", "bookings")
    assert created.json == {
        "bookedEntity": {"serviceId": SERVICE, "singleSession": {"sessionId": SESSION}},
        "formInfo": {
            "contactDetails": CONTACT,
            "paymentSelection": [{"rateLabel": "general", "numberOfParticipants": 1}],
        },
    }
    assert (cart["id"], cart["state"], cart["total"], cart["currency"]) == (
        BOOKING,
        "PENDING_CHECKOUT",
        "14.00",
        "USD",
    )
    assert cart["lines"][0]["product_id"] == SERVICE
    assert ok(cli, "cart", "show")["state"] == "PENDING_CHECKOUT"
    extend = cli("-p", PROFILE, "cart", "extend")
    assert extend.exit_code == 2 and "wix has no 'cart extend' step" in extend.stderr
    order = ok(cli, "checkout", "--coupon", "SUMMER", "--no-notify")
    checkout = sent(stub, "POST", f"bookings/{BOOKING}/checkout")
    # The document's example body repeats the bookingId; the table adds the options.
    assert checkout.json == {
        "bookingId": BOOKING,
        "couponCode": "SUMMER",
        "notifyParticipants": False,
    }
    assert list(checkout.json) == ["bookingId", "couponCode", "notifyParticipants"]
    assert (order["id"], order["state"], order["payment_state"]) == (BOOKING, "CONFIRMED", "READY")
    assert (order["total"], order["currency"]) == ("14.00", "USD")
    assert not (isolated["state"] / "sessions" / f"{PROFILE}.json").exists()
    stub.on("GET", f"bookings/{BOOKING}", CONFIRMED)
    polled = ok(cli, "poll", BOOKING, "--interval", "0.01", "--timeout", "1")
    assert polled["state"] == "CONFIRMED"
    assert stub.calls("GET", f"bookings/{BOOKING}")[-1].headers["authorization"] == TOKEN


def test_abandon_cancels_the_booking(cli: Cli, stub: Stub, tmp_path: Path) -> None:
    stub.on("POST", "bookings", booking("PENDING_CHECKOUT"))
    stub.on("POST", f"bookings/{BOOKING}/cancel", booking("CANCELED"))
    add(cli, tmp_path)
    assert ok(cli, "cart", "abandon", "--yes") == {"id": BOOKING, "state": "abandoned"}
    sent(stub, "POST", f"bookings/{BOOKING}/cancel")


@pytest.mark.parametrize(
    "lost",
    [
        httpx.ReadError("connection dropped after the request was sent"),
        httpx.Response(503, json={"message": "unavailable"}),
        httpx.Response(200, content=b"<html>upstream hiccup</html>"),
        httpx.Response(409, json={"message": "not pending checkout"}),
    ],
    ids=["dropped", "503", "garbage", "retry-refused"],
)
def test_a_checkout_that_went_through_is_reported(
    cli: Cli, stub: Stub, tmp_path: Path, isolated: dict[str, Path], lost: Any
) -> None:
    stub.on("POST", "bookings", booking("PENDING_CHECKOUT"))
    add(cli, tmp_path)
    stub.on("POST", f"bookings/{BOOKING}/checkout", None, lost)
    stub.on("GET", f"bookings/{BOOKING}", CONFIRMED)
    result = cli("-p", PROFILE, "checkout", "--json")
    assert result.exit_code == 0, result
    assert "checkout went through" in result.stderr or "already checked out" in result.stderr
    assert (result.json["id"], result.json["state"]) == (BOOKING, "CONFIRMED")
    sessions = isolated["state"] / "sessions"
    assert not (sessions / f"{PROFILE}.json").exists()
    assert BOOKING in (sessions / f"{PROFILE}.history.jsonl").read_text()


def test_a_lost_answer_on_a_booking_still_pending_is_an_unknown_outcome(
    cli: Cli, stub: Stub, tmp_path: Path, isolated: dict[str, Path]
) -> None:
    stub.on("POST", "bookings", booking("PENDING_CHECKOUT"))
    stub.on("GET", f"bookings/{BOOKING}", booking("PENDING_CHECKOUT"))
    add(cli, tmp_path)
    stub.on("POST", f"bookings/{BOOKING}/checkout", None, httpx.ReadError("dropped"))
    result = cli("-p", PROFILE, "checkout")
    assert result.exit_code == 6, result
    assert "did not show it checked out" in result.stderr and "Traceback" not in result.stderr
    assert (isolated["state"] / "sessions" / f"{PROFILE}.json").exists()


def test_an_unreadable_create_answer_says_nothing_is_charged(
    cli: Cli, stub: Stub, tmp_path: Path
) -> None:
    stub.on("POST", "bookings", None, httpx.Response(201, content=b"<html>oops</html>"))
    contact = tmp_path / "contact.json"
    contact.write_text(json.dumps(CONTACT))
    result = cli(
        "-p", PROFILE, "basket", "add", "--service-id", SERVICE, "--session-id", SESSION,
        "--contact-file", str(contact),
    )  # fmt: skip
    assert result.exit_code == 6, result
    assert "nothing is charged" in result.stderr and "Traceback" not in result.stderr
