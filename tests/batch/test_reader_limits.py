"""Batch files that are not UTF-8 or nest too deeply are clear errors (issue 12, failure 2)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.batch.helpers import HEADER, csv_row, json_row
from tests.conftest import Cli


def test_a_csv_that_is_not_utf8_names_the_byte(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "rows.csv"
    head = (HEADER + "\n" + csv_row(1) + "\n").encode() * 3000  # past the first read
    path.write_bytes(head + "Zoë".encode("latin-1") + b"\n")
    result = cli("batch", "validate", str(path))
    assert result.exit_code == 2, result
    assert f"byte {len(head) + 2}" in result.stderr and str(path) in result.stderr


@pytest.mark.parametrize("suffix", [".jsonl", ".json"])
def test_a_row_nested_too_deeply_is_an_invalid_row(cli: Cli, tmp_path: Path, suffix: str) -> None:
    deep = '{"id": "d", "x": ' + "[" * 1000 + "]" * 1000 + "}"
    good = json.dumps(json_row(1))
    path = tmp_path / f"rows{suffix}"
    path.write_text(f"{good}\n{deep}\n" if suffix == ".jsonl" else f"[{good},\n{deep}]")
    result = cli("batch", "validate", str(path), "--json")
    assert result.exit_code == 2, result
    assert "Traceback" not in result.stderr
    if suffix == ".jsonl":  # one bad line of many
        assert [row["line"] for row in result.json["invalid"]] == [2]
        assert "nested" in result.json["invalid"][0]["reason"]
    else:  # the array cannot be read past it
        assert "line 2: nested more than" in result.stderr


@pytest.mark.parametrize("rate", ["nan", "inf", "-1"])
def test_rate_must_be_a_finite_number_above_zero(cli: Cli, tmp_path: Path, rate: str) -> None:
    path = tmp_path / "rows.csv"
    path.write_text(HEADER + "\n" + csv_row(1) + "\n")
    result = cli("batch", "run", str(path), "--rate", rate)
    assert result.exit_code == 2, result
    assert "--rate" in result.stderr


@pytest.mark.parametrize("duration", ["nan", "inf"])
def test_the_sandbox_clock_moves_by_a_finite_duration(cli: Cli, duration: str) -> None:
    result = cli("sandbox", "clock", "advance", duration)
    assert result.exit_code == 2, result
    assert "not a duration" in result.stderr
