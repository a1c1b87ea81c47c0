"""Dates as users write them: ISO, or relative to today (UTC) so examples never go stale."""

from __future__ import annotations

import datetime as dt

import pytest

from bookctl.core.validate import resolve_date
from tests.conftest import TODAY, Cli

# TODAY is Wednesday 2027-03-10.
WED = dt.date(2027, 3, 10)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2027-04-01", dt.date(2027, 4, 1)),
        ("today", WED),
        ("Tomorrow", WED + dt.timedelta(days=1)),
        ("yesterday", WED - dt.timedelta(days=1)),
        ("+7d", WED + dt.timedelta(days=7)),
        ("+2w", WED + dt.timedelta(days=14)),
        ("-3d", WED - dt.timedelta(days=3)),
        ("next-thu", dt.date(2027, 3, 11)),
        ("next-wed", dt.date(2027, 3, 17)),  # a week ahead when today is one
        ("next-monday", dt.date(2027, 3, 15)),
        ("next-mon+1w", dt.date(2027, 3, 22)),
        ("tomorrow+2d", dt.date(2027, 3, 13)),
        (" +1d ", WED + dt.timedelta(days=1)),
    ],
)
def test_relative_forms(text: str, expected: dt.date) -> None:
    assert TODAY == WED
    assert resolve_date(text, WED) == expected


@pytest.mark.parametrize(
    "text",
    ["+0x", "+7", "7d", "next-foo", "next-", "2027-3-1", "2027-02-30", "+99999d", "", "now"],
)
def test_not_dates(text: str) -> None:
    assert resolve_date(text, WED) is None


def test_relative_forms_are_refused_in_documented_bodies() -> None:
    assert resolve_date("+7d", WED, relative=False) is None
    assert resolve_date("2027-04-01", WED, relative=False) == dt.date(2027, 4, 1)


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["availability", "384", "--start-date", "+0x"], "'+0x' is not a date"),
        (["availability", "384", "--start-date", "next-foo"], "'next-foo' is not a date"),
        (["availability", "384", "--start-date", "-3d"], "-3d (2027-03-07) is in the past"),
        (["prices", "3337", "--start-date", "yesterday", "--pax", "1"], "is in the past"),
    ],
)
def test_bad_relative_dates_exit_2_with_the_accepted_forms(
    cli: Cli, isolated: dict[str, object], args: list[str], needle: str
) -> None:
    result = cli(*args)
    assert result.exit_code == 2, result
    assert needle in result.stderr
    assert "+7d" in result.stderr and "next-wed" in result.stderr  # the hint lists the forms
    assert "Traceback" not in result.stderr
    assert not (isolated["state"] / "sessions").exists()  # type: ignore[operator]


def test_relative_dates_reach_the_provider_as_iso(cli: Cli) -> None:
    rows = cli("availability", "384", "--start-date", "next-mon", "--end-date", "next-mon+1d")
    assert rows.exit_code == 0, rows
    as_json = cli("availability", "384", "--start-date", "next-mon", "--json").json
    assert as_json[0]["date"] == "2027-03-15"
