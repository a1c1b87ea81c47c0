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

from tests.conftest import TODAY, Cli, Result

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "bookinglayer"
AMOUNT = re.compile(r"^\d+\.\d{2}$")


def _wednesday(after_days: int = 9) -> dt.date:
    day = TODAY + dt.timedelta(days=after_days)
    return day + dt.timedelta(days=(2 - day.weekday()) % 7)


START = _wednesday()
W = START.isoformat()
PAST = (TODAY - dt.timedelta(days=2)).isoformat()


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


# -- neutral JSON and --raw, on both targets -------------------------------------------------


def test_products(cli: Cli, target: list[str]) -> None:
    answer = ok(
        cli(*target, "products", "--type", "package", "--language", "de", "--json", "--raw")
    ).json
    by_id = {p["id"]: p for p in answer["products"]}
    surf = by_id["384"]
    assert surf["provider"] == "bookinglayer"
    assert (surf["type"], surf["title"], surf["location"]) == (
        "package",
        "Surfcamp",
        "Kauai, Hawaii",
    )
    assert surf["price_from"]["currency"] == "EUR"
    assert AMOUNT.match(surf["price_from"]["amount"])
    assert {p["type"] for p in answer["products"]} == {"package"}
    assert set(by_id) == {str(r["id"]) for r in answer["raw"]}
    assert 384 in {r["id"] for r in answer["raw"]}

    byron = ok(cli(*target, "products", "--location", "13", "--json")).json
    assert byron
    assert {p["location"] for p in byron} == {"Byron Bay, Australia"}
    assert all(isinstance(p["id"], str) for p in byron)


def test_product_show(cli: Cli, target: list[str]) -> None:
    product = ok(cli(*target, "product", "show", "3337", "--json", "--raw")).json
    assert (product["id"], product["type"]) == ("3337", "activity")
    assert product["title"] == "Surf lesson on timeslots"
    assert product["details"]["is_on_timeslots"] is True
    assert product["raw"]["id"] == 3337
    assert product["raw"]["is_on_timeslots"] is True


def _item(package: dict[str, Any], item_id: str) -> dict[str, Any]:
    items = package["single_items"] + [i for g in package["groups"] for i in g["items"]]
    return next(i for i in items if i["package_item_id"] == item_id)


PACKAGE = ["packages", "show", "384", "--start-date", W, "--duration", "7"]


def test_packages_show(cli: Cli, target: list[str]) -> None:
    package = ok(cli(*target, *PACKAGE, "--json", "--raw")).json
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
    assert _item(package, "394")["dates"][0]["available"] == "unlimited"
    assert package["raw"]["start_date"] == W
    assert {i["package_item_id"] for i in package["raw"]["single_items"]} == {394, 400}

    usd = ok(cli(*target, *PACKAGE, "--currency", "usd", "--json")).json
    assert _item(usd, "400")["price"]["currency"] == "USD"
    assert _item(usd, "400")["price"]["amount"] == "10.80"


ROOMS = ["packages", "accommodations", "384", "--start-date", W, "--duration", "7"]


def test_packages_accommodations(cli: Cli, target: list[str]) -> None:
    answer = ok(cli(*target, *ROOMS, "--males", "1", "--females", "1", "--json", "--raw")).json
    by_id = {o["product_id"]: o for o in answer["accommodations"]}
    assert list(by_id) == ["392", "393"]
    room = by_id["392"]
    assert room["title"] == "Double Room"
    assert room["accommodation_type"] == "Double Room"
    assert (room["start_date"], room["pax"]["max"]) == (W, 2)
    assert isinstance(room["available"], int)
    assert room["price"]["currency"] == "EUR"
    assert AMOUNT.match(room["price"]["amount"])
    assert {o["product"]["id"] for o in answer["raw"]} == {392, 393}

    usd = ok(cli(*target, *ROOMS, "--couples", "1", "--currency", "USD", "--json")).json
    usd_room = {o["product_id"]: o for o in usd}["392"]
    assert usd_room["price"]["currency"] == "USD"
    assert Decimal(usd_room["price"]["amount"]) == (
        Decimal(room["price"]["amount"]) * Decimal("1.08")
    ).quantize(Decimal("0.01"))


def _window(days: int) -> list[str]:
    return ["--start-date", W, "--end-date", (START + dt.timedelta(days=days - 1)).isoformat()]


def test_availability_dated_product(cli: Cli, target: list[str]) -> None:
    answer = ok(cli(*target, "availability", "392", *_window(7), "--json", "--raw")).json
    rows = answer["availability"]
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
    assert sorted(answer["raw"]) == [r["date"] for r in rows]
    assert answer["raw"][W]["capacity"] == 8


def test_availability_timeslot_product(cli: Cli, target: list[str]) -> None:
    rows = ok(cli(*target, "availability", "3337", *_window(7), "--json")).json
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


def test_availability_several_ids_type_and_category(cli: Cli, target: list[str]) -> None:
    answer = ok(cli(*target, "availability", "392", "3337", *_window(3), "--json", "--raw")).json
    assert {r["product_id"] for r in answer["availability"]} == {"392", "3337"}
    assert len(answer["availability"]) == 6
    assert set(answer["raw"]) == {"392", "3337"}

    rentals = ok(cli(*target, "availability", "--type", "rental", *_window(2), "--json")).json
    assert {r["product_id"] for r in rentals} == {"512"}

    category = ok(cli(*target, "availability", "--category", "3", *_window(2), "--json")).json
    assert {r["product_id"] for r in category} == {"512", "3340", "700"}


def test_availability_default_window_is_30_days(cli: Cli, target: list[str]) -> None:
    rows = ok(cli(*target, "availability", "393", "--json")).json
    today = TODAY
    assert rows[0]["date"] == today.isoformat()
    assert rows[-1]["date"] == (today + dt.timedelta(days=30)).isoformat()
    assert len(rows) == 31


PRICE_ONE = ["prices", "3337", "--start-date", W, "--pax", "2"]
PRICE_TWO = ["prices", "3337", "512", "--start-date", W, "--pax", "2", "--duration", "1"]


def test_prices_single(cli: Cli, target: list[str]) -> None:
    answer = ok(cli(*target, *PRICE_ONE, "--json", "--raw")).json
    assert answer["prices"] == [
        {
            "product_id": "3337",
            "start_date": W,
            "pax": 2,
            "duration": None,
            "duration_unit": None,
            "qty": None,
            "total": "20.00",
            "currency": "EUR",
        }
    ]
    assert Decimal(str(answer["raw"]["total_price"])) == Decimal(20)
    (usd,) = ok(cli(*target, *PRICE_ONE, "--currency", "USD", "--json")).json
    assert (usd["total"], usd["currency"]) == ("21.60", "USD")


def test_prices_several(cli: Cli, target: list[str]) -> None:
    answer = ok(cli(*target, *PRICE_TWO, "--json", "--raw")).json
    totals = {p["product_id"]: p["total"] for p in answer["prices"]}
    assert totals == {"3337": "20.00", "512": "10.00"}
    assert {p["currency"] for p in answer["prices"]} == {"EUR"}
    assert set(answer["raw"]) == {"3337", "512"}


@pytest.fixture
def guests_file(tmp_path: Path) -> Path:
    file = tmp_path / "guests.json"
    file.write_text(json.dumps(package_prices_body()), encoding="utf-8")
    return file


def test_prices_package(cli: Cli, target: list[str], guests_file: Path) -> None:
    args = ["prices", "package", "--file", str(guests_file)]
    answer = ok(cli(*target, *args, "--json", "--raw")).json
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
    assert [e["product_id"] for e in answer["raw"]["guest_1"]][:2] == [384, 392]

    eur = ok(cli(*target, *args, "--currency", "EUR", "--json")).json
    assert eur["currency"] == "EUR"
    eur_lines = {line["product_id"]: line["amount"] for line in eur["guests"][0]["lines"]}
    assert eur_lines["3340"] == "30.00"


def test_seasons(cli: Cli, target: list[str]) -> None:
    answer = ok(cli(*target, "seasons", "--json", "--raw")).json
    seasons = answer["seasons"]
    assert [(s["id"], s["title"]) for s in seasons] == [("80", "High"), ("81", "Low")]
    segment = seasons[0]["segments"][0]
    assert isinstance(segment["id"], str)
    assert segment["start_date"] == f"{TODAY.year}-01-01"
    assert answer["raw"][0]["id"] == 80


def test_settings(cli: Cli, target: list[str]) -> None:
    settings = ok(cli(*target, "settings", "--json", "--raw")).json
    assert settings["id"] == "176"
    assert "EUR" in [c["iso_code"] for c in settings["currencies"]]
    assert all(isinstance(c["id"], str) for c in settings["currencies"])
    assert settings["languages"] == ["en", "de"]
    assert settings["customer_fields"]["phone"]["required"] is True
    assert settings["terms"] == "These are our booking terms and conditions."
    assert settings["raw"]["id"] == 176
    assert settings["raw"]["settings"]["guest_fields"]["birthday"]["request"] is True


DEEPLINK = ["deeplink", "384", "--start-date", W, "--duration", "7", "--males", "2"]


def test_deeplink(cli: Cli, target: list[str]) -> None:
    link = ok(
        cli(*target, *DEEPLINK, "--language", "de", "--currency", "USD", "--json", "--raw")
    ).json
    assert link["product_id"] == "384"
    url = link["url"]
    assert "/frontoffice/product/384?" in url
    for part in (f"start={W}", "duration=7", "male=2", "language=de", "currency=USD"):
        assert part in url
    assert link["raw"]["url"] == url


# -- table and csv (rendering does not depend on the target: embedded only) --------------------

RENDERED = [
    (["products"], ["ID", "TYPE", "TITLE", "LOCATION", "FROM"], ["Surf Camp", "199.00 EUR"]),
    (["product", "show", "384"], ["FIELD", "VALUE"], ["Surf Camp", "allowed checkin days"]),
    (
        PACKAGE,
        [
            "GROUP",
            "ITEM",
            "ROLE",
            "PRODUCT",
            "TITLE",
            "QTY",
            "PRICE",
            "DATES",
            "PICK DATES",
            "FREE",
        ],
        ["single items", "10:30 15:00", "pick one", "Surf lesson on timeslots", "group 2"],
    ),
    (
        [*ROOMS, "--males", "1"],
        ["ID", "TITLE", "TYPE", "SLEEPS", "AVAILABLE", "PRICE"],
        ["Dorm Bed", "1 male", "/person"],
    ),
    (
        ["availability", "3337", *_window(3)],
        ["DATE", "DAY", "AVAILABLE", "CHECK-IN", "CHECK-OUT", "BLOCKED", "TIMESLOTS"],
        ["10:30", "15:00", W],
    ),
    (PRICE_ONE, ["PRODUCT", "START", "PAX", "DURATION", "TOTAL"], ["20.00 EUR"]),
    (PRICE_TWO, ["PRODUCT", "START", "PAX", "DURATION", "TOTAL"], ["all together: 30.00 EUR"]),
    (["seasons"], ["FROM", "TO (INCL.)", "DAYS", "SEASON", "SEGMENT"], ["High", "Low"]),
    (["settings"], ["SETTING", "VALUE"], ["booking terms", "EUR", "customer phone"]),
    (DEEPLINK, ["URL"], ["/frontoffice/product/384", "male=2"]),
]


@pytest.mark.parametrize(
    ("args", "header", "needles"), RENDERED, ids=[" ".join(r[0][:2]) for r in RENDERED]
)
def test_table_and_csv(cli: Cli, args: list[str], header: list[str], needles: list[str]) -> None:
    rows = csv_rows(cli("-o", "csv", *args))
    assert rows[0] == header
    assert len(rows) > 1
    assert all(len(r) == len(header) for r in rows)
    table = ok(cli(*args)).stdout
    for needle in needles:
        assert needle in table, (needle, table)


def test_package_breakdown_table_and_csv(cli: Cli, guests_file: Path) -> None:
    args = ["prices", "package", "--file", str(guests_file)]
    rows = csv_rows(cli("-o", "csv", *args))
    assert rows[0] == ["GUEST", "WHAT", "PRODUCT", "AMOUNT"]
    assert ["guest_1", "item 394", "3340", "32.40 USD"] in rows
    assert rows[2][:3] == ["guest_1", "accommodation", "392"]
    table = ok(cli(*args)).stdout
    assert "subtotal" in table
    assert "TOTAL" in table


# -- bad input -------------------------------------------------------------------------------


def assert_error(result: Result, code: int, needle: str, *, as_json: bool) -> None:
    """The exit code, one 'error:' line on stderr, no traceback; under --json an error object."""
    assert result.exit_code == code, result
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    assert needle.lower() in lines[0].lower(), (needle, lines[0])
    if as_json:
        error = result.json["error"]
        assert set(error) >= {"code", "message", "hint"}
        assert needle.lower() in f"{error['message']} {error['hint']}".lower()
    else:
        assert result.stdout == ""


PKG = ["--start-date", W, "--duration", "7"]
PARTY = ["--males", "1"]
PRICE = ["--start-date", W, "--pax", "2"]

#: Refused by bookctl before any request: the target does not matter.
LOCAL_BAD_INPUT = [
    (["products", "--type", "boat"], "--type"),
    (["products", "--language", "eng"], "two-letter"),
    (["products", "--location", "kauai"], "location"),
    (["product", "show", "abc"], "not a Bookinglayer id"),
    (["packages", "show", "384", "--start-date", "2026-13-01", "--duration", "7"], "date"),
    (["packages", "show", "384", "--start-date", PAST, "--duration", "7"], "past"),
    (["packages", "show", "384", "--start-date", W, "--duration", "-1"], "--duration"),
    (["packages", "show", "384", *PKG, "--currency", "EURO"], "currency"),
    (["packages", "show", "384", *PKG, "--language", "deu"], "two-letter"),
    (["packages", "show", "384", "--duration", "7"], "--start-date"),
    (["packages", "accommodations", "384", *PKG, "--males", "-1"], "--males"),
    (["packages", "accommodations", "384", *PKG], "party"),
    (["packages", "accommodations", "384", *PKG, *PARTY, "--currency", "EURO"], "currency"),
    (["availability", "392", "--start-date", "01/12/2026"], "YYYY-MM-DD"),
    (["availability", "392", "--start-date", PAST], "past"),
    (["availability", "392", "--start-date", W, "--end-date", PAST], "past"),
    (["availability", "--type", "boat"], "--type"),
    (["availability", "--category", "surf"], "category"),
    (["prices", "3337", "--start-date", W, "--pax", "0"], "--pax"),
    (["prices", "3337", "--start-date", W, "--pax", "-2"], "--pax"),
    (["prices", "3337", "--start-date", PAST, "--pax", "2"], "past"),
    (["prices", "3337", "--start-date", "2026-02-30", "--pax", "2"], "not a date"),
    (["prices", "3337", *PRICE, "--currency", "EURO"], "currency"),
    (["prices", "3337", *PRICE, "--unit", "fortnight"], "--unit"),
    (["prices", "3337", *PRICE, "--duration", "0"], "--duration"),
    (["prices", "3337", "512", *PRICE], "--duration"),
    (["prices", "3337", *PRICE, "--qty", "-1", "--duration", "1"], "--qty"),
    (["prices", "3337", "--start-date", W], "--pax"),
    (["prices", "package"], "--file"),
    (["deeplink", "384", "--start-date", "next-someday"], "date"),
    (["deeplink", "384", "--males", "-2"], "--males"),
    (["deeplink", "384", "--language", "english"], "two-letter"),
    (["deeplink", "384", "--currency", "EURO"], "currency"),
    (["seasons", "extra"], "extra"),
]


@pytest.mark.parametrize(
    ("args", "needle"), LOCAL_BAD_INPUT, ids=[" ".join(a[:4]) for a, _ in LOCAL_BAD_INPUT]
)
def test_bad_input(cli: Cli, args: list[str], needle: str) -> None:
    assert_error(cli(*args, "--json"), 2, needle, as_json=True)


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["prices", "3337", "--start-date", W, "--pax", "0"], "--pax"),
        (["packages", "show", "384", "--start-date", PAST, "--duration", "7"], "past"),
        (["deeplink", "384", "--currency", "EURO"], "currency"),
    ],
    ids=["prices", "packages", "deeplink"],
)
def test_bad_input_without_json_prints_nothing_on_stdout(
    cli: Cli, args: list[str], needle: str
) -> None:
    assert_error(cli(*args), 2, needle, as_json=False)


#: Refused by the provider (its 404 or 422): checked on both targets.
PROVIDER_BAD_INPUT = [
    (["product", "show", "99999"], 3, "99999"),
    (["packages", "show", "99999", *PKG], 3, "99999"),
    (["packages", "accommodations", "99999", *PKG, *PARTY], 3, "99999"),
    (["availability", "99999", "--start-date", W], 3, "99999"),
    (["prices", "99999", *PRICE], 3, "99999"),
    (["deeplink", "99999"], 3, "99999"),
]


@pytest.mark.parametrize(
    ("args", "code", "needle"),
    PROVIDER_BAD_INPUT,
    ids=[" ".join(a[:2]) for a, _, _ in PROVIDER_BAD_INPUT],
)
def test_unknown_id(cli: Cli, target: list[str], args: list[str], code: int, needle: str) -> None:
    assert_error(cli(*target, *args, "--json"), code, needle, as_json=True)


def test_unknown_id_without_json(cli: Cli, target: list[str]) -> None:
    assert_error(cli(*target, "prices", "99999", *PRICE), 3, "not found", as_json=False)


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
    cli: Cli, tmp_path: Path, content: str | None, needle: str
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
    result = cli("prices", "package", "--file", str(file), "--json")
    assert_error(result, 2, needle, as_json=True)


def test_prices_package_refused_by_the_provider(
    cli: Cli, target: list[str], tmp_path: Path
) -> None:
    """A body bookctl accepts but the provider refuses exits 2 with the provider's reason."""
    file = tmp_path / "guests.json"
    body = package_prices_body()
    body["guests"][0]["package"]["items"].append({"package_item_id": 999, "dates": [W]})
    file.write_text(json.dumps(body), encoding="utf-8")
    result = cli(*target, "prices", "package", "--file", str(file), "--json")
    assert_error(result, 2, "999", as_json=True)


BOOKINGLAYER_ONLY = [
    ["seasons"],
    ["settings"],
    ["deeplink", "384"],
    ["packages", "show", "384", *PKG],
    ["packages", "accommodations", "384", *PKG, *PARTY],
    ["prices", "3337", *PRICE],
]


def test_bookinglayer_only_commands_on_another_provider(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BOOKCTL_API_KEY", "wix-key")
    base = "http://127.0.0.1:1/wix/bookings/v1"
    added = cli("profile", "add", "wixy", "--provider", "wix", "--base-url", base)
    assert added.exit_code == 0, added
    for args in BOOKINGLAYER_ONLY:
        assert_error(cli("-p", "wixy", *args, "--json"), 2, "bookinglayer", as_json=True)
    assert_error(cli("-p", "wixy", "seasons"), 2, "bookinglayer", as_json=False)
