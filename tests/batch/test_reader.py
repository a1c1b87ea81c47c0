"""The streaming readers: line numbers, bad files, and JSON arrays across chunk boundaries."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from bookctl.batch import reader
from bookctl.batch.adapters import Invalid, Plan, Rules, adapter_for, iter_plans
from bookctl.batch.reader import BadRow, detect_format, read_rows
from bookctl.core.errors import UsageError
from bookctl.providers import CATALOGUE
from tests.batch.helpers import HEADER, csv_row, json_row, write_csv

COLUMNS = adapter_for(CATALOGUE.spec("bookinglayer")).columns


def test_csv_rows_carry_their_line_numbers_and_skip_blank_lines(tmp_path: Path) -> None:
    path = tmp_path / "b.csv"
    path.write_text(f"{HEADER}\n{csv_row(0)}\n\n{csv_row(1)}\n")
    rows = list(read_rows(path, "csv", COLUMNS))
    assert [line for line, _ in rows] == [2, 4]
    assert rows[1][1]["id"] == "r1"  # type: ignore[index]


def test_csv_quoted_newline_keeps_the_starting_line(tmp_path: Path) -> None:
    path = tmp_path / "b.csv"
    quoted = csv_row(1).replace("Lee1,f", '"Lee\nSecond",f', 1)
    path.write_text(f"{HEADER}\n{quoted}\n{csv_row(2)}\n")
    assert [line for line, _ in read_rows(path, "csv", COLUMNS)] == [2, 4]


def test_csv_wrong_field_count_is_a_bad_row(tmp_path: Path) -> None:
    path = tmp_path / "b.csv"
    path.write_text(f"{HEADER}\n{csv_row(0)},extra\n")
    [(line, row)] = list(read_rows(path, "csv", COLUMNS))
    assert line == 2
    assert isinstance(row, BadRow)
    assert "14 fields" in row.reason


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("", "is empty"),
        (f"{HEADER}\n", "no rows"),
        (f"{HEADER},colour\n{csv_row(0)},red\n", "unknown column(s) 'colour'"),
        ("id,id\n1,2\n", "appears twice"),
        (",,\n1,2,3\n", "not a CSV header"),
    ],
)
def test_bad_csv_files_are_usage_errors(tmp_path: Path, text: str, needle: str) -> None:
    path = tmp_path / "b.csv"
    path.write_text(text)
    with pytest.raises(UsageError) as caught:
        list(read_rows(path, "csv", COLUMNS))
    assert needle in caught.value.message
    assert caught.value.exit_code == 2


def test_missing_file_and_unknown_suffix(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="does not exist"):
        list(read_rows(tmp_path / "nope.csv", "csv", COLUMNS))
    with pytest.raises(UsageError, match="cannot tell the format"):
        detect_format(tmp_path / "rows.txt", None)
    assert detect_format(tmp_path / "rows.txt", "jsonl") == "jsonl"
    assert detect_format(tmp_path / "rows.NDJSON", None) == "jsonl"


def test_jsonl_bad_line_is_reported_with_its_number(tmp_path: Path) -> None:
    path = tmp_path / "b.jsonl"
    path.write_text(json.dumps(json_row(0)) + "\n{oops\n[1]\n")
    rows = list(read_rows(path, "jsonl"))
    assert [line for line, _ in rows] == [1, 2, 3]
    assert isinstance(rows[1][1], BadRow) and "not valid JSON" in rows[1][1].reason
    assert isinstance(rows[2][1], BadRow) and "not a JSON object" in rows[2][1].reason


def test_json_array_streams_across_small_chunks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reader, "_CHUNK", 7)
    path = tmp_path / "b.json"
    items = [json_row(n) for n in range(5)]
    path.write_text("[\n" + ",\n".join(json.dumps(i, indent=1) for i in items) + "\n]\n")
    rows = list(read_rows(path, "json"))
    assert [r for _, r in rows] == items
    first_lines = [line for line, _ in rows]
    assert first_lines[0] == 2
    assert first_lines == sorted(first_lines) and len(set(first_lines)) == 5


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("", "is empty"),
        ("{}", "expected '['"),
        ("[{} {}]", "expected ','"),
        ("[{}", "not closed"),
        ("[]", "no rows"),
    ],
)
def test_bad_json_files(tmp_path: Path, text: str, needle: str) -> None:
    path = tmp_path / "b.json"
    path.write_text(text)
    with pytest.raises(UsageError, match=re.escape(needle)):
        list(read_rows(path, "json"))


def test_plans_report_every_invalid_row_with_line_and_reason(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "b.csv",
        6,
        bad={
            1: csv_row(1, start="2026-13-40"),
            3: csv_row(3, gender="x"),
            4: csv_row(0),  # id r0 again
            5: csv_row(5).replace(",yes", ",no"),
        },
    )
    items = list(iter_plans(path, "csv", adapter_for(CATALOGUE.spec("bookinglayer")), Rules()))
    invalid = {i.line: i.reason for i in items if isinstance(i, Invalid)}
    assert set(invalid) == {3, 5, 6, 7}
    assert "start_date" in invalid[3] and "not a date" in invalid[3]
    assert "gender" in invalid[5]
    assert "also on line 2" in invalid[6]
    assert "accept_terms" in invalid[7]
    assert [p.row_id for p in items if isinstance(p, Plan)] == ["r0", "r2"]


def test_required_customer_fields_from_the_business_settings(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "b.csv", 1, bad={0: csv_row(0).replace("403 201 767", "")})
    [item] = iter_plans(
        path, "csv", adapter_for(CATALOGUE.spec("bookinglayer")), Rules(frozenset({"phone"}))
    )
    assert isinstance(item, Invalid)
    assert "customer_phone is required" in item.reason


@pytest.mark.parametrize("fmt", ["jsonl", "json"])
def test_json_depth_limit_is_exact_whatever_the_brackets_in_strings(
    tmp_path: Path, fmt: str
) -> None:
    from bookctl.core.jsonio import MAX_DEPTH

    def nested(levels: int) -> str:  # an object holding lists: ``levels`` deep in all
        return '{"x": ' + "[" * (levels - 1) + "]" * (levels - 1) + "}"

    rows = [nested(MAX_DEPTH), nested(MAX_DEPTH + 1), '{"note": "' + "[{" * 100 + '"}']
    path = tmp_path / f"rows.{fmt}"
    path.write_text("\n".join(rows) + "\n" if fmt == "jsonl" else "[" + ",\n".join(rows) + "]")
    got = [row for _, row in read_rows(path, fmt)]
    assert isinstance(got[0], dict)
    assert isinstance(got[1], BadRow) and f"nested more than {MAX_DEPTH}" in got[1].reason
    assert got[2] == {"note": "[{" * 100}
