"""The --report file: private, whole or absent, never half written."""

from __future__ import annotations

import json
import os
from pathlib import Path

from bookctl.batch.report import ReportWriter
from bookctl.batch.runner import RowResult


def rows(count: int) -> list[RowResult]:
    return [
        RowResult(n + 2, f"r{n}", "booked", amount="10.00", currency="EUR") for n in range(count)
    ]


def test_a_finished_report_is_private_and_complete(tmp_path: Path) -> None:
    path = tmp_path / "out" / "report.json"
    writer = ReportWriter(path, {"file": "b.csv"})
    for result in rows(3):
        writer.add(result)
    assert not path.exists()  # nothing under the final name before the end
    writer.finish({"booked": 3})
    report = json.loads(path.read_text())
    assert [r["id"] for r in report["rows"]] == ["r0", "r1", "r2"]
    assert report["summary"] == {"booked": 3}
    assert os.stat(path).st_mode & 0o777 == 0o600
    assert os.listdir(path.parent) == ["report.json"]  # no temporary file left


def test_a_discarded_report_leaves_the_previous_one(tmp_path: Path) -> None:
    path = tmp_path / "report.json"
    path.write_text('{"old": true}\n')
    writer = ReportWriter(path, {"file": "b.csv"})
    for result in rows(2):
        writer.add(result)
    writer.discard()
    assert json.loads(path.read_text()) == {"old": True}
    assert os.listdir(tmp_path) == ["report.json"]
