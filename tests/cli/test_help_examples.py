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


#: Help is printed with one column of padding; an example line must fit in 80 columns.
_WIDTH = 80 - 2


def _examples(help_text: str) -> list[str]:
    text = help_text.split("Example", 1)[1] if "Example" in help_text else ""
    return [line for line in text.splitlines()[1:] if line.strip().startswith(("bookctl", "-"))]


def test_every_command_and_group_page_has_an_example() -> None:
    missing = [
        path
        for path, command in _commands(build_cli())
        if path != "bookctl" and not command.hidden and not _examples(command.help or "")
    ]
    assert missing == []


def test_examples_fit_in_80_columns() -> None:
    wide = [
        f"{path}: {line.strip()}"
        for path, command in _commands(build_cli())
        for line in _examples(command.help or "")
        if len(line.rstrip()) > _WIDTH
    ]
    assert wide == []
