"""basket add beyond the basics: package items, several guests, the documented body, customers."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from tests.cli.test_flow import WEDNESDAY, next_weekday, target  # noqa: F401  (fixture)
from tests.conftest import Cli

START = next_weekday(WEDNESDAY)
END = START + dt.timedelta(days=7)


def day(offset: int) -> str:
    return (START + dt.timedelta(days=offset)).isoformat()


def base(*guests: str) -> list[str]:
    args = [
        "basket",
        "add",
        "--package",
        "384",
        "--accommodation",
        "392",
        "--start-date",
        START.isoformat(),
        "--end-date",
        END.isoformat(),
    ]
    for guest in guests or ("Oliver,Nicholson,m,ollie@example.com",):
        args += ["--guest", guest]
    return args


def test_items_with_dates_and_timeslots(cli: Cli, target: list[str]) -> None:  # noqa: F811
    result = cli(
        *target,
        *base(),
        "--item",
        f"400:{day(1)} 10:30,{day(3)} 15:00",
        "--item",
        f"394:{day(0)}",
        "--item",
        f"385:{day(2)}",
        "--json",
    )
    assert result.exit_code == 0, result
    lines = {line["product_id"]: line for line in result.json["lines"]}
    assert lines["3337"]["dates"] == [f"{day(1)} 10:30:00", f"{day(3)} 15:00:00"]
    assert lines["3340"]["dates"] == [day(0)]
    assert lines["3339"]["dates"] == [day(2)]
    # the default item (surf session) fills the days its group's upgrade did not take
    assert day(2) not in lines["3338"]["dates"] and day(1) in lines["3338"]["dates"]
    total = sum(float(line["amount"]) for line in result.json["lines"])
    assert f"{total:.2f}" == result.json["total"]


@pytest.mark.parametrize(
    ("item", "code", "needle"),
    [
        ("400:{d1} 11:00", 2, "timeslots"),
        ("99999:{d1}", 2, "99999"),
        ("400:{out}", 2, ""),
        ("400", 2, "PKG_ITEM_ID:DATE"),
        ("x:{d1}", 2, "PKG_ITEM_ID:DATE"),
        ("400:{d1} 25:00", 2, "time"),
    ],
)
def test_bad_items(cli: Cli, isolated: dict[str, Path], item: str, code: int, needle: str) -> None:
    spec = item.format(d1=day(1), out=(END + dt.timedelta(days=3)).isoformat())
    result = cli(*base(), "--item", spec)
    assert result.exit_code == code, result
    assert needle in result.stderr
    assert "Traceback" not in result.stderr
    assert not (isolated["state"] / "sessions" / "sandbox.json").exists()


def test_two_options_of_one_group_are_refused(cli: Cli) -> None:
    result = cli(*base(), "--item", f"401:{day(1)}", "--item", f"402:{day(2)}")
    assert result.exit_code == 2, result
    assert "at most one" in result.stderr


def test_several_guests_in_one_call(cli: Cli) -> None:
    result = cli(
        *base("Oliver,Nicholson,m,ollie@example.com", "Ann,Lee,f,ann@example.com,1990-02-03,de"),
        "--json",
    )
    assert result.exit_code == 0, result
    assert {line["guest"] for line in result.json["lines"]} == {
        "ollie@example.com",
        "ann@example.com",
    }


def test_documented_body_from_a_file(cli: Cli, target: list[str], tmp_path: Path) -> None:  # noqa: F811
    body = {
        "currency": "USD",
        "guests": [
            {
                "first_name": "Oliver",
                "last_name": "Nicholson",
                "email": "ollie@example.com",
                "gender": "m",
                "language_code": "en",
                "birth_date": "1984-02-04",
                "package": {
                    "id": 384,
                    "start_date": START.isoformat(),
                    "end_date": END.isoformat(),
                    "accommodation_id": 392,
                    "items": [{"package_item_id": 400, "dates": [f"{day(1)} 10:30:00"]}],
                },
            }
        ],
    }
    path = tmp_path / "add.json"
    path.write_text(json.dumps(body))
    result = cli(*target, "basket", "add", "--file", str(path), "--json")
    assert result.exit_code == 0, result
    assert result.json["currency"] == "USD"
    assert "3337" in {line["product_id"] for line in result.json["lines"]}


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        ("{oops", "not valid JSON"),
        ('{"guests": []}', "guests"),
        ('{"guests": [{"first_name": "A"}]}', "package"),
        (
            '{"guests": [{"first_name": "A", "last_name": "B", "gender": "x", "package": {}}]}',
            "gender",
        ),
    ],
)
def test_bad_body_files(cli: Cli, tmp_path: Path, content: str, needle: str) -> None:
    path = tmp_path / "add.json"
    path.write_text(content)
    result = cli("basket", "add", "--file", str(path))
    assert result.exit_code == 2, result
    assert needle in result.stderr and "Traceback" not in result.stderr


def test_checkout_with_every_customer_field(cli: Cli, target: list[str]) -> None:  # noqa: F811
    assert cli(*target, *base()).exit_code == 0
    result = cli(
        *target,
        "checkout",
        "--accept-terms",
        "--newsletter",
        "--first-name",
        "Oliver",
        "--last-name",
        "Nicholson",
        "--email",
        "ollie@example.com",
        "--gender",
        "m",
        "--language-code",
        "en",
        "--birth-date",
        "1984-02-04",
        "--phone-countrycode",
        "+61",
        "--phone",
        "403 201 767",
        "--address-line-1",
        "Unit 1",
        "--address-line-2",
        "45 Armstrong Street",
        "--city",
        "Byron Bay",
        "--state",
        "NSW",
        "--zipcode",
        "2481",
        "--country",
        "Australia",
        "--json",
        "--raw",
    )
    assert result.exit_code == 0, result
    customer = result.json["raw"]["booking"]["customer"]
    assert customer["phone_countrycode"] == 61
    assert customer["address_line_2"] == "45 Armstrong Street"
    assert customer["country"] == "Australia"
    assert result.json["raw"]["booking"]["newsletter_opt_in"] is True


def test_customer_file_unknown_field(cli: Cli, tmp_path: Path) -> None:
    assert cli(*base()).exit_code == 0
    path = tmp_path / "me.json"
    path.write_text(
        json.dumps({"first_name": "A", "last_name": "B", "email": "a@b.co", "shoe_size": 44})
    )
    result = cli("checkout", "--accept-terms", "--customer-file", str(path))
    assert result.exit_code == 2 and "shoe_size" in result.stderr
