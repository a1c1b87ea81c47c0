"""The quick check of a CSV line (``BatchAdapter.quick``) never says more than the parser.

``batch validate`` takes a line the quick check vouches for as a valid row with the id it
names, without the parser. So for any header and any line the check vouches for, the parser
must take the row too, under the same id. Hypothesis builds lines from cells that are valid,
nearly valid (white space at an edge, ';', other scripts' digits, letters that lower-case to
ASCII, past or swapped dates, relative dates) or random text, under headers in any order, with
or without the optional columns.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bookctl.batch.adapters import Invalid, Rules, adapter_for, check_rows
from bookctl.batch.reader import line_rows
from bookctl.core.bulk import QuickCheck, Run
from bookctl.providers import CATALOGUE
from tests.batch.helpers import HEADER, csv_row
from tests.conftest import TODAY

ADAPTER = adapter_for(CATALOGUE.spec("bookinglayer"))
NEEDED = (
    "package",
    "start_date",
    "end_date",
    "guest_first_name",
    "guest_last_name",
    "guest_gender",
    "customer_first_name",
    "customer_last_name",
    "customer_email",
    "accept_terms",
)
OPTIONAL = ("id", "guest_email", "customer_phone", "newsletter")


def _day(offset: int) -> str:
    return (TODAY + dt.timedelta(days=offset)).isoformat()


_NAMES = ["Ann", "Mary Ann", "Łukasz", "", " Ann", "Ann ", "A;B", "Ann\t", "a\tb", "\u00a0Ann"]
_EMAILS = ["a@b.co", "a@b", "a;b@c.de", "a b@c.de", "@b.co", "a@b.co;", "a@@b.co", "", "a@b.c "]
_CELLS: dict[str, list[str]] = {
    "id": ["r1", "r2", "", " r1", "r 1", "x;y", "é", "\u00a0r", "r\t", "line-2"],
    "package": ["450", "0", "\u0664\u0665\u0660", "4.5", "-1", "", "abc", "²", "450 "],
    "start_date": [_day(2), _day(0), _day(-1), "+3d", "next-wed", "2026-02-30", "", "tomorrow"],
    "end_date": [_day(3), _day(2), _day(1), _day(-1), "+4d", "x", "", f" {_day(5)}"],
    "guest_first_name": _NAMES,
    "guest_last_name": _NAMES,
    "guest_gender": ["f", "m", "F", "M", "x", "", "\uff4d", "f "],
    "guest_email": _EMAILS,
    "customer_first_name": _NAMES,
    "customer_last_name": _NAMES,
    "customer_email": _EMAILS,
    "customer_phone": ["", "403 201 767", ";", " 4", "+61"],
    "accept_terms": ["yes", "YES", "Y", "true", "1", "no", "0", "", "ye\u017f", "maybe", "tRuE"],
    "newsletter": ["", "no", "yes", "maybe", "N", "\u212a"],
}
# Random text as csv would give it (no delimiter, quote or line end: a line of a file that
# is read by lines has none).
_TEXT = st.text(st.characters(exclude_characters=',"\r\n'), max_size=6)


@st.composite
def _header_and_line(draw: st.DrawFn) -> tuple[list[str], str]:
    optional = draw(st.lists(st.sampled_from(OPTIONAL), unique=True))
    names = draw(st.permutations([*NEEDED, *optional]))
    if draw(st.booleans()):
        names = [n.replace("_", "-") for n in names]
    # One or two cells spoiled (or not), the others valid: a spoiled cell is the one that
    # decides.
    spoiled = draw(st.sets(st.sampled_from(names), max_size=2))
    cells = [
        draw(st.one_of(st.sampled_from(_CELLS[name.replace("-", "_")]), _TEXT))
        if name in spoiled
        else _CELLS[name.replace("-", "_")][0]
        for name in names
    ]
    return names, ",".join(cells) + draw(st.sampled_from(["\n", ""]))


def _quick(names: Sequence[str], rules: Rules = Rules()) -> QuickCheck | None:
    return ADAPTER.quick(names, Run(rules, TODAY))


def _parsed(names: Sequence[str], line: str) -> list[Any]:
    """What ``iter_plans`` makes of the line, as line 2 of a file with header ``names``."""
    run = Run(Rules(), TODAY)
    parse = ADAPTER.compile("csv", names, run)
    identify: Callable[[Any], str | None] = (
        (lambda cells: cells[list(names).index("id")]) if "id" in names else (lambda cells: "")
    )
    rows = line_rows(line, len(names), 2)
    return list(check_rows(rows, parse, identify, True, lambda row_id, line: None))


@settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
@given(_header_and_line())
def test_a_line_the_quick_check_vouches_for_is_a_row_the_parser_takes(
    case: tuple[list[str], str],
) -> None:
    names, line = case
    _vouched_rows_are_taken(names, line)


def _vouched_rows_are_taken(names: list[str], line: str) -> bool:
    """Whether the quick check vouches for ``line``, asserting the parser takes it then."""
    quick = _quick(names)
    assert quick is not None
    vouched = quick(line)
    if vouched is None:
        return False
    parsed = _parsed(names, line)
    assert len(parsed) == 1 and not isinstance(parsed[0], Invalid), (line, parsed)
    assert parsed[0].row_id == (vouched or "line-2")
    return True


@pytest.mark.parametrize("column", [*NEEDED, *OPTIONAL])
def test_each_cell_spoiled_in_every_way_on_its_own(column: str) -> None:
    """Every listed cell of a column in an otherwise valid row (the property test draws
    these at random; here each one is tried)."""
    names = [*NEEDED, *OPTIONAL]
    valid = {name: _CELLS[name][0] for name in names}
    vouched = 0
    for cell in _CELLS[column]:
        line = ",".join(cell if name == column else valid[name] for name in names)
        vouched += _vouched_rows_are_taken(names, line + "\n")
    assert vouched >= 1  # the valid cell at least


def test_the_usual_rows_are_vouched_for_with_their_ids() -> None:
    names = HEADER.split(",")
    quick = _quick(names)
    assert quick is not None
    assert [quick(csv_row(n) + "\n") for n in range(3)] == ["r0", "r1", "r2"]
    assert quick(csv_row(4).replace("r4,", ",", 1)) == ""  # no id: the row is known by its line
    assert quick(csv_row(5).replace("yes", "no")) is None  # the parser says why not
    assert quick(csv_row(6).replace("Ann,Lee6", " Ann,Lee6", 1)) is None


@pytest.mark.parametrize(
    ("names", "rules"),
    [
        ([*NEEDED, "items"], Rules()),  # a column it does not know
        ([*NEEDED, "first_name"], Rules()),  # the customer's name in its own column too
        ([n for n in NEEDED if n != "accept_terms"], Rules()),  # a needed column missing
        ([*NEEDED, "start-date"], Rules()),  # one column under two spellings
        (list(NEEDED), Rules(required_customer_fields=frozenset({"phone"}))),
    ],
    ids=["unknown", "own-name", "missing", "twice", "settings"],
)
def test_headers_without_a_quick_check(names: list[str], rules: Rules) -> None:
    assert _quick(names, rules) is None
