"""The batch journal: an append-only JSONL file, one fsync'd record per step of each row.

The first record is a header naming the batch file, provider and profile the journal belongs
to. Every other record is ``{"row": ID, "step": ..., ...}``:

* ``started``: ``key`` (the row's idempotency key), ``gen`` (cart generation), ``line`` and
  ``digest`` (fingerprint of the row); written before the row's first request of that
  generation;
* ``added``: the ``cart_id`` the add created;
* ``booked``: ``cart_id``, ``order_id``, ``state``, ``amount``, ``currency``;
* ``failed``: ``stage``, ``code``, ``message``, ``definitive`` (false when the outcome may have
  been lost, so the same keys must be sent again).

Replaying the records in order gives each row's last known step. One process at a time holds
the journal (a lock file beside it); within the process one lock serialises the appends.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bookctl.core import clock, fs, paths
from bookctl.core.errors import LocalFileError, UsageError

JOURNAL_VERSION = 1


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
        self._write_lock = threading.Lock()
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
            data = self.path.read_bytes()
        except FileNotFoundError:
            self._append({**self.header, "created_at": _now()})
            return
        except OSError as err:
            raise LocalFileError(
                f"cannot read batch journal {self.path}: {err.strerror}",
                hint="fix its permissions, or pass --journal with another path",
            ) from err
        if not data:
            self._append({**self.header, "created_at": _now()})
            return
        if not data.endswith(b"\n"):
            # A torn last record: the process died while writing it, so nothing was sent
            # after it. Cut it off so the next record starts on its own line.
            keep = data.rfind(b"\n") + 1
            os.truncate(self.path, keep)
            data = data[:keep]
            self.repaired = True
        for number, record in enumerate(self._records(data), 1):
            if number == 1:
                self._check_header(record)
            else:
                self._apply(record)

    def _records(self, data: bytes) -> Iterator[dict[str, Any]]:
        for number, text in enumerate(data.splitlines(), 1):
            try:
                record = json.loads(text)
            except ValueError as err:
                raise self._corrupt(number, "not JSON") from err
            if not isinstance(record, dict):
                raise self._corrupt(number, "not a JSON object")
            self.records += 1
            yield record

    def _corrupt(self, number: int, what: str) -> LocalFileError:
        return LocalFileError(
            f"batch journal {self.path} is corrupt at line {number} ({what})",
            hint="it was edited or damaged; move it aside and pass --journal with a new path "
            "(rows it recorded as booked would then be booked again)",
        )

    def _check_header(self, record: dict[str, Any]) -> None:
        if record.get("journal") != JOURNAL_VERSION:
            raise LocalFileError(
                f"{self.path} is not a bookctl batch journal (version {record.get('journal')!r})",
                hint="pass --journal with another path",
            )
        for name in ("file", "provider", "profile"):
            if record.get(name) != self.header[name]:
                raise UsageError(
                    f"batch journal {self.path} belongs to {name} {record.get(name)!r}, "
                    f"not {self.header[name]!r}",
                    hint="pass --journal with a path of its own for this run",
                )

    def _apply(self, record: dict[str, Any]) -> None:
        row_id = str(record.get("row"))
        step = record.get("step")
        current = self.rows.get(row_id)
        if step == "started":
            self.rows[row_id] = RowState(
                key=str(record["key"]),
                gen=int(record.get("gen", 1)),
                line=int(record.get("line", 0)),
                digest=str(record.get("digest", "")),
            )
            return
        if current is None:
            raise self._corrupt(self.records, f"row {row_id!r} has {step!r} before 'started'")
        current.step = str(step)
        if step == "added":
            current.cart_id = record.get("cart_id")
        elif step == "booked":
            current.cart_id = record.get("cart_id") or current.cart_id
            current.order_id = record.get("order_id")
            current.state = record.get("state")
            current.amount = record.get("amount")
            current.currency = record.get("currency")
        elif step == "failed":
            current.code = record.get("code")
            current.message = record.get("message")
            current.definitive = bool(record.get("definitive"))

    # -- writing --------------------------------------------------------------------------

    def record(self, row_id: str, step: str, **fields: Any) -> None:
        """Append one step of a row (fsync'd before this returns) and apply it."""
        record = {"row": row_id, "step": step, **fields, "at": _now()}
        with self._write_lock:
            self._append(record)
            self._apply(record)

    def _append(self, record: dict[str, Any]) -> None:
        line = json.dumps(record, separators=(",", ":"), ensure_ascii=False) + "\n"
        try:
            fs.append_durable(self.path, line.encode())
        except OSError as err:
            raise LocalFileError(
                f"cannot write batch journal {self.path}: {err.strerror}",
                hint="check free space and permissions; the run stopped before booking more",
            ) from err
        self.records += 1


def _now() -> str:
    return clock.now().isoformat(timespec="milliseconds")
