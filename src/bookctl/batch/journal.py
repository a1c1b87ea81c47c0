"""The batch journal: an append-only JSONL file, one fsync'd record per step of each row.

The first record is a header naming the batch file, provider and profile the journal belongs
to. Every other record is ``{"row": ID, "step": ..., ...}``:

* ``started``: ``key`` (the row's idempotency key), ``gen`` (cart generation), ``line`` and
  ``digest`` (fingerprint of the row); written before the row's first request of that
  generation;
* ``added``: the ``cart_id`` the add created;
* ``ordered``: the same fields as ``booked``, as the checkout answered them, for an order the
  provider settles later, written before the run follows it: a row resumed from here follows
  the order again and is never checked out again (a card declined meanwhile is not charged a
  second time);
* ``booked``: ``cart_id``, ``order_id``, ``state``, ``amount``, ``currency``;
* ``failed``: ``stage``, ``code``, ``message``, ``definitive`` (false when the outcome may have
  been lost, so the same keys must be sent again).

Replaying the records in order gives each row's last known step. One process at a time holds
the journal (a lock file beside it) and keeps it open; its threads' appends are
group-committed (one fsync covers every record queued while the previous one was syncing).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from bookctl.core import clock, fs, jsonio, paths
from bookctl.core.errors import LocalFileError, UsageError

JOURNAL_VERSION = 1
STEPS = frozenset({"started", "added", "ordered", "booked", "failed"})


class _BadRecord(ValueError):
    """A record that is JSON but not one this journal writes."""


def _field(record: dict[str, Any], name: str, kind: type[Any]) -> Any:
    value = record.get(name)
    if not isinstance(value, kind) or isinstance(value, bool):
        raise _BadRecord(f"{name!r} is missing or not a {kind.__name__}")
    return value


def _optional(record: dict[str, Any], name: str) -> str | None:
    value = record.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise _BadRecord(f"{name!r} is not text")
    return str(value)


@dataclass
class RowState:
    """A row's last known step, as the journal tells it."""

    key: str
    gen: int
    line: int
    digest: str
    step: str = "started"
    cart_id: str | None = None
    order_id: str | None = None
    state: str | None = None
    amount: str | None = None
    currency: str | None = None
    code: str | None = None
    message: str | None = None
    definitive: bool = False
    #: The provider's tokens for the row's cart (some reach a cart only with its token).
    tokens: dict[str, str] = field(default_factory=dict)

    @property
    def booked(self) -> bool:
        return self.step == "booked"


def default_path(batch_file: Path) -> Path:
    """``<state dir>/journals/<file stem>-<hash of the absolute path>.jsonl``."""
    absolute = str(batch_file.resolve())
    digest = hashlib.sha256(absolute.encode()).hexdigest()[:12]
    return paths.state_dir() / "journals" / f"{batch_file.stem}-{digest}.jsonl"


class Journal:
    """An open journal for one batch file; use as a context manager (it holds the lock)."""

    def __init__(self, path: Path, *, batch_file: Path, provider: str, profile: str) -> None:
        self.path = path
        self.header = {
            "journal": JOURNAL_VERSION,
            "file": str(batch_file.resolve()),
            "provider": provider,
            "profile": profile,
        }
        self.rows: dict[str, RowState] = {}
        self.records = 0
        self.repaired = False
        self._new = False
        self._lock = threading.Lock()
        self._log: fs.DurableAppender | None = None
        self._stack = contextlib.ExitStack()

    def __enter__(self) -> Journal:
        try:
            self._stack.enter_context(fs.locked(self.path, timeout=1.0))
            self._load()
        except BaseException:
            self._stack.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self._stack.close()

    # -- reading --------------------------------------------------------------------------

    def _load(self) -> None:
        try:
            with self.path.open("rb") as handle:
                complete, torn = self._replay(handle)
        except FileNotFoundError:
            self._new = True  # created with the first record: a run that books nothing
            return  # leaves no journal behind
        except OSError as err:
            raise LocalFileError(
                f"cannot read batch journal {self.path}: {err.strerror}",
                hint="fix its permissions, or pass --journal with another path",
            ) from err
        if torn:
            # A torn last record of a real journal: the process died while writing it, so
            # nothing was sent after it. Cut it off so the next record starts on its own line.
            os.truncate(self.path, complete)
            self.repaired = True

    def _replay(self, handle: IO[bytes]) -> tuple[int, bool]:
        """Apply every complete record, streamed; ``(their size in bytes, a torn tail?)``.

        Everything is checked before anything is written: a file that is not a complete
        journal of this batch is refused untouched.
        """
        complete = 0
        torn = False
        for text in handle:
            if not text.endswith(b"\n"):
                torn = True  # only the last line can lack its newline
                break
            self.records += 1
            record = self._parse(self.records, text)
            if self.records == 1:
                self._check_header(record)
            else:
                self._apply_line(self.records, record)
            complete += len(text)
        if not self.records:
            raise self._not_a_journal("it has no complete first line")
        return complete, torn

    def _create(self) -> None:
        # The header goes in atomically: a journal never exists without a complete header,
        # so a file without one is never bookctl's to write to.
        header = {**self.header, "created_at": _now()}
        line = json.dumps(header, separators=(",", ":"), ensure_ascii=False) + "\n"
        try:
            fs.write_atomic(self.path, line.encode())
        except OSError as err:
            raise LocalFileError(
                f"cannot create batch journal {self.path}: {err.strerror}",
                hint="check the directory's permissions, or pass --journal with another path",
            ) from err
        self.records = 1

    def _parse(self, number: int, text: bytes) -> dict[str, Any]:
        try:
            record = jsonio.loads(text)
        except jsonio.JsonInputError as err:
            if number == 1:
                raise self._not_a_journal("its first line is not JSON") from err
            raise self._corrupt(number, "not JSON") from err
        if not isinstance(record, dict):
            if number == 1:
                raise self._not_a_journal("its first line is not a JSON object")
            raise self._corrupt(number, "not a JSON object")
        return record

    def _not_a_journal(self, why: str) -> LocalFileError:
        return LocalFileError(
            f"{self.path} is not a bookctl batch journal ({why}); it was left as it is",
            hint="pass --journal with the path of a new file (bookctl creates it)",
        )

    def _corrupt(self, number: int, what: str) -> LocalFileError:
        return LocalFileError(
            f"batch journal {self.path} is corrupt at line {number} ({what})",
            hint="it was edited or damaged; move it aside and pass --journal with a new path "
            "(rows it recorded as booked would then be booked again)",
        )

    def _check_header(self, record: dict[str, Any]) -> None:
        if record.get("journal") != JOURNAL_VERSION:
            version = record.get("journal")
            if version is None:
                raise self._not_a_journal("line 1 is not a journal header")
            raise LocalFileError(
                f"{self.path} is a bookctl batch journal of format {version!r}; "
                f"this bookctl reads {JOURNAL_VERSION}",
                hint="finish it with the bookctl that wrote it, or pass --journal with a new path",
            )
        for name in ("file", "provider", "profile"):
            if record.get(name) != self.header[name]:
                raise UsageError(
                    f"batch journal {self.path} belongs to {name} {record.get(name)!r}, "
                    f"not {self.header[name]!r}",
                    hint="pass --journal with a path of its own for this run",
                )

    def _apply_line(self, number: int, record: dict[str, Any]) -> None:
        try:
            self._apply(record)
        except _BadRecord as err:
            raise self._corrupt(number, str(err)) from None

    def _apply(self, record: dict[str, Any]) -> None:
        row = record.get("row")
        step = record.get("step")
        if not isinstance(row, str) or not row:
            raise _BadRecord("no row id")
        if step not in STEPS:
            raise _BadRecord(f"row {row!r} has unknown step {step!r}")
        current = self.rows.get(row)
        if step == "started":
            self.rows[row] = RowState(
                key=_field(record, "key", str),
                gen=_field(record, "gen", int),
                line=_field(record, "line", int),
                digest=_field(record, "digest", str),
            )
            return
        if current is None:
            raise _BadRecord(f"row {row!r} has {step!r} before 'started'")
        current.step = step
        if step == "added":
            current.cart_id = _field(record, "cart_id", str)
            tokens = record.get("tokens") or {}
            if not isinstance(tokens, dict) or not all(isinstance(v, str) for v in tokens.values()):
                raise _BadRecord(f"row {row!r} has tokens that are not texts")
            current.tokens = dict(tokens)
        elif step in ("ordered", "booked"):
            current.cart_id = _optional(record, "cart_id") or current.cart_id
            current.order_id = _optional(record, "order_id")
            current.state = _optional(record, "state")
            current.amount = _optional(record, "amount")
            current.currency = _optional(record, "currency")
        elif step == "failed":
            current.code = _optional(record, "code")
            current.message = _optional(record, "message")
            current.definitive = bool(record.get("definitive"))

    # -- writing --------------------------------------------------------------------------

    def record(self, row_id: str, step: str, **fields: Any) -> None:
        """Append one step of a row (fsync'd before this returns) and apply it.

        Threads recording at once share one fsync (group commit); each call still returns
        only once its own record is durable, so the step it records may then be acted upon.
        """
        record = {"row": row_id, "step": step, **fields, "at": _now()}
        line = json.dumps(record, separators=(",", ":"), ensure_ascii=False) + "\n"
        try:
            self._appender().append(line.encode())
        except OSError as err:
            raise LocalFileError(
                f"cannot write batch journal {self.path}: {err.strerror}",
                hint="check free space and permissions; the run stopped before booking more",
            ) from err
        with self._lock:
            self._apply(record)
            self.records += 1

    def _appender(self) -> fs.DurableAppender:
        with self._lock:
            if self._log is None:
                if self._new:
                    self._create()
                    self._new = False
                self._log = self._stack.enter_context(fs.DurableAppender(self.path))
            return self._log


def _now() -> str:
    return clock.now().isoformat(timespec="milliseconds")
