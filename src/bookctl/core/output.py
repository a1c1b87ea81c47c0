"""The one output path: data to stdout as a table, JSON or CSV; everything else to stderr."""

from __future__ import annotations

import csv
import json
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import IO, Any, Literal

from rich.console import Console
from rich.table import Table

from bookctl.core.errors import BookctlError

FORMATS = ("table", "json", "csv")
PIPE_WIDTH = 200


@dataclass
class TableSpec:
    """A table of plain strings: what ``table`` and ``csv`` print."""

    columns: Sequence[str]
    rows: Sequence[Sequence[Any]] = field(default_factory=list)
    title: str | None = None
    caption: str | None = None


@dataclass(frozen=True)
class Amount:
    """A money cell: ``199.00 EUR`` in a table, an amount column and a currency column in CSV."""

    amount: str | None
    currency: str | None

    def __str__(self) -> str:
        if self.amount is None:
            return "-"
        return f"{self.amount} {self.currency or ''}".strip()


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, Amount):
        return str(value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return ", ".join(_cell(v) for v in value)
    return str(value)


def color_disabled(no_color_flag: bool) -> bool:
    return no_color_flag or "NO_COLOR" in os.environ or os.environ.get("TERM") == "dumb"


class Output:
    """Consoles for data (stdout) and messages (stderr), in the chosen format."""

    def __init__(
        self,
        *,
        fmt: str = "table",
        quiet: bool = False,
        no_color: bool = False,
        stdout: IO[str] | None = None,
        stderr: IO[str] | None = None,
    ) -> None:
        self.fmt = fmt
        self.quiet = quiet
        self._stdout = stdout or sys.stdout
        self._stderr = stderr or sys.stderr
        plain = color_disabled(no_color)
        # Piped tables are not squeezed to 80 columns (COLUMNS still wins when set).
        width = None if self._stdout.isatty() or "COLUMNS" in os.environ else PIPE_WIDTH
        # NO_COLOR and --no-color drop every style (bold and dim too), not only colours.
        styles: Literal["auto"] | None = None if plain else "auto"
        self.out = Console(
            file=self._stdout,
            no_color=plain,
            color_system=styles,
            highlight=False,
            soft_wrap=False,
            width=width,
        )
        self.err = Console(
            file=self._stderr,
            no_color=plain,
            color_system=styles,
            highlight=False,
            stderr=True,
            soft_wrap=True,
        )

    @property
    def is_json(self) -> bool:
        return self.fmt == "json"

    @property
    def interactive(self) -> bool:
        return self.err.is_terminal and not self.quiet

    def data(self, payload: Any, table: TableSpec | Sequence[TableSpec] | None = None) -> None:
        """Print a command's result: ``payload`` as JSON, or the table(s) made from it."""
        tables = [table] if isinstance(table, TableSpec) else list(table or [])
        if self.fmt == "json" or not tables:
            self._stdout.write(json.dumps(payload, indent=2, ensure_ascii=False, default=str))
            self._stdout.write("\n")
        elif self.fmt == "csv":
            writer = csv.writer(self._stdout, lineterminator="\n")
            for spec in tables:
                columns, rows = _split_amounts(spec)
                writer.writerow(columns)
                writer.writerows([[_cell(c) for c in row] for row in rows])
        else:
            for spec in tables:
                self.out.print(_rich_table(spec))
        self._stdout.flush()

    def info(self, message: str) -> None:
        """A progress or status line on stderr (silenced by --quiet)."""
        if not self.quiet:
            self.err.print(message, markup=False, highlight=False)

    def success(self, message: str) -> None:
        if not self.quiet:
            self.err.print(f"[green]✓[/green] {message}" if not self.err.no_color else message)

    def warn(self, message: str) -> None:
        self.err.print(f"warning: {message}", markup=False, highlight=False)

    def error(self, err: BookctlError, *, data: bool = True) -> None:
        """``error: <what> (<hint>)`` on stderr; under JSON also the error object on stdout.

        ``data=False`` when the command already printed its result (e.g. poll's final order).
        """
        line = f"error: {err.message}"
        if err.hint:
            line += f" ({err.hint})"
        self.err.print(line, markup=False, highlight=False, soft_wrap=True)
        if data and self.is_json:
            self._stdout.write(json.dumps(err.to_json()) + "\n")
            self._stdout.flush()


def _split_amounts(spec: TableSpec) -> tuple[list[str], list[list[Any]]]:
    """CSV keeps numbers numeric: an :class:`Amount` column becomes amount and currency."""
    money = [
        i
        for i in range(len(spec.columns))
        if any(isinstance(row[i], Amount) for row in spec.rows if i < len(row))
    ]
    if not money:
        return list(spec.columns), [list(row) for row in spec.rows]
    columns: list[str] = []
    for i, name in enumerate(spec.columns):
        columns.append(name)
        if i in money:
            columns.append("CURRENCY" if len(money) == 1 else f"{name} CURRENCY")
    rows = []
    for row in spec.rows:
        cells: list[Any] = []
        for i, value in enumerate(row):
            if i not in money:
                cells.append(value)
            elif isinstance(value, Amount):
                cells += [value.amount, value.currency]
            else:
                cells += [value, None]
        rows.append(cells)
    return columns, rows


def _rich_table(spec: TableSpec) -> Table:
    table = Table(title=spec.title, caption=spec.caption, header_style="bold", expand=False)
    for column in spec.columns:
        table.add_column(column, overflow="fold")
    for row in spec.rows:
        table.add_row(*[_cell(c) for c in row])
    return table
