"""Batch rows as stage options: the provider's adapter, and the rows of a file as plans.

Provider-neutral: each provider package has its adapter (``ProviderSpec.batch_adapter``,
usually a :class:`bookctl.core.bulk.ColumnAdapter`); the types are in ``bookctl.core.bulk``.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterator
from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bookctl.batch.reader import BadRow, read_csv, read_rows
from bookctl.core import clock
from bookctl.core.bulk import BatchAdapter, CartStatus, Invalid, Plan, Rules, Run, parse_bool
from bookctl.core.errors import BookctlError, UsageError
from bookctl.core.provider import load

if TYPE_CHECKING:
    from bookctl.core.provider import ProviderSpec

__all__ = [
    "BatchAdapter",
    "CartStatus",
    "Invalid",
    "Plan",
    "RowIds",
    "Rules",
    "adapter_for",
    "check_rows",
    "iter_plans",
    "parse_bool",
    "repeated_id",
]


def adapter_for(spec: ProviderSpec) -> BatchAdapter:
    """The batch adapter of a provider, or a usage error saying batch does not cover it."""
    if spec.batch_adapter is None:
        raise UsageError(f"batch runs do not support {spec.key}")
    adapter: BatchAdapter = load(spec.batch_adapter)(spec)
    return adapter


def iter_plans(
    path: Path, fmt: str, adapter: BatchAdapter, rules: Rules
) -> Iterator[Plan | Invalid]:
    """Every row of ``path`` as a :class:`Plan` or an :class:`Invalid`, streamed in order.

    Each row is read and checked once, by a parser the adapter builds for the file (from
    its header, for CSV) with the run's ``today`` read once. Row identity is the ``id``
    column (or key) when given, else ``line-N``; given ids must be unique.
    """
    run = Run(rules, clock.today())
    rows: Iterator[tuple[int, Any]]
    identify: Callable[[Any], str | None]
    csv = fmt == "csv"
    if csv:
        names, rows = read_csv(path, adapter.columns)
        parse = adapter.compile(fmt, names, run)
        # An empty id cell is no id (the reader strips cells).
        identify = itemgetter(names.index("id")) if "id" in names else (lambda cells: "")
    else:
        rows = read_rows(path, fmt)
        parse = adapter.compile(fmt, (), run)
        identify = _json_id
    yield from check_rows(rows, parse, identify, csv, RowIds().first_line)


def check_rows(
    rows: Iterator[tuple[int, Any]],
    parse: Callable[[Any], tuple[dict[str, Any], dict[str, Any]]],
    identify: Callable[[Any], str | None],
    csv: bool,
    first_line: Callable[[str, int], int | None],
) -> Iterator[Plan | Invalid]:
    """Each row as a plan or an invalid (the loop of :func:`iter_plans`, also run on each
    shard of ``batch validate --jobs``); ``first_line(id, line)`` says where an id was first
    given (None when new)."""
    for line, row in rows:
        if isinstance(row, BadRow):
            yield Invalid(f"line-{line}", line, row.reason)
            continue
        row_id = identify(row)
        if row_id is None or (not row_id and csv):
            row_id = f"line-{line}"
        else:
            first = first_line(row_id, line)
            if first is not None:
                yield repeated_id(row_id, line, first)
                continue
        try:
            add, checkout = parse(row)
        except BookctlError as err:
            yield Invalid(row_id, line, err.message)
            continue
        yield new_plan(Plan, (row_id, line, add, checkout))


def repeated_id(row_id: str, line: int, first: int) -> Invalid:
    """The row on ``line`` that gives an id already given on line ``first``."""
    return Invalid(row_id, line, f"id {row_id!r} is also on line {first}")


#: ``Plan(...)`` without the Python frame of a named tuple's ``__new__`` (once a row).
new_plan = tuple.__new__


def _json_id(row: Any) -> str | None:
    raw = row.get("id")
    return None if raw in (None, "") else str(raw).strip()


class RowIds:
    """The row ids seen so far, for the check that each is given once, in little memory.

    An open-addressing table of each id's 64-bit hash and the line it was first on: 16 bytes
    a slot (at most half full) instead of a dict of the ids themselves (about 130 bytes a
    row). Two different ids share a hash with odds of about n**2 / 2**65 (1e-9 at a million
    rows).
    """

    def __init__(self) -> None:
        self._mask = 1023
        self._hashes = array("q", bytes(8 * 1024))
        self._lines = array("q", bytes(8 * 1024))
        self._room = 512

    def first_line(self, row_id: str, line: int) -> int | None:
        """The line ``row_id`` was first given on; None when new (it is kept with ``line``)."""
        key = hash(row_id) or 1  # 0 marks an empty slot
        hashes, mask = self._hashes, self._mask
        slot = key & mask
        while True:
            found = hashes[slot]
            if found == key:
                return self._lines[slot]
            if not found:
                break
            slot = (slot + 1) & mask
        hashes[slot] = key
        self._lines[slot] = line
        self._room -= 1
        if not self._room:
            self._grow()
        return None

    def _grow(self) -> None:
        size = (self._mask + 1) * 4
        mask = size - 1
        hashes, lines = array("q", bytes(8 * size)), array("q", bytes(8 * size))
        for key, line in zip(self._hashes, self._lines, strict=True):
            if key:
                slot = key & mask
                while hashes[slot]:
                    slot = (slot + 1) & mask
                hashes[slot], lines[slot] = key, line
        # The old table was half full: as many ids again fit before this one is.
        self._room = size // 2 - (self._mask + 1) // 2
        self._hashes, self._lines, self._mask = hashes, lines, mask
