"""Checks of user input made before any request goes out; each error names the parameter."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

from bookctl.core import clock, jsonio
from bookctl.core.errors import UsageError


def email_pattern(exclude: str = "") -> str:
    """What :func:`check_email` takes, as a pattern (without anchors), with none of the
    characters of ``exclude`` in it (a batch file's quick check builds on it)."""
    char = f"[^@\\s{re.escape(exclude)}]" if exclude else r"[^@\s]"
    return rf"{char}+@{char}+\.{char}+"


_EMAIL = re.compile(f"^{email_pattern()}$")
_LANGUAGE = re.compile(r"^[a-z]{2}$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$")


DATE_FORMS = "YYYY-MM-DD, today, tomorrow, +7d, +2w, -3d, next-wed or next-wed+1w"
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_RELATIVE = re.compile(
    r"^(?P<base>today|tomorrow|yesterday|next-(?P<day>[a-z]+))?"
    r"(?:(?P<sign>[+-])(?P<count>\d{1,4})(?P<unit>[dw]))?$"
)
_NAMED = {"today": 0, "tomorrow": 1, "yesterday": -1}


def _relative_date(text: str, today: dt.date) -> dt.date | None:
    match = _RELATIVE.match(text)
    if match is None or not (match["base"] or match["sign"]):
        return None
    day = today
    if match["day"] is not None:
        weekday = next(
            (n for n, full in enumerate(_WEEKDAYS) if match["day"] in (full, full[:3])), None
        )
        if weekday is None:
            return None
        day = today + dt.timedelta(days=(weekday - today.weekday() - 1) % 7 + 1)
    elif match["base"]:
        day = today + dt.timedelta(days=_NAMED[match["base"]])
    if match["sign"]:
        days = int(match["count"]) * (7 if match["unit"] == "w" else 1)
        day += dt.timedelta(days=days if match["sign"] == "+" else -days)
    return day


def resolve_date(value: str, today: dt.date, *, relative: bool = True) -> dt.date | None:
    """The date a user wrote, absolute or relative to ``today``; None if it is neither.

    ``next-wed`` is the first Wednesday after today (a week ahead when today is one).
    """
    text = value.strip().lower()
    # A relative form starts with a letter, + or -: a digit first can only be YYYY-MM-DD.
    if relative and not text[:1].isdigit() and (found := _relative_date(text, today)) is not None:
        return found
    if len(text) != 10:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def parse_date(
    value: str,
    param: str,
    *,
    allow_past: bool = False,
    relative: bool = True,
    today: dt.date | None = None,
) -> dt.date:
    """A date as ``YYYY-MM-DD`` or a relative form (``+7d``, ``next-wed``, ...), in UTC.

    Past dates are refused unless ``allow_past``. ``relative=False`` takes only ``YYYY-MM-DD``
    (a value that goes to the provider as written, such as a field of a documented body).
    ``today`` is the clock's day unless given (a batch run reads the clock once).
    """
    if today is None:
        today = clock.today()
    parsed = resolve_date(value, today, relative=relative)
    if parsed is None:
        forms = DATE_FORMS if relative else "YYYY-MM-DD, e.g. 2027-01-31"
        raise UsageError(f"{param}: {value!r} is not a date", hint=f"write {forms}")
    if not allow_past and parsed < today:
        shown = value if value.strip() == parsed.isoformat() else f"{value} ({parsed})"
        raise UsageError(
            f"{param}: {shown} is in the past",
            hint=f"choose today ({today}, UTC) or later; write {DATE_FORMS}",
        )
    return parsed


def parse_date_range(
    start: str | None,
    end: str | None,
    *,
    start_param: str,
    end_param: str,
    allow_past: bool,
    relative: bool = True,
    today: dt.date | None = None,
) -> tuple[dt.date | None, dt.date | None]:
    if today is None and (start or end):
        today = clock.today()
    start_date = end_date = None
    if start:
        start_date = parse_date(
            start, start_param, allow_past=allow_past, relative=relative, today=today
        )
    if end:
        end_date = parse_date(end, end_param, allow_past=allow_past, relative=relative, today=today)
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
    text = value.strip()
    if not _EMAIL.match(text):
        raise UsageError(f"{param}: {value!r} is not an email address")
    return text


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
