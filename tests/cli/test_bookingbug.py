"""BookingBug end to end (issue 4): catalogue, members, baskets with the nine ids, wallets."""

from __future__ import annotations

import datetime as dt
import json
import stat
from pathlib import Path

import pytest

from tests.cli.test_bad_input import assert_clean_error, snapshot
from tests.conftest import TODAY, Cli, ServedSandbox

BB = "sandbox-bookingbug"


@pytest.fixture(params=["embedded", "served"])
def target(request: pytest.FixtureRequest, cli: Cli) -> list[str]:
    """Global options selecting the embedded BookingBug sandbox or a served one."""
    if request.param == "embedded":
        return ["-p", BB]
    served: ServedSandbox = request.getfixturevalue("served")
    added = cli(
        "profile",
        "add",
        "bb",
        "--provider",
        "bookingbug",
        "--base-url",
        f"{served.url}/bookingbug/api/v1",
        "--company-id",
        "37000",
        "--app-id",
        "bookctl-sandbox",
        "--api-key-stdin",
        stdin="sandbox-key\n",
    )
    assert added.exit_code == 0, added
    return ["-p", "bb"]


def advance(cli: Cli, target: list[str], request: pytest.FixtureRequest, amount: str) -> None:
    args = ["sandbox", "clock", "advance", amount, "--json"]
    if target[1] != BB:
        args += ["--url", request.getfixturevalue("served").url]
    assert cli(*args).exit_code == 0


def session_of(isolated: dict[str, Path], target: list[str]) -> Path:
    return isolated["state"] / "sessions" / f"{target[1]}.json"


def test_products_lists_events_services_and_items(cli: Cli, target: list[str]) -> None:
    result = cli(*target, "products", "--json")
    assert result.exit_code == 0, result
    products = {p["id"]: p for p in result.json}
    jazz = products["7001"]
    assert jazz["provider"] == "bookingbug"
    assert jazz["type"] == "event"
    assert jazz["title"] == "Jazz Night"
    assert jazz["price_from"] == {"amount": "25.00", "currency": "GBP"}
    when = dt.datetime.fromisoformat(jazz["details"]["when"])
    assert when.time() == dt.time(19, 30) and when.date() > TODAY
    assert jazz["details"]["spaces_left"] == 40
    assert products["6001"]["type"] == "service"
    assert products["6001"]["price_from"]["amount"] == "30.00"
    assert products["6001"]["details"]["duration"] == 60
    assert products["9001"]["type"] == "product"
    table = cli(*target, "products")
    assert "WHEN" in table.stdout and "Private Tour" in table.stdout
    shown = cli(*target, "product", "show", "6002", "--json")
    assert shown.exit_code == 0, shown
    assert shown.json["title"] == "Studio Hire"


def test_availability_of_an_event_and_a_service(cli: Cli, target: list[str]) -> None:
    tomorrow = (TODAY + dt.timedelta(days=1)).isoformat()
    result = cli(*target, "availability", "7201", "6001", "--start-date", tomorrow, "--json")
    assert result.exit_code == 0, result
    event = result.json[0]
    assert event["product_id"] == "7201"
    assert (event["available"], event["capacity"]) == (2, 2)
    assert event["timeslots"] == [{"time": "20:00", "available": 2, "capacity": 2}]
    service_days = [r for r in result.json if r["product_id"] == "6001"]
    assert service_days[0]["date"] == tomorrow
    assert [t["time"] for t in service_days[0]["timeslots"]] == ["10:00", "14:00"]
    assert cli(*target, "basket", "add", "--service-id", "6001").exit_code == 0
    after = cli(*target, "availability", "6001", "--start-date", tomorrow, "--json").json
    assert after[0]["timeslots"][0]["available"] == 0
    assert after[0]["timeslots"][1]["available"] == 1


def test_member_add_and_show(cli: Cli, target: list[str]) -> None:
    added = cli(
        *target,
        "member",
        "add",
        "--first-name",
        "Ann",
        "--last-name",
        "Lee",
        "--email",
        "ann@example.com",
        "--json",
    )
    assert added.exit_code == 0, added
    member = added.json
    assert member["wallet"] == {"amount": "0.00", "currency": "GBP"}
    by_id = cli(*target, "member", "show", member["id"], "--json")
    by_email = cli(*target, "member", "show", "ANN@example.com", "--json")
    assert by_id.json == by_email.json == member
    again = cli(
        *target,
        "member",
        "add",
        "--first-name",
        "A",
        "--last-name",
        "L",
        "--email",
        "ann@example.com",
    )
    assert_clean_error(again, 4, "already exists")
    assert_clean_error(cli(*target, "member", "show", "4242"), 3, "4242")


def test_full_basket_with_every_parameter_and_wallet(
    cli: Cli, target: list[str], isolated: dict[str, Path]
) -> None:
    adds = [
        ["--event-id", "7001", "--member-id", "1001", "--deal-id", "4001"],  # 25.00 - 10%
        ["--event-id", "7101", "--package-id", "8001", "--attachment-id", "2001"],  # package 30
        ["--service-id", "6001", "--deal-id", "4002"],  # 30.00 - 5.00
        ["--product-id", "9001"],  # 5.00
        ["--event-id", "7002", "--bulk-purchase-id", "3001"],  # prepaid
        ["--event-chain-id", "5003"],  # next Comedy Night, 15.00
    ]
    cart = None
    for args in adds:
        added = cli(*target, "basket", "add", *args, "--json", "--raw")
        assert added.exit_code == 0, added
        if cart is not None:
            assert added.json["id"] == cart["id"]
        cart = added.json
    assert cart is not None
    assert cart["total"] == "97.50"
    assert [line["amount"] for line in cart["lines"]] == [
        "22.50",
        "30.00",
        "25.00",
        "5.00",
        "0.00",
        "15.00",
    ]
    raw_items = cart["raw"]["_embedded"]["items"]
    assert raw_items[0]["discount"] == 250 and raw_items[0]["deal_id"] == 4001
    assert raw_items[1]["attachment"] == {"id": 2001, "name": "seating-plan.pdf"}
    assert raw_items[1]["package_id"] == 8001
    assert raw_items[4]["bulk_purchase_id"] == 3001
    assert raw_items[5]["event_chain_id"] == 5003 and raw_items[5]["event_id"] == 7201

    session_file = session_of(isolated, target)
    session = json.loads(session_file.read_text())
    token = session["tokens"]["Auth-Token"]
    assert len(token) > 20
    assert stat.S_IMODE(session_file.stat().st_mode) == 0o600
    assert token not in json.dumps(cart)

    shown = cli(*target, "cart", "show", "--json")
    assert shown.exit_code == 0, shown
    assert shown.json["total"] == "97.50" and len(shown.json["lines"]) == 6
    # BookingBug's basket names no expiry and no state: open while it holds items.
    assert shown.json["state"] == "open" and shown.json["expires_at"] is None

    done = cli(*target, "checkout", "--member-id", "1001", "--take-from-wallet", "--json")
    assert done.exit_code == 0, done
    order = done.json
    assert order["state"] == "confirmed" and order["payment_state"] == "paid"
    assert order["total"] == "97.50" and order["cart_id"] == cart["id"]
    assert order["details"]["paid"] == "97.50"
    assert order["details"]["amount_due"] == "0.00"
    assert order["details"]["member_id"] == "1001"
    assert order["reference"]
    assert not session_file.exists()
    alice = cli(*target, "member", "show", "1001", "--json").json
    assert alice["wallet"]["amount"] == "2.50"
    event = cli(*target, "availability", "7001", "--json").json[0]
    assert event["available"] == 39  # the booking keeps its place


def test_wallet_pays_what_it_can_and_the_rest_is_due(cli: Cli, target: list[str]) -> None:
    assert cli(*target, "basket", "add", "--event-id", "7003").exit_code == 0
    done = cli(*target, "checkout", "--member-id", "1003", "--take-from-wallet")
    assert done.exit_code == 0, done
    assert "paid" in done.stdout and "10.00" in done.stdout
    assert "amount due" in done.stdout and "15.00" in done.stdout
    assert "balance_due" in done.stdout


def test_checkout_without_wallet_goes_to_payment(cli: Cli, target: list[str]) -> None:
    assert cli(*target, "basket", "add", "--product-id", "9002").exit_code == 0
    done = cli(*target, "checkout", "--member-id", "1001", "--no-wallet", "--json", "--raw")
    assert done.exit_code == 0, done
    assert done.json["state"] == "pending_payment"
    assert done.json["payment_state"] == "balance_due"
    assert done.json["details"]["paid"] == "0.00"
    assert done.json["details"]["amount_due"] == "20.00"
    assert done.json["raw"]["due_now"] == 2000
    assert "paypal_express" in done.json["raw"]["_links"]
    alice = cli(*target, "member", "show", "1001", "--json").json
    assert alice["wallet"]["amount"] == "100.00"


def test_wallet_top_up_through_the_admin_endpoint(cli: Cli, served: ServedSandbox) -> None:
    topped = served.admin("POST", "bookingbug/wallets/1002", json={"amount": 5000})
    assert topped == {"member_id": 1002, "amount": 5000, "currency": "GBP"}
    profile = [
        "profile",
        "add",
        "bb",
        "--provider",
        "bookingbug",
        "--base-url",
        f"{served.url}/bookingbug/api/v1",
        "--company-id",
        "37000",
        "--app-id",
        "bookctl-sandbox",
        "--api-key-stdin",
    ]
    assert cli(*profile, stdin="sandbox-key\n").exit_code == 0
    assert cli("-p", "bb", "basket", "add", "--event-id", "7001").exit_code == 0
    done = cli("-p", "bb", "checkout", "--member-id", "1002", "--take-from-wallet", "--json")
    assert done.exit_code == 0, done
    assert done.json["details"]["paid"] == "25.00"
    assert served.admin("GET", "bookingbug/wallets/1002")["amount"] == 2500
    stats = served.admin("GET", "stats")["bookingbug"]
    assert stats["purchases"] == 1 and stats["wallet_payments"] == 1


def test_abandon_releases_the_places(cli: Cli, target: list[str]) -> None:
    assert cli(*target, "basket", "add", "--event-id", "7201").exit_code == 0
    assert cli(*target, "availability", "7201", "--json").json[0]["available"] == 1
    assert_clean_error(cli(*target, "cart", "extend"), 2, "cart extend")
    done = cli(*target, "cart", "abandon", "--yes", "--json")
    assert done.exit_code == 0, done
    assert cli(*target, "availability", "7201", "--json").json[0]["available"] == 2


def test_sold_out_event_is_refused(cli: Cli, target: list[str]) -> None:
    for _ in range(2):
        assert cli(*target, "basket", "add", "--event-id", "7201", "--new-cart").exit_code == 0
    refused = cli(*target, "basket", "add", "--event-id", "7201", "--new-cart")
    assert_clean_error(refused, 4, "sold out")


def test_expired_hold_is_refused_and_nothing_changes(
    cli: Cli, target: list[str], isolated: dict[str, Path], request: pytest.FixtureRequest
) -> None:
    assert cli(*target, "basket", "add", "--event-id", "7201").exit_code == 0
    advance(cli, target, request, "16m")
    shown = cli(*target, "cart", "show", "--json")
    assert shown.json["state"] == "empty" and shown.json["lines"] == []
    assert cli(*target, "availability", "7201", "--json").json[0]["available"] == 2
    before = snapshot(isolated["state"])
    refused = cli(*target, "checkout", "--member-id", "1001", "--take-from-wallet")
    assert_clean_error(refused, 4, "expired")
    more = cli(*target, "basket", "add", "--event-id", "7001")
    assert_clean_error(more, 4, "expired")
    assert snapshot(isolated["state"]) == before
    alice = cli(*target, "member", "show", "1001", "--json").json
    assert alice["wallet"]["amount"] == "100.00"
