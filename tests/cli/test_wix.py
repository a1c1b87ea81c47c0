"""Wix Bookings from the CLI: services, sessions, bookings, checkout and asynchronous payment."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from tests.cli.targets import Target, make_target
from tests.conftest import TODAY, Cli

YOGA = "f9969221-88b0-442d-9bfa-b7f0b739b0fc"
PILATES = "5b3e4c2a-1d7f-4e55-9a0b-2c6d8e1f3a47"
MASTER = "9e8d7c6b-5a4f-4e3d-2c1b-0a9f8e7d6c5b"
DAY = (TODAY + dt.timedelta(days=3)).strftime("%Y%m%d")


@pytest.fixture(params=["embedded", "served"])
def wix(request: pytest.FixtureRequest, cli: Cli) -> Target:
    return make_target(request, cli, "wix")


@pytest.fixture
def wix_embedded(cli: Cli) -> Target:
    return Target(cli, ["-p", "sandbox-wix"], None)


def contact(tmp_path: Path, email: str = "doh@doh.com") -> str:
    path = tmp_path / f"contact-{email}.json"
    path.write_text(json.dumps({"firstName": "Homer", "lastName": "Simpson", "email": email}))
    return str(path)


def book(wix: Target, tmp_path: Path, service: str, code: str, *extra: str) -> dict[str, str]:
    cart: dict[str, str] = wix.ok(
        "basket",
        "add",
        "--service-id",
        service,
        "--session-id",
        f"{code}-{DAY}",
        "--contact-file",
        contact(tmp_path),
        *extra,
    )
    return cart


def test_services_and_sessions(wix: Target) -> None:
    services = {p["id"]: p for p in wix.ok("products")}
    yoga = services[YOGA]
    assert yoga["title"] == "Yoga class over Zoom"
    assert yoga["price_from"] == {"amount": "10.00", "currency": "USD"}
    assert yoga["details"]["tags"] == "GROUP"
    assert "general 14.00 USD" in yoga["details"]["price_options"]
    rows = wix.ok("availability", MASTER)
    slot = rows[0]["timeslots"][0]
    assert slot["session_id"].startswith("master-") and slot["locked"] is True
    assert (slot["time"], slot["available"], slot["capacity"]) == ("12:00", 1, 1)
    table = wix("availability", YOGA)
    assert "session yoga-" in table.stdout


def test_booking_paid_with_coupon_completes_asynchronously(wix: Target, tmp_path: Path) -> None:
    cart = book(wix, tmp_path, YOGA, "yoga", "--participants", "2", "--rate-label", "general")
    assert cart["state"] == "PENDING_CHECKOUT"
    assert cart["total"] == "28.00" and cart["lines"][0]["quantity"] == 2
    order = wix.ok("checkout", "--booking", cart["id"], "--coupon", "WELCOME10", "--no-notify")
    assert (order["state"], order["payment_state"]) == ("PENDING", "PENDING_MERCHANT")
    assert order["total"] == "25.20"
    raw = wix.ok("cart", "show", "--raw")["raw"]["booking"]
    assert raw["notifyParticipants"] is False and raw["couponCode"] == "WELCOME10"
    assert set(raw) >= {"bookedEntity", "bookedResources", "formInfo", "paymentDetails"}
    assert wix("poll", "--interval", "0.05", "--timeout", "0.2").exit_code == 8
    wix.advance("1m")
    done = wix.ok("poll", cart["id"], "--interval", "0.05")
    assert (done["state"], done["payment_state"]) == ("CONFIRMED", "COMPLETE")
    assert done["completed_at"] is not None
    assert wix("cart", "show").exit_code == 3
    spots = wix.ok("availability", YOGA)
    assert any(s["available"] == 8 for row in spots for s in row["timeslots"])
    # A retry reports the booking it finds checked out instead of failing (issue 10).
    again = wix("checkout", "--booking", cart["id"], "--json")
    assert again.exit_code == 0 and "already checked out" in again.stderr, again
    assert (again.json["id"], again.json["state"]) == (cart["id"], "CONFIRMED")


def test_paid_plan_is_redeemed_at_checkout(wix: Target, tmp_path: Path) -> None:
    cart = book(wix, tmp_path, YOGA, "yoga")
    order = wix.ok("checkout", "--plan", "plan-yoga-10")
    assert (order["state"], order["payment_state"], order["total"]) == (
        "CONFIRMED",
        "COMPLETE",
        "0.00",
    )
    assert wix("cart", "show").exit_code == 3  # confirmed at once: session retired
    raw = wix.ok("poll", cart["id"], "--raw")["raw"]["booking"]
    assert raw["planSelection"] == {
        "planId": "plan-yoga-10",
        "sessionsRedeemed": 1,
        "sessionsRemaining": 9,
    }
    book(wix, tmp_path, YOGA, "yoga")
    empty = wix("checkout", "--plan", "plan-used-up")
    assert empty.exit_code == 4 and "0 session(s) left" in empty.stderr, empty


def test_declined_payment_settles_otherwise(wix: Target, tmp_path: Path) -> None:
    cart = wix.ok(
        "basket",
        "add",
        "--service-id",
        YOGA,
        "--session-id",
        f"yoga-{DAY}",
        "--contact-file",
        contact(tmp_path, "declined@example.com"),
    )
    wix.ok("checkout")
    wix.advance("1m")
    declined = wix("poll", "--interval", "0.05", "--json")
    assert declined.exit_code == 4, declined
    assert declined.json["state"] == "DECLINED"
    assert "settled as DECLINED" in declined.stderr
    assert wix.ok("cart", "show")["id"] == cart["id"]  # kept: nothing was bought


def test_locked_session_needs_its_key(wix: Target, tmp_path: Path) -> None:
    book(wix, tmp_path, MASTER, "master")
    missing = wix("checkout")
    assert missing.exit_code == 2, missing
    assert "locked" in missing.stderr and "--locked-session-key" in missing.stderr
    wrong = wix("checkout", "--locked-session-key", "nope")
    assert wrong.exit_code == 5, wrong
    assert wix.ok("cart", "show")["state"] == "PENDING_CHECKOUT"
    order = wix.ok("checkout", "--locked-session-key", "LOCK-2468")
    assert order["state"] == "PENDING"


def test_full_session_is_refused_at_checkout(wix: Target, tmp_path: Path) -> None:
    first = book(wix, tmp_path, PILATES, "pilates", "--participants", "2")
    second = book(wix, tmp_path, PILATES, "pilates")
    assert first["id"] != second["id"]  # a Wix booking holds one session
    wix.ok("checkout", "--booking", first["id"])
    full = wix("checkout", "--booking", second["id"])
    assert full.exit_code == 4, full
    assert "0 open spot(s)" in full.stderr and "bookctl availability" in full.stderr


def test_abandon_cancels_and_extend_is_not_a_wix_stage(
    wix_embedded: Target, tmp_path: Path
) -> None:
    wix = wix_embedded
    book(wix, tmp_path, YOGA, "yoga")
    extend = wix("cart", "extend")
    assert extend.exit_code == 2 and "wix has no 'cart extend' step" in extend.stderr
    assert wix("cart", "abandon", "--yes").exit_code == 0
    assert wix("cart", "show").exit_code == 3
