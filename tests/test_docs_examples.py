"""Every shell example of README.md and docs/*.md runs, as a reader would paste it.

Each fenced ``sh`` block runs in one ``bash`` (``set -e``) in an empty directory (also its
HOME), against the embedded sandbox, on the suite's fixed day. A command that is meant to
fail says so with a trailing ``# exit N`` comment, and is held to that exit code. A block
that starts a sandbox with ``sandbox serve --port 8765 &`` gets a free port instead, and the
server is stopped at the end. The Quickstart blocks install into a new venv: CI runs them
(``.ci/run``), not this file.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
_FENCE = re.compile(r"^```sh\n(.*?)^```", re.S | re.M)
_EXPECT = re.compile(r"^(?P<cmd>.*?)\s+#\s*exit\s+(?P<code>\d+)\b.*$")
_QUICKSTART = "python3 -m venv .venv"
_PORT = "8765"


@dataclass(frozen=True)
class Example:
    doc: Path
    line: int
    text: str

    @property
    def id(self) -> str:
        return f"{self.doc.relative_to(ROOT)}:{self.line}"


def examples() -> list[Example]:
    found = []
    for doc in DOCS:
        text = doc.read_text(encoding="utf-8")
        for match in _FENCE.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            found.append(Example(doc, line, match.group(1)))
    return found


def logical_lines(block: str) -> list[str]:
    """Lines with backslash continuations joined (heredoc bodies pass through as they are)."""
    out: list[str] = []
    pending = ""
    for raw in block.splitlines():
        if raw.endswith("\\"):
            pending += raw[:-1] + " "
            continue
        out.append(pending + raw)
        pending = ""
    if pending:
        out.append(pending)
    return out


def to_script(block: str, port: int) -> str:
    """The block as a bash script: expected exit codes checked, a served sandbox stopped."""
    lines = ["set -e", "trap 'kill $(jobs -p) 2>/dev/null || true' EXIT"]
    for line in logical_lines(block.replace(_PORT, str(port))):
        expect = _EXPECT.match(line)
        if expect and not line.lstrip().startswith("#"):
            cmd, code = expect.group("cmd"), expect.group("code")
            lines.append(
                f'rc=0; {cmd} || rc=$?; [ "$rc" -eq {code} ] || '
                f'{{ echo "expected exit {code}, got $rc: {cmd!s}" >&2; exit 99; }}'
            )
        elif "sandbox serve" in line and line.rstrip().split("#")[0].rstrip().endswith("&"):
            lines.append(line)
            lines.append(f"{shlex.quote(sys.executable)} -c {shlex.quote(_WAIT_FOR_PORT)} {port}")
        else:
            lines.append(line)
    return "\n".join(lines) + "\n"


_WAIT_FOR_PORT = (
    "import socket, sys, time\n"
    "deadline = time.monotonic() + 30\n"
    "while time.monotonic() < deadline:\n"
    "    try:\n"
    "        socket.create_connection(('127.0.0.1', int(sys.argv[1])), 1).close(); break\n"
    "    except OSError: time.sleep(0.1)\n"
    "else: sys.exit('sandbox did not start')\n"
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run_example(example: Example, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run a block where a reader of a clone would: ``examples/`` is beside them."""
    if not (cwd / "examples").exists():
        shutil.copytree(ROOT / "examples", cwd / "examples")
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "BOOKINGLAYER_KEY": "bl-example-key",
        "NO_COLOR": "1",
        "HOME": str(cwd),
    }
    return subprocess.run(
        ["bash", "-c", to_script(example.text, _free_port())],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


RUNNABLE = [e for e in examples() if _QUICKSTART not in e.text]


def test_the_docs_have_examples_and_only_the_quickstart_is_left_to_ci() -> None:
    skipped = [e.id for e in examples() if _QUICKSTART in e.text]
    assert [s.split(":")[0] for s in skipped] == ["README.md", "README.md"]
    assert len(RUNNABLE) >= 8


def test_every_shell_example_is_an_sh_block() -> None:
    """A shell example in a block of another kind (``console``, none) would escape the suite."""
    fence = re.compile(r"^```(\w*)\n(.*?)^```", re.S | re.M)
    stray = []
    for doc in DOCS:
        text = doc.read_text(encoding="utf-8")
        for match in fence.finditer(text):
            kind, body = match.groups()
            if kind != "sh" and re.search(r"^\$? ?bookctl ", body, re.M) and kind != "text":
                stray.append(f"{doc.name}:{text.count(chr(10), 0, match.start()) + 1} ({kind})")
    assert stray == []


@pytest.mark.parametrize("example", RUNNABLE, ids=lambda e: e.id)
def test_doc_example_runs(example: Example, tmp_path: Path) -> None:
    done = run_example(example, tmp_path)
    assert done.returncode == 0, f"{example.id}\n{example.text}\n{done.stdout}\n{done.stderr}"


def test_a_broken_example_fails(tmp_path: Path) -> None:
    """The runner is not lenient: a wrong exit code or a failing command fails the example."""
    doc = ROOT / "README.md"
    assert run_example(Example(doc, 1, "bookctl products\n"), tmp_path).returncode == 0
    broken = Example(doc, 1, "bookctl prodcuts\nbookctl products\n")
    assert run_example(broken, tmp_path).returncode != 0
    wrong_code = Example(doc, 1, "bookctl product show 999999   # exit 2\n")
    assert run_example(wrong_code, tmp_path).returncode == 99
    right_code = Example(doc, 1, "bookctl product show 999999   # exit 3\n")
    assert run_example(right_code, tmp_path).returncode == 0
