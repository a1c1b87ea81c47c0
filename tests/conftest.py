"""Fixtures shared by every test: isolated dirs and env, a fixed clock, the CLI runner, a served
sandbox."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

_CLEARED_ENV = (
    "BOOKCTL_PROFILE",
    "BOOKCTL_OUTPUT",
    "BOOKCTL_API_KEY",
    "BOOKCTL_APP_ID",
    "BOOKCTL_SANDBOX_KEY",
    "BOOKCTL_DEBUG",
    "BOOKCTL_CONNECT_TIMEOUT",
    "BOOKCTL_READ_TIMEOUT",
    "NO_COLOR",
    "CI",  # CI=true means "never prompt": tests that need a terminal set what they need
)


#: The day every test runs on, for the client and the sandbox alike (a Wednesday, in UTC).
TODAY = dt.date(2027, 3, 10)
#: Seconds that move this process's wall clock to 09:00 UTC on TODAY (time flows from there).
CLOCK_SHIFT = dt.datetime.combine(TODAY, dt.time(9), dt.UTC).timestamp() - time.time()


def now() -> dt.datetime:
    """The test's now in UTC, as bookctl and the sandbox see it (the clock fixture's)."""
    shift = float(os.environ.get("BOOKCTL_CLOCK_SHIFT", CLOCK_SHIFT))
    return dt.datetime.fromtimestamp(time.time() + shift, dt.UTC)


class Clock:
    """The one clock of a test: bookctl and the sandboxes it starts read it via the env."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self._monkeypatch = monkeypatch
        self.today = TODAY
        self._set(CLOCK_SHIFT)

    def _set(self, shift: float) -> None:
        self._monkeypatch.setenv("BOOKCTL_CLOCK_SHIFT", repr(shift))

    def move_to(self, day: dt.date) -> None:
        """Make ``day`` today (at about 09:00 UTC) for the client and the embedded sandbox."""
        self.today = day
        self._set(CLOCK_SHIFT + (day - TODAY).days * 86400)


@pytest.fixture(autouse=True)
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """No test depends on the real date: every test runs on TODAY unless it moves the clock."""
    return Clock(monkeypatch)


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """Every test gets its own config and state dirs and a clean bookctl environment."""
    config = tmp_path / "config"
    state = tmp_path / "state"
    for name in _CLEARED_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("BOOKCTL_CONFIG_DIR", str(config))
    monkeypatch.setenv("BOOKCTL_STATE_DIR", str(state))
    monkeypatch.setenv("BOOKCTL_SANDBOX_DAEMON", "0")  # its own tests turn it on
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.setenv("TERM", "dumb")
    return {"config": config, "state": state}


@dataclass
class Result:
    exit_code: int
    stdout: str
    stderr: str

    @property
    def json(self) -> Any:
        return json.loads(self.stdout)

    def __repr__(self) -> str:
        return f"Result(exit={self.exit_code}, stdout={self.stdout!r}, stderr={self.stderr!r})"


class Cli:
    """Runs the real ``bookctl`` entry point in this process."""

    def __init__(self, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch):
        self._capsys = capsys
        self._monkeypatch = monkeypatch

    def __call__(self, *args: str, stdin: str = "") -> Result:
        from bookctl.cli.app import main

        self._capsys.readouterr()
        self._monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        try:
            main(list(args))
        except SystemExit as done:
            code = done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
        else:  # pragma: no cover - main always exits
            code = 0
        out, err = self._capsys.readouterr()
        return Result(code, out, err)


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Cli:
    return Cli(capsys, monkeypatch)


def run_bookctl(
    *args: str, env: dict[str, str] | None = None, stdin: str = "", timeout: float = 60
) -> Result:
    """Run ``bookctl`` as a separate process (what a user's shell does)."""
    proc = subprocess.run(
        [sys.executable, "-m", "bookctl", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=timeout,
    )
    return Result(proc.returncode, proc.stdout, proc.stderr)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class ServedSandbox:
    url: str
    db: Path
    process: subprocess.Popen[bytes]

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if self.process.stderr is not None:
            self.process.stderr.close()

    def admin(self, method: str, path: str, **kwargs: Any) -> Any:
        response = httpx.request(method, f"{self.url}/_sandbox/{path}", timeout=10, **kwargs)
        response.raise_for_status()
        return response.json()


def start_sandbox(tmp: Path, *extra: str, api_key: str | None = None) -> ServedSandbox:
    port = free_port()
    db = tmp / "served.db"
    args = [
        sys.executable,
        "-m",
        "bookctl",
        "sandbox",
        "serve",
        "--port",
        str(port),
        "--db",
        str(db),
        *extra,
    ]
    if api_key:
        args += ["--api-key", api_key]
    env = {
        **os.environ,
        "BOOKCTL_CLOCK_SHIFT": repr(CLOCK_SHIFT),
        "BOOKCTL_STATE_DIR": str(tmp / "server-state"),
        "BOOKCTL_CONFIG_DIR": str(tmp / "server-config"),
    }
    process = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            err = process.stderr.read().decode() if process.stderr else ""
            raise RuntimeError(f"sandbox serve exited early: {err}")
        try:
            if httpx.get(f"{url}/_sandbox/health", timeout=1).status_code == 200:
                return ServedSandbox(url, db, process)
        except httpx.TransportError:
            time.sleep(0.05)
    ServedSandbox(url, db, process).stop()
    raise RuntimeError("sandbox serve did not come up in 20 s")


@pytest.fixture(scope="session")
def _served_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedSandbox]:
    served = start_sandbox(tmp_path_factory.mktemp("served"))
    yield served
    served.stop()


@pytest.fixture
def served(_served_session: ServedSandbox) -> ServedSandbox:
    """A sandbox served over loopback (one per test worker), reset for each test."""
    _served_session.admin("POST", "reset")
    return _served_session


@pytest.fixture
def served_profile(cli: Cli, served: ServedSandbox) -> str:
    """A configured profile named 'mine' pointing at the served sandbox's Bookinglayer API."""
    result = cli(
        "profile",
        "add",
        "mine",
        "--provider",
        "bookinglayer",
        "--base-url",
        f"{served.url}/bookinglayer/api/pub/v2",
        "--api-key-stdin",
        stdin="sandbox-key\n",
    )
    assert result.exit_code == 0, result
    return "mine"


def need_shell(name: str) -> None:
    """Skip a test of the real ``name`` shell on a developer machine without it. CI installs
    zsh and fish and sets BOOKCTL_REQUIRE_SHELLS=1, under which a missing shell fails."""
    import shutil

    if shutil.which(name) is None:
        if os.environ.get("BOOKCTL_REQUIRE_SHELLS") == "1":
            pytest.fail(f"{name} is not installed but BOOKCTL_REQUIRE_SHELLS=1")
        pytest.skip(f"{name} is not installed")
