"""Questions before destructive steps: 'no' cancels (exit 0), --yes skips, no prompt is exit 2."""

from __future__ import annotations

import io
import sys
import tomllib
from pathlib import Path

import pytest

from tests.conftest import Cli, Result

ADD = ["basket", "add", "--package", "450", "--start-date", "+3d", "--end-date", "+4d"]


class Terminal(io.StringIO):
    """Standard input as a terminal (what it reads is what the user types)."""

    def isatty(self) -> bool:
        return True


class AtTerminal(Cli):
    """The CLI run at a terminal: ``stdin`` is what the user types."""

    def __call__(self, *args: str, stdin: str = "") -> Result:
        from bookctl.cli.app import main

        self._capsys.readouterr()
        self._monkeypatch.setattr(sys, "stdin", Terminal(stdin))
        with pytest.raises(SystemExit) as done:
            main(list(args))
        out, err = self._capsys.readouterr()
        code = done.value.code
        return Result(code if isinstance(code, int) else 0 if code is None else 1, out, err)


@pytest.fixture
def typing(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Cli:
    return AtTerminal(capsys, monkeypatch)


def add_cart(cli: Cli) -> str:
    added = cli(*ADD, "--guest", "Ann,Lee,f", "--json")
    assert added.exit_code == 0, added
    return str(added.json["id"])


def test_answering_no_to_cart_abandon_cancels_with_exit_0(cli: Cli, typing: Cli) -> None:
    cart = add_cart(cli)
    declined = typing("cart", "abandon", stdin="n\n")
    assert declined.exit_code == 0, declined
    assert declined.stderr.rstrip().endswith("cancelled")
    assert f"Abandon cart {cart}?" in declined.stderr
    assert declined.stdout == ""
    assert cli("cart", "show", "--json").json["state"] != "abandoned"

    accepted = typing("cart", "abandon", "--json", stdin="y\n")
    assert accepted.exit_code == 0, accepted
    assert accepted.json == {"id": cart, "state": "abandoned"}


def test_no_input_at_a_terminal_asks_for_yes_without_sending_to_a_terminal(
    cli: Cli, typing: Cli
) -> None:
    add_cart(cli)
    refused = typing("--no-input", "cart", "abandon", stdin="y\n")
    assert refused.exit_code == 2, refused
    assert "--yes" in refused.stderr and "--no-input never asks" in refused.stderr
    assert "terminal" not in refused.stderr
    piped = cli("cart", "abandon", stdin="y\n")
    assert piped.exit_code == 2 and "run it in a terminal" in piped.stderr


@pytest.fixture
def mine(cli: Cli) -> str:
    added = cli(
        "profile",
        "add",
        "mine",
        "--provider",
        "bookinglayer",
        "--base-url",
        "https://api.example.com/v2",
        "--api-key-stdin",
        stdin="k-123\n",
    )
    assert added.exit_code == 0, added
    return "mine"


def profiles(isolated: dict[str, Path]) -> set[str]:
    config = tomllib.loads((isolated["config"] / "config.toml").read_text())
    return set(config.get("profiles", {}))


def test_profile_remove_asks_first(
    cli: Cli, typing: Cli, mine: str, isolated: dict[str, Path]
) -> None:
    declined = typing("profile", "remove", mine, stdin="n\n")
    assert declined.exit_code == 0, declined
    assert "Remove profile 'mine'" in declined.stderr
    assert declined.stderr.rstrip().endswith("cancelled")
    assert profiles(isolated) == {mine}

    accepted = typing("profile", "remove", mine, stdin="y\n")
    assert accepted.exit_code == 0, accepted
    assert profiles(isolated) == set()


@pytest.mark.parametrize("flags", [["--no-input"], []])
def test_profile_remove_without_a_prompt_needs_yes(
    cli: Cli, mine: str, isolated: dict[str, Path], flags: list[str]
) -> None:
    refused = cli(*flags, "profile", "remove", mine)
    assert refused.exit_code == 2, refused
    assert "needs --yes" in refused.stderr
    assert profiles(isolated) == {mine}
    done = cli(*flags, "profile", "remove", mine, "--yes")
    assert done.exit_code == 0, done
    assert profiles(isolated) == set()


def test_profile_remove_of_a_missing_profile_does_not_ask(typing: Cli) -> None:
    missing = typing("profile", "remove", "nope", stdin="y\n")
    assert missing.exit_code == 3, missing
    assert "?" not in missing.stderr.split("(")[0]
