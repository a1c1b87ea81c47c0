"""Guest Manager batch rows: an order for tickets, walked through its checkout steps.

CSV columns are the ``basket add`` and ``checkout`` option names (``ticket_type``, ``qty``,
``email``, ``first_name``, ``last_name``, ``phone``, ``payment_token``, ``payment_method``)
and ``answers``: a JSON object of the step answers (what ``--answers-file`` holds, e.g. the
``bill_address``). A JSON row is ``{"id", "add": {...}, "checkout": {..., "answers": {...}}}``.
Orders left ``processing`` are followed to their end by the run, also those a resumed run
finds past their checkout.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from bookctl.core import validate
from bookctl.core.bulk import ColumnAdapter, ColumnPlan, ExtraCells, RowOptions, Run
from bookctl.core.errors import UsageError


class Adapter(ColumnAdapter):
    required: ClassVar[tuple[str, ...]] = ("ticket_type", "email", "first_name", "last_name")
    cart_lifetime: float | None = 900.0
    gone_states: ClassVar[frozenset[str]] = frozenset({"expired", "canceled"})
    #: Past the checkout: a processing payment cannot be checked out again (the provider
    #: refuses it), so a resumed row reads it back as booked and follows it.
    booked_states: ClassVar[frozenset[str]] = frozenset(
        {"processing", "complete", "requested", "reserved"}
    )

    def extra_columns(self) -> frozenset[str]:
        return frozenset({"answers"})

    def extra_cells(self, plan: ColumnPlan) -> ExtraCells:
        index = plan.index("answers")

        def answers(cells: Sequence[str], add: dict[str, Any], checkout: dict[str, Any]) -> None:
            text = cells[index]
            if text:
                try:
                    value = json.loads(text)
                except ValueError as err:
                    raise UsageError(f"answers: not JSON ({err})") from None
                checkout["answers"] = _answers(value)

        return answers

    def from_json(self, row: Mapping[str, Any], run: Run) -> RowOptions:
        order = row.get("checkout")
        answers = order.get("answers") if isinstance(order, dict) else None
        if isinstance(order, dict):
            row = {**row, "checkout": {k: v for k, v in order.items() if k != "answers"}}
        add, checkout = super().from_json(row, run)
        if answers is not None:
            checkout["answers"] = _answers(answers)
        return add, checkout

    def check(self, add: dict[str, Any], checkout: dict[str, Any], run: Run, fmt: str) -> None:
        from bookctl.providers.guestmanager.client import check_token

        qty = add.get("qty")
        if qty is not None and not 1 <= qty <= 50:
            raise UsageError("qty must be from 1 to 50")
        if not checkout.get("email"):  # a JSON row's "email": null
            raise UsageError("missing email")
        validate.check_email(str(checkout["email"]), "email")
        if checkout.get("payment_token"):
            check_token(str(checkout["payment_token"]))


def _answers(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise UsageError("answers must be a JSON object of step answers")
    return value
