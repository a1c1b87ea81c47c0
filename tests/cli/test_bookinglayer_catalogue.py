"""The Bookinglayer catalogue commands against the embedded and the served sandbox.

products, product show, packages show/accommodations, availability, prices (single, several,
package), seasons, settings, deeplink: neutral --json fields, --raw, csv, tables, and bad input.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Cli, Result

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "bookinglayer"
AMOUNT = re.compile(r"^\d+\.\d{2}$")


def _wednesday(after_days: int = 9) -> dt.date:
    day = dt.date.today() + dt.timedelta(days=after_days)
    return day + dt.timedelta(days=(2 - day.weekday()) % 7)


START = _wednesday()
W = START.isoformat()
PAST = (dt.date.today() - dt.timedelta(days=2)).isoformat()


@pytest.fixture(params=["embedded", "served"])
def target(request: pytest.FixtureRequest) -> list[str]:
    """Global options that aim a command at the embedded or at the served sandbox."""
    if request.param == "embedded":
        return []
    return ["-p", request.getfixturevalue("served_profile")]


def ok(result: Result) -> Result:
    assert result.exit_code == 0, result
    assert "Traceback" not in result.stderr
    return result


def csv_rows(result: Result) -> list[list[str]]:
    return list(csv.reader(io.StringIO(ok(result).stdout)))


# -- products --------------------------------------------------------------------------------


def test_products(cli: Cli, target: list[str]) -> None:
    items = ok(cli(*target, "products", "--json")).json
    by_id = {p["id"]: p for p in items}
    surf = by_id["384"]
    assert surf["provider"] == "bookinglayer"
    assert (surf["type"], surf["title"], surf["location"]) == (
        "package",
        "Surf Camp",
        "Kauai, Hawaii",
    )
    assert surf["price_from"]["currency"] == "EUR"
    assert AMOUNT.match(surf["price_from"]["amount"])
    assert all(isinstance(p["id"], str) for p in items)

    activities = ok(cli(*target, "products", "--type", "activity", "--json")).json
    assert activities
    assert {p["type"] for p in activities} == {"activity"}

    byron = ok(cli(*target, "products", "--location", "13", "--json")).json
    assert {p["location"] for p in byron} == {"Byron Bay, Australia"}
    assert "384" not in {p["id"] for p in byron}

    german = ok(cli(*target, "products", "--language", "de", "--json")).json
    assert {p["id"]: p["title"] for p in german}["384"] == "Surfcamp"

    raw = ok(cli(*target, "products", "--type", "package", "--json", "--raw")).json
    assert {p["id"] for p in raw["products"]} == {str(r["id"]) for r in raw["raw"]}
    assert 384 in {r["id"] for r in raw["raw"]}

    rows = csv_rows(cli(*target, "-o", "csv", "products"))
    assert rows[0] == ["ID", "TYPE", "TITLE", "LOCATION", "FROM"]
    assert rows[1][:4] == ["384", "package", "Surf Camp", "Kauai, Hawaii"]

    table = ok(cli(*target, "products")).stdout
    assert "Surf Camp" in table
    assert "EUR" in table


def test_product_show(cli: Cli, target: list[str]) -> None:
    product = ok(cli(*target, "product", "show", "3337", "--json")).json
    assert (product["id"], product["type"]) == ("3337", "activity")
    assert product["title"] == "Surf lesson on timeslots"
    assert product["details"]["is_on_timeslots"] is True
    raw = ok(cli(*target, "product", "show", "384", "--json", "--raw")).json
    assert raw["id"] == "384"
    assert raw["raw"]["id"] == 384
    assert raw["raw"]["allowed_checkin_days"]["tue"] is False
    table = ok(cli(*target, "product", "show", "384")).stdout
    assert "Surf Camp" in table
    assert "allowed checkin days" in table


# -- packages --------------------------------------------------------------------------------


def _item(package: dict[str, Any], item_id: str) -> dict[str, Any]:
    items = package["single_items"] + [i for g in package["groups"] for i in g["items"]]
    return next(i for i in items if i["package_item_id"] == item_id)


def test_packages_show(cli: Cli, target: list[str]) -> None:
    args = ["packages", "show", "384", "--start-date", W, "--duration", "7"]
    package = ok(cli(*target, *args, "--json")).json
    assert package["id"] == "384"
    assert package["start_date"] == W
    assert package["end_date"] == (START + dt.timedelta(days=7)).isoformat()
    lesson = _item(package, "400")
    assert lesson["product_id"] == "3337"
    assert lesson["role"] == "option"
    assert lesson["is_on_timeslots"] is True
    assert lesson["price"] == {
        "amount": "10.00",
        "currency": "EUR",
        "type": "person",
        "from_price": True,
    }
    first = lesson["dates"][0]
    assert first["date"] == W
    assert [t["time"] for t in first["timeslots"]] == ["10:30", "15:00"]
    roles = [[i["role"] for i in g["items"]] for g in package["groups"]]
    assert ["default", "alternative", "upgrade"] in roles
    transfer = _item(package, "394")
    assert transfer["dates"][0]["available"] == "unlimited"

    usd = ok(cli(*target, *args, "--currency", "usd", "--json")).json
    assert _item(usd, "400")["price"]["currency"] == "USD"
    assert _item(usd, "400")["price"]["amount"] == "10.80"

    raw = ok(cli(*target, *args, "--json", "--raw")).json
    assert raw["raw"]["start_date"] == W
    assert {i["package_item_id"] for i in raw["raw"]["single_items"]} == {394, 400}

    rows = csv_rows(cli(*target, "-o", "csv", *args))
    assert rows[0][:3] == ["GROUP", "ITEM", "ROLE"]
    assert {r[0] for r in rows[1:]} == {"single", "group 1", "group 2"}

    table = ok(cli(*target, *args)).stdout
    assert "single items" in table
    assert "10:30 15:00" in table
    assert "pick one" in table
    assert "Surf lesson on timeslots" in table


def test_packages_accommodations(cli: Cli, target: list[str]) -> None:
    args = ["packages", "accommodations", "384", "--start-date", W, "--duration", "7"]
    options = ok(cli(*target, *args, "--males", "1", "--females", "1", "--json")).json
    by_id = {o["product_id"]: o for o in options}
    assert set(by_id) == {"392", "393"}
    room = by_id["392"]
    assert room["title"] == "Double Room"
    assert room["accommodation_type"] == "Double Room"
    assert (room["start_date"], room["pax"]["max"]) == (W, 2)
    assert isinstance(room["available"], int)
    assert room["price"]["currency"] == "EUR"
    assert AMOUNT.match(room["price"]["amount"])

    usd = ok(cli(*target, *args, "--couples", "1", "--currency", "USD", "--json")).json
    usd_room = {o["product_id"]: o for o in usd}["392"]
    assert usd_room["price"]["currency"] == "USD"
    assert Decimal(usd_room["price"]["amount"]) == (
        Decimal(room["price"]["amount"]) * Decimal("1.08")
    ).quantize(Decimal("0.01"))

    raw = ok(cli(*target, *args, "--males", "2", "--json", "--raw")).json
    assert {o["product"]["id"] for o in raw["raw"]} == {392, 393}
    assert [o["product_id"] for o in raw["accommodations"]] == ["392", "393"]

    rows = csv_rows(cli(*target, "-o", "csv", *args, "--males", "1"))
    assert rows[0] == ["ID", "TITLE", "TYPE", "SLEEPS", "AVAILABLE", "PRICE"]
    table = ok(cli(*target, *args, "--males", "1")).stdout
    assert "Dorm Bed" in table
    assert "1 male" in table


# -- availability ----------------------------------------------------------------------------


def test_availability_dated_product(cli: Cli, target: list[str]) -> None:
    end = (START + dt.timedelta(days=6)).isoformat()
    rows = ok(
        cli(*target, "availability", "392", "--start-date", W, "--end-date", end, "--json")
    ).json
    assert [r["date"] for r in rows] == [
        (START + dt.timedelta(days=n)).isoformat() for n in range(7)
    ]
    first = rows[0]
    assert first["product_id"] == "392"
    assert first["capacity"] == 8
    assert isinstance(first["available"], int)
    assert isinstance(first["checkin"], bool)
    assert isinstance(first["checkout"], bool)
    assert first["timeslots"] is None

    raw = ok(
        cli(*target, "availability", "392", "--start-date", W, "--end-date", W, "--json", "--raw")
    ).json
    assert list(raw["raw"]) == [W]
    assert raw["raw"][W]["capacity"] == 8
    assert raw["availability"][0]["date"] == W

    table_rows = csv_rows(
        cli(*target, "-o", "csv", "availability", "392", "--start-date", W, "--end-date", end)
    )
    assert table_rows[0][:3] == ["DATE", "DAY", "AVAILABLE"]
    assert table_rows[1][:2] == [W, "Wed"]


def test_availability_timeslot_product(cli: Cli, target: list[str]) -> None:
    end = (START + dt.timedelta(days=6)).isoformat()
    rows = ok(
        cli(*target, "availability", "3337", "--start-date", W, "--end-date", end, "--json")
    ).json
    assert len(rows) == 7
    open_days = [r for r in rows if not r["blocked"]]
    assert open_days
    for row in open_days:
        assert row["available"] is None
        assert [t["time"] for t in row["timeslots"]] == ["10:30", "15:00"]
        assert all(t["capacity"] == 10 for t in row["timeslots"])
    for row in rows:
        if row["blocked"]:
            assert row["timeslots"] == []
    table = ok(cli(*target, "availability", "3337", "--start-date", W, "--end-date", end)).stdout
    assert "10:30" in table
    assert "15:00" in table


def test_availability_several_type_category_and_default_window(cli: Cli, target: list[str]) -> None:
    window = ["--start-date", W, "--end-date", (START + dt.timedelta(days=2)).isoformat()]
    several = ok(cli(*target, "availability", "392", "3337", *window, "--json")).json
    assert {r["product_id"] for r in several} == {"392", "3337"}
    assert len(several) == 6
    raw = ok(cli(*target, "availability", "392", "3337", *window, "--json", "--raw")).json
    assert set(raw["raw"]) == {"392", "3337"}
    table = ok(cli(*target, "availability", "392", "3337", *window)).stdout
    assert "PRODUCT" in table

    rentals = ok(cli(*target, "availability", "--type", "rental", *window, "--json")).json
    assert {r["product_id"] for r in rentals} == {"512"}

    category = ok(cli(*target, "availability", "--category", "3", *window, "--json")).json
    assert {r["product_id"] for r in category} == {"512", "3340", "700"}

    default = ok(cli(*target, "availability", "393", "--json")).json
    today = dt.datetime.now(dt.UTC).date()
    assert default[0]["date"] == today.isoformat()
    assert default[-1]["date"] == (today + dt.timedelta(days=30)).isoformat()


# -- prices ----------------------------------------------------------------------------------


def test_prices_single(cli: Cli, target: list[str]) -> None:
    args = ["prices", "3337", "--start-date", W, "--pax", "2"]
    (price,) = ok(cli(*target, *args, "--json")).json
    assert price == {
        "product_id": "3337",
        "start_date": W,
        "pax": 2,
        "duration": None,
        "duration_unit": None,
        "qty": None,
        "total": "20.00",
        "currency": "EUR",
    }
    (usd,) = ok(cli(*target, *args, "--currency", "USD", "--json")).json
    assert (usd["total"], usd["currency"]) == ("21.60", "USD")
    raw = ok(cli(*target, *args, "--json", "--raw")).json
    assert Decimal(str(raw["raw"]["total_price"])) == Decimal(20)
    assert raw["prices"][0]["total"] == "20.00"
    rows = csv_rows(cli(*target, "-o", "csv", *args))
    assert rows == [
        ["PRODUCT", "START", "PAX", "DURATION", "TOTAL"],
        ["3337", W, "2", "default", "20.00 EUR"],
    ]
    assert "20.00 EUR" in ok(cli(*target, *args)).stdout


def test_prices_several(cli: Cli, target: list[str]) -> None:
    args = ["prices", "3337", "512", "--start-date", W, "--pax", "2", "--duration", "1"]
    prices = ok(cli(*target, *args, "--json")).json
    assert {p["product_id"]: p["total"] for p in prices} == {"3337": "20.00", "512": "10.00"}
    assert {p["currency"] for p in prices} == {"EUR"}
    raw = ok(cli(*target, *args, "--json", "--raw")).json
    assert set(raw["raw"]) == {"3337", "512"}
    rows = csv_rows(cli(*target, "-o", "csv", *args))
    assert rows[0] == ["PRODUCT", "START", "PAX", "DURATION", "TOTAL"]
    assert len(rows) == 3
    table = ok(cli(*target, *args)).stdout
    assert "all together: 30.00 EUR" in table


def package_prices_body(start: dt.date = START) -> dict[str, Any]:
    """The document's package prices request, moved to the future and to the sandbox's ids."""
    body: dict[str, Any] = json.loads(
        (FIXTURES / "package_prices_request.json").read_text(encoding="utf-8")
    )
    package = body["guests"][0]["package"]
    day = lambda n: (start + dt.timedelta(days=n)).isoformat()  # noqa: E731
    package.update(
        id=384,
        start_date=day(0),
        end_date=day(7),
        accommodation_id=392,
        items=[
            {"package_item_id": 394, "dates": [day(0)]},
            {"package_item_id": 385, "dates": [day(1), day(3)]},
            {"package_item_id": 400, "dates": [f"{day(2)} 10:30:00"]},
        ],
    )
    return body


def test_prices_package(cli: Cli, target: list[str], tmp_path: Path) -> None:
    file = tmp_path / "guests.json"
    file.write_text(json.dumps(package_prices_body()), encoding="utf-8")
    answer = ok(cli(*target, "prices", "package", "--file", str(file), "--json")).json
    assert answer["currency"] == "USD"  # the example's currency_id
    (guest,) = answer["guests"]
    assert guest["unique_id"] == "guest_1"
    by_product = {line["product_id"]: line for line in guest["lines"]}
    assert {"384", "392", "3340", "3339", "3337"} <= set(by_product)
    assert by_product["3340"]["package_item_id"] == "394"
    assert by_product["3340"]["amount"] == "32.40"  # 30 EUR fixed, in USD
    assert all(AMOUNT.match(line["amount"]) for line in guest["lines"])
    assert Decimal(guest["total"]) == sum(Decimal(line["amount"]) for line in guest["lines"])
    assert answer["total"] == guest["total"]

    eur = ok(
        cli(*target, "prices", "package", "--file", str(file), "--currency", "EUR", "--json")
    ).json
    assert eur["currency"] == "EUR"
    assert {line["product_id"]: line["amount"] for line in eur["guests"][0]["lines"]}[
        "3340"
    ] == "30.00"

    raw = ok(cli(*target, "prices", "package", "--file", str(file), "--json", "--raw")).json
    assert [e["product_id"] for e in raw["raw"]["guest_1"]][:2] == [384, 392]

    rows = csv_rows(cli(*target, "-o", "csv", "prices", "package", "--file", str(file)))
    assert rows[0] == ["GUEST", "WHAT", "PRODUCT", "AMOUNT"]
    assert ["guest_1", "item 394", "3340", "32.40 USD"] in rows

    table = ok(cli(*target, "prices", "package", "--file", str(file))).stdout
    assert "accommodation" in table
    assert "subtotal" in table
    assert f"{answer['total']} USD" in table


# -- business data ---------------------------------------------------------------------------


def test_seasons(cli: Cli, target: list[str]) -> None:
    seasons = ok(cli(*target, "seasons", "--json")).json
    assert [(s["id"], s["title"]) for s in seasons] == [("80", "High"), ("81", "Low")]
    segment = seasons[0]["segments"][0]
    assert isinstance(segment["id"], str)
    assert segment["start_date"] == f"{dt.datetime.now(dt.UTC).year}-01-01"
    raw = ok(cli(*target, "seasons", "--json", "--raw")).json
    assert raw["raw"][0]["id"] == 80
    assert raw["seasons"][1]["title"] == "Low"
    rows = csv_rows(cli(*target, "-o", "csv", "seasons"))
    assert rows[0] == ["FROM", "TO (INCL.)", "DAYS", "SEASON", "SEGMENT"]
    assert [r[0] for r in rows[1:]] == sorted(r[0] for r in rows[1:])
    assert "Low" in ok(cli(*target, "seasons")).stdout


def test_settings(cli: Cli, target: list[str]) -> None:
    settings = ok(cli(*target, "settings", "--json")).json
    assert settings["id"] == "176"
    assert "EUR" in [c["iso_code"] for c in settings["currencies"]]
    assert all(isinstance(c["id"], str) for c in settings["currencies"])
    assert settings["languages"] == ["en", "de"]
    assert settings["customer_fields"]["phone"]["required"] is True
    assert settings["terms"] == "These are our booking terms and conditions."
    raw = ok(cli(*target, "settings", "--json", "--raw")).json
    assert raw["raw"]["id"] == 176
    assert raw["raw"]["settings"]["guest_fields"]["birthday"]["request"] is True
    rows = csv_rows(cli(*target, "-o", "csv", "settings"))
    assert rows[0] == ["SETTING", "VALUE"]
    assert ["customer phone", "required"] in rows
    table = ok(cli(*target, "settings")).stdout
    assert "booking terms" in table
    assert "EUR" in table


def test_deeplink(cli: Cli, target: list[str]) -> None:
    args = ["deeplink", "384", "--start-date", W, "--duration", "7", "--males", "2"]
    link = ok(cli(*target, *args, "--language", "de", "--currency", "USD", "--json")).json
    assert link["product_id"] == "384"
    url = link["url"]
    assert "/frontoffice/product/384?" in url
    for part in (f"start={W}", "duration=7", "male=2", "language=de", "currency=USD"):
        assert part in url
    raw = ok(cli(*target, *args, "--json", "--raw")).json
    assert raw["raw"]["url"] == raw["url"]
    rows = csv_rows(cli(*target, "-o", "csv", *args))
    assert rows[0] == ["URL"]
    assert rows[1][0].endswith("male=2")
    assert "/frontoffice/product/384" in ok(cli(*target, *args)).stdout


# -- bad input -------------------------------------------------------------------------------


def assert_error(cli: Cli, target: list[str], args: list[str], code: int, needle: str) -> None:
    """The exit code, one 'error:' line on stderr, no traceback; under --json an error object."""
    plain = cli(*target, *args)
    assert plain.exit_code == code, plain
    lines = plain.stderr.strip().splitlines()
    assert len(lines) == 1, plain.stderr
    assert lines[0].startswith("error: ")
    assert needle.lower() in lines[0].lower(), (needle, lines[0])
    assert "Traceback" not in plain.stderr
    assert plain.stdout == ""

    as_json = cli(*target, *args, "--json")
    assert as_json.exit_code == code, as_json
    assert "Traceback" not in as_json.stderr
    error = as_json.json["error"]
    assert set(error) >= {"code", "message", "hint"}
    assert needle.lower() in (error["message"] + " " + (error["hint"] or "")).lower()


PKG = ["--start-date", W, "--duration", "7"]
PARTY = ["--males", "1"]
PRICE = ["--start-date", W, "--pax", "2"]

BAD_INPUT = [
    (["products", "--type", "boat"], 2, "--type"),
    (["products", "--language", "eng"], 2, "two-letter"),
    (["products", "--location", "kauai"], 2, "location"),
    (["product", "show", "99999"], 3, "99999"),
    (["product", "show", "abc"], 2, "not a Bookinglayer id"),
    (["packages", "show", "384", "--start-date", "2026-13-01", "--duration", "7"], 2, "date"),
    (["packages", "show", "384", "--start-date", PAST, "--duration", "7"], 2, "past"),
    (["packages", "show", "384", "--start-date", W, "--duration", "-1"], 2, "--duration"),
    (["packages", "show", "384", *PKG, "--currency", "EURO"], 2, "currency"),
    (["packages", "show", "384", *PKG, "--language", "deu"], 2, "two-letter"),
    (["packages", "show", "99999", *PKG], 3, "99999"),
    (["packages", "show", "384", "--duration", "7"], 2, "--start-date"),
    (["packages", "accommodations", "384", *PKG, "--males", "-1"], 2, "--males"),
    (["packages", "accommodations", "384", *PKG], 2, "party"),
    (["packages", "accommodations", "384", *PKG, *PARTY, "--currency", "EURO"], 2, "currency"),
    (["packages", "accommodations", "99999", *PKG, *PARTY], 3, "99999"),
    (["availability", "392", "--start-date", "01/12/2026"], 2, "YYYY-MM-DD"),
    (["availability", "392", "--start-date", PAST], 2, "past"),
    (["availability", "392", "--start-date", W, "--end-date", PAST], 2, "past"),
    (["availability", "--type", "boat"], 2, "--type"),
    (["availability", "--category", "surf"], 2, "category"),
    (["availability", "99999", "--start-date", W], 3, "99999"),
    (["prices", "3337", "--start-date", W, "--pax", "0"], 2, "--pax"),
    (["prices", "3337", "--start-date", W, "--pax", "-2"], 2, "--pax"),
    (["prices", "3337", "--start-date", PAST, "--pax", "2"], 2, "past"),
    (["prices", "3337", "--start-date", "2026-02-30", "--pax", "2"], 2, "not a date"),
    (["prices", "3337", *PRICE, "--currency", "EURO"], 2, "currency"),
    (["prices", "3337", *PRICE, "--unit", "fortnight"], 2, "--unit"),
    (["prices", "3337", *PRICE, "--duration", "0"], 2, "--duration"),
    (["prices", "3337", "512", *PRICE], 2, "--duration"),
    (["prices", "3337", *PRICE, "--qty", "-1", "--duration", "1"], 2, "--qty"),
    (["prices", "3337", "--start-date", W], 2, "--pax"),
    (["prices", "99999", *PRICE], 3, "99999"),
    (["prices", "package"], 2, "--file"),
    (["deeplink", "384", "--start-date", "tomorrow"], 2, "date"),
    (["deeplink", "384", "--males", "-2"], 2, "--males"),
    (["deeplink", "384", "--language", "english"], 2, "two-letter"),
    (["deeplink", "384", "--currency", "EURO"], 2, "currency"),
    (["deeplink", "99999"], 3, "99999"),
    (["seasons", "extra"], 2, "extra"),
]


@pytest.mark.parametrize(
    ("args", "code", "needle"), BAD_INPUT, ids=[" ".join(a[0][:3]) for a in BAD_INPUT]
)
def test_bad_input(cli: Cli, target: list[str], args: list[str], code: int, needle: str) -> None:
    assert_error(cli, target, args, code, needle)


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        ("missing_unique_id", "unique_id"),
        ("duplicate_unique_id", "unique_id"),
        ("no_guests", "guests"),
        ("{not json", "not valid JSON"),
        (None, "does not exist"),
    ],
)
def test_prices_package_bad_file(
    cli: Cli, target: list[str], tmp_path: Path, content: str | None, needle: str
) -> None:
    file = tmp_path / "guests.json"
    body = package_prices_body()
    if content == "missing_unique_id":
        del body["guests"][0]["unique_id"]
    elif content == "duplicate_unique_id":
        body["guests"].append(json.loads(json.dumps(body["guests"][0])))
        body["guests"][1]["email"] = "other@example.com"
    elif content == "no_guests":
        body["guests"] = []
    if content is not None:
        text = content if content.startswith("{") else json.dumps(body)
        file.write_text(text, encoding="utf-8")
    assert_error(cli, target, ["prices", "package", "--file", str(file)], 2, needle)


def test_prices_package_refused_by_the_provider(
    cli: Cli, target: list[str], tmp_path: Path
) -> None:
    """A body the client accepts but the provider refuses exits 2 with the provider's reason."""
    file = tmp_path / "guests.json"
    body = package_prices_body()
    body["guests"][0]["package"]["items"].append({"package_item_id": 999, "dates": [W]})
    file.write_text(json.dumps(body), encoding="utf-8")
    assert_error(cli, target, ["prices", "package", "--file", str(file)], 2, "999")


@pytest.mark.parametrize(
    "args",
    [
        ["seasons"],
        ["settings"],
        ["deeplink", "384"],
        ["packages", "show", "384", *PKG],
        ["packages", "accommodations", "384", *PKG, *PARTY],
        ["prices", "3337", *PRICE],
    ],
    ids=lambda a: " ".join(a[:2]),
)
def test_bookinglayer_only_commands_on_another_provider(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, args: list[str]
) -> None:
    monkeypatch.setenv("BOOKCTL_API_KEY", "wix-key")
    added = cli(
        "profile",
        "add",
        "wixy",
        "--provider",
        "wix",
        "--base-url",
        "http://127.0.0.1:1/wix/bookings/v1",
    )
    assert added.exit_code == 0, added
    assert_error(cli, ["-p", "wixy"], args, 2, "bookinglayer")
