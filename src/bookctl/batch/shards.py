"""`batch validate` of a CSV file line by line, a large one in shards on several cores.

The answer is the one :func:`bookctl.batch.adapters.iter_plans` gives, row for row: the same
parser (compiled once, before the processes fork), the same reader loop, the same messages,
in line order. A shard is a run of whole lines, so only a file whose records are one line each
is read this way (no quote character, no carriage return); any other file is checked by
``iter_plans``, and so is one whose shards fail for any reason. A file of at least
:data:`MIN_BYTES` is split into a shard per job, each checked in a forked process (on Linux);
a smaller one is one shard, checked in this process.

Each line first goes through the adapter's quick check (:meth:`BatchAdapter.quick`, one
regular expression for the usual shape of a row), when it has one for the header; a line
that check cannot vouch for goes through the parser, as in ``iter_plans``.

Row ids must be unique across the file: each shard sends back the hash and line of every id
it saw, and the merge refuses each id given again, naming the line it was first on, as one
process would.
"""

from __future__ import annotations

import contextlib
import gc
import os
import pickle
import signal
import stat
import sys
from array import array
from collections import Counter
from collections.abc import Callable
from operator import itemgetter
from pathlib import Path
from typing import Any, NamedTuple

from bookctl.batch.adapters import Invalid, RowIds, check_rows, iter_plans, repeated_id
from bookctl.batch.reader import csv_shard, line_rows, read_csv, shard_lines
from bookctl.core import clock
from bookctl.core.bulk import BatchAdapter, Rules, Run
from bookctl.core.errors import BookctlError

#: Files smaller than this are one shard, checked in this process (forking costs more than
#: it saves).
MIN_BYTES = 4 << 20
MAX_JOBS = 4
_BLOCK = 1 << 20


class Shard(NamedTuple):
    start: int  # the byte offset of its first line
    lines: int  # physical lines
    first_line: int  # the file line number of its first line


class _Result(NamedTuple):
    rows: int
    invalid: list[Invalid]
    keys: array[int]  # the hash of each id given, in line order
    at: array[int]  # the line of each
    repeated: set[int]  # the keys given more than once in the shard


def default_jobs() -> int:
    """The processes ``batch validate`` uses by default: the cores it may run on, up to 4."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    return max(1, min(MAX_JOBS, cores))


def check_file(
    path: Path,
    fmt: str,
    adapter: BatchAdapter,
    rules: Rules,
    *,
    jobs: int,
    min_bytes: int = MIN_BYTES,
) -> tuple[int, list[Invalid]]:
    """How many rows ``path`` has and which are invalid (in line order), as ``iter_plans``
    says; a one-line-a-record CSV file is checked line by line, in shards on ``jobs``
    processes when it is large.

    The cyclic garbage collector is paused meanwhile: a row's objects are freed by reference
    counts as soon as it is checked, and its passes over the young objects cost about a tenth
    of the time.
    """
    collecting = gc.isenabled()
    gc.disable()
    try:
        shards = split(path, jobs, min_bytes) if fmt == "csv" else None
        if shards:
            found = _sharded(path, shards, adapter, rules)
            if found is not None:
                return found
        rows = 0
        invalid: list[Invalid] = []
        for item in iter_plans(path, fmt, adapter, rules):
            rows += 1
            if isinstance(item, Invalid):
                invalid.append(item)
        return rows, invalid
    finally:
        if collecting:
            gc.enable()


def split(path: Path, jobs: int, min_bytes: int = MIN_BYTES) -> list[Shard] | None:
    """The body of ``path`` (past its first line) as runs of whole lines of about equal size:
    up to ``jobs`` for a file of ``min_bytes`` or more on Linux, else one; None for a file
    whose records are not one line each, that has no line past its header, or that is not a
    regular file (a pipe is read once, by ``iter_plans``)."""
    try:
        status = path.stat()
        if not stat.S_ISREG(status.st_mode):
            return None
        size = status.st_size
        if size < min_bytes or not hasattr(os, "fork") or not sys.platform.startswith("linux"):
            jobs = 1
        with path.open("rb") as handle:
            header = handle.readline()
            if b'"' in header or b"\r" in header:
                return None
            body = handle.tell()
            targets = [body + (size - body) * k // jobs for k in range(1, jobs)]
            cuts = [body]
            lines = [0]
            counted = 0  # newlines in the body before ``offset``
            offset = body
            while block := handle.read(_BLOCK):
                if b'"' in block or b"\r" in block:
                    return None
                while targets and targets[0] < offset + len(block):
                    target = max(targets.pop(0), cuts[-1])
                    newline = block.find(b"\n", target - offset)
                    if newline < 0:  # the line runs on into the next block: cut there
                        targets.insert(0, offset + len(block))
                        break
                    cuts.append(offset + newline + 1)
                    lines.append(counted + block.count(b"\n", 0, newline + 1))
                counted += block.count(b"\n")
                offset += len(block)
            total = counted + (0 if size == body or _ends_with_newline(handle, size) else 1)
    except OSError:
        return None
    lines.append(total)
    shards = [
        Shard(cuts[i], lines[i + 1] - lines[i], 2 + lines[i])
        for i in range(len(cuts))
        if lines[i + 1] > lines[i]
    ]
    return shards or None


def _ends_with_newline(handle: Any, size: int) -> bool:
    handle.seek(size - 1)
    return bool(handle.read(1) == b"\n")


def _sharded(
    path: Path, shards: list[Shard], adapter: BatchAdapter, rules: Rules
) -> tuple[int, list[Invalid]] | None:
    """The shards checked (the first in this process, the others in forked ones) and merged;
    None when any of them could not be, so the caller checks the file with ``iter_plans``."""
    run = Run(rules, clock.today())
    names, header_rows = read_csv(path, adapter.columns)  # the header checked as always
    header_rows.close()
    parse = adapter.compile("csv", names, run)
    quick = adapter.quick(names, run)
    width = len(names)
    identify: Callable[[Any], str | None] = (
        itemgetter(names.index("id")) if "id" in names else (lambda cells: "")
    )

    def check(shard: Shard) -> _Result:
        rows = 0  # each row gives one plan or one invalid
        invalid: list[Invalid] = []
        # A file in one shard checks its ids as it goes; shards send theirs to the merge.
        seen = RowIds() if len(shards) == 1 else _Ids()
        keep = seen.first_line

        def tally(rows_read: Any) -> int:
            count = 0
            for item in check_rows(rows_read, parse, identify, True, keep):
                count += 1
                if isinstance(item, Invalid):
                    invalid.append(item)
            return count

        if quick is None:
            rows = tally(csv_shard(path, shard.start, shard.lines, shard.first_line, width))
        else:
            lines = shard_lines(path, shard.start, shard.lines)
            for line, text in enumerate(lines, shard.first_line):
                row_id = quick(text)
                if row_id is None:  # not vouched for: the parser decides
                    rows += tally(line_rows(text, width, line))
                    continue
                rows += 1
                if row_id:  # an empty id cell is no id (the row is known by its line)
                    first = keep(row_id, line)
                    if first is not None:
                        invalid.append(repeated_id(row_id, line, first))
        if not isinstance(seen, _Ids):
            return _Result(rows, invalid, array("q"), array("q"), set())
        keys = seen.keys
        repeated: set[int] = set()
        if len(set(keys)) < len(keys):
            repeated = {key for key, count in Counter(keys).items() if count > 1}
        return _Result(rows, invalid, keys, seen.at, repeated)

    results = _fan_out(check, shards)
    if results is None or not any(result.rows for result in results):
        return None  # (a file of blank lines: ``iter_plans`` says it has no rows)
    return _merge(path, names, results)


class _Ids:
    """Keeps the key (non-zero hash) and line of every id a shard gives, in order; the
    shards' ids are checked against each other when they are merged."""

    def __init__(self) -> None:
        self.keys: array[int] = array("q")
        self.at: array[int] = array("q")

    def first_line(self, row_id: str, line: int) -> None:
        self.keys.append(hash(row_id) or 1)
        self.at.append(line)


def _fan_out(check: Callable[[Shard], _Result], shards: list[Shard]) -> list[_Result] | None:
    """``check`` of each shard, the first here and the others in forked children."""
    children: list[tuple[int, int]] = []
    # What exists now is shared with the children page by page until written: the collector
    # must not walk it (a walk writes to every object, copying every page in each child).
    forking = len(shards) > 1
    if forking:
        gc.freeze()
    try:
        for shard in shards[1:]:
            read_end, write_end = os.pipe()
            pid = os.fork()
            if pid == 0:  # the child: check, send the answer, leave without cleaning up
                os.close(read_end)
                status = 0
                try:
                    data = pickle.dumps(check(shard), protocol=pickle.HIGHEST_PROTOCOL)
                    with os.fdopen(write_end, "wb") as out:
                        out.write(data)
                except BaseException:
                    status = 1
                os._exit(status)
            os.close(write_end)
            children.append((pid, read_end))
        results = [check(shards[0])]
        failed = False
        for pid, read_end in children:
            with os.fdopen(read_end, "rb") as answer:
                data = answer.read()
            _, status = os.waitpid(pid, 0)
            if status != 0 or not data:
                failed = True
                continue
            results.append(pickle.loads(data))
        children.clear()
        return None if failed else results
    except (BookctlError, OSError, pickle.PickleError, EOFError):
        # A row error the whole file must report (a late non-UTF-8 line), a fork or pipe that
        # failed, an answer cut short: checked again in one process, which says it as always.
        return None
    finally:
        for pid, read_end in children:  # interrupted: no child is left behind
            with contextlib.suppress(OSError):
                os.close(read_end)
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
        if forking:
            gc.unfreeze()


def _merge(path: Path, names: list[str], results: list[_Result]) -> tuple[int, list[Invalid]]:
    """The shards' answers as one process's: an id given again is refused wherever it is
    (whatever else its row holds), naming the line it was first on; in line order."""
    repeated = set().union(*(result.repeated for result in results))
    union = set(results[0].keys)  # the ids of the shards before the one checked
    for later, result in enumerate(results[1:], 2):
        repeated.update(union.intersection(result.keys))
        if later < len(results):
            union.update(result.keys)
    del union
    rows = sum(result.rows for result in results)
    first: dict[int, int] = {}
    wanted: dict[int, int] = {}  # line -> first line, for repeated ids a shard found valid
    invalid: list[Invalid] = []
    for result in results:
        verdicts = {item.line: item for item in result.invalid}
        if repeated:
            for key, line in zip(result.keys, result.at, strict=True):
                if key not in repeated:
                    continue
                if key not in first:
                    first[key] = line
                    continue
                known = verdicts.get(line)
                if known is None:
                    wanted[line] = first[key]
                    verdicts[line] = Invalid("", line, "")
                else:
                    verdicts[line] = repeated_id(known.row_id, line, first[key])
        invalid += sorted(verdicts.values(), key=lambda item: item.line)
    if wanted:
        ids = _ids_on(path, names.index("id"), wanted)
        invalid = [
            repeated_id(ids[i.line], i.line, wanted[i.line]) if i.line in wanted else i
            for i in invalid
        ]
    return rows, invalid


def _ids_on(path: Path, column: int, lines: dict[int, int]) -> dict[int, str]:
    """The id cells of some lines of a one-line-a-record file (for the rare repeated id)."""
    import csv

    found: dict[int, str] = {}
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for number, text in enumerate(handle, 1):
            if number in lines:
                found[number] = next(csv.reader([text]))[column].strip()
                if len(found) == len(lines):
                    break
    return found
