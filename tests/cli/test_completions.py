"""The shell completion scripts: current with the command tree, and working in a real shell."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import click
import pytest

from bookctl.cli.app import build_cli
from bookctl.cli.completion import SHELLS, completion_script
from bookctl.cli.options import GLOBAL_NAMES
from bookctl.core.config import PROVIDERS
from tests.conftest import Cli

ROOT = Path(__file__).resolve().parents[2]
COMPLETIONS = ROOT / "completions"
FILES = {"bash": "bookctl.bash", "zsh": "_bookctl", "fish": "bookctl.fish"}


def _command_paths() -> Iterator[tuple[str, ...]]:
    def walk(command: click.Command, path: tuple[str, ...]) -> Iterator[tuple[str, ...]]:
        yield path
        if isinstance(command, click.Group):
            for name, sub in command.commands.items():
                if not sub.hidden:
                    yield from walk(sub, (*path, name))

    yield from walk(build_cli(), ())


@pytest.mark.parametrize("shell", SHELLS)
def test_committed_script_is_current(shell: str) -> None:
    committed = COMPLETIONS / FILES[shell]
    regenerate = f"regenerate it with: bookctl completion {shell} > completions/{FILES[shell]}"
    assert committed.is_file(), f"{committed} is missing; {regenerate}"
    assert committed.read_text() == completion_script(shell), (
        f"{committed} is out of date with the command tree; {regenerate}"
    )


def test_script_is_deterministic() -> None:
    for shell in SHELLS:
        assert completion_script(shell) == completion_script(shell)


def test_command_prints_the_script(cli: Cli) -> None:
    result = cli("completion", "bash")
    assert result.exit_code == 0, result
    assert result.stdout == completion_script("bash")


def test_unknown_shell_is_a_usage_error(cli: Cli) -> None:
    result = cli("completion", "tcsh")
    assert result.exit_code == 2, result
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result
    assert lines[0].startswith("error: unknown shell 'tcsh'")
    assert "bash" in lines[0]
    assert "Traceback" not in result.stderr


def _bash_complete(script: Path, *words: str) -> list[str]:
    program = (
        'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _bookctl; '
        'printf "%s\\n" "${COMPREPLY[@]}"'
    )
    proc = subprocess.run(
        ["bash", "--norc", "--noprofile", "-c", program, "bash", str(script), *words],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return [line for line in proc.stdout.splitlines() if line]


def _bash_complete_each(script: Path, queries: list[tuple[str, ...]]) -> list[list[str]]:
    """What bash offers for each of ``queries``, from one bash process."""
    end = "@end@"
    program = ['source "$1"']
    for words in queries:
        program.append(
            f"COMP_WORDS=({' '.join(shlex.quote(w) for w in words)}); "
            f"COMP_CWORD={len(words) - 1}; _bookctl; "
            f'printf "%s\\n" "${{COMPREPLY[@]}}" {end}'
        )
    proc = subprocess.run(
        ["bash", "--norc", "--noprofile", "-c", "\n".join(program), "bash", str(script)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    answers: list[list[str]] = [[]]
    for line in proc.stdout.splitlines():
        if line == end:
            answers.append([])
        elif line:
            answers[-1].append(line)
    assert answers.pop() == [], proc.stdout
    assert len(answers) == len(queries)
    return answers


def test_bash_offers_every_command_and_option(bash_script: Path) -> None:
    """The oracle is the click tree itself: every subcommand after its group, every option
    (the global ones too) after '-' on every command."""
    paths = list(_command_paths())
    assert ("sandbox", "clock", "advance") in paths
    root = build_cli()
    queries: list[tuple[str, ...]] = []
    expected: list[list[str]] = []
    for path in paths:
        command = root
        ctx = click.Context(root, info_name="bookctl")
        for name in path:
            assert isinstance(command, click.Group)
            command = command.commands[name]
            ctx = click.Context(command, info_name=name, parent=ctx)
        options = sorted(
            name
            for param in command.get_params(ctx)
            if isinstance(param, click.Option) and (not param.hidden or param.name in GLOBAL_NAMES)
            for name in (*param.opts, *param.secondary_opts)
        )
        queries.append(("bookctl", *path, "-"))
        expected.append(options)
        if isinstance(command, click.Group):
            queries.append(("bookctl", *path, ""))
            expected.append(sorted(n for n, sub in command.commands.items() if not sub.hidden))
    assert _bash_complete_each(bash_script, queries) == expected


def _need_shell(name: str) -> None:
    """CI installs zsh and fish (BOOKCTL_REQUIRE_SHELLS=1) and must run these tests; a developer
    machine without the shell skips them."""
    if shutil.which(name) is None:
        if os.environ.get("BOOKCTL_REQUIRE_SHELLS") == "1":
            pytest.fail(f"{name} is not installed but BOOKCTL_REQUIRE_SHELLS=1")
        pytest.skip(f"{name} is not installed")


@pytest.fixture
def bash_script(tmp_path: Path) -> Path:
    assert shutil.which("bash"), "bash is needed to test the bash completion script"
    script = tmp_path / "bookctl.bash"
    script.write_text(completion_script("bash"))
    return script


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        (("bookctl", "ca"), ["cart"]),
        (("bookctl", "cart", ""), ["abandon", "add", "extend", "list", "show"]),
        (("bookctl", "sandbox", "clock", ""), ["advance"]),
        (("bookctl", "-p", "cart", "cart", ""), ["abandon", "add", "extend", "list", "show"]),
        (("bookctl", "cart", "show", "--ca"), ["--cart"]),
        (("bookctl", "-o", ""), ["csv", "json", "table"]),
        (("bookctl", "products", "--output=j"), ["--output=json"]),
        (("bookctl", "profile", "add", "x", "--provider", ""), sorted(PROVIDERS)),
        (("bookctl", "completion", ""), sorted(SHELLS)),
        (("bookctl", "products", "--start-date", ""), []),
    ],
)
def test_bash_completes(bash_script: Path, words: tuple[str, ...], expected: list[str]) -> None:
    assert _bash_complete(bash_script, *words) == expected


def test_bash_completes_files_for_file_options(bash_script: Path, tmp_path: Path) -> None:
    bodies = tmp_path / "bodies"
    bodies.mkdir()
    (bodies / "body.json").write_text("{}")
    words = ("bookctl", "cart", "add", "--file", f"{bodies}/bo")
    assert _bash_complete(bash_script, *words) == [f"{bodies}/body.json"]


def test_zsh_script_parses(tmp_path: Path) -> None:
    _need_shell("zsh")
    script = tmp_path / "_bookctl"
    script.write_text(completion_script("zsh"))
    subprocess.run(["zsh", "-n", str(script)], check=True, timeout=30)


def test_fish_completes(tmp_path: Path) -> None:
    _need_shell("fish")
    script = tmp_path / "bookctl.fish"
    script.write_text(completion_script("fish"))
    proc = subprocess.run(
        ["fish", "--no-config", "-c", f"source {script}; complete -C 'bookctl cart '"],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    offered = sorted(line.split("\t")[0] for line in proc.stdout.splitlines())
    assert offered == ["abandon", "add", "extend", "list", "show"]
