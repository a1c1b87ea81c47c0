"""Run the CLI against a provider of the embedded sandbox or of a served one, and move its clock."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from tests.conftest import Cli, Result, ServedSandbox

PREFIXES = {"wix": "/wix/bookings/v1", "guestmanager": "/guestmanager"}


@dataclass
class Target:
    cli: Cli
    args: list[str]
    served: ServedSandbox | None

    def __call__(self, *args: str, stdin: str = "") -> Result:
        return self.cli(*self.args, *args, stdin=stdin)

    def ok(self, *args: str) -> Any:
        """Run a command with --json that must succeed; its parsed stdout."""
        result = self(*args, "--json")
        assert result.exit_code == 0, result
        return result.json

    def advance(self, duration: str) -> None:
        url = ["--url", self.served.url] if self.served else []
        result = self.cli("sandbox", "clock", "advance", duration, *url)
        assert result.exit_code == 0, result


def make_target(request: pytest.FixtureRequest, cli: Cli, provider: str) -> Target:
    """``request.param`` is "embedded" (the built-in profile) or "served" (a profile 'mine')."""
    if request.param == "embedded":
        return Target(cli, ["-p", f"sandbox-{provider}"], None)
    served: ServedSandbox = request.getfixturevalue("served")
    added = cli(
        "profile",
        "add",
        "mine",
        "--provider",
        provider,
        "--base-url",
        served.url + PREFIXES[provider],
        "--api-key-stdin",
        stdin="sandbox-key\n",
    )
    assert added.exit_code == 0, added
    return Target(cli, ["-p", "mine"], served)
