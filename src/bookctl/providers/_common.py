"""Helpers every provider module shares (parsing dates and timestamps, reading options)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from bookctl.core.errors import UsageError


def iso_timestamp(value: Any) -> str | None:
    """A provider timestamp (``2019-09-19T20:05:50+0000``, ISO, epoch) as ISO 8601 UTC."""
    if value in (None, ""):
        return None
    if isinstance(value, int | float):
        return dt.datetime.fromtimestamp(value, tz=dt.UTC).isoformat()
    text = str(value).strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    if len(text) > 5 and text[-5] in "+-" and text[-4:].isdigit():
        text = text[:-2] + ":" + text[-2:]
    try:
        parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        return str(value)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed.astimezone(dt.UTC).isoformat()


def require_option(options: Mapping[str, Any], name: str, flag: str, stage: str) -> Any:
    value = options.get(name)
    if value in (None, "", [], ()):
        raise UsageError(f"{stage} needs {flag}", hint=f"see 'bookctl {stage} --help'")
    return value
