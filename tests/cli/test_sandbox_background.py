"""The background sandbox: started by a command on the embedded sandbox, used by the next ones,
one per state dir, stopped after idle or by ``sandbox stop``; real processes, no timing."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import bookctl
from bookctl.cli import background
from bookctl.core import paths
from bookctl.sandbox.protocol import holder
from tests.conftest import Result, run_bookctl

#: Generous: a server starts in about a second, much slower on a loaded machine.
_PATIENCE = 90.0


@pytest.fixture(autouse=True)
def daemon_on(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The feature on, and whatever server a test started stopped after it (or killed)."""
    monkeypatch.setenv("BOOKCTL_SANDBOX_DAEMON", "1")
    yield
    info = holder(paths.sandbox_server_lock())
    if info is None:
        return
    stopped = run_bookctl("sandbox", "stop", timeout=60)
    if stopped.exit_code != 0 and isinstance(info.get("pid"), int):
        os.kill(info["pid"], signal.SIGKILL)
    assert stopped.exit_code == 0, stopped


def _products(**env: str) -> Result:
    result = run_bookctl("-p", "sandbox", "products", "--json", env=env)
    assert result.exit_code == 0, result
    return result


def _server() -> dict[str, Any]:
    """The running server's own account of itself, once it listens."""
    lock = paths.sandbox_server_lock()
    deadline = time.monotonic() + _PATIENCE
    while True:
        info = holder(lock)
        if info and info.get("pid") and Path(info["socket"]).exists():
            return info
        if time.monotonic() > deadline:
            log = paths.sandbox_server_log()
            pytest.fail(f"no background sandbox came up: {log.read_text() if log.exists() else ''}")
        time.sleep(0.05)


def _gone() -> None:
    deadline = time.monotonic() + _PATIENCE
    while holder(paths.sandbox_server_lock()) is not None:
        if time.monotonic() > deadline:
            pytest.fail("the background sandbox did not stop")
        time.sleep(0.05)


def _status() -> dict[str, Any]:
    result = run_bookctl("sandbox", "status", "--json")
    assert result.exit_code == 0, result
    data: dict[str, Any] = result.json
    return data


_PROBE = """
import json, sys
from bookctl.cli.app import main
try:
    main(["-p", "sandbox", "products", "--json"])
except SystemExit as done:
    code = done.code
heavy = ("fastapi", "uvicorn", "sqlite3", "bookctl.sandbox.app")
heavy = sorted(name for name in heavy if name in sys.modules)
sys.stderr.write("PROBE " + json.dumps({"code": code, "heavy": heavy}) + "\\n")
"""


def test_the_first_command_starts_the_server_and_the_next_one_is_served_by_it() -> None:
    first = _products()
    server = _server()
    assert server["version"] == bookctl.__version__
    assert server["socket"] == str(background.socket_path())
    assert _status()["requests"] == 0

    probe = subprocess.run(
        [sys.executable, "-c", _PROBE], capture_output=True, text=True, timeout=120
    )
    found = json.loads(
        next(line for line in probe.stderr.splitlines() if line.startswith("PROBE "))[6:]
    )
    assert found == {"code": 0, "heavy": []}, probe.stderr
    assert json.loads(probe.stdout) == first.json

    status = _status()
    assert status["running"] is True
    assert status["pid"] == server["pid"]
    assert status["requests"] == 1
    assert status["current"] is True


def test_a_command_returns_while_the_server_it_started_lives_on() -> None:
    # capture_output: had the server inherited the pipes, run() would wait for it to exit.
    proc = subprocess.run(
        [sys.executable, "-m", "bookctl", "-p", "sandbox", "products", "--json"],
        capture_output=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    server = _server()
    assert _status()["pid"] == server["pid"]


def test_status_and_stop() -> None:
    assert _status()["running"] is False
    _products()
    server = _server()
    status = _status()
    assert status["running"] is True
    assert status["idle_seconds"] == background.DEFAULT_IDLE_SECONDS
    assert 0 < status["idle_left"] <= background.DEFAULT_IDLE_SECONDS

    stopped = run_bookctl("sandbox", "stop", "--json")
    assert stopped.exit_code == 0, stopped
    assert stopped.json == {"stopped": True, "pid": server["pid"]}
    assert holder(paths.sandbox_server_lock()) is None
    assert not Path(server["socket"]).exists()
    assert _status()["running"] is False

    again = run_bookctl("sandbox", "stop", "--json")
    assert again.exit_code == 0, again
    assert again.json == {"stopped": False, "pid": None}


def test_the_server_stops_after_idle(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOOKCTL_SANDBOX_IDLE", "1")
    _products()
    server = _server()
    assert server["idle_seconds"] == 1
    _gone()
    assert not Path(server["socket"]).exists()


def test_racing_starters_leave_one_server() -> None:
    db = paths.embedded_sandbox_db()
    db.parent.mkdir(parents=True)
    args = [
        sys.executable,
        "-m",
        "bookctl.sandbox.daemon",
        "--db",
        str(db),
        "--socket",
        str(background.socket_path()),
        "--lock",
        str(paths.sandbox_server_lock()),
        "--log",
        str(paths.sandbox_server_log()),
    ]
    starters = [
        subprocess.Popen(
            args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        for _ in range(3)
    ]
    try:
        server = _server()
        running = [p for p in starters if p.pid == server["pid"]]
        assert len(running) == 1
        for proc in starters:
            if proc is not running[0]:
                assert proc.wait(timeout=_PATIENCE) == 0
        assert running[0].poll() is None
        assert _status()["pid"] == server["pid"]
    finally:
        run_bookctl("sandbox", "stop")
        for proc in starters:
            if proc.poll() is None:
                proc.kill()
            proc.wait(timeout=_PATIENCE)


def test_a_server_of_another_clock_shift_or_version_is_not_used(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _products()
    server = _server()
    shift = str(float(os.environ["BOOKCTL_CLOCK_SHIFT"]) + 86400)
    tomorrow = _products(BOOKCTL_CLOCK_SHIFT=shift)
    assert tomorrow.json  # answered in-process
    status = _status()
    assert status["pid"] == server["pid"]
    assert status["requests"] == 0

    here = background.socket_path()
    version = bookctl.__version__
    monkeypatch.setattr(bookctl, "__version__", "99.0.0")
    assert background.socket_path() != here
    monkeypatch.setattr(bookctl, "__version__", version)
    assert background.socket_path() == here
    monkeypatch.setenv("BOOKCTL_CLOCK_SHIFT", shift)
    assert background.socket_path() != here


def test_a_stale_socket_with_no_server_is_replaced() -> None:
    sock_path = background.socket_path()
    assert sock_path is not None
    sock_path.parent.mkdir(parents=True, exist_ok=True)
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stale.bind(str(sock_path))
    stale.close()  # the file stays, nothing listens
    first = _products()
    server = _server()
    assert server["socket"] == str(sock_path)
    assert _products().json == first.json
    assert _status()["requests"] == 1


def test_a_state_dir_too_long_for_a_socket_uses_a_private_short_dir(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    state = tmp_path / ("long-" * 30) / "state"
    monkeypatch.setenv("BOOKCTL_STATE_DIR", str(state))
    first = _products()
    server = _server()
    sock_path = Path(server["socket"])
    assert not sock_path.is_relative_to(tmp_path)
    assert len(os.fsencode(sock_path)) <= 100
    assert sock_path.parent.stat().st_mode & 0o777 == 0o700
    assert sock_path.parent.stat().st_uid == os.getuid()
    assert _products().json == first.json
    assert _status()["requests"] == 1


def test_a_removed_database_is_not_served_by_the_server_that_had_it() -> None:
    _products()
    server = _server()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{paths.embedded_sandbox_db()}{suffix}").unlink(missing_ok=True)
    assert _products().json  # served in-process, on a new file
    assert paths.embedded_sandbox_db().exists()
    deadline = time.monotonic() + _PATIENCE
    while (holder(paths.sandbox_server_lock()) or {}).get("pid") == server["pid"]:
        assert time.monotonic() < deadline, "the server went on with a removed database"
        time.sleep(0.05)


def test_reset_and_clock_go_through_a_running_server() -> None:
    _products()
    server = _server()
    assert run_bookctl("sandbox", "clock", "advance", "1h").exit_code == 0
    reset = run_bookctl("sandbox", "reset", "--json")
    assert reset.exit_code == 0, reset
    assert _status()["pid"] == server["pid"]
    assert _products().json


def test_a_damaged_database_is_the_same_local_error_and_starts_no_server() -> None:
    _products()
    _server()
    assert run_bookctl("sandbox", "stop").exit_code == 0
    db = paths.embedded_sandbox_db()
    with db.open("r+b") as damaged:
        damaged.write(b"this is not a database" * 10)
    failed = run_bookctl("-p", "sandbox", "products", "--json")
    assert failed.exit_code == 2, failed
    assert f"error: the sandbox database {db} cannot be used" in failed.stderr
    assert "run 'bookctl sandbox reset' to start a fresh sandbox" in failed.stderr
    off = run_bookctl("-p", "sandbox", "products", "--json", env={"BOOKCTL_SANDBOX_DAEMON": "0"})
    assert (off.exit_code, off.stderr) == (failed.exit_code, failed.stderr)
    assert holder(paths.sandbox_server_lock()) is None

    assert run_bookctl("sandbox", "reset").exit_code == 0
    assert _products().json
    assert _server()["pid"]


def test_reset_of_a_damaged_database_stops_the_server_that_holds_it() -> None:
    _products()
    server = _server()
    db = paths.embedded_sandbox_db()
    # Damage that only a new connection sees: the server's own are left as they are.
    Path(f"{db}-wal").unlink()
    Path(f"{db}-shm").unlink()
    db.write_bytes(b"this is not a database" * 10)
    reset = run_bookctl("sandbox", "reset")
    assert reset.exit_code == 0, reset
    assert "removed the damaged sandbox database" in reset.stderr
    assert (holder(paths.sandbox_server_lock()) or {}).get("pid") != server["pid"]
    assert _products().json


@pytest.mark.parametrize(
    "env",
    [
        {"BOOKCTL_SANDBOX_DAEMON": "0"},
        {"CI": "true", "BOOKCTL_SANDBOX_DAEMON": ""},
        {"CI": "1", "BOOKCTL_SANDBOX_DAEMON": ""},
    ],
    ids=["off", "ci", "ci-1"],
)
def test_off_or_under_ci_nothing_starts(env: dict[str, str]) -> None:
    _products(**env)
    # A starter takes the server's lock and opens its log before anything else.
    assert holder(paths.sandbox_server_lock()) is None
    assert not paths.sandbox_server_log().exists()
    assert _status()["running"] is False


def test_forced_on_under_ci() -> None:
    _products(CI="true", BOOKCTL_SANDBOX_DAEMON="1")
    assert _server()["pid"]


def test_a_batch_on_the_embedded_sandbox_is_booked_through_the_server(tmp_path: Path) -> None:
    _products()
    _server()
    examples = Path(__file__).resolve().parents[2] / "examples"
    report = tmp_path / "report.json"
    run = run_bookctl(
        "-p",
        "sandbox",
        "batch",
        "run",
        str(examples / "bookinglayer-batch.csv"),
        "--concurrency",
        "4",
        "--report",
        str(report),
        timeout=300,
    )
    assert run.exit_code == 0, run
    assert _status()["requests"] > 0  # the rows' requests went to the server


@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="reads /proc")
def test_the_server_keeps_no_provider_key_of_the_shell_that_started_it() -> None:
    _products(BOOKCTL_API_KEY="sk_live_not_for_the_sandbox")
    environ = Path(f"/proc/{_server()['pid']}/environ").read_bytes().split(b"\0")
    assert not [entry for entry in environ if b"sk_live_not_for_the_sandbox" in entry]
    assert f"BOOKCTL_CLOCK_SHIFT={os.environ['BOOKCTL_CLOCK_SHIFT']}".encode() in environ


def test_a_killed_server_leaves_nothing_that_misleads() -> None:
    _products()
    killed = _server()
    os.kill(killed["pid"], signal.SIGKILL)
    _gone()
    assert Path(killed["socket"]).exists()  # left behind, nothing listens
    assert _status()["running"] is False
    first = _products()
    assert _server()["pid"] != killed["pid"]
    assert _products().json == first.json
    assert _status()["requests"] == 1
