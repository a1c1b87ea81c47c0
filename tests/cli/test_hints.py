"""Hints lead somewhere: each error class's hint names a command that works where it was given.

Every scenario makes one kind of error happen as a user would meet it, then runs each
``'bookctl ...'`` its hint names. A command with a placeholder (``ID``, ``...``) is run with
``--help`` in place of the placeholder. None may end in a usage error.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import Cli, Result, ServedSandbox

QUOTED = re.compile(r"'(bookctl [^']+)'")
PLACEHOLDER = re.compile(r"^(?:[A-Z][A-Z_]+|\.\.\.)$")
GUEST = ["--email", "ann@example.com", "--first-name", "Ann", "--last-name", "Lee"]
BL_ADD = ["basket", "add", "--package", "450", "--start-date", "+3d", "--end-date", "+4d"]


@dataclass
class Scenario:
    """Set things up, then fail: the failing args, and the exit code they must give."""

    setup: Callable[[Cli, Path], list[str]]
    exit_code: int
    before_hint: Callable[[Cli], None] | None = None


def _gm_processing(cli: Cli, tmp: Path) -> str:
    gm = ["-p", "sandbox-guestmanager"]
    assert cli(*gm, "basket", "add", "--ticket-type", "601").exit_code == 0
    answers = tmp / "answers.json"
    answers.write_text(
        '{"bill_address": {"address1": "1 Main St", "city": "Anytown", "zipcode": "92109",'
        ' "state_code": "WA", "country_code": "AU"}}'
    )
    done = cli(
        *gm,
        "checkout",
        *GUEST,
        "--answers-file",
        str(answers),
        "--payment-token",
        "tok_visa",
        "--json",
    )
    assert done.exit_code == 0, done
    return str(done.json["id"])


def _poll_timeout(cli: Cli, tmp: Path) -> list[str]:
    order = _gm_processing(cli, tmp)
    return ["-p", "sandbox-guestmanager", "poll", order, "--timeout", "0"]


def _settle(cli: Cli) -> None:
    assert cli("sandbox", "clock", "advance", "1m").exit_code == 0


def _gm_canceled(cli: Cli, tmp: Path) -> list[str]:
    gm = ["-p", "sandbox-guestmanager"]
    order = cli(*gm, "basket", "add", "--ticket-type", "601", "--json").json["id"]
    assert cli(*gm, "cart", "abandon", "--yes").exit_code == 0
    return [*gm, "checkout", "--cart", str(order), *GUEST]


def _bl_expired(cli: Cli, tmp: Path) -> list[str]:
    assert cli(*BL_ADD, "--guest", "Ann,Lee,f").exit_code == 0
    assert cli("sandbox", "clock", "advance", "11m").exit_code == 0
    return ["checkout", "--accept-terms", *GUEST, "--phone", "403 201 767"]


def _wrong_key(cli: Cli, tmp: Path) -> list[str]:
    served: ServedSandbox = pytest.current_served  # type: ignore[attr-defined]
    url = f"{served.url}/bookinglayer/api/pub/v2"
    added = cli(
        "profile",
        "add",
        "mine",
        "--provider",
        "bookinglayer",
        "--base-url",
        url,
        "--api-key-stdin",
        stdin="not-the-key\n",
    )
    assert added.exit_code == 0, added
    return ["-p", "mine", "products"]


def _no_key(cli: Cli, tmp: Path) -> list[str]:
    added = cli(
        "profile", "add", "nokey", "--provider", "wix", "--base-url", "https://wix.example.com"
    )
    assert added.exit_code == 0, added
    return ["-p", "nokey", "products"]


SCENARIOS: dict[str, Scenario] = {
    "unknown option": Scenario(lambda cli, tmp: ["products", "--bogus"], 2),
    "poll without an order": Scenario(lambda cli, tmp: ["-p", "sandbox-wix", "poll"], 2),
    "no cart in the session": Scenario(lambda cli, tmp: ["-p", "sandbox-rundl", "cart", "show"], 3),
    "unknown product": Scenario(lambda cli, tmp: ["product", "show", "99999"], 3),
    "unknown cart": Scenario(
        lambda cli, tmp: ["-p", "sandbox-wix", "cart", "show", "--cart", "nope"], 3
    ),
    "unknown order": Scenario(lambda cli, tmp: ["-p", "sandbox-rundl", "poll", "999999"], 3),
    "refused, expired cart": Scenario(_bl_expired, 4),
    "refused, canceled order": Scenario(_gm_canceled, 4),
    "missing key": Scenario(_no_key, 5),
    "wrong key": Scenario(_wrong_key, 5),
    "poll timeout": Scenario(_poll_timeout, 8, before_hint=_settle),
}


def hinted_commands(result: Result) -> list[list[str]]:
    line = result.stderr.strip().splitlines()[-1]
    assert line.startswith("error: "), result
    commands = []
    for text in QUOTED.findall(line):
        words = shlex.split(text)[1:]
        for index, word in enumerate(words):
            if PLACEHOLDER.match(word):
                words = [*words[:index], "--help"]
                break
        commands.append(words)
    return commands


@pytest.mark.parametrize("name", SCENARIOS)
def test_the_hinted_command_works(
    name: str, cli: Cli, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    scenario = SCENARIOS[name]
    if scenario.setup is _wrong_key:
        pytest.current_served = request.getfixturevalue("served")  # type: ignore[attr-defined]
    failing = scenario.setup(cli, tmp_path)
    failed = cli(*failing)
    assert failed.exit_code == scenario.exit_code, failed
    commands = hinted_commands(failed)
    assert commands, f"the hint names no command: {failed.stderr}"
    if scenario.before_hint is not None:
        scenario.before_hint(cli)
    for words in commands:
        if "-p" not in words and "-p" in failing and "profile" not in words:
            pytest.fail(f"{words} lacks the -p of {failing}")
        followed = cli(*words)
        assert followed.exit_code not in (1, 2), (words, followed)
        assert followed.exit_code == 0, (words, followed)


def test_a_profile_made_active_needs_no_flag(cli: Cli) -> None:
    assert cli("profile", "use", "sandbox-wix").exit_code == 0
    failed = cli("-p", "sandbox-wix", "poll")
    assert "'bookctl orders'" in failed.stderr, failed


def test_a_profile_from_the_environment_needs_no_flag(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BOOKCTL_PROFILE", "sandbox-wix")
    failed = cli("poll")
    assert "'bookctl orders'" in failed.stderr, failed


@pytest.mark.parametrize(
    ("typed", "suggested", "not_suggested"),
    [
        (["products", "--bogus"], None, "--verbose"),
        (["profile", "add", "x", "--key", "k"], None, "--use"),
        (["products", "--typ", "package"], "'--type'", None),
        (["prodcuts"], "'products'", None),
        (["profile", "ad"], "'add'", None),
    ],
)
def test_suggestions_are_near_misses_and_said_once(
    cli: Cli, typed: list[str], suggested: str | None, not_suggested: str | None
) -> None:
    result = cli(*typed)
    assert result.exit_code == 2, result
    assert result.stderr.count("Did you mean") == (1 if suggested else 0), result
    if suggested:
        assert suggested in result.stderr
    if not_suggested:
        assert not_suggested not in result.stderr


def test_a_wait_on_the_sandbox_says_how_to_skip_ahead(cli: Cli, tmp_path: Path) -> None:
    order = _gm_processing(cli, tmp_path)
    early = cli(
        "-p", "sandbox-guestmanager", "poll", order, "--interval", "0.05", "--timeout", "0.2"
    )
    assert early.exit_code == 8, early
    assert early.stderr.count("'bookctl sandbox clock advance 1m'") == 1, early.stderr
    _settle(cli)
    done = cli("-p", "sandbox-guestmanager", "poll", order)
    assert done.exit_code == 0, done
    assert "sandbox clock" not in done.stderr
