"""A row waiting out a Retry-After lends its send slot: another row books meanwhile."""

from __future__ import annotations

import json
from pathlib import Path

from tests.batch.helpers import booked_rows, write_csv
from tests.batch.test_exactly_once import add_profile, check_exactly_once, run_args
from tests.conftest import Cli, run_bookctl, start_sandbox


def test_with_one_slot_a_row_told_to_wait_lets_the_next_rows_book_first(
    cli: Cli, tmp_path: Path
) -> None:
    served = start_sandbox(tmp_path, "--faults", "429=0.3", "--seed", "4")
    try:
        add_profile(cli, served.url)
        path = write_csv(tmp_path / "rows.csv", 8)
        journal = tmp_path / "j.jsonl"
        report = tmp_path / "report.json"
        args = run_args(path, journal, "--concurrency", "1", "--report", str(report), "--json")
        result = run_bookctl(*args)
        assert result.exit_code == 0, result
        assert result.json["booked"] == 8
        assert result.json["rate_limit_slowdowns"] > 0
        check_exactly_once(journal, served.admin("GET", "stats")["bookinglayer"], 8)
        assert len(booked_rows(journal)) == 8
    finally:
        served.stop()
    # One row at a time would finish them in file order; a row waiting out its Retry-After
    # gave its slot to the rows after it, which finished first.
    lines = [row["line"] for row in json.loads(report.read_text())["rows"]]
    assert sorted(lines) == list(range(2, 10))
    assert lines != sorted(lines)
