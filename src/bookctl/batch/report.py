"""The ``--report`` file and the run's tallies.

The report is one JSON document ``{"file", "journal", "dry_run", "rows": [...], "summary"}``
written row by row to a private temporary file beside the target and moved into place at the end
(``core.fs.AtomicFile``), so memory stays flat and a crash never leaves half a report under the
final name.
"""

from __future__ import annotations

import collections
import json
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from bookctl.batch.runner import RowResult
from bookctl.core import fs
from bookctl.core.errors import LocalFileError

#: Row states whose amount counts as booked (in this run or an earlier one of the journal).
BOOKED_STATES = ("booked", "already_booked")


@dataclass
class Tally:
    """Counts of row outcomes, failures by reason, the amount booked, and (dry run) each price.

    Only a dry run keeps a record per row (its prices are the point of it); a booking run
    keeps counts and sums, so memory stays flat in the row count.
    """

    by_state: collections.Counter[str] = field(default_factory=collections.Counter)
    failed_by_reason: collections.Counter[str] = field(default_factory=collections.Counter)
    booked_by_currency: dict[str, Decimal] = field(default_factory=dict)
    priced_by_currency: dict[str, Decimal] = field(default_factory=dict)
    priced_rows: list[dict[str, Any]] = field(default_factory=list)
    #: Booked rows by the order's state at the provider (its final one where followed).
    by_order_state: collections.Counter[str] = field(default_factory=collections.Counter)

    def add(self, result: RowResult) -> None:
        self.by_state[result.state] += 1
        if result.state in BOOKED_STATES and result.order_state:
            self.by_order_state[result.order_state] += 1
        if result.state == "failed" and result.error:
            self.failed_by_reason[str(result.error.get("code"))] += 1
        if result.state in BOOKED_STATES:
            _sum_into(self.booked_by_currency, result)
        if result.state == "priced":
            _sum_into(self.priced_by_currency, result)
            self.priced_rows.append(
                {
                    "line": result.line,
                    "id": result.row_id,
                    "amount": result.amount,
                    "currency": result.currency,
                }
            )

    @property
    def done(self) -> int:
        return sum(self.by_state.values())

    @property
    def failed(self) -> int:
        return self.by_state["failed"]

    def to_json(self) -> dict[str, Any]:
        return {
            "booked": self.by_state["booked"],
            "already_booked": self.by_state["already_booked"],
            "priced": self.by_state["priced"],
            "failed": self.failed,
            "failed_by_reason": dict(sorted(self.failed_by_reason.items())),
            "skipped_invalid": self.by_state["invalid"],
            "not_started": self.by_state["not_started"],
            "by_state": dict(sorted(self.by_state.items())),
            "by_order_state": dict(sorted(self.by_order_state.items())),
            "amount_booked": _amounts(self.booked_by_currency),
            "amount_priced": _amounts(self.priced_by_currency),
            "priced_rows": sorted(self.priced_rows, key=lambda row: int(row["line"])),
        }


def _sum_into(sums: dict[str, Decimal], result: RowResult) -> None:
    if result.amount is None:
        return
    try:
        amount = Decimal(result.amount)
    except ArithmeticError:
        return
    currency = result.currency or ""  # "": the provider did not say (BookingBug's purchases)
    sums[currency] = sums.get(currency, Decimal(0)) + amount


def _amounts(sums: dict[str, Decimal]) -> list[dict[str, str | None]]:
    """``[{"amount": "123.00", "currency": "EUR"}, ...]``: one per currency, as decimal strings;
    amounts whose currency the provider did not give are summed under ``null``, last."""
    return [
        {"amount": str(total.quantize(Decimal("0.01"))), "currency": currency or None}
        for currency, total in sorted(sums.items(), key=lambda item: (not item[0], item[0]))
    ]


class ReportWriter:
    """Streams row records into ``path`` (atomically replaced on :meth:`finish`, mode 0600)."""

    def __init__(self, path: Path, head: dict[str, Any]) -> None:
        self.path = path
        self._rows = 0
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._file = fs.AtomicFile(path)
        except OSError as err:
            raise LocalFileError(f"cannot write report {path}: {err.strerror}") from err
        self._write(json.dumps(head)[:-1] + ', "rows": [')

    def add(self, result: RowResult) -> None:
        self._write(("\n  " if not self._rows else ",\n  ") + json.dumps(result.to_json()))
        self._rows += 1

    def finish(self, summary: dict[str, Any]) -> None:
        try:
            self._write('\n], "summary": ' + json.dumps(summary) + "}\n")
            self._file.commit()
        except OSError as err:
            self.discard()
            raise LocalFileError(
                f"cannot write report {self.path}: {err.strerror}",
                hint="the bookings are in the journal; pass --report with another path and "
                "run the same command again to write it",
            ) from err

    def discard(self) -> None:
        self._file.discard()

    def _write(self, text: str) -> None:
        self._file.write(text.encode())
