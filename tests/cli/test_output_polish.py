"""Output polish: plain means plain (help included), tables in table mode, CSV keeps money apart."""

from __future__ import annotations

import csv
import io

import pytest

from tests.conftest import Cli, run_bookctl

ESC = "\x1b["
#: A terminal that takes colour, forced even though the output is a pipe.
COLOR_TERMINAL = {"FORCE_COLOR": "1", "TERM": "xterm-256color"}


def test_a_colour_terminal_gets_styles() -> None:
    assert ESC in run_bookctl("--help", env=COLOR_TERMINAL).stdout
    assert ESC in run_bookctl("products", env=COLOR_TERMINAL).stdout


@pytest.mark.parametrize(
    ("args", "env"),
    [
        (["--help", "--no-color"], {}),
        (["products", "--help", "--no-color"], {}),
        (["--no-color", "cart", "--help"], {}),
        (["--help"], {"NO_COLOR": "1"}),
        (["products"], {"NO_COLOR": "1"}),
        (["products", "--no-color"], {}),
    ],
)
def test_no_color_drops_every_style(args: list[str], env: dict[str, str]) -> None:
    result = run_bookctl(*args, env={**COLOR_TERMINAL, **env})
    assert result.exit_code == 0, result
    assert ESC not in result.stdout + result.stderr


def test_sandbox_reset_prints_a_table_in_table_mode(cli: Cli) -> None:
    table = cli("sandbox", "reset")
    assert table.exit_code == 0, table
    assert "{" not in table.stdout
    assert "embedded" in table.stdout and "reset" in table.stdout
    assert cli("sandbox", "reset", "--json").json == {"ok": True}


def test_csv_puts_amount_and_currency_in_two_columns(cli: Cli) -> None:
    added = cli(
        "basket",
        "add",
        "--package",
        "450",
        "--start-date",
        "+3d",
        "--end-date",
        "+4d",
        "--guest",
        "Ann,Lee,f",
        "-o",
        "csv",
    )
    assert added.exit_code == 0, added
    rows = list(csv.reader(io.StringIO(added.stdout)))
    assert rows[0] == ["STATE", "EXPIRES AT", "TOTAL", "CURRENCY"]
    state, _, total, currency = rows[1]
    assert (state, currency) == ("open", "EUR")
    assert total.replace(".", "").isdigit() and "." in total
