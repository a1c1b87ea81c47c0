"""BookingBug bad input: the DESIGN.md exit code, one clear line, no local change."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.test_bad_input import assert_clean_error, snapshot
from tests.conftest import Cli, ServedSandbox

BB = ["-p", "sandbox-bookingbug"]


def add(*args: str) -> list[str]:
    return [*BB, "basket", "add", *args]


@pytest.mark.parametrize(
    ("args", "code", "needle"),
    [
        (add(), 2, "--event-id, --event-chain-id, --service-id or --product-id"),
        (add("--member-id", "1001"), 2, "--event-id"),
        (add("--event-id", "abc"), 2, "not a BookingBug id"),
        (add("--event-id", "7001", "--service-id", "6001"), 2, "one of"),
        (add("--event-id", "99999"), 3, "Event 99999"),
        (add("--service-id", "99999"), 3, "Service 99999"),
        (add("--product-id", "99999"), 3, "Product 99999"),
        (add("--event-chain-id", "99999"), 3, "chain 99999"),
        (add("--event-id", "7001", "--event-chain-id", "5003"), 2, "not part of event chain"),
        (add("--event-id", "7001", "--member-id", "99999"), 3, "Client 99999"),
        (add("--event-id", "7101"), 2, "package_id"),
        (add("--event-id", "7001", "--package-id", "8001"), 2, "does not include"),
        (add("--event-id", "7101", "--package-id", "99999"), 3, "Package 99999"),
        (add("--event-id", "7001", "--deal-id", "4002"), 2, "does not apply"),
        (add("--product-id", "9001", "--deal-id", "4001"), 2, "does not apply"),
        (add("--event-id", "7001", "--deal-id", "99999"), 3, "Deal 99999"),
        (add("--event-id", "7201", "--bulk-purchase-id", "3001"), 2, "does not cover"),
        (add("--event-id", "7001", "--bulk-purchase-id", "99999"), 3, "Bulk purchase 99999"),
        (add("--event-id", "7001", "--attachment-id", "99999"), 3, "Attachment 99999"),
        (add("--event-id", "7001", "--package", "384"), 2, "bookinglayer"),
        (add("--service", "1"), 2, "rundl"),
        ([*BB, "checkout", "--member-id", "1001"], 3, "no open cart"),
        ([*BB, "cart", "show"], 3, "no open cart"),
        ([*BB, "checkout", "--accept-terms"], 2, "bookinglayer"),
        ([*BB, "member", "show", "x1"], 2, "not a BookingBug id"),
        ([*BB, "member", "add", "--first-name", "A", "--last-name", "B", "--email", "no"], 2, ""),
        (["member", "show", "1001"], 2, "BookingBug command"),
        ([*BB, "availability", "99999"], 3, ""),
    ],
)
def test_bad_input_is_refused_cleanly(
    cli: Cli, isolated: dict[str, Path], args: list[str], code: int, needle: str
) -> None:
    before = snapshot(isolated["config"]) | snapshot(isolated["state"])
    result = cli(*args)
    assert_clean_error(result, code, needle)
    assert snapshot(isolated["config"]) | snapshot(isolated["state"]) == before


@pytest.mark.parametrize(
    ("args", "code", "needle"),
    [
        (["--take-from-wallet"], 2, "wallet checkout needs --member-id"),
        ([], 2, "checkout needs --member-id"),
        (["--member-id", "abc"], 2, "not a BookingBug id"),
        (["--member-id", "99999", "--take-from-wallet"], 3, "Client 99999"),
        (["--member-id", "1002", "--take-from-wallet"], 4, "no wallet credit"),
        (["--member-id", "1001", "--payment-token", "tok"], 2, "rundl"),
        (["--cart", "77", "--member-id", "1001"], 2, "Auth-Token"),
    ],
)
def test_bad_checkout_changes_nothing(
    cli: Cli, isolated: dict[str, Path], args: list[str], code: int, needle: str
) -> None:
    assert cli(*BB, "basket", "add", "--event-id", "7001").exit_code == 0
    before = snapshot(isolated["state"])
    result = cli(*BB, "checkout", *args)
    assert_clean_error(result, code, needle)
    assert snapshot(isolated["state"]) == before
    assert cli(*BB, "cart", "show", "--json").json["state"] == "open"
    member = cli(*BB, "member", "show", "1002", "--json").json
    assert member["wallet"]["amount"] == "0.00"


def test_basket_of_another_member_is_refused(cli: Cli) -> None:
    assert cli(*add("--event-id", "7001", "--member-id", "1001")).exit_code == 0
    refused = cli(*BB, "checkout", "--member-id", "1003", "--take-from-wallet")
    assert_clean_error(refused, 2, "belongs to member 1001")


def test_profile_without_company_id(cli: Cli, isolated: dict[str, Path]) -> None:
    added = cli(
        "profile",
        "add",
        "nocompany",
        "--provider",
        "bookingbug",
        "--base-url",
        "http://127.0.0.1:9/bookingbug/api/v1",
        "--company-id",
        "37000",
        "--app-id",
        "bookctl-sandbox",
        "--api-key-stdin",
        stdin="k\n",
    )
    assert added.exit_code == 0, added
    # profile add insists on --company-id; a hand-edited config.toml may still lack it.
    config = isolated["config"] / "config.toml"
    edited = config.read_text().replace('company_id = "37000"\n', "")
    assert edited != config.read_text()
    config.write_text(edited)
    before = snapshot(isolated["state"])
    for args in (["products"], ["basket", "add", "--event-id", "7001"]):
        assert_clean_error(cli("-p", "nocompany", *args), 2, "no company id")
    assert snapshot(isolated["state"]) == before


def test_wrong_key_and_unknown_company(cli: Cli, served: ServedSandbox) -> None:
    for name, company, key in (("badkey", "37000", "nope"), ("badco", "1", "sandbox-key")):
        added = cli(
            "profile",
            "add",
            name,
            "--provider",
            "bookingbug",
            "--base-url",
            f"{served.url}/bookingbug/api/v1",
            "--company-id",
            company,
            "--app-id",
            "bookctl-sandbox",
            "--api-key-stdin",
            stdin=f"{key}\n",
        )
        assert added.exit_code == 0, added
    assert_clean_error(cli("-p", "badkey", "products"), 5, "App-Key")
    assert_clean_error(cli("-p", "badco", "products"), 3, "Company 1")
