"""The foundation flow of issue 2, on the embedded sandbox and on a served one."""

from __future__ import annotations

import datetime as dt
import json
import stat
from pathlib import Path

import pytest

from tests.conftest import TODAY, Cli, ServedSandbox, now


def next_weekday(weekday: int, *, after_days: int = 9) -> dt.date:
    """The first date with ``weekday`` (Mon=0) at least ``after_days`` from today."""
    day = TODAY + dt.timedelta(days=after_days)
    while day.weekday() != weekday:
        day += dt.timedelta(days=1)
    return day


WEDNESDAY = 2


@pytest.fixture(params=["embedded", "served"])
def target(request: pytest.FixtureRequest) -> list[str]:
    """Global options that select the embedded sandbox or a served one."""
    if request.param == "embedded":
        return []
    return ["-p", request.getfixturevalue("served_profile")]


def add_args(
    start: dt.date, nights: int = 7, guest: str = "Oliver,Nicholson,m,ollie@example.com"
) -> list[str]:
    return [
        "basket",
        "add",
        "--package",
        "384",
        "--start-date",
        start.isoformat(),
        "--end-date",
        (start + dt.timedelta(days=nights)).isoformat(),
        "--accommodation",
        "392",
        "--guest",
        guest,
    ]


def test_products_lists_the_surf_camp(cli: Cli, target: list[str]) -> None:
    result = cli(*target, "products", "--json")
    assert result.exit_code == 0, result
    products = {p["id"]: p for p in result.json}
    camp = products["384"]
    assert camp["title"] == "Surf Camp"
    assert camp["provider"] == "bookinglayer"
    assert camp["type"] == "package"
    assert camp["location"] == "Kauai, Hawaii"
    assert camp["price_from"] == {"amount": "199.00", "currency": "EUR"}
    table = cli(*target, "products")
    assert table.exit_code == 0
    assert "Surf Camp" in table.stdout and "199.00 EUR" in table.stdout


def test_product_show(cli: Cli, target: list[str]) -> None:
    result = cli(*target, "product", "show", "384", "--json")
    assert result.exit_code == 0, result
    assert result.json["details"]["allowed_checkin_days"]["wed"] is True
    assert result.json["details"]["allowed_checkin_days"]["tue"] is False
    raw = cli(*target, "product", "show", "384", "--json", "--raw")
    assert raw.json["raw"]["backoffice_title"] == "Advanced Surf Camp"


def test_availability_rows(cli: Cli, target: list[str]) -> None:
    start = next_weekday(0)
    result = cli(*target, "availability", "384", "--start-date", start.isoformat(), "--json")
    assert result.exit_code == 0, result
    rows = result.json
    assert rows[0]["date"] == start.isoformat()
    assert set(rows[0]) >= {
        "product_id",
        "date",
        "available",
        "capacity",
        "blocked",
        "checkin",
        "checkout",
        "timeslots",
    }
    by_date = {r["date"]: r for r in rows}
    assert by_date[start.isoformat()]["checkin"] is True  # Monday
    assert by_date[(start + dt.timedelta(days=1)).isoformat()]["checkin"] is False  # Tuesday


def test_full_booking_flow(
    cli: Cli, target: list[str], tmp_path: Path, isolated: dict[str, Path]
) -> None:
    start = next_weekday(WEDNESDAY)
    before = cli(*target, "availability", "384", "--start-date", start.isoformat(), "--json").json
    free_before = before[0]["available"]

    added = cli(*target, *add_args(start), "--json")
    assert added.exit_code == 0, added
    cart = added.json
    assert cart["state"] == "open"
    assert cart["provider"] == "bookinglayer"
    assert cart["currency"] == "EUR"
    assert cart["total"].count(".") == 1 and len(cart["total"].split(".")[1]) == 2
    assert {line["product_id"] for line in cart["lines"]} >= {"384", "392"}

    during = cli(*target, "availability", "384", "--start-date", start.isoformat(), "--json").json
    assert during[0]["available"] == free_before - 1

    session_file = isolated["state"] / "sessions" / f"{target[1] if target else 'sandbox'}.json"
    session = json.loads(session_file.read_text())
    assert session["version"] == 1
    assert session["cart_id"] == cart["id"]
    assert stat.S_IMODE(session_file.stat().st_mode) == 0o600

    shown = cli(*target, "cart", "show", "--json")
    assert shown.exit_code == 0, shown
    assert shown.json["id"] == cart["id"]
    assert shown.json["total"] == cart["total"]

    extended = cli(*target, "cart", "extend", "--json")
    assert extended.exit_code == 0, extended
    expires = dt.datetime.fromisoformat(extended.json["expires_at"])
    assert dt.timedelta(minutes=9) < expires - now() <= dt.timedelta(minutes=11)

    me = tmp_path / "me.json"
    me.write_text(
        json.dumps(
            {
                "first_name": "Oliver",
                "last_name": "Nicholson",
                "email": "ollie@example.com",
                "phone": "403 201 767",
                "phone_countrycode": 61,
            }
        )
    )
    done = cli(*target, "checkout", "--accept-terms", "--customer-file", str(me), "--json")
    assert done.exit_code == 0, done
    order = done.json
    assert order["cart_id"] == cart["id"]
    assert order["state"] == "confirmed"
    assert order["total"] == cart["total"]
    assert order["provider"] == "bookinglayer"
    assert set(order) >= {
        "id",
        "cart_id",
        "provider",
        "state",
        "payment_state",
        "total",
        "currency",
        "completed_at",
    }

    assert not session_file.exists()
    history = session_file.with_name(session_file.stem + ".history.jsonl").read_text().splitlines()
    assert json.loads(history[-1])["outcome"]["id"] == order["id"]

    after = cli(*target, "availability", "384", "--start-date", start.isoformat(), "--json").json
    assert after[0]["available"] == free_before - 1  # a booking keeps its room

    again = cli(*target, "cart", "show")
    assert again.exit_code == 3
    assert "no open cart" in again.stderr


def test_second_add_reuses_the_cart(cli: Cli, target: list[str]) -> None:
    start = next_weekday(WEDNESDAY)
    first = cli(*target, *add_args(start), "--json").json
    second = cli(*target, *add_args(start, guest="Ann,Lee,f,ann@example.com"), "--json")
    assert second.exit_code == 0, second
    assert second.json["id"] == first["id"]
    guests = {line["guest"] for line in second.json["lines"]}
    assert guests == {"ollie@example.com", "ann@example.com"}
    fresh = cli(*target, *add_args(start, guest="Bo,Kim,m,bo@example.com"), "--new-cart", "--json")
    assert fresh.exit_code == 0, fresh
    assert fresh.json["id"] != first["id"]


def test_abandon_gives_inventory_back(cli: Cli, target: list[str]) -> None:
    start = next_weekday(WEDNESDAY)
    free = cli(*target, "availability", "384", "--start-date", start.isoformat(), "--json").json[0][
        "available"
    ]
    cart = cli(*target, *add_args(start), "--json").json
    refused = cli(*target, "cart", "abandon")
    assert refused.exit_code == 2 and "--yes" in refused.stderr
    done = cli(*target, "cart", "abandon", "--yes", "--json")
    assert done.exit_code == 0, done
    assert done.json == {"id": cart["id"], "state": "abandoned"}
    back = cli(*target, "availability", "384", "--start-date", start.isoformat(), "--json")
    assert back.json[0]["available"] == free
    shown = cli(*target, "cart", "show", "--cart", cart["id"], "--json")
    assert shown.json["state"] == "abandoned"


def test_expired_cart_releases_inventory_and_refuses_checkout(
    cli: Cli, target: list[str], request: pytest.FixtureRequest
) -> None:
    start = next_weekday(WEDNESDAY)
    free = cli(*target, "availability", "384", "--start-date", start.isoformat(), "--json").json[0][
        "available"
    ]
    cart = cli(*target, *add_args(start), "--json").json
    clock = ["clock", "advance", "11m"]
    if target:
        served: ServedSandbox = request.getfixturevalue("served")
        moved = cli("sandbox", *clock, "--url", served.url, "--json")
    else:
        moved = cli("sandbox", *clock, "--json")
    assert moved.exit_code == 0, moved
    shown = cli(*target, "cart", "show", "--json")
    assert shown.json["state"] == "expired"
    back = cli(*target, "availability", "384", "--start-date", start.isoformat(), "--json")
    assert back.json[0]["available"] == free
    refused = cli(
        *target,
        "checkout",
        "--accept-terms",
        "--first-name",
        "O",
        "--last-name",
        "N",
        "--email",
        "o@example.com",
        "--phone",
        "1",
        "--json",
    )
    assert refused.exit_code == 4, refused
    assert refused.json["error"]["message"]
    assert "Traceback" not in refused.stderr
    assert cart["id"] == shown.json["id"]


def test_checkout_again_reports_the_booking_already_made(cli: Cli, target: list[str]) -> None:
    start = next_weekday(WEDNESDAY)
    cart = cli(*target, *add_args(start), "--json").json
    customer = [
        "--first-name",
        "O",
        "--last-name",
        "N",
        "--email",
        "o@example.com",
        "--phone",
        "403",
    ]
    first = cli(*target, "checkout", "--accept-terms", *customer, "--json")
    assert first.exit_code == 0, first
    # A retry (the user never saw the first answer) must not look like a failure.
    again = cli(*target, "checkout", "--cart", cart["id"], "--accept-terms", *customer, "--json")
    assert again.exit_code == 0, again
    assert "already checked out" in again.stderr
    assert again.json["id"] == first.json["id"]
    assert again.json["state"] == first.json["state"] == "confirmed"


def test_demo_books_the_surf_camp(cli: Cli, isolated: dict[str, Path]) -> None:
    result = cli("demo")
    assert result.exit_code == 0, result
    assert "Step 5" in result.stderr
    assert "confirmed" in result.stderr
    assert not (isolated["state"] / "sessions" / "sandbox.json").exists()
    as_json = cli("demo", "--json")
    assert as_json.exit_code == 0
    assert as_json.json["order"]["state"] == "confirmed"
