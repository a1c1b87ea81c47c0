"""Issue 12 end to end: lost answers, parallel adds, --new-cart, Ctrl-C, temp files, the db.

Each test drives the real CLI against a sandbox served on loopback (or the embedded one) and
looks at the outcome the user sees and at the sandbox's own counts.
"""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.batch.helpers import write_csv
from tests.conftest import Cli, ServedSandbox, run_bookctl, start_sandbox


@pytest.fixture
def own_sandbox(tmp_path: Path) -> Iterator[ServedSandbox]:
    """A sandbox of this test's own (its clock is the test's, its faults are ours to set)."""
    served = start_sandbox(tmp_path)
    try:
        yield served
    finally:
        served.stop()


@pytest.fixture
def mine(cli: Cli, own_sandbox: ServedSandbox) -> ServedSandbox:
    result = cli(
        "profile", "add", "mine", "--provider", "bookinglayer",
        "--base-url", f"{own_sandbox.url}/bookinglayer/api/pub/v2", "--api-key-stdin",
        stdin="sandbox-key\n",
    )  # fmt: skip
    assert result.exit_code == 0, result
    return own_sandbox


def add_args(guest: str = "Ann,Lee,f,ann@example.com") -> list[str]:
    return [
        "-p", "mine", "basket", "add", "--package", "450", "--start-date", "+2d",
        "--end-date", "+3d", "--guest", guest,
    ]  # fmt: skip


def faults(served: ServedSandbox, spec: str) -> None:
    served.admin("PUT", "faults", json={"spec": spec})


def carts(served: ServedSandbox) -> int:
    return int(served.admin("GET", "stats")["bookinglayer"]["carts"])


def guests_in_cart(cli: Cli) -> set[str]:
    shown = cli("-p", "mine", "cart", "show", "--json")
    assert shown.exit_code == 0, shown
    return {line["guest"] for line in shown.json["lines"]}


# -- failure 3: a lost answer to basket add --------------------------------------------------


def test_a_retried_add_whose_first_answer_was_lost_makes_no_second_cart(
    cli: Cli, mine: ServedSandbox
) -> None:
    faults(mine, "drop-after-commit=1")
    lost = cli(*add_args())
    assert lost.exit_code == 6, lost
    assert carts(mine) == 1  # the cart was made; the answer was lost
    faults(mine, "")
    retried = cli(*add_args(), "--json")
    assert retried.exit_code == 0, retried
    assert carts(mine) == 1  # the retry found the cart the lost answer made
    assert guests_in_cart(cli) == {"ann@example.com"}


def test_a_retried_add_to_a_cart_adds_the_guest_once(cli: Cli, mine: ServedSandbox) -> None:
    assert cli(*add_args()).exit_code == 0
    faults(mine, "drop-after-commit=1")
    second = add_args("Bo,Ng,m,bo@example.com")
    assert cli(*second).exit_code == 6
    faults(mine, "")
    assert cli(*second).exit_code == 0
    assert carts(mine) == 1
    shown = cli("-p", "mine", "cart", "show", "--json").json
    assert sorted(line["guest"] for line in shown["lines"]) == ["ann@example.com", "bo@example.com"]


def test_another_add_after_a_lost_one_is_a_new_request(cli: Cli, mine: ServedSandbox) -> None:
    faults(mine, "drop-after-commit=1")
    assert cli(*add_args()).exit_code == 6
    faults(mine, "")
    other = cli(*add_args("Bo,Ng,m,bo@example.com"), "--new-cart", "--json")
    assert other.exit_code == 0, other
    assert carts(mine) == 2  # a different add is not answered with the lost one's cart


# -- failure 4: parallel adds ------------------------------------------------------------------


def test_twenty_parallel_adds_make_one_cart_holding_all_twenty(
    cli: Cli, mine: ServedSandbox
) -> None:
    def one(n: int) -> tuple[int, str]:
        done = run_bookctl(*add_args(f"G{n},Lee,f,g{n}@example.com"), "-q", timeout=180)
        return done.exit_code, done.stderr

    with ThreadPoolExecutor(20) as pool:
        results = list(pool.map(one, range(20)))
    assert [code for code, _ in results] == [0] * 20, results
    assert carts(mine) == 1
    assert guests_in_cart(cli) == {f"g{n}@example.com" for n in range(20)}


# -- failure 5: --new-cart with an unreadable session ------------------------------------------


def test_new_cart_with_an_unreadable_session_makes_no_cart(
    cli: Cli, mine: ServedSandbox, isolated: dict[str, Path]
) -> None:
    session = isolated["state"] / "sessions" / "mine.json"
    session.parent.mkdir(parents=True, exist_ok=True)
    session.write_text("{not json")
    result = cli(*add_args(), "--new-cart")
    assert result.exit_code == 2, result
    assert str(session) in result.stderr
    assert carts(mine) == 0
    assert session.read_text() == "{not json"


# -- failure 8: Ctrl-C, temporary files, the sandbox database -----------------------------------


def test_ctrl_c_prints_the_summary_the_report_and_how_to_resume(
    cli: Cli, mine: ServedSandbox, tmp_path: Path
) -> None:
    batch = write_csv(tmp_path / "rows.csv", 40)
    journal, report = tmp_path / "j.jsonl", tmp_path / "report.json"
    faults(mine, "latency=1@150")
    args = ["-p", "mine", "batch", "run", str(batch), "--journal", str(journal)]
    proc = subprocess.Popen(
        [sys.executable, "-m", "bookctl", *args, "--report", str(report)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        # As at a terminal: a runner that started us in the background may ignore SIGINT.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while b'"booked"' not in (journal.read_bytes() if journal.exists() else b""):
        assert time.monotonic() < deadline and proc.poll() is None
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, (out, err)
    assert "Traceback" not in err
    assert "error: interrupted" in err
    assert f"report of the rows so far is in {report}" in err
    assert f"batch run {batch} --journal {journal}" in err
    assert "booked" in out  # the summary so far
    written = json.loads(report.read_text())
    assert written["summary"]["interrupted"] is True
    booked = written["summary"]["booked"]
    assert 0 < booked < 40
    assert not list(tmp_path.glob(".report.json.*.tmp"))
    faults(mine, "")
    again = cli(*args, "--json")
    assert again.exit_code == 0, again
    assert again.json["booked"] + again.json["already_booked"] == 40
    assert mine.admin("GET", "stats")["bookinglayer"]["bookings"] == 40


def test_ctrl_c_anywhere_else_says_interrupted(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    from bookctl.cli import profile

    def interrupted() -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(profile, "get_app", interrupted)
    result = cli("profile", "list")
    assert result.exit_code == 130
    assert result.stderr.startswith("error: interrupted")


def test_temporary_files_of_a_killed_run_are_cleaned_on_the_next(cli: Cli, tmp_path: Path) -> None:
    batch = write_csv(tmp_path / "rows.csv", 1)
    report = tmp_path / "report.json"
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    stale = tmp_path / f".report.json.{dead.stdout.strip()}.k2j4.tmp"
    stale.write_text('{"rows": [')
    live = tmp_path / f".report.json.{os.getpid()}.a8d1.tmp"
    live.write_text('{"rows": [')
    other = tmp_path / ".notes.txt.123.tmp"
    other.write_text("mine")
    result = cli("batch", "run", str(batch), "--dry-run", "--report", str(report))
    assert result.exit_code == 0, result
    assert not stale.exists()
    assert live.exists() and other.exists()  # a running writer's, and not bookctl's
    assert json.loads(report.read_text())["summary"]["priced"] == 1


def test_the_sandbox_database_and_its_wal_are_private(cli: Cli, isolated: dict[str, Path]) -> None:
    from bookctl.sandbox.app import create_app

    assert cli("products").exit_code == 0
    db = isolated["state"] / "sandbox.db"
    app = create_app(db)  # open it again, as a served sandbox does: WAL and SHM appear
    with app.state.sandbox.store.read():
        files = [p for p in db.parent.iterdir() if p.name.startswith("sandbox.db")]
        assert {p.name for p in files} >= {"sandbox.db", "sandbox.db-wal", "sandbox.db-shm"}
        for path in files:
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


def test_an_old_sandbox_database_is_made_private(cli: Cli, isolated: dict[str, Path]) -> None:
    assert cli("products").exit_code == 0
    db = isolated["state"] / "sandbox.db"
    db.chmod(0o644)
    assert cli("products").exit_code == 0
    assert stat.S_IMODE(db.stat().st_mode) == 0o600


def damage(db: Path) -> bytes:
    data = bytearray(db.read_bytes())
    for at in range(4096, len(data), 97):
        data[at] = 0xAB
    db.write_bytes(bytes(data))
    return bytes(data)


@pytest.mark.parametrize(
    "command",
    [("products",), ("-p", "sandbox-rundl", "products"), ("sandbox", "clock", "advance", "1m")],
)
def test_a_damaged_embedded_sandbox_says_how_to_repair_it(
    cli: Cli, isolated: dict[str, Path], command: tuple[str, ...]
) -> None:
    assert cli("products").exit_code == 0
    db = isolated["state"] / "sandbox.db"
    damaged = damage(db)
    result = cli(*command)
    assert result.exit_code == 2, result
    assert "Traceback" not in result.stderr
    assert str(db) in result.stderr and "bookctl sandbox reset" in result.stderr
    assert db.read_bytes() == damaged
    repaired = cli("sandbox", "reset")
    assert repaired.exit_code == 0, repaired
    assert "removed the damaged sandbox database" in repaired.stderr
    assert cli("products").exit_code == 0


def test_sandbox_serve_refuses_a_damaged_db(tmp_path: Path) -> None:
    db = tmp_path / "served.db"
    db.write_bytes(b"this is not a database, it is a note" * 200)
    result = run_bookctl("sandbox", "serve", "--port", "0", "--db", str(db), timeout=60)
    assert result.exit_code == 2, result
    assert "Traceback" not in result.stderr
    assert str(db) in result.stderr and "remove" in result.stderr


def test_sandbox_serve_on_a_port_in_use_is_a_usage_error(tmp_path: Path) -> None:
    import socket

    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        result = run_bookctl(
            "sandbox", "serve", "--port", str(port), "--db", str(tmp_path / "s.db"), timeout=60
        )
    assert result.exit_code == 2, result
    assert f"127.0.0.1:{port}" in result.stderr and "--port 0" in result.stderr
