"""Profile names complete after -p/--profile: the script asks bookctl for the user's profiles,
through click's completion protocol, and asks it for nothing else."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bookctl.cli.completion import SHELLS, completion_script
from tests.cli.test_completions import fish_complete, zsh_complete
from tests.conftest import Cli, need_shell

PROGRAM = (
    'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _bookctl; '
    'printf "%s\\n" "${COMPREPLY[@]}"'
)
BUILTIN = ["sandbox", "sandbox-bookingbug", "sandbox-guestmanager", "sandbox-rundl", "sandbox-wix"]
FILES = {"bash": "bookctl.bash", "zsh": "_bookctl", "fish": "bookctl.fish"}


def _path_env(bin_dir: Path) -> dict[str, str]:
    return {**os.environ, "PATH": os.pathsep.join([str(bin_dir), os.environ.get("PATH", "")])}


#: The script runs 'bookctl': the one installed beside this interpreter.
REAL = Path(sys.executable).parent


def complete(shell: str, tmp_path: Path, *words: str, bin_dir: Path = REAL) -> list[str]:
    """What ``shell`` offers for ``words`` (the last one is being completed)."""
    if shell != "bash":
        need_shell(shell)
    script = tmp_path / FILES[shell]
    script.write_text(completion_script(shell))
    env = _path_env(bin_dir)
    if shell == "zsh":
        return sorted(zsh_complete(script, *words, env=env))
    if shell == "fish":
        return fish_complete(script, " ".join(words), env=env)
    assert shutil.which("bash"), "bash is needed to test the bash completion script"
    proc = subprocess.run(
        ["bash", "--norc", "--noprofile", "-c", PROGRAM, "bash", str(script), *words],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        env=env,
    )
    return sorted(line for line in proc.stdout.splitlines() if line)


@pytest.mark.parametrize("shell", SHELLS)
def test_profile_names_complete_after_p(shell: str, cli: Cli, tmp_path: Path) -> None:
    added = cli(
        "profile", "add", "mine", "--provider", "wix", "--base-url", "https://wix.example.com"
    )
    assert added.exit_code == 0, added
    assert complete(shell, tmp_path, "bookctl", "-p", "") == sorted(["mine", *BUILTIN])
    assert complete(shell, tmp_path, "bookctl", "products", "--profile", "sandbox-w") == [
        "sandbox-wix"
    ]
    assert complete(shell, tmp_path, "bookctl", "-p", "mi") == ["mine"]
    on_command = complete(shell, tmp_path, "bookctl", "cart", "show", "--profile=sandbox-b")
    # bash and fish keep the "--profile=" they were given; zsh strips it itself.
    assert [x.removeprefix("--profile=") for x in on_command] == ["sandbox-bookingbug"]


def test_a_broken_config_completes_no_profile(isolated: dict[str, Path], tmp_path: Path) -> None:
    assert complete("bash", tmp_path, "bookctl", "-p", "") == BUILTIN
    isolated["config"].mkdir(parents=True, exist_ok=True)
    (isolated["config"] / "config.toml").write_text("[profiles\n")
    assert complete("bash", tmp_path, "bookctl", "-p", "") == []


@pytest.fixture
def spy(tmp_path: Path) -> tuple[Path, Path]:
    """A 'bookctl' that notes each run in a file, then runs the real one."""
    bin_dir = tmp_path / "spy-bin"
    bin_dir.mkdir()
    calls = tmp_path / "calls.txt"
    real = shutil.which("bookctl", path=str(REAL))
    assert real, "the bookctl console script is not installed beside this interpreter"
    spy = bin_dir / "bookctl"
    spy.write_text(f'#!/bin/sh\necho run >> "{calls}"\nexec "{real}" "$@"\n')
    spy.chmod(0o755)
    return bin_dir, calls


@pytest.mark.parametrize("shell", SHELLS)
def test_tab_runs_bookctl_only_for_profile_names(
    shell: str, tmp_path: Path, spy: tuple[Path, Path]
) -> None:
    """Commands, options and fixed values complete in the shell; TAB starts bookctl only for
    what bookctl alone knows."""
    bin_dir, calls = spy
    static = [
        ("bookctl", "basket", "add", "--"),
        ("bookctl", "cart", ""),
        ("bookctl", "-o", ""),
        ("bookctl", "profile", "add", "x", "--provider", ""),
    ]
    for words in static:
        assert complete(shell, tmp_path, *words, bin_dir=bin_dir), words
    assert not calls.exists()
    assert complete(shell, tmp_path, "bookctl", "-p", "", bin_dir=bin_dir) == BUILTIN
    assert calls.read_text().splitlines() == ["run"]


def test_asking_for_profile_names_imports_no_heavy_module() -> None:
    """The TAB that asks bookctl loads no command module and none of httpx, pydantic, fastapi."""
    env = {
        **os.environ,
        "_BOOKCTL_COMPLETE": "bash_complete",
        "COMP_WORDS": "bookctl -p ''",
        "COMP_CWORD": "2",
    }
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "bookctl"],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert proc.returncode == 0, proc.stderr
    assert sorted(proc.stdout.splitlines()) == [f"plain,{name}" for name in BUILTIN]
    imported = {line.rsplit("|", 1)[1].strip() for line in proc.stderr.splitlines() if "|" in line}
    assert "bookctl.cli.app" in imported
    heavy = {m for m in imported if m.split(".")[0] in {"httpx", "pydantic", "fastapi"}}
    commands = {m for m in imported if m.startswith("bookctl.cli.") and m.count(".") == 2}
    assert heavy == set()
    assert commands <= {
        "bookctl.cli.app",
        "bookctl.cli.entry",
        "bookctl.cli.errors",
        "bookctl.cli.hints",
        "bookctl.cli.options",
        "bookctl.cli.completion",
    }
