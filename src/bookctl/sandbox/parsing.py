"""Request parsing the emulators share: whole numbers, dates, required fields, emails.

Each helper answers the sandbox's flat 422 (`bookctl.sandbox.errors.invalid`) naming the field.
Emulators with an error shape of their own use `EMAIL` and their own errors.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from bookctl.sandbox.errors import invalid

#: A plausible email address (something@domain.tld, no spaces).
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def parse_date(value: Any, field_name: str) -> date:
    """A `YYYY-MM-DD` date, or a 422 naming the field."""
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise invalid(
            field_name, f"{field_name} must be a date in YYYY-MM-DD format.", "invalid_date"
        )
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise invalid(field_name, f"{field_name} is not a real date.", "invalid_date") from None


def parse_int(value: Any, field_name: str, *, minimum: int = 0) -> int:
    """A whole number (int or numeric string) at least `minimum`, or a 422."""
    if isinstance(value, bool):
        value = None
    if isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
        value = int(value)
    if not isinstance(value, int):
        raise invalid(field_name, f"{field_name} must be a whole number.", "invalid_number")
    if value < minimum:
        raise invalid(field_name, f"{field_name} must be at least {minimum}.", "invalid_number")
    return value


def require(value: Any, field_name: str) -> Any:
    """A present, non-empty value, or a 422 `missing_field`."""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise invalid(field_name, f"{field_name} is required.", "missing_field")
    return value


def require_str(value: Any, field_name: str) -> str:
    """A present, non-empty string, or a 422."""
    require(value, field_name)
    if not isinstance(value, str):
        raise invalid(field_name, f"{field_name} must be a string.", "invalid_type")
    return value.strip()


def parse_email(value: Any, field_name: str) -> str:
    """A plausible email address, or a 422 `invalid_email`."""
    if not isinstance(value, str) or not EMAIL.match(value.strip()):
        raise invalid(field_name, f"{field_name} is not a valid email address.", "invalid_email")
    return value.strip().lower()
