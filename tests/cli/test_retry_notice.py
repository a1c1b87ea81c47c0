"""Retries are silent by default: the story is in the -v trace, a TTY gets one short notice."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import stamina

from bookctl.core import errors
from bookctl.core.embedded import ASGISyncTransport
from bookctl.core.http import ApiClient, ClientConfig
from bookctl.sandbox.app import create_app
from tests.conftest import ServedSandbox, run_bookctl, start_sandbox


@pytest.fixture(scope="module")
def failing(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedSandbox]:
    """A served sandbox that answers 503 to every API request."""
    served = start_sandbox(tmp_path_factory.mktemp("failing"), "--faults", "503=1.0")
    yield served
    served.stop()


@pytest.fixture
def mine(failing: ServedSandbox) -> str:
    added = run_bookctl(
        "profile",
        "add",
        "mine",
        "--provider",
        "bookinglayer",
        "--base-url",
        f"{failing.url}/bookinglayer/api/pub/v2",
        "--api-key-stdin",
        stdin="sandbox-key\n",
    )
    assert added.exit_code == 0, added
    return "mine"


@pytest.mark.parametrize("flags", [[], ["-q"], ["--json"]])
def test_retries_print_nothing_but_the_final_error(mine: str, flags: list[str]) -> None:
    result = run_bookctl("-p", mine, "products", *flags)
    assert result.exit_code == errors.EXIT_UNREACHABLE, result
    assert "stamina" not in result.stderr
    assert "retry" not in result.stderr
    assert result.stderr.count("\n") == 1, result
    assert result.stderr.startswith("error: ")


def test_retries_are_in_the_verbose_trace(mine: str) -> None:
    result = run_bookctl("-p", mine, "products", "-v")
    assert result.exit_code == errors.EXIT_UNREACHABLE, result
    assert "stamina" not in result.stderr
    retries = [line for line in result.stderr.splitlines() if line.startswith("* retrying in")]
    assert len(retries) == 2, result.stderr


def test_a_terminal_gets_a_one_line_notice_per_retry(mine: str) -> None:
    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "bookctl", "-p", mine, "products"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=follower,
        env={**os.environ, "TERM": "dumb"},
    )
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the terminal closed with the process
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    assert proc.wait(timeout=60) == errors.EXIT_UNREACHABLE
    assert proc.stdout is not None
    proc.stdout.close()
    lines = b"".join(chunks).decode().replace("\r", "").splitlines()
    assert lines[:2] == ["retrying (2/3)...", "retrying (3/3)..."]
    assert lines[2].startswith("error: ")
    assert not any("stamina" in line for line in lines)


def test_the_notice_is_not_repeated_under_the_trace(tmp_path: Path) -> None:
    transport = ASGISyncTransport(create_app(tmp_path / "s.db", faults="503=1.0", seed=1))
    notices: list[str] = []
    trace: list[str] = []
    config = ClientConfig(base_url="http://sandbox.embedded/bookinglayer/api/pub/v2")
    with stamina.set_testing(True, attempts=3):
        quiet = ApiClient(config, transport=transport, notice=notices.append)
        with pytest.raises(errors.ApiUnavailableError):
            quiet.get_json("products")
        assert notices == ["retrying (2/3)...", "retrying (3/3)..."]
        loud = ApiClient(config, transport=transport, notice=notices.append, trace=trace.append)
        with pytest.raises(errors.ApiUnavailableError):
            loud.get_json("products")
    assert len(notices) == 2
    assert sum(line.startswith("* retrying") for line in trace) == 2
    transport.close()
