"""Checks of user input made before any request goes out; each error names the parameter."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

from bookctl.core import jsonio
from bookctl.core.errors import UsageError

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_LANGUAGE = re.compile(r"^[a-z]{2}$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$")


def parse_date(value: str, param: str, *, allow_past: bool = False) -> dt.date:
    """A ``YYYY-MM-DD`` date; past dates are refused unless ``allow_past``."""
    try:
        parsed = dt.date.fromisoformat(value.strip())
        if len(value.strip()) != 10:
            raise ValueError(value)
    except ValueError as err:
        raise UsageError(
            f"{param}: {value!r} is not a date", hint="write dates as YYYY-MM-DD, e.g. 2026-12-02"
        ) from err
    if not allow_past and parsed < dt.date.today():
        raise UsageError(f"{param}: {value} is in the past", hint="choose today or a later date")
    return parsed


def parse_date_range(
    start: str | None, end: str | None, *, start_param: str, end_param: str, allow_past: bool
) -> tuple[dt.date | None, dt.date | None]:
    start_date = parse_date(start, start_param, allow_past=allow_past) if start else None
    end_date = parse_date(end, end_param, allow_past=allow_past) if end else None
    if start_date and end_date and end_date < start_date:
        raise UsageError(
            f"{end_param} {end_date} is before {start_param} {start_date}",
            hint=f"{end_param} must be on or after {start_param}",
        )
    return start_date, end_date


def parse_time(value: str, param: str) -> str:
    if not _TIME.match(value.strip()):
        raise UsageError(f"{param}: {value!r} is not a time", hint="write times as HH:MM")
    return value.strip()[:5]


def check_email(value: str, param: str) -> str:
    if not _EMAIL.match(value.strip()):
        raise UsageError(f"{param}: {value!r} is not an email address")
    return value.strip()


def check_language(value: str, param: str = "--language") -> str:
    if not _LANGUAGE.match(value):
        raise UsageError(
            f"{param}: {value!r} is not a two-letter language code", hint="e.g. en, de, es"
        )
    return value


def check_currency(value: str, param: str = "--currency") -> str:
    upper = value.upper()
    if not _CURRENCY.match(upper):
        raise UsageError(
            f"{param}: {value!r} is not a currency code", hint="use ISO 4217, e.g. EUR, USD"
        )
    return upper


def check_count(value: int, param: str, *, minimum: int = 0) -> int:
    if value < minimum:
        raise UsageError(f"{param} must be {minimum} or more, not {value}")
    return value


def check_choice(value: str, param: str, choices: tuple[str, ...]) -> str:
    if value not in choices:
        raise UsageError(f"{param}: {value!r} is not one of {', '.join(choices)}")
    return value


def read_json_file(path: Path, param: str) -> Any:
    """Parse a JSON input file; errors name the file and the parameter."""
    return jsonio.read_json_file(path, param)
