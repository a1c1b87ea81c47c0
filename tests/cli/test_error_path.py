"""One reading of the raw command line, one error output path, one exit mapping."""

from __future__ import annotations

import pytest

from bookctl.cli.options import EarlyFlags, scan_argv
from tests.conftest import Cli


@pytest.mark.parametrize(
    ("argv", "env", "expected"),
    [
        (["products"], None, EarlyFlags()),
        (["products", "--json"], None, EarlyFlags(json=True)),
        (["-o", "json", "products"], None, EarlyFlags(json=True)),
        (["-ojson", "products"], None, EarlyFlags(json=True)),
        (["products", "--output=json"], None, EarlyFlags(json=True)),
        # The last -o wins, as click has it; the environment only when none is given.
        (["-o", "json", "products", "-o", "csv"], None, EarlyFlags()),
        (["products"], "json", EarlyFlags(json=True)),
        (["products", "-o", "table"], "json", EarlyFlags()),
        (["products", "--json"], "csv", EarlyFlags(json=True)),
        (["-v", "products"], None, EarlyFlags(verbose=True)),
        (["products", "--verbose"], None, EarlyFlags(verbose=True)),
        (["--no-color", "products"], None, EarlyFlags(no_color=True)),
        # After -- nothing is an option.
        (["availability", "--", "--json", "-v"], None, EarlyFlags()),
    ],
)
def test_scan_argv(
    argv: list[str], env: str | None, expected: EarlyFlags, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bookctl.cli import options

    # scan_argv keeps what it read for help's colours: keep this test's reading to itself.
    monkeypatch.setattr(options, "_early", [EarlyFlags()])
    if env is not None:
        monkeypatch.setenv("BOOKCTL_OUTPUT", env)
    assert scan_argv(argv) == expected
    assert options.early_flags() == expected


def test_a_usage_error_under_the_last_output_json_prints_the_error_object(cli: Cli) -> None:
    result = cli("-o", "table", "products", "--bogus", "-o", "json")
    assert result.exit_code == 2, result
    assert result.json["error"]["code"] == "usage"
    assert result.stderr.startswith("error: No such option '--bogus'")
    as_table = cli("-o", "json", "products", "--bogus", "-o", "table")
    assert as_table.exit_code == 2 and as_table.stdout == ""


def test_verbose_given_to_the_entry_point_shows_the_traceback(cli: Cli) -> None:
    quiet = cli("-p", "sandbox-rundl", "poll", "999999")
    assert quiet.exit_code == 3, quiet
    assert "Traceback" not in quiet.stderr
    verbose = cli("-p", "sandbox-rundl", "poll", "999999", "-v")
    assert verbose.exit_code == 3, verbose
    assert "Traceback" in verbose.stderr
    assert verbose.stderr.strip().splitlines()[-1] == quiet.stderr.strip().splitlines()[-1]
