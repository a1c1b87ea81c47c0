"""The command surface: every command documents itself, global options work everywhere."""

from __future__ import annotations

import click
import pytest

from bookctl.cli.app import build_cli
from tests.conftest import Cli, ServedSandbox


def command_paths() -> list[tuple[str, ...]]:
    paths: list[tuple[str, ...]] = []

    def walk(command: click.Command, path: tuple[str, ...]) -> None:
        if isinstance(command, click.Group):
            for name, sub in sorted(command.commands.items()):
                walk(sub, (*path, name))
        else:
            paths.append(path)

    walk(build_cli(), ())
    return paths


@pytest.mark.parametrize("path", command_paths(), ids=" ".join)
def test_every_command_has_help_with_an_example(cli: Cli, path: tuple[str, ...]) -> None:
    result = cli(*path, "--help")
    assert result.exit_code == 0, result
    assert "Example" in result.stdout, f"'bookctl {' '.join(path)} --help' shows no example"
    # Global options are described once ('bookctl help options'); each page points there.
    assert "'bookctl help options'" in result.stdout
    assert "Connect timeout in seconds" not in result.stdout


def test_global_options_are_shown_once_and_work_everywhere(cli: Cli) -> None:
    root = cli("--help")
    assert "--profile" in root.stdout and "--read-timeout" in root.stdout
    listed = cli("help", "options", "--json")
    assert listed.exit_code == 0, listed
    options = {o["option"]: o for o in listed.json}
    assert options["--profile, -p"]["env"] == "BOOKCTL_PROFILE"
    assert "--no-color" in options and "--version" in options
    assert cli("products", "-p", "sandbox-wix", "--json").exit_code == 0
    assert cli("help", "environment").exit_code == 0
    unknown = cli("help", "colours")
    assert unknown.exit_code == 2 and "options" in unknown.stderr


def test_global_options_before_and_after_the_command(cli: Cli) -> None:
    before = cli("--json", "products")
    after = cli("products", "--json")
    assert before.exit_code == after.exit_code == 0
    assert before.json == after.json


def test_csv_output(cli: Cli) -> None:
    result = cli("-o", "csv", "products", "--type", "package")
    assert result.exit_code == 0, result
    lines = result.stdout.splitlines()
    assert lines[0] == "ID,TYPE,TITLE,LOCATION,FROM,CURRENCY"
    assert any(line.startswith("384,package,Surf Camp,") for line in lines)
    assert all(line.endswith((",EUR", ",-,-", ",CURRENCY")) for line in lines), lines


def test_version(cli: Cli) -> None:
    from bookctl import __version__

    assert cli("--version").stdout.strip() == f"bookctl {__version__}"
    assert cli("products", "--version").stdout.strip() == f"bookctl {__version__}"


def test_no_command_shows_help(cli: Cli) -> None:
    for args in [(), ("cart",), ("sandbox", "clock")]:
        result = cli(*args)
        assert result.exit_code == 2, result  # a command is missing
        assert "Usage" in result.stdout
        assert "Example" in result.stdout or not args
        assert result.stderr == ""


def test_sandbox_serve_refuses_a_bad_fault_spec(cli: Cli) -> None:
    result = cli("sandbox", "serve", "--port", "0", "--faults", "503=lots")
    assert result.exit_code == 2, result
    assert result.stderr.startswith("error: ") and "Traceback" not in result.stderr


def test_sandbox_serve_refuses_a_public_host(cli: Cli) -> None:
    result = cli("sandbox", "serve", "--host", "0.0.0.0", "--port", "0")
    assert result.exit_code == 2, result
    assert "loopback" in result.stderr


def test_sandbox_reset_and_clock_on_a_served_sandbox(cli: Cli, served: ServedSandbox) -> None:
    before = served.admin("GET", "clock")["now"]
    moved = cli("sandbox", "clock", "advance", "1h30m", "--url", served.url, "--json")
    assert moved.exit_code == 0, moved
    assert moved.json["now"] > before
    assert cli("sandbox", "reset", "--url", served.url).exit_code == 0
    assert served.admin("GET", "clock")["now"] < moved.json["now"]


@pytest.mark.parametrize("duration", ["0s", "-5m", "soon", "5x"])
def test_clock_refuses_bad_durations(cli: Cli, duration: str) -> None:
    result = cli("sandbox", "clock", "advance", duration)
    assert result.exit_code == 2, result
