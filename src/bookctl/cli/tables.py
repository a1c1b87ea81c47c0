"""The tables that more than one command prints: availability, cart and order."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import TYPE_CHECKING, Any

from bookctl.core.output import Amount, TableSpec

if TYPE_CHECKING:
    from bookctl.core.models import AvailabilityRow, Cart, Order


def _mark(flag: bool | None) -> str:
    return "-" if flag is None else ("✓" if flag else "✗")


def _slots(row: AvailabilityRow) -> str:
    if row.timeslots is None:
        return "-"
    if not row.timeslots:
        return "none"
    return "  ".join(
        f"{t.time} {_free(t.available, t.capacity)}"
        + (f" session {t.session_id}{' (locked)' if t.locked else ''}" if t.session_id else "")
        for t in row.timeslots
    )


def _free(available: Any, capacity: Any) -> str:
    if available is None:
        return "-"
    return str(available) if capacity is None else f"{available}/{capacity}"


def availability_table(rows: list[AvailabilityRow]) -> TableSpec:
    multi = len({r.product_id for r in rows}) > 1
    columns = (["PRODUCT"] if multi else []) + [
        "DATE",
        "DAY",
        "AVAILABLE",
        "CHECK-IN",
        "CHECK-OUT",
        "BLOCKED",
        "TIMESLOTS",
    ]
    body = []
    for row in rows:
        weekday = dt.date.fromisoformat(row.date).strftime("%a")
        free = _free(row.available, row.capacity)
        cells: list[Any] = [
            row.date,
            weekday,
            free,
            _mark(row.checkin),
            _mark(row.checkout),
            "blocked" if row.blocked else "",
            _slots(row),
        ]
        body.append(([row.product_id] if multi else []) + cells)
    return TableSpec(columns=columns, rows=body)


def date_span(dates: list[str]) -> str:
    """Consecutive days as ``first..last (n)``; anything else as a list."""
    if len(dates) < 3:
        return ", ".join(dates)
    try:
        days = [dt.date.fromisoformat(d) for d in dates]
    except ValueError:
        return ", ".join(dates)
    if all((b - a).days == 1 for a, b in itertools.pairwise(days)):
        return f"{dates[0]}..{dates[-1]} ({len(dates)})"
    return ", ".join(dates)


def cart_tables(cart: Cart) -> list[TableSpec]:
    summary = TableSpec(
        title=f"cart {cart.id}",
        columns=["STATE", "EXPIRES AT", "TOTAL"],
        rows=[[cart.state, cart.expires_at, Amount(cart.total, cart.currency)]],
    )
    lines = TableSpec(
        columns=["PRODUCT", "TITLE", "KIND", "GUEST", "QTY", "DATES", "AMOUNT"],
        rows=[
            [
                ln.product_id,
                ln.title,
                ln.kind,
                ln.guest,
                ln.quantity,
                date_span(ln.dates),
                ln.amount,
            ]
            for ln in cart.lines
        ],
    )
    tables = [summary, lines]
    if cart.links:
        tables.append(
            TableSpec(columns=["LINK", "URL"], rows=[[k, v] for k, v in cart.links.items()])
        )
    return tables


def order_table(order: Order) -> TableSpec:
    return TableSpec(
        title=f"order {order.id}",
        columns=["FIELD", "VALUE"],
        rows=[[k, v] for k, v in order.model_dump(mode="json", exclude={"details"}).items()]
        + [[k.replace("_", " "), v] for k, v in order.details.items()],
    )
