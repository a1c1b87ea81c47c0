"""Helpers every provider module shares (parsing dates and timestamps, reading options)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

from bookctl.core import validate
from bookctl.core.errors import ApiError, UsageError
from bookctl.core.wire import BeforeValidator, ConfigDict

#: How wire models read an answer: unknown fields never fail (they are kept aside), and a
#: number may stand where the document shows a string (ids, amounts). Strings where numbers are
#: shown pass pydantic's lax mode for ``int`` and ``Decimal`` fields.
#: Validators are built on first use (defer_build): a command pays only for the models it reads.
LENIENT = ConfigDict(extra="allow", coerce_numbers_to_str=True, defer_build=True)


def _count(value: Any) -> Any:
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return value


#: A count as documents show it: a number, the string ``"unlimited"``, or unknown (``null``);
#: a number sent as a string is read as the number.
Count = Annotated[int | str | None, BeforeValidator(_count)]


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


def explain(err: ApiError, hints: Mapping[str, str], **values: Any) -> ApiError:
    """Give a provider error with a known machine code the hint that says what to do next."""
    hint = hints.get(err.provider_code or "")
    if hint is not None:
        err.hint = hint.format(**values)
    return err


def read_answers(path: str | None, flag: str) -> dict[str, Any]:
    """A JSON object file of step answers (empty without the flag)."""
    if path is None:
        return {}
    data = validate.read_json_file(Path(path), flag)
    if not isinstance(data, dict):
        raise UsageError(f"{flag} must hold a JSON object")
    return data
