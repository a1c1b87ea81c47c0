"""Help text never goes stale: no example or option help carries a fixed date or session id."""

from __future__ import annotations

import re
from collections.abc import Iterator

import click

from bookctl.cli.app import build_cli

_FIXED = re.compile(r"\b20\d\d-?[01]\d-?[0-3]\d\b")


def _commands(command: click.Command, path: str = "bookctl") -> Iterator[tuple[str, click.Command]]:
    yield path, command
    if isinstance(command, click.Group):
        for name, sub in command.commands.items():
            yield from _commands(sub, f"{path} {name}")


def test_no_help_text_names_a_fixed_date() -> None:
    stale = []
    for path, command in _commands(build_cli()):
        texts = [command.help or "", command.epilog or ""]
        texts += [getattr(p, "help", None) or "" for p in command.params]
        stale += [f"{path}: {m}" for text in texts for m in _FIXED.findall(text)]
    assert stale == []


def test_the_check_sees_dates_in_help() -> None:
    assert _FIXED.findall("--start-date 2026-12-02 --session-id yoga-20261124") == [
        "2026-12-02",
        "20261124",
    ]
