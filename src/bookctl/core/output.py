"""The one output path: data to stdout as a table, JSON or CSV; everything else to stderr."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import IO, TYPE_CHECKING, Any, Literal

from bookctl.core.errors import BookctlError

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table

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
        self.plain = color_disabled(no_color)

    # The rich consoles are made on first use: JSON, CSV and plain lines on a pipe need no rich.

    @cached_property
    def out(self) -> Console:
        from rich.console import Console

        # Piped tables are not squeezed to 80 columns (COLUMNS still wins when set).
        width = None if self._stdout.isatty() or "COLUMNS" in os.environ else PIPE_WIDTH
        return Console(
            file=self._stdout,
            no_color=self.plain,
            color_system=self._styles,
            highlight=False,
            soft_wrap=False,
            width=width,
        )

    @property
    def _styles(self) -> Literal["auto"] | None:
        # NO_COLOR and --no-color drop every style (bold and dim too), not only colours.
        return None if self.plain else "auto"

    @cached_property
    def err(self) -> Console:
        from rich.console import Console

        return Console(
            file=self._stderr,
            no_color=self.plain,
            color_system=self._styles,
            highlight=False,
            stderr=True,
            soft_wrap=True,
        )

    @cached_property
    def _err_styled(self) -> bool:
        """Would rich style stderr (a terminal, or colour forced)? If not, lines go out plain."""
        if "err" in self.__dict__:
            return True
        forced = any(
            os.environ.get(v) for v in ("FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE")
        )
        return forced or _isatty(self._stderr)

    def line(self, text: str) -> None:
        """One plain line on stderr, as rich prints it with markup and highlighting off."""
        if self._err_styled:
            self.err.print(text, markup=False, highlight=False)
        else:
            self._stderr.write(text + "\n")
            self._stderr.flush()

    @property
    def is_json(self) -> bool:
        return self.fmt == "json"

    @property
    def interactive(self) -> bool:
        return not self.quiet and self._err_styled and self.err.is_terminal

    def data(self, payload: Any, table: TableSpec | Sequence[TableSpec] | None = None) -> None:
        """Print a command's result: ``payload`` as JSON, or the table(s) made from it."""
        tables = [table] if isinstance(table, TableSpec) else list(table or [])
        if self.fmt == "json" or not tables:
            self._stdout.write(json.dumps(payload, indent=2, ensure_ascii=False, default=str))
            self._stdout.write("\n")
        elif self.fmt == "csv":
            import csv

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
            self.line(message)

    def success(self, message: str) -> None:
        if self.quiet:
            return
        if self.plain:
            self.line(message)
        elif self._err_styled:
            self.err.print(f"[green]✓[/green] {message}")
        else:
            self.line(f"✓ {message}")

    def warn(self, message: str) -> None:
        self.line(f"warning: {message}")

    def error(self, err: BookctlError) -> None:
        """``error: <what> (<hint>)`` on stderr; under JSON also the error object on stdout."""
        line = f"error: {err.message}"
        if err.hint:
            line += f" ({err.hint})"
        # Written plain, never through rich: failing must not cost rich's import.
        self._stderr.write(line + "\n")
        self._stderr.flush()
        if self.is_json:
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


def _isatty(stream: IO[str]) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _rich_table(spec: TableSpec) -> Table:
    from rich.table import Table

    table = Table(title=spec.title, caption=spec.caption, header_style="bold", expand=False)
    for column in spec.columns:
        table.add_column(column, overflow="fold")
    for row in spec.rows:
        table.add_row(*[_cell(c) for c in row])
    return table
