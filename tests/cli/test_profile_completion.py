"""Profile names complete after -p/--profile: the script asks bookctl for the user's profiles."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from bookctl.cli.completion import completion_script
from tests.conftest import Cli

PROGRAM = (
    'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _bookctl; '
    'printf "%s\\n" "${COMPREPLY[@]}"'
)


def complete(tmp_path: Path, *words: str) -> list[str]:
    assert shutil.which("bash"), "bash is needed to test the bash completion script"
    script = tmp_path / "bookctl.bash"
    script.write_text(completion_script("bash"))
    # The script runs 'bookctl': the one installed beside this interpreter.
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    proc = subprocess.run(
        ["bash", "--norc", "--noprofile", "-c", PROGRAM, "bash", str(script), *words],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        env={**os.environ, "PATH": path},
    )
    return sorted(line for line in proc.stdout.splitlines() if line)


def test_profile_names_complete_after_p(cli: Cli, tmp_path: Path) -> None:
    added = cli(
        "profile", "add", "mine", "--provider", "wix", "--base-url", "https://wix.example.com"
    )
    assert added.exit_code == 0, added
    assert complete(tmp_path, "bookctl", "-p", "") == sorted(
        ["mine", "sandbox", "sandbox-bookingbug", "sandbox-guestmanager", "sandbox-rundl",
         "sandbox-wix"]
    )  # fmt: skip
    assert complete(tmp_path, "bookctl", "products", "--profile", "sandbox-w") == ["sandbox-wix"]
    assert complete(tmp_path, "bookctl", "-p", "mi") == ["mine"]
