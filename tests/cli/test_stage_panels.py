"""``basket add`` and ``checkout`` help: the options without a provider first, then those
several providers share, then one panel per provider, all from the providers' declarations."""

from __future__ import annotations

import re

import pytest

from bookctl.providers import CATALOGUE
from tests.conftest import Cli


def panels(text: str) -> list[str]:
    return re.findall(r"╭─ (.+?) ─", text)


@pytest.mark.parametrize(
    ("command", "owners"),
    [
        (("basket", "add"), ["bookinglayer", "bookingbug", "wix", "guestmanager"]),
        (("checkout",), ["wix", "bookinglayer", "bookingbug", "guestmanager"]),
    ],
)
def test_help_has_a_panel_per_provider_after_the_common_ones(
    cli: Cli, command: tuple[str, ...], owners: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "160")
    result = cli(*command, "--help")
    assert result.exit_code == 0, result
    titles = {spec.key: f"{spec.title} options" for spec in CATALOGUE.specs()}
    found = panels(result.stdout)
    assert found[:2] == ["Options", "Options of several providers"]
    assert sorted(found[2:]) == sorted(titles[key] for key in owners)
    # Each provider-only flag sits in its provider's panel.
    bookingbug = result.stdout.split("╭─ BookingBug options")[1].split("╰")[0]
    assert "--member-id" in bookingbug


def test_every_declared_option_is_a_flag_of_its_stage(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    for stage in ("basket add", "checkout"):
        text = cli(*stage.split(), "--help").stdout
        for spec in CATALOGUE.specs():
            for option in spec.options(stage):
                assert (option.switch or option.flag).split("/")[0] in text, (spec.key, option)


def test_a_flag_of_another_provider_is_refused_naming_who_has_it(cli: Cli) -> None:
    result = cli("-p", "sandbox-rundl", "basket", "add", "--ticket-type", "601")
    assert result.exit_code == 2
    assert "basket add --ticket-type is not an option of rundl" in result.stderr
    assert "it is for guestmanager; rundl takes --file, --product, --qty, --service" in (
        result.stderr
    )
    assert "Traceback" not in result.stderr
