"""Streaming readers of batch files: CSV, JSONL and JSON, one booking per row.

Each reader yields ``(line_number, row)`` pairs, one at a time, so memory stays flat however
long the file is. ``row`` is a dict of column -> text for CSV and the parsed object for JSON,
or a :class:`BadRow` when the row itself cannot be parsed (the file as a whole still can).
Problems with the file as a whole (missing, empty, bad header) raise at once.
"""

from __future__ import annotations

import contextlib
import csv
import itertools
import json
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from bookctl.core import jsonio
from bookctl.core.errors import LocalFileError, UsageError

FORMATS = ("csv", "jsonl", "json")
_SUFFIXES = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "json"}
_CHUNK = 64 * 1024


@dataclass(frozen=True)
class BadRow:
    """A row that could not be parsed at all; ``reason`` says why."""

    reason: str


Row = dict[str, Any] | BadRow


def detect_format(path: Path, fmt: str | None) -> str:
    """``fmt`` if given, else the format the file's suffix names."""
    if fmt is not None:
        if fmt not in FORMATS:
            raise UsageError(
                f"--format {fmt!r} is not a batch format", hint=f"choose {', '.join(FORMATS)}"
            )
        return fmt
    found = _SUFFIXES.get(path.suffix.lower())
    if found is None:
        raise UsageError(
            f"cannot tell the format of {path} from its name",
            hint="name it .csv, .jsonl or .json, or pass --format",
        )
    return found


def _open(path: Path, encoding: str = "utf-8-sig") -> IO[str]:
    try:
        return path.open(encoding=encoding, newline="")
    except FileNotFoundError as err:
        raise UsageError(f"batch file {path} does not exist") from err
    except IsADirectoryError as err:
        raise UsageError(f"batch file {path} is a directory") from err
    except OSError as err:
        raise LocalFileError(f"cannot read batch file {path}: {err.strerror}") from err


def read_rows(
    path: Path, fmt: str, columns: frozenset[str] = frozenset()
) -> Iterator[tuple[int, Row]]:
    """The rows of ``path``; CSV headers are checked against ``columns`` (the known ones)."""
    if fmt == "csv":
        names, rows = read_csv(path, columns)
        for line, cells in rows:
            if isinstance(cells, BadRow):
                yield line, cells
            else:
                yield line, {n: v for n, v in zip(names, cells, strict=True) if v}
        return
    with _reading(path) as handle:
        if fmt == "jsonl":
            yield from _jsonl_rows(path, handle)
        else:
            yield from _json_rows(path, handle)


def read_csv(
    path: Path, columns: frozenset[str] = frozenset()
) -> tuple[list[str], Generator[tuple[int, list[str] | BadRow], None, None]]:
    """A CSV file's header (checked against ``columns``) and its rows as cells: a list in
    the header's order, each stripped (``""`` when empty), or a :class:`BadRow`.

    The header is read (and a bad one raises) at once; the rows are streamed.
    """
    rows = _csv_rows(path, columns)
    _, header = next(rows)
    assert not isinstance(header, BadRow)
    return header, rows


@contextlib.contextmanager
def _reading(path: Path, encoding: str = "utf-8-sig") -> Iterator[IO[str]]:
    handle = _open(path, encoding)
    try:
        yield handle
    except UnicodeDecodeError as err:
        where = jsonio.file_utf8_error(path) or err.reason
        raise UsageError(
            f"batch file {path} is not UTF-8 text ({where})", hint="save it as UTF-8"
        ) from err
    finally:
        handle.close()


def check_header(path: Path, header: list[str], columns: frozenset[str]) -> list[str]:
    """The header's column names, or a usage error naming what is wrong with it."""
    names = [name.strip() for name in header]
    if not any(names):
        raise UsageError(
            f"{path}: line 1 is not a CSV header", hint="the first line names the columns"
        )
    if columns:
        unknown = [n for n in names if n not in columns]
        if unknown:
            raise UsageError(
                f"{path}: unknown column(s) {', '.join(repr(n) for n in unknown)} in the header",
                hint=f"known columns: {', '.join(sorted(columns))}",
            )
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise UsageError(f"{path}: column {name!r} appears twice in the header")
        seen.add(name)
    return names


def _csv_rows(
    path: Path, columns: frozenset[str]
) -> Generator[tuple[int, list[str] | BadRow], None, None]:
    """The header as line 1, then the rows."""
    with _reading(path) as handle:
        reader = csv.reader(handle, strict=True)
        try:
            header = next(reader, None)
        except csv.Error as err:
            raise UsageError(f"{path}: line 1 is not a CSV header ({err})") from err
        if header is None:
            raise UsageError(f"batch file {path} is empty", hint="the first line names the columns")
        names = check_header(path, header, columns)
        yield 1, names
        rows = yield from _records(reader, len(names), 0)
        if rows == 0:
            raise UsageError(f"batch file {path} has a header but no rows")


def csv_shard(
    path: Path, start: int, lines: int, first_line: int, width: int
) -> Iterator[tuple[int, list[str] | BadRow]]:
    """The rows of ``lines`` physical lines of a CSV file from byte ``start`` (a line's
    start past the header), numbered from ``first_line``, read as :func:`read_csv` reads
    them: only for a file whose records are one line each (no quotes, no carriage returns)."""
    reader = csv.reader(shard_lines(path, start, lines), strict=True)
    return _records(reader, width, first_line - 1)


def shard_lines(path: Path, start: int, lines: int) -> Iterator[str]:
    """``lines`` physical lines of a file from byte ``start``, as text (see :func:`csv_shard`)."""
    with _reading(path, encoding="utf-8") as handle:
        handle.seek(start)
        yield from itertools.islice(handle, lines)


def line_rows(text: str, width: int, line: int) -> Iterator[tuple[int, list[str] | BadRow]]:
    """One physical line of a one-line-a-record CSV file (line ``line``), read as
    :func:`read_csv` reads it: no row when it is blank."""
    return _records(csv.reader([text], strict=True), width, line - 1)


def _records(
    reader: Any, width: int, offset: int
) -> Generator[tuple[int, list[str] | BadRow], None, int]:
    """The rows ``reader`` gives, stripped, with their first line (``offset`` lines before
    the reader's first); blank rows are skipped. Returns how many rows there were."""
    strip = str.strip
    rows = 0
    start = reader.line_num + 1 + offset  # the line the next record starts on
    while True:
        try:
            # The loop runs in C between rows; it is left only for a row csv cannot parse.
            for cells in reader:
                line, start = start, reader.line_num + 1 + offset
                values = list(map(strip, cells))
                if not any(values):
                    continue
                rows += 1
                if len(values) != width:
                    yield line, BadRow(f"has {len(values)} fields, the header has {width}")
                    continue
                yield line, values
        except csv.Error as err:
            yield start, BadRow(f"not valid CSV ({err})")
            start = reader.line_num + 1 + offset
            continue
        return rows


def _jsonl_rows(path: Path, handle: IO[str]) -> Iterator[tuple[int, Row]]:
    rows = 0
    for line, text in enumerate(handle, 1):
        if not text.strip():
            continue
        rows += 1
        try:
            value = jsonio.loads(text)
        except jsonio.JsonInputError as err:
            yield line, BadRow(f"not valid JSON ({err})")
            continue
        yield line, value if isinstance(value, dict) else BadRow("is not a JSON object")
    if rows == 0:
        raise UsageError(f"batch file {path} is empty", hint="write one JSON object per line")


def _json_rows(path: Path, handle: IO[str]) -> Iterator[tuple[int, Row]]:
    """Stream the objects of a top-level JSON array without loading the whole file."""
    decoder = json.JSONDecoder()
    buffer = ""
    line = 1  # the line of buffer[0]
    eof = False

    def fill() -> bool:
        nonlocal buffer, eof
        if eof:
            return False
        chunk = handle.read(_CHUNK)
        if not chunk:
            eof = True
            return False
        buffer += chunk
        return True

    def skip_space() -> None:
        nonlocal buffer, line
        while True:
            stripped = buffer.lstrip()
            line += buffer.count("\n", 0, len(buffer) - len(stripped))
            buffer = stripped
            if buffer or not fill():
                return

    def malformed(what: str) -> UsageError:
        return UsageError(
            f"{path}: line {line}: {what}",
            hint="a .json batch file is one array of objects; use .jsonl for one object per line",
        )

    skip_space()
    if not buffer:
        raise UsageError(f"batch file {path} is empty", hint="write a JSON array of objects")
    if buffer[0] != "[":
        raise malformed("expected '[' (a JSON array)")
    buffer = buffer[1:]
    rows = 0
    while True:
        skip_space()
        if not buffer:
            raise malformed("the array is not closed with ']'")
        if buffer[0] == "]":
            break
        if rows:
            if buffer[0] != ",":
                raise malformed("expected ',' or ']' between rows")
            buffer = buffer[1:]
            skip_space()
        while True:
            try:
                value, end = decoder.raw_decode(buffer)
                # A number or literal cut by the chunk boundary would decode short: read on.
                if end == len(buffer) and fill():
                    continue
                break
            except json.JSONDecodeError as err:
                if fill():
                    continue
                raise malformed(f"not valid JSON ({err.msg})") from err
            except RecursionError as err:
                raise malformed(f"nested more than {jsonio.MAX_DEPTH} levels deep") from err
        rows += 1
        if not jsonio.shallow(buffer[:end]) and jsonio.depth(value) > jsonio.MAX_DEPTH:
            yield line, BadRow(f"is nested more than {jsonio.MAX_DEPTH} levels deep")
        else:
            yield line, value if isinstance(value, dict) else BadRow("is not a JSON object")
        line += buffer.count("\n", 0, end)
        buffer = buffer[end:]
    if rows == 0:
        raise UsageError(f"batch file {path} has no rows", hint="the array is empty")
