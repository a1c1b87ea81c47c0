"""Bad checkout input for Wix and Guest Manager: exit code, one clear line, nothing changed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.cli.targets import Target, make_target
from tests.cli.test_bad_input import assert_clean_error, snapshot
from tests.cli.test_wix import DAY, MASTER, YOGA, contact
from tests.conftest import Cli

GUEST = ["--email", "ann@example.com", "--first-name", "Ann", "--last-name", "Lee"]
BILL = {"address1": "1 Main St", "city": "Perth", "zipcode": "6000", "country_code": "AU"}


@pytest.fixture(params=["embedded", "served"])
def gm(request: pytest.FixtureRequest, cli: Cli) -> Target:
    return make_target(request, cli, "guestmanager")


@pytest.fixture(params=["embedded", "served"])
def wix(request: pytest.FixtureRequest, cli: Cli) -> Target:
    return make_target(request, cli, "wix")


@pytest.fixture
def gm_embedded(cli: Cli) -> Target:
    """Checks made before any request behave the same on both targets: embedded only."""
    return Target(cli, ["-p", "sandbox-guestmanager"], None)


@pytest.fixture
def wix_embedded(cli: Cli) -> Target:
    return Target(cli, ["-p", "sandbox-wix"], None)


def write(tmp_path: Path, data: Any, name: str = "answers.json") -> str:
    path = tmp_path / name
    path.write_text(json.dumps(data) if not isinstance(data, str) else data)
    return str(path)


@pytest.mark.parametrize(
    ("ticket", "qty", "answers", "args", "code", "needles", "state"),
    [
        (
            "601",
            1,
            {"bill_address": BILL},
            ["--first-name", "A", "--last-name", "L"],
            2,
            ["--email"],
            "cart",
        ),
        (
            "601",
            1,
            {"bill_address": BILL},
            ["--email", "a@example.com"],
            2,
            ["--first-name"],
            "cart",
        ),
        (
            "601",
            1,
            {"bill_address": BILL},
            ["--email", "nope", "--first-name", "A"],
            2,
            ["--last-name"],
            "cart",
        ),
        (
            "602",
            2,
            {"tickets": [{"keep": True}, {"keep": True}], "bill_address": BILL},
            GUEST,
            2,
            ["only one ticket can be kept"],
            "tickets",
        ),
        ("602", 2, {"bill_address": BILL}, GUEST, 2, ["a name for each of the 2"], "tickets"),
        (
            "601",
            1,
            {"bill_address": {**BILL, "country_code": "XX"}},
            GUEST,
            2,
            ["country code 'XX'"],
            "address",
        ),
        (
            "601",
            1,
            {"bill_address": {**BILL, "state_code": "ZZ"}},
            GUEST,
            2,
            ["state code 'ZZ'"],
            "address",
        ),
        ("601", 1, {}, GUEST, 2, ["billing address"], "address"),
        (
            "603",
            1,
            {"bill_address": BILL, "form": {"Company": "Acme", "Shoe size": "42"}},
            GUEST,
            2,
            ["unknown field(s) 'Shoe size'", "Company"],
            "tickets",
        ),
        (
            "603",
            1,
            {"bill_address": BILL, "form": {"Company": "Acme", "T-shirt size": "XXL"}},
            GUEST,
            2,
            ["no option 'XXL'"],
            "tickets",
        ),
        ("603", 1, {"bill_address": BILL}, GUEST, 2, ['answer to "Company"'], "tickets"),
        (
            "604",
            1,
            {"bill_address": BILL, "form": {"Company": "A", "T-shirt size": "S"}},
            GUEST,
            2,
            ["member id"],
            "member",
        ),
        ("605", 1, {"bill_address": BILL}, GUEST, 2, ["password"], "password"),
        ("606", 1, {"bill_address": BILL}, GUEST, 2, ["invitation code"], "invite"),
        (
            "601",
            1,
            {"bill_address": BILL},
            [*GUEST, "--payment-token", "4242 4242 4242 4242"],
            2,
            ["card number"],
            "cart",
        ),
    ],
)
def test_guest_manager_checkout_input_is_checked_before_any_step_is_sent(
    gm_embedded: Target,
    tmp_path: Path,
    isolated: dict[str, Path],
    ticket: str,
    qty: int,
    answers: dict[str, Any],
    args: list[str],
    code: int,
    needles: list[str],
    state: str,
) -> None:
    """Input the order does not decide on is checked before anything is sent; the rest once
    ``/next`` has shown the order's steps (the document: inspect ``checkout_steps`` after the
    transition), before any step's data is sent: the order waits at its first step."""
    gm = gm_embedded
    gm.ok("basket", "add", "--ticket-type", ticket, "--qty", str(qty))
    before_cart = gm.ok("cart", "show")
    file = write(tmp_path, answers)
    token = [] if "--payment-token" in args else ["--payment-token", "tok_visa"]
    before = snapshot(isolated["state"]), snapshot(isolated["config"])
    result = gm("checkout", *args, *token, "--answers-file", file)
    assert_clean_error(result, code, *needles)
    assert (snapshot(isolated["state"]), snapshot(isolated["config"])) == before
    after = gm.ok("cart", "show")
    assert after["state"] == state
    if state == "cart":
        assert after == before_cart  # nothing sent
    else:
        assert (after["lines"], after["total"]) == (before_cart["lines"], before_cart["total"])


def test_wrong_password_leaves_the_order_at_its_step(gm: Target, tmp_path: Path) -> None:
    gm.ok("basket", "add", "--ticket-type", "605")
    assert gm.ok("checkout", "--step", *GUEST)["state"] == "password"
    result = gm("checkout", "--answers-file", write(tmp_path, {"password": "guess"}), "--step")
    assert_clean_error(result, 2, "Wrong password for Secret Rooftop Party", "password")
    assert gm.ok("cart", "show")["state"] == "password"


def test_guest_manager_bad_answers_file(gm: Target, tmp_path: Path) -> None:
    gm.ok("basket", "add", "--ticket-type", "601")
    not_json = gm("checkout", *GUEST, "--answers-file", write(tmp_path, "{nope"))
    assert_clean_error(not_json, 2, "--answers-file")
    a_list = gm("checkout", *GUEST, "--answers-file", write(tmp_path, "[1]"))
    assert_clean_error(a_list, 2, "JSON object")
    qty = gm("basket", "add", "--ticket-type", "601", "--qty", "0")
    assert_clean_error(qty, 2, "--qty")
    unknown = gm("basket", "add", "--ticket-type", "999")
    assert_clean_error(unknown, 3, "Ticket type 999 was not found")
    wix_flag = gm("checkout", "--coupon", "X")
    assert_clean_error(wix_flag, 2, "--coupon", "wix")


@pytest.mark.parametrize(
    ("add", "checkout", "code", "needles"),
    [
        ([], ["--coupon", "WELCOME10", "--plan", "plan-yoga-10"], 2, ["cannot be used with"]),
        ([], ["--coupon", "NOPE"], 2, ["Coupon 'NOPE' is not valid"]),
        ([], ["--plan", "plan-nope"], 2, ["Plan 'plan-nope' was not found"]),
        (
            ["--session-id", f"master-{DAY}", "--service-id", MASTER],
            [],
            2,
            ["--locked-session-key"],
        ),
        (
            ["--session-id", f"master-{DAY}", "--service-id", MASTER],
            ["--payment-token", "t"],
            2,
            ["guestmanager"],
        ),
    ],
)
def test_wix_checkout_refusals_change_nothing(
    wix: Target,
    tmp_path: Path,
    isolated: dict[str, Path],
    add: list[str],
    checkout: list[str],
    code: int,
    needles: list[str],
) -> None:
    base = {"--service-id": YOGA, "--session-id": f"yoga-{DAY}"}
    base.update(dict(zip(add[::2], add[1::2], strict=True)))
    args = [x for pair in base.items() for x in pair]
    wix.ok("basket", "add", *args, "--contact-file", contact(tmp_path))
    before = snapshot(isolated["state"]), snapshot(isolated["config"])
    result = wix("checkout", *checkout)
    assert_clean_error(result, code, *needles)
    assert (snapshot(isolated["state"]), snapshot(isolated["config"])) == before
    assert wix.ok("cart", "show")["state"] == "PENDING_CHECKOUT"


@pytest.mark.parametrize(
    ("contact_data", "extra", "code", "needles"),
    [
        ({"firstName": "H"}, [], 2, ["--contact-file needs 'email'"]),
        ({"firstName": "H", "email": "not-an-email"}, [], 2, ["email"]),
        ({"firstName": "H", "email": "h@x.com", "shoe": 1}, [], 2, ["unknown field(s) shoe"]),
        ("{broken", [], 2, ["--contact-file"]),
        (
            {"firstName": "H", "email": "h@x.com"},
            ["--rate-label", "vip"],
            2,
            ["no price option 'vip'"],
        ),
        (
            {"firstName": "H", "email": "h@x.com"},
            ["--participants", "11"],
            2,
            ["numberOfParticipants"],
        ),
        ({"firstName": "H", "email": "h@x.com"}, ["--participants", "0"], 2, ["--participants"]),
        (
            {"firstName": "H", "email": "h@x.com"},
            ["--session-id", "pilates-20300101"],
            2,
            ["not a session of"],
        ),
        ({"firstName": "H", "email": "h@x.com"}, ["--session-id", "bogus"], 3, ["Session bogus"]),
    ],
)
def test_wix_basket_add_bad_input(
    wix_embedded: Target,
    tmp_path: Path,
    isolated: dict[str, Path],
    contact_data: Any,
    extra: list[str],
    code: int,
    needles: list[str],
) -> None:
    wix = wix_embedded
    base = {"--service-id": YOGA, "--session-id": f"yoga-{DAY}", "--contact-file": ""}
    base["--contact-file"] = write(tmp_path, contact_data, "contact.json")
    base.update(dict(zip(extra[::2], extra[1::2], strict=True)))
    before = snapshot(isolated["state"]), snapshot(isolated["config"])
    result = wix("basket", "add", *[x for pair in base.items() for x in pair])
    assert_clean_error(result, code, *needles)
    assert (snapshot(isolated["state"]), snapshot(isolated["config"])) == before
    assert wix("cart", "show").exit_code == 3


def test_poll_bad_input(cli: Cli) -> None:
    assert_clean_error(cli("-p", "sandbox-guestmanager", "poll"), 2, "ORDER")
    assert_clean_error(cli("-p", "sandbox-guestmanager", "poll", "42"), 3, "Order 42")
    assert_clean_error(cli("-p", "sandbox-guestmanager", "poll", "x1"), 2, "not a Guest Manager id")
    assert_clean_error(cli("-p", "sandbox-wix", "poll", "nope", "--interval", "0"), 2, "--interval")
    assert_clean_error(cli("-p", "sandbox-wix", "poll", "nope"), 3, "Booking nope")
