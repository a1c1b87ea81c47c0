"""Exactly once against a served sandbox: SIGKILL and resume, lost answers, 429s."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.batch.helpers import booked_rows, journal_records, write_csv
from tests.conftest import Cli, run_bookctl, start_sandbox


def add_profile(cli: Cli, url: str) -> str:
    result = cli(
        "profile", "add", "mine", "--provider", "bookinglayer",
        "--base-url", f"{url}/bookinglayer/api/pub/v2", "--api-key-stdin",
        stdin="sandbox-key\n",
    )  # fmt: skip
    assert result.exit_code == 0, result
    return "mine"


def run_args(path: Path, journal: Path, *extra: str) -> list[str]:
    return ["-p", "mine", "batch", "run", str(path), "--journal", str(journal), *extra]


def kill_after(args: list[str], journal: Path, records: int) -> int:
    """Start ``bookctl batch run``, SIGKILL it once the journal holds ``records`` records."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "bookctl", *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=dict(os.environ),
    )
    deadline = time.monotonic() + 60
    try:
        while proc.poll() is None and time.monotonic() < deadline:
            if journal.exists() and journal.read_bytes().count(b"\n") >= records:
                break
            time.sleep(0.005)
    finally:
        proc.kill()
        proc.wait()
    return journal.read_bytes().count(b"\n") if journal.exists() else 0


def check_exactly_once(journal: Path, stats: dict[str, int], rows: int) -> None:
    booked = booked_rows(journal)
    assert len(booked) == rows
    assert len(set(booked.values())) == rows  # one order per row, none shared
    assert stats["bookings"] == rows
    assert stats["checkouts"] == rows
    assert stats["booked_guests"] == rows


def test_sigkill_at_several_points_then_resume(cli: Cli, tmp_path: Path) -> None:
    served = start_sandbox(tmp_path)
    try:
        add_profile(cli, served.url)
        path = write_csv(tmp_path / "rows.csv", 200)
        journal = tmp_path / "j.jsonl"
        args = run_args(path, journal, "--concurrency", "8", "--quiet")
        seen = [kill_after(args, journal, n) for n in (40, 220, 430)]
        assert seen == sorted(seen) and seen[0] >= 40
        done = run_bookctl(*args, "--json")
        assert done.exit_code == 0, done
        stats = served.admin("GET", "stats")["bookinglayer"]
        check_exactly_once(journal, stats, 200)
        assert stats["open_carts"] == 0
        # The final run only finished what the killed ones left: the journal agrees.
        assert done.json["booked"] + done.json["already_booked"] == 200
        assert done.json["already_booked"] > 0
    finally:
        served.stop()


def test_lost_answers_and_503s_still_book_each_row_once(cli: Cli, tmp_path: Path) -> None:
    served = start_sandbox(tmp_path, "--faults", "503=0.1,drop-after-commit=0.2", "--seed", "6")
    try:
        add_profile(cli, served.url)
        path = write_csv(tmp_path / "rows.csv", 200)
        journal = tmp_path / "j.jsonl"
        result = run_bookctl(*run_args(path, journal, "--concurrency", "8", "--json"))
        assert result.exit_code == 0, result
        assert result.json["booked"] == 200
        stats = served.admin("GET", "stats")["bookinglayer"]
        check_exactly_once(journal, stats, 200)
        assert stats["idempotent_replays"] > 0  # lost answers were recovered by replays
    finally:
        served.stop()


def test_429_slows_the_whole_run_down(cli: Cli, tmp_path: Path) -> None:
    served = start_sandbox(tmp_path, "--faults", "429=0.15", "--seed", "3")
    try:
        add_profile(cli, served.url)
        path = write_csv(tmp_path / "rows.csv", 12)
        journal = tmp_path / "j.jsonl"
        result = run_bookctl(*run_args(path, journal, "--concurrency", "4", "--json"))
        assert result.exit_code == 0, result
        assert result.json["booked"] == 12
        assert result.json["rate_limit_slowdowns"] > 0
        check_exactly_once(journal, served.admin("GET", "stats")["bookinglayer"], 12)
    finally:
        served.stop()


@pytest.mark.parametrize("torn", [b'{"row":"r0","st', b""])
def test_resume_after_a_torn_journal_record(cli: Cli, tmp_path: Path, torn: bytes) -> None:
    path = write_csv(tmp_path / "rows.csv", 3)
    journal = tmp_path / "j.jsonl"
    assert cli("batch", "run", str(path), "--journal", str(journal)).exit_code == 0
    with journal.open("ab") as handle:
        handle.write(torn)
    again = cli("batch", "run", str(path), "--journal", str(journal), "--json")
    assert again.exit_code == 0, again
    assert again.json["already_booked"] == 3
    assert ("torn last record" in again.stderr) == bool(torn)
    assert journal_records(journal)[-1]["step"] == "booked"
