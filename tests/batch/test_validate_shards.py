"""`batch validate` line by line and in shards: the same rows, verdicts and messages as
``iter_plans`` (the parser on every row, in one process).

Every test compares the answer with ``iter_plans``'s for the same file, and checks that the
file really was read by lines and split (so a silent fallback to ``iter_plans`` cannot pass).
"""

from __future__ import annotations

import itertools
import json
import os
import threading
from pathlib import Path

import pytest

from bookctl.batch.adapters import Invalid, Rules, adapter_for, iter_plans
from bookctl.batch.shards import MIN_BYTES, check_file, split
from bookctl.core.errors import UsageError
from bookctl.providers import CATALOGUE
from tests.batch.helpers import HEADER, csv_row
from tests.conftest import Cli

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="shards need fork")


def _check(path: Path, jobs: int) -> tuple[int, list[tuple[int, str, str]]]:
    adapter = adapter_for(CATALOGUE.spec("bookinglayer"))
    rows, invalid = check_file(path, "csv", adapter, Rules(), jobs=jobs, min_bytes=0)
    return rows, [(i.line, i.row_id, i.reason) for i in invalid]


def _parsed(path: Path) -> tuple[int, list[tuple[int, str, str]]]:
    """The answer of the parser on every row, in one process."""
    adapter = adapter_for(CATALOGUE.spec("bookinglayer"))
    items = list(iter_plans(path, "csv", adapter, Rules()))
    return len(items), [(i.line, i.row_id, i.reason) for i in items if isinstance(i, Invalid)]


def _mixed(path: Path, count: int, *, trailing_newline: bool = True) -> Path:
    """Valid rows with, spread through the file: repeated ids (in one shard and across
    shards, valid and invalid ones), refused cells, blank lines, short rows and rows without
    an id."""
    lines = [HEADER]
    for n in range(count):
        row = csv_row(n)
        if n % 97 == 5:
            row = row.replace(f"ann{n}@example.com,Ann", "not-an-email,Ann", 1)
        if n % 89 == 7:
            row = ""  # a blank line
        if n % 83 == 11:
            row = "r-short,450"
        if n % 79 == 13:
            row = row.replace(f"r{n},", ",", 1)  # no id: line-N
        if n % 71 == 17:
            row = row.replace(f"r{n},", "r3,", 1)  # repeats the id of row 3 (far away too)
        if n % 67 == 19:
            row = row.replace(f"r{n},", f"r{n - 1},", 1)  # repeats its neighbour's id
        if n % 61 == 23:
            row = row.replace(f"r{n},", "r20,", 1).replace("yes", "maybe")  # bad and repeated
        lines.append(row)
    # Ids given once more only at the end, far from the first: a valid row's and an invalid
    # row's (row 5's email is refused).
    lines.append(csv_row(count + 1).replace(f"r{count + 1},", "r2,", 1))
    lines.append(csv_row(count + 2).replace(f"r{count + 2},", "r5,", 1))
    text = "\n".join(lines) + ("\n" if trailing_newline else "")
    path.write_text(text)
    return path


@pytest.mark.parametrize("jobs", [2, 3, 4])
def test_a_split_file_gets_the_verdicts_one_process_gives(tmp_path: Path, jobs: int) -> None:
    path = _mixed(tmp_path / "rows.csv", 1200)
    shards = split(path, jobs, min_bytes=0)
    assert shards is not None and len(shards) == jobs
    one = _parsed(path)
    assert one[0] == 1202 - len(range(7, 1200, 89))  # blank lines are not rows
    assert (1202, "r2", "id 'r2' is also on line 4") in one[1]
    assert (1203, "r5", "id 'r5' is also on line 7") in one[1]
    assert _check(path, jobs=jobs) == one
    assert _check(path, jobs=1) == one  # one shard, in this process


def test_the_shards_cover_every_line_once_in_order(tmp_path: Path) -> None:
    path = _mixed(tmp_path / "rows.csv", 500, trailing_newline=False)
    shards = split(path, 4, min_bytes=0)
    assert shards is not None
    assert shards[0].first_line == 2
    for before, after in itertools.pairwise(shards):
        assert after.first_line == before.first_line + before.lines
    assert sum(s.lines for s in shards) == 502  # the last line has no newline and still counts
    raw = path.read_bytes()
    for shard in shards:  # each starts at the start of its line
        assert raw[shard.start - 1 : shard.start] == b"\n"
        line = raw[shard.start :].split(b"\n", 1)[0].decode()
        assert line == path.read_text().split("\n")[shard.first_line - 1]
    assert _check(path, jobs=4) == _parsed(path)


@pytest.mark.parametrize("spoiler", ['r1,450,"quoted, cell"', "r1,450\r"], ids=["quote", "cr"])
def test_files_that_cannot_be_cut_by_lines_are_read_in_one_piece(
    tmp_path: Path, spoiler: str
) -> None:
    path = _mixed(tmp_path / "rows.csv", 300)
    path.write_text(path.read_text() + spoiler + "\n")
    assert split(path, 2, min_bytes=0) is None
    assert _check(path, jobs=2) == _parsed(path)


def test_a_small_file_is_one_shard_read_in_this_process(tmp_path: Path) -> None:
    path = _mixed(tmp_path / "rows.csv", 300)
    shards = split(path, 2, min_bytes=path.stat().st_size + 1)
    assert shards is not None and len(shards) == 1
    assert (shards[0].first_line, shards[0].lines) == (2, 302)
    assert _check(path, jobs=2) == _parsed(path)


def test_a_pipe_is_read_once(tmp_path: Path) -> None:
    """``batch validate /dev/stdin`` and the like: nothing reads ahead to find the lines."""
    source = _mixed(tmp_path / "rows.csv", 200)
    pipe = tmp_path / "pipe.csv"
    os.mkfifo(pipe)
    answers: list[object] = []
    writer = threading.Thread(target=lambda: pipe.write_bytes(source.read_bytes()), daemon=True)
    reader = threading.Thread(target=lambda: answers.append(_check(pipe, jobs=2)), daemon=True)
    writer.start()
    reader.start()
    reader.join(timeout=30)
    if reader.is_alive():  # it opened the pipe a second time: let it go, and fail
        pipe.write_bytes(b"")
        reader.join(timeout=10)
    assert answers == [_parsed(source)]


def test_a_file_of_blank_lines_has_no_rows_as_the_parser_says(tmp_path: Path) -> None:
    path = tmp_path / "rows.csv"
    path.write_text(HEADER + "\n\n ,  ,\n\n")
    assert split(path, 1) is not None
    with pytest.raises(UsageError, match="has a header but no rows"):
        _check(path, jobs=1)


def test_a_file_that_is_not_utf8_late_in_it_fails_as_in_one_process(tmp_path: Path) -> None:
    path = _mixed(tmp_path / "rows.csv", 400)
    path.write_bytes(path.read_bytes() + b"r9999,450,\xff\xfe,x\n")
    assert split(path, 2, min_bytes=0) is not None
    with pytest.raises(UsageError) as one:
        _parsed(path)
    with pytest.raises(UsageError) as sharded:
        _check(path, jobs=2)
    assert sharded.value.message == one.value.message
    assert "not UTF-8" in one.value.message


def test_validate_jobs_gives_the_same_report_and_refuses_zero(cli: Cli, tmp_path: Path) -> None:
    """A file past the size where ``batch validate`` splits it (long customer names)."""
    path = _mixed(tmp_path / "rows.csv", 2400)
    path.write_text(path.read_text().replace(",Ann,Lee,", ",Ann," + "Lee" * 600 + ",", 2400))
    assert path.stat().st_size > MIN_BYTES
    assert split(path, 3) is not None
    reports = []
    for jobs in ("1", "3"):
        result = cli("--json", "batch", "validate", "-j", jobs, str(path))
        assert result.exit_code == 2, result.stderr
        reports.append(json.loads(result.stdout))
    assert reports[0] == reports[1]
    assert reports[0]["rows"] == 2402 - len(range(7, 2400, 89))
    assert len(reports[0]["invalid"]) > 50
    result = cli("batch", "validate", "--jobs", "0", str(path))
    assert result.exit_code == 2
    assert "--jobs" in result.stderr and "Traceback" not in result.stderr
