"""Batch rows as stage options: the provider's adapter, and the rows of a file as plans.

Provider-neutral: each provider package has its adapter (``ProviderSpec.batch_adapter``,
usually a :class:`bookctl.core.bulk.ColumnAdapter`); the types are in ``bookctl.core.bulk``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from bookctl.batch.reader import BadRow, read_rows
from bookctl.core.bulk import BatchAdapter, CartStatus, Invalid, Plan, Rules, parse_bool
from bookctl.core.errors import BookctlError, UsageError
from bookctl.core.provider import load

if TYPE_CHECKING:
    from bookctl.core.provider import ProviderSpec

__all__ = [
    "BatchAdapter",
    "CartStatus",
    "Invalid",
    "Plan",
    "Rules",
    "adapter_for",
    "iter_plans",
    "parse_bool",
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

    Row identity is the ``id`` column (or key) when given, else ``line-N``; given ids must be
    unique (only they are remembered, so a file without ids streams in flat memory).
    """
    seen: dict[str, int] = {}
    for line, row in read_rows(path, fmt, adapter.columns if fmt == "csv" else frozenset()):
        if isinstance(row, BadRow):
            yield Invalid(f"line-{line}", line, row.reason)
            continue
        raw_id = row.get("id")
        if raw_id in (None, ""):
            row_id = f"line-{line}"
        else:
            row_id = str(raw_id).strip()
            if row_id in seen:
                yield Invalid(row_id, line, f"id {row_id!r} is also on line {seen[row_id]}")
                continue
            seen[row_id] = line
        try:
            add, checkout = adapter.parse(row, fmt, rules)
        except BookctlError as err:
            yield Invalid(row_id, line, err.message)
            continue
        yield Plan(row_id, line, add, checkout)
