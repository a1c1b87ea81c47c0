"""The shell completion scripts: current with the command tree, and working in a real shell."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import click
import pytest

from bookctl.cli.app import build_cli
from bookctl.cli.completion import SHELLS, _build, _tables, completion_script
from bookctl.cli.options import GLOBAL_NAMES
from bookctl.providers import CATALOGUE
from tests.conftest import Cli, need_shell

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


@pytest.fixture
def bash_script(tmp_path: Path) -> Path:
    assert shutil.which("bash"), "bash is needed to test the bash completion script"
    script = tmp_path / "bookctl.bash"
    script.write_text(completion_script("bash"))
    return script


#: (words typed, the last one being completed; what every shell offers).
CASES = [
    (("bookctl", "ca"), ["cart"]),
    (("bookctl", "cart", ""), ["abandon", "add", "extend", "list", "show"]),
    (("bookctl", "sandbox", "clock", ""), ["advance"]),
    (("bookctl", "-p", "cart", "cart", ""), ["abandon", "add", "extend", "list", "show"]),
    (("bookctl", "cart", "show", "--ca"), ["--cart"]),
    (("bookctl", "-o", ""), ["csv", "json", "table"]),
    (("bookctl", "products", "--output=j"), ["--output=json"]),
    (("bookctl", "profile", "add", "x", "--provider", ""), sorted(CATALOGUE.keys())),
    (("bookctl", "completion", ""), sorted(SHELLS)),
    (("bookctl", "products", "--start-date", ""), []),
]


@pytest.mark.parametrize(("words", "expected"), CASES)
def test_bash_completes(bash_script: Path, words: tuple[str, ...], expected: list[str]) -> None:
    assert _bash_complete(bash_script, *words) == expected


def test_bash_completes_files_for_file_options(bash_script: Path, tmp_path: Path) -> None:
    bodies = tmp_path / "bodies"
    bodies.mkdir()
    (bodies / "body.json").write_text("{}")
    words = ("bookctl", "cart", "add", "--file", f"{bodies}/bo")
    assert _bash_complete(bash_script, *words) == [f"{bodies}/body.json"]


def test_zsh_script_parses(tmp_path: Path) -> None:
    need_shell("zsh")
    script = tmp_path / "_bookctl"
    script.write_text(completion_script("zsh"))
    subprocess.run(["zsh", "-n", str(script)], check=True, timeout=30)


def test_fish_completes(tmp_path: Path) -> None:
    need_shell("fish")
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


@pytest.mark.parametrize("shell", SHELLS)
def test_templates_are_filled(shell: str) -> None:
    script = completion_script(shell)
    assert not re.search(r"^@[A-Z]+@$", script, re.MULTILINE), script
    assert "'bookctl sandbox clock" in script


#: Stand-ins for zsh's completion builtins, which run only inside a completion widget: each
#: prints what it would offer (filtered by the word typed so far, as zsh does).
ZSH_HARNESS = r"""
compdef() { : }
compadd() {
    if [[ $1 == -a ]]; then print -l -- ${(M)${(P)2}:#$PREFIX*}; return; fi
    while [[ $1 != -- ]]; do shift; done; shift
    print -l -- ${(M)@:#$PREFIX*}
}
_describe() { print -l -- ${(M)${${(P)4}%%:*}:#$PREFIX*} }
_files() { print -- "<files $*>" }
_message() { print -- "<message>" }
compset() { PREFIX=${PREFIX#*=} }
source $1; shift
words=("$@"); CURRENT=$#; PREFIX=${words[-1]}
_bookctl
"""


def zsh_complete(script: Path, *words: str, env: dict[str, str] | None = None) -> list[str]:
    proc = subprocess.run(
        ["zsh", "-f", "-c", ZSH_HARNESS, "zsh", str(script), *words],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        env=env,
    )
    return [line for line in proc.stdout.splitlines() if line]


@pytest.fixture
def zsh_script(tmp_path: Path) -> Path:
    need_shell("zsh")
    script = tmp_path / "_bookctl"
    script.write_text(completion_script("zsh"))
    return script


@pytest.mark.parametrize(("words", "expected"), CASES)
def test_zsh_completes(zsh_script: Path, words: tuple[str, ...], expected: list[str]) -> None:
    # zsh strips "--output=" itself (compset) and offers the value alone.
    expected = [x.removeprefix("--output=") for x in expected]
    if words[-2:] == ("--start-date", ""):
        expected = ["<message>"]
    assert sorted(zsh_complete(zsh_script, *words)) == expected


def test_zsh_completes_files_for_file_options(zsh_script: Path) -> None:
    assert zsh_complete(zsh_script, "bookctl", "cart", "add", "--file", "") == ["<files >"]


def fish_complete(script: Path, line: str, env: dict[str, str] | None = None) -> list[str]:
    proc = subprocess.run(
        ["fish", "--no-config", "-c", "source $argv[1]; complete -C $argv[2]", str(script), line],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        env=env,
    )
    return sorted(entry.split("\t")[0] for entry in proc.stdout.splitlines())


@pytest.fixture
def fish_script(tmp_path: Path) -> Path:
    need_shell("fish")
    script = tmp_path / "bookctl.fish"
    script.write_text(completion_script("fish"))
    return script


@pytest.mark.parametrize(("words", "expected"), CASES)
def test_fish_completes_as_bash_does(
    fish_script: Path, words: tuple[str, ...], expected: list[str]
) -> None:
    assert fish_complete(fish_script, " ".join(words)) == expected


def test_fish_completes_files_for_file_options(fish_script: Path, tmp_path: Path) -> None:
    bodies = tmp_path / "bodies"
    bodies.mkdir()
    (bodies / "body.json").write_text("{}")
    line = f"bookctl cart add --file {bodies}/bo"
    assert fish_complete(fish_script, line) == [f"{bodies}/body.json"]


def test_fish_describes_options(fish_script: Path) -> None:
    proc = subprocess.run(
        ["fish", "--no-config", "-c", f"source {fish_script}; complete -C 'bookctl cart show --c'"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert "--cart\tCart id (default: the profile's cart session)." in proc.stdout.splitlines()


def test_values_follow_click_types_and_callbacks() -> None:
    """How a value completes is read off the click parameter: a Choice lists its choices, a
    Path completes files or directories, a shell_complete callback is asked at TAB time (of the
    command that has it), anything else takes a free value; a flag takes none."""

    def who(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[str]:
        return []

    leaf = click.Command(
        "leaf",
        params=[
            click.Option(["--mode"], type=click.Choice(["b", "a"])),
            click.Option(["--into"], type=click.Path(file_okay=False)),
            click.Option(["--body", "-b"], type=click.Path()),
            click.Option(["--who"], shell_complete=who),
            click.Option(["--count"], type=int),
            click.Option(["--dry-run"], is_flag=True),
        ],
    )
    root = click.Group("bookctl", commands={"grp": click.Group("grp", commands={"leaf": leaf})})
    tables = _tables(_build(root, (), None, ({}, {})))
    assert dict(tables.values) == {
        "*|--mode": "choices a b",
        "*|--into": "dirs",
        "*|--body": "files",
        "*|-b": "files",
        "*|--who": "ask bookctl grp leaf",
        "*|--count": "free",
    }
    assert dict(tables.subcommands) == {"bookctl": [("grp", "")], "bookctl grp": [("leaf", "")]}
