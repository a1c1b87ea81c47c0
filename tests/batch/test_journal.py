"""The journal: replay, a torn last record, corruption, and a journal of another file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bookctl.batch.journal import Journal, default_path
from bookctl.core.errors import LocalFileError, UsageError


def open_journal(path: Path, batch: Path, profile: str = "sandbox") -> Journal:
    return Journal(path, batch_file=batch, provider="bookinglayer", profile=profile)


def test_replay_gives_each_rows_last_step(tmp_path: Path) -> None:
    batch, path = tmp_path / "b.csv", tmp_path / "j.jsonl"
    with open_journal(path, batch) as journal:
        journal.record("a", "started", key="k1", gen=1, line=2, digest="d1")
        journal.record("a", "added", gen=1, cart_id="c1")
        journal.record("a", "booked", cart_id="c1", order_id="7", state="confirmed")
        journal.record("b", "started", key="k2", gen=1, line=3, digest="d2")
        journal.record("b", "failed", stage="add", code="sold_out", message="x", definitive=True)
        journal.record("b", "started", key="k2", gen=2, line=3, digest="d2")
    with open_journal(path, batch) as again:
        a, b = again.rows["a"], again.rows["b"]
    assert (a.booked, a.cart_id, a.order_id) == (True, "c1", "7")
    assert (b.step, b.gen, b.cart_id) == ("started", 2, None)


def test_torn_last_record_is_cut_off(tmp_path: Path) -> None:
    batch, path = tmp_path / "b.csv", tmp_path / "j.jsonl"
    with open_journal(path, batch) as journal:
        journal.record("a", "started", key="k1", gen=1, line=2, digest="d1")
    with path.open("ab") as handle:
        handle.write(b'{"row":"a","step":"add')
    with open_journal(path, batch) as again:
        assert again.repaired
        assert again.rows["a"].step == "started"
        again.record("a", "added", gen=1, cart_id="c1")
    with open_journal(path, batch) as third:
        assert third.rows["a"].cart_id == "c1"
        assert not third.repaired


def test_corrupt_middle_line_names_the_file_and_line(tmp_path: Path) -> None:
    batch, path = tmp_path / "b.csv", tmp_path / "j.jsonl"
    with open_journal(path, batch) as journal:
        journal.record("a", "started", key="k1", gen=1, line=2, digest="d1")
    path.write_text(path.read_text() + "garbage\n" + path.read_text().splitlines()[1] + "\n")
    with pytest.raises(LocalFileError) as caught, open_journal(path, batch):
        pass
    assert f"{path} is corrupt at line 3" in caught.value.message


def test_journal_of_another_file_or_profile_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "j.jsonl"
    with open_journal(path, tmp_path / "one.csv") as journal:
        journal.record("a", "started", key="k1", gen=1, line=2, digest="d1")
    with (
        pytest.raises(UsageError, match="belongs to file"),
        open_journal(path, tmp_path / "two.csv"),
    ):
        pass
    with (
        pytest.raises(UsageError, match="belongs to profile"),
        open_journal(path, tmp_path / "one.csv", profile="other"),
    ):
        pass


def test_unreadable_journal_is_a_local_file_error(tmp_path: Path) -> None:
    path = tmp_path / "j.jsonl"
    path.mkdir()
    with (
        pytest.raises(LocalFileError, match="cannot read batch journal"),
        open_journal(path, tmp_path / "b.csv"),
    ):
        pass


def test_not_a_journal(tmp_path: Path) -> None:
    path = tmp_path / "j.jsonl"
    path.write_text('{"hello": 1}\n')
    with (
        pytest.raises(LocalFileError, match="not a bookctl batch journal"),
        open_journal(path, tmp_path / "b.csv"),
    ):
        pass


def test_one_process_at_a_time(tmp_path: Path) -> None:
    import multiprocessing

    path = tmp_path / "j.jsonl"
    pool = multiprocessing.get_context("spawn").Pool(1)
    with open_journal(path, tmp_path / "b.csv"), pool:
        message = pool.apply(_try_open, (str(path), str(tmp_path / "b.csv")))
    assert "is locked by another bookctl process" in message
    assert _try_open(str(path), str(tmp_path / "b.csv")) == "opened"


def _try_open(path: str, batch: str) -> str:
    try:
        with open_journal(Path(path), Path(batch)):
            return "opened"
    except LocalFileError as err:
        return err.message


def test_default_path_is_in_the_state_dir_and_per_file(
    tmp_path: Path, isolated: dict[str, Path]
) -> None:
    one, two = default_path(tmp_path / "a" / "rows.csv"), default_path(tmp_path / "b" / "rows.csv")
    assert one.parent == isolated["state"] / "journals"
    assert one.name.startswith("rows-") and one.suffix == ".jsonl"
    assert one != two


# -- a file that is not a journal is never written to (issue 12, failure 1) -----------------


@pytest.mark.parametrize(
    "content",
    [
        b"my notes\nline two",  # a user's file without a final newline
        b"my notes",  # one line, no newline
        b"",  # empty
        b'{"journal": 1, "file": "x", "prov',  # a torn header
        b"\xff\xfe garbage \x00\n\x01\x02",  # garbage
        b'{"hello": 1}\n{"row": "a"',  # JSON, not a journal, torn last line
    ],
)
def test_a_file_that_is_not_a_journal_is_refused_untouched(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "notes.txt"
    path.write_bytes(content)
    with (
        pytest.raises(LocalFileError, match="is not a bookctl batch journal") as caught,
        open_journal(path, tmp_path / "b.csv"),
    ):
        pass
    assert str(path) in caught.value.message
    assert path.read_bytes() == content


def test_the_cli_refuses_a_users_file_as_journal_and_leaves_it(cli: Any, tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_bytes(b"my notes\nline two")
    batch = tmp_path / "b.csv"
    batch.write_text("id,package\nr1,450\n")
    result = cli("batch", "run", str(batch), "--journal", str(notes))
    assert result.exit_code == 2, result
    assert f"{notes} is not a bookctl batch journal" in result.stderr
    assert "Traceback" not in result.stderr
    assert notes.read_bytes() == b"my notes\nline two"


@pytest.mark.parametrize(
    ("record", "why"),
    [
        ('{"row":"a","step":"started","gen":1,"line":2,"digest":"d"}', "'key'"),
        ('{"row":"a","step":"started","key":"k","gen":"abc","line":2,"digest":"d"}', "'gen'"),
        ('{"row":"a","step":"launched","key":"k"}', "unknown step"),
        ('{"step":"started","key":"k","gen":1,"line":2,"digest":"d"}', "no row id"),
        ("[" * 1000 + "]" * 1000, "not JSON"),
    ],
)
def test_a_record_that_is_json_but_malformed_names_the_line(
    tmp_path: Path, record: str, why: str
) -> None:
    """These were KeyError / ValueError / RecursionError: exit 1 (issue 12, failure 2)."""
    batch, path = tmp_path / "b.csv", tmp_path / "j.jsonl"
    with open_journal(path, batch) as journal:
        journal.record("z", "started", key="k0", gen=1, line=2, digest="d0")
    before = path.read_bytes() + record.encode() + b"\n"
    path.write_bytes(before)
    with pytest.raises(LocalFileError) as caught, open_journal(path, batch):
        pass
    assert f"{path} is corrupt at line 3" in caught.value.message
    assert why in caught.value.message
    assert path.read_bytes() == before


def test_a_torn_record_after_a_corrupt_line_is_not_cut(tmp_path: Path) -> None:
    """Repair only ever touches a real journal: everything is checked before the cut."""
    batch, path = tmp_path / "b.csv", tmp_path / "j.jsonl"
    with open_journal(path, batch) as journal:
        journal.record("a", "started", key="k1", gen=1, line=2, digest="d1")
    before = path.read_bytes() + b"garbage\n" + b'{"row":"a","st'
    path.write_bytes(before)
    with pytest.raises(LocalFileError, match="corrupt at line 3"), open_journal(path, batch):
        pass
    assert path.read_bytes() == before


def test_a_run_that_records_nothing_leaves_no_journal(tmp_path: Path) -> None:
    path = tmp_path / "j.jsonl"
    with open_journal(path, tmp_path / "b.csv"):
        pass
    assert not path.exists()


# -- group commit (issue 13) -----------------------------------------------------------------


def test_concurrent_records_all_land_in_order_per_row(tmp_path: Path) -> None:
    import json
    import threading

    batch, path = tmp_path / "b.csv", tmp_path / "j.jsonl"
    threads, rows_each = 16, 10
    start = threading.Barrier(threads)
    with open_journal(path, batch) as journal:

        def book(worker: int) -> None:
            start.wait()
            for n in range(rows_each):
                row = f"w{worker}-{n}"
                journal.record(row, "started", key=f"k-{row}", gen=1, line=n + 2, digest="d")
                journal.record(row, "added", gen=1, cart_id=f"c-{row}")
                journal.record(row, "booked", cart_id=f"c-{row}", order_id=f"o-{row}")

        workers = [threading.Thread(target=book, args=(w,)) for w in range(threads)]
        for thread in workers:
            thread.start()
        for thread in workers:
            thread.join()
        assert journal.records == 1 + threads * rows_each * 3

    records = [json.loads(line) for line in path.read_text().splitlines()]
    assert len(records) == 1 + threads * rows_each * 3
    steps: dict[str, list[str]] = {}
    for record in records[1:]:
        steps.setdefault(record["row"], []).append(record["step"])
    assert len(steps) == threads * rows_each
    assert all(s == ["started", "added", "booked"] for s in steps.values())
    with open_journal(path, batch) as again:
        assert len(again.rows) == threads * rows_each
        assert all(state.booked for state in again.rows.values())
        assert again.rows["w3-7"].order_id == "o-w3-7"


def test_a_failed_sync_stops_every_later_record(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno
    import os

    batch, path = tmp_path / "b.csv", tmp_path / "j.jsonl"
    with open_journal(path, batch) as journal:
        journal.record("a", "started", key="k1", gen=1, line=2, digest="d1")

        def full(fd: int) -> None:
            raise OSError(errno.ENOSPC, "No space left on device")

        monkeypatch.setattr(os, "fsync", full)
        with pytest.raises(LocalFileError, match="No space left on device"):
            journal.record("a", "added", gen=1, cart_id="c1")
        monkeypatch.undo()
        with pytest.raises(LocalFileError, match="cannot write batch journal"):
            journal.record("b", "started", key="k2", gen=1, line=3, digest="d2")
        # Nothing the journal could not make durable is taken as done.
        assert journal.rows["a"].step == "started"
        assert "b" not in journal.rows
