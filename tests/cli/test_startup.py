"""Start-up stays light: --help and --version import no HTTP, model, server or database code."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bookctl import __version__
from tests.conftest import Cli, run_bookctl

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


def test_the_root_lists_each_command_with_its_own_first_line_of_help() -> None:
    import click

    from bookctl.cli.app import COMMANDS, build_cli

    root = build_cli()
    assert isinstance(root, click.Group)
    ctx = click.Context(root)
    for name in root.list_commands(ctx):
        command = root.get_command(ctx, name)
        assert command is not None, name
        assert command.name == name
        first_line = (command.help or "").strip().split("\n\n")[0].replace("\n", " ")
        assert first_line == COMMANDS[name][1], f"update bookctl.cli.app.COMMANDS[{name!r}]"


def test_running_one_command_imports_only_its_own_command_module() -> None:
    code = (
        "import sys\nfrom bookctl.cli.app import main\ntry:\n main(['profile', 'list'])\n"
        "except SystemExit:\n pass\n"
        "mods = sorted(m for m in sys.modules if m.startswith('bookctl.cli.') and m not in "
        "('bookctl.cli.app', 'bookctl.cli.errors', 'bookctl.cli.options', 'bookctl.cli.context',"
        " 'bookctl.cli.hints'))\n"
        "sys.stderr.write('PROBE ' + ','.join(mods) + '\\n')\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    probe = next(line for line in proc.stderr.splitlines() if line.startswith("PROBE "))
    assert probe.removeprefix("PROBE ").split(",") == ["bookctl.cli.profile"]


_DATA_PROBE = """
import json, ssl, sys
contexts = []
_new = ssl.SSLContext.__new__
def _counting(cls, *args, **kwargs):
    contexts.append(cls)
    return _new(cls, *args, **kwargs)
ssl.SSLContext.__new__ = _counting
from bookctl.cli.app import main
try:
    main(sys.argv[1:])
except SystemExit as done:
    code = done.code
real_cli = getattr(sys.modules.get("httpx._main"), "__file__", None)
# (pydantic itself: bookctl registers a stand-in for its plugin loader, a module of its own)
loaded = sorted({m.split(".")[0] for m in sys.modules
                 if m.split(".")[0] in ("rich", "pygments", "stamina") or m == "pydantic"})
unneeded = sorted(m for m in ("tomli_w", "importlib.metadata", "zipfile", "csv")
                  if m in sys.modules)
sys.stderr.write("PROBE " + json.dumps({"code": code, "loaded": loaded, "ssl": len(contexts),
                 "httpx_cli": real_cli, "unneeded": unneeded}) + "\\n")
"""


@pytest.mark.parametrize("fmt", [["--json"], ["-o", "csv"]])
def test_a_data_command_over_http_loads_no_rich_no_pydantic_no_tls_no_retry_loop_nor_httpx_cli(
    served_profile: str, fmt: list[str]
) -> None:
    proc = subprocess.run(
        [sys.executable, "-c", _DATA_PROBE, "-p", served_profile, *fmt, "products"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    probe = next(line for line in proc.stderr.splitlines() if line.startswith("PROBE "))
    found = json.loads(probe.removeprefix("PROBE "))
    assert found["code"] == 0, proc.stderr
    assert "Surf Camp" in proc.stdout
    assert found["loaded"] == [], f"imported for {fmt}: {found['loaded']}"
    assert found["ssl"] == 0, "an SSL context was built for a plain http:// profile"
    assert found["httpx_cli"] is None, "httpx's own command line was imported"
    # Nothing is written (tomli_w), no installed package's metadata is read (pydantic's plugin
    # scan: importlib.metadata, zipfile), and the csv module only for -o csv.
    assert found["unneeded"] == ([] if fmt == ["--json"] else ["csv"]), found["unneeded"]


def test_httpx_own_command_line_still_runs_after_bookctl_deferred_it() -> None:
    code = (
        "import sys\nfrom bookctl.cli import app\napp._defer_httpx_cli()\nimport httpx\n"
        "try:\n httpx.main(['--help'])\nexcept SystemExit as done:\n sys.exit(done.code)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "httpx" in proc.stdout.lower() and "--method" in proc.stdout


def test_the_embedded_sandbox_loads_only_the_emulator_of_the_profile_provider() -> None:
    code = (
        "import sys\nfrom bookctl.cli.app import main\ntry:\n"
        " main(['-p', 'sandbox-bookingbug', '--json', 'products'])\nexcept SystemExit as done:\n"
        " assert done.code == 0, done.code\n"
        "emulators = sorted(m.rsplit('.', 1)[1] for m in sys.modules if m in "
        "{'bookctl.sandbox.' + n for n in ('bookinglayer', 'bookingbug', 'wix', 'guestmanager', "
        "'rundl')})\n"
        "sys.stderr.write('PROBE ' + ','.join(emulators) + '\\n')\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    probe = next(line for line in proc.stderr.splitlines() if line.startswith("PROBE "))
    assert probe.removeprefix("PROBE ") == "bookingbug", proc.stderr


def test_the_root_help_lists_every_command_and_global_option_without_rich() -> None:
    from bookctl.cli.app import COMMANDS

    code = (
        "import sys\nfrom bookctl.cli.app import main\ntry:\n main(['--help'])\n"
        "except SystemExit as done:\n assert done.code == 0, done.code\n"
        "sys.stderr.write('RICH ' + str('rich' in sys.modules) + '\\n')\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "NO_COLOR")}
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=env
    )
    assert "RICH False" in proc.stderr, proc.stderr
    page = proc.stdout
    assert "Usage: bookctl [OPTIONS] COMMAND [ARGS]..." in page
    assert "\x1b[" not in page, "colour on a pipe"
    for name, (_, line) in COMMANDS.items():
        assert f"│ {name} " in page, name
        assert line.split()[0] in page
    for option in ("--profile", "--json", "--connect-timeout", "--version", "--help"):
        assert f" {option} " in page, option
    assert "[env var: BOOKCTL_PROFILE]" in page


def test_the_root_help_is_coloured_when_colour_is_forced_and_plain_under_no_color(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.delenv("TERM", raising=False)
    coloured = cli("--help")
    assert coloured.exit_code == 0, coloured
    assert "\x1b[1;36m--profile\x1b[0m" in coloured.stdout
    monkeypatch.setenv("NO_COLOR", "1")
    assert "\x1b[" not in cli("--help").stdout


def test_a_bare_bookctl_prints_the_help_and_exits_2() -> None:
    result = run_bookctl()
    assert result.exit_code == 2, result
    assert "Usage: bookctl" in result.stdout and "│ products " in result.stdout


_PLUGIN = """
class _Plugin:
    def new_schema_validator(self, *args, **kwargs):
        return None, None, None


plugin = _Plugin()
"""

_PLUGIN_PROBE = """
import json, sys
from bookctl.cli.app import main
try:
    main(sys.argv[1:])
except SystemExit as done:
    code = done.code
from pydantic import BaseModel

class Probe(BaseModel):
    x: int

Probe(x=1)
loader = sys.modules["pydantic.plugin._loader"]
sys.stderr.write("PROBE " + json.dumps({
    "code": code,
    "plugin": "bookctl_probe_plugin" in sys.modules,
    "metadata": "importlib.metadata" in sys.modules,
    "group": getattr(loader, "PYDANTIC_ENTRY_POINT_GROUP", None),
}) + "\\n")
"""


@pytest.mark.parametrize("setting", [None, ""])
def test_pydantic_plugins_are_not_looked_for_unless_pydantic_disable_plugins_is_set(
    served_profile: str, tmp_path: Path, setting: str | None
) -> None:
    """bookctl stands in for pydantic's plugin loader (the scan of every installed package's
    metadata); with PYDANTIC_DISABLE_PLUGINS set, pydantic's own loader and rules apply. If
    pydantic stops asking ``pydantic.plugin._loader.get_plugins``, the first case fails."""
    site = tmp_path / "site"
    dist = site / "bookctl_probe_plugin-1.0.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: bookctl-probe-plugin\nVersion: 1.0\n"
    )
    (dist / "entry_points.txt").write_text("[pydantic]\nprobe = bookctl_probe_plugin:plugin\n")
    (site / "bookctl_probe_plugin.py").write_text(_PLUGIN)
    env = {k: v for k, v in os.environ.items() if k != "PYDANTIC_DISABLE_PLUGINS"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(site), env.get("PYTHONPATH")]))
    if setting is not None:
        env["PYDANTIC_DISABLE_PLUGINS"] = setting
    proc = subprocess.run(
        [sys.executable, "-c", _PLUGIN_PROBE, "-p", served_profile, "--json", "products"],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    probe = next(line for line in proc.stderr.splitlines() if line.startswith("PROBE "))
    found = json.loads(probe.removeprefix("PROBE "))
    assert found["code"] == 0, proc.stderr
    if setting is None:
        assert found == {"code": 0, "plugin": False, "metadata": False, "group": "pydantic"}
    else:
        assert found["plugin"] is True, "pydantic's own loader did not run"


_GC_PROBE = """
import gc, json, sys
from bookctl.cli.app import main
try:
    main(sys.argv[1:])
except SystemExit as done:
    code = done.code
sys.stderr.write("PROBE " + json.dumps(
    {"code": code, "enabled": gc.isenabled(), "frozen": gc.get_freeze_count()}) + "\\n")
"""


def test_after_start_up_the_collector_is_on_and_no_longer_walks_the_loaded_code(
    served_profile: str,
) -> None:
    proc = subprocess.run(
        [sys.executable, "-c", _GC_PROBE, "-p", served_profile, "--json", "products"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    probe = next(line for line in proc.stderr.splitlines() if line.startswith("PROBE "))
    found = json.loads(probe.removeprefix("PROBE "))
    assert found["code"] == 0, proc.stderr
    assert found["enabled"] is True
    # The command modules, httpx, pydantic and the provider's models: tens of thousands.
    assert found["frozen"] > 10_000, found


def test_a_block_that_loads_nothing_freezes_nothing_and_collection_always_comes_back() -> None:
    import gc

    from bookctl.cli.app import loading_code

    assert gc.isenabled()
    frozen = gc.get_freeze_count()
    with loading_code():
        assert not gc.isenabled()
        garbage = [[] for _ in range(1000)]
    assert gc.isenabled()
    assert gc.get_freeze_count() == frozen
    del garbage
    with pytest.raises(RuntimeError), loading_code():
        raise RuntimeError("a failed load")
    assert gc.isenabled()
    gc.disable()
    try:
        with loading_code():
            pass
        assert not gc.isenabled(), "collection turned on where the caller had it off"
    finally:
        gc.enable()
