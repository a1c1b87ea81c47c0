"""Start-up stays light: --help and --version import no HTTP, model, server or database code."""

from __future__ import annotations

import json
import subprocess
import sys

from bookctl import __version__
from tests.conftest import run_bookctl

HEAVY = ("httpx", "pydantic", "fastapi", "uvicorn", "stamina", "sqlite3")

_PROBE = f"""
import json, sys
from bookctl.cli.app import main

codes = []
for argv in (["--help"], ["--version"], ["products", "--help"]):
    try:
        main(argv)
    except SystemExit as done:
        codes.append(done.code)
loaded = sorted(name for name in {HEAVY!r} if name in sys.modules)
sys.stderr.write("PROBE " + json.dumps({{"codes": codes, "loaded": loaded}}) + "\\n")
"""


def test_help_and_version_import_nothing_heavy() -> None:
    proc = subprocess.run(
        [sys.executable, "-c", _PROBE], capture_output=True, text=True, timeout=60, check=True
    )
    probe = next(line for line in proc.stderr.splitlines() if line.startswith("PROBE "))
    found = json.loads(probe.removeprefix("PROBE "))
    assert found["codes"] == [0, 0, 0], proc.stderr
    assert found["loaded"] == [], f"imported at start-up: {', '.join(found['loaded'])}"


def test_version() -> None:
    result = run_bookctl("--version")
    assert result.exit_code == 0, result
    assert result.stdout == f"bookctl {__version__}\n"
