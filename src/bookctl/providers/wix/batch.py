"""Wix Bookings batch rows: a booking for a session, then its checkout.

CSV columns are the ``basket add`` and ``checkout`` option names (``service_id`` or
``service``, ``session_id`` or ``session``, ``participants`` or ``qty``, ``rate_label``,
``coupon``, ``plan``, ``locked_session_key``, ``notify``), and the contact as
``contact_first_name``, ``contact_last_name``, ``contact_email``, ``contact_phone``. A JSON
row is ``{"id", "add": {..., "contactDetails": {...}}, "checkout": {...}}``. Bookings are
not extended; a payment that completes later is followed to its end by the run.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from bookctl.core import validate
from bookctl.core.bulk import ColumnAdapter, ColumnPlan, ExtraCells, RowOptions, Run
from bookctl.core.errors import UsageError

#: Contact columns and the document's ``contactDetails`` names.
_CONTACT = {
    "contact_first_name": "firstName",
    "contact_last_name": "lastName",
    "contact_email": "email",
    "contact_phone": "phone",
}


class Adapter(ColumnAdapter):
    gone_states: ClassVar[frozenset[str]] = frozenset({"CANCELED"})
    #: Checked out: a resumed row reads the booking back as it stands, so a declined payment
    #: ends the row DECLINED (as a run that was not stopped does) instead of booking anew.
    booked_states: ClassVar[frozenset[str]] = frozenset({"PENDING", "CONFIRMED", "DECLINED"})

    def extra_columns(self) -> frozenset[str]:
        return frozenset(_CONTACT)

    def extra_cells(self, plan: ColumnPlan) -> ExtraCells:
        contact_cells = [(name, plan.index(column)) for column, name in _CONTACT.items()]
        where = {name: column for column, name in _CONTACT.items()}

        def contact(cells: Sequence[str], add: dict[str, Any], checkout: dict[str, Any]) -> None:
            given = {name: value for name, index in contact_cells if (value := cells[index])}
            add["contact"] = _checked(given, where)

        return contact

    def from_json(self, row: Mapping[str, Any], run: Run) -> RowOptions:
        body = row.get("add")
        contact = body.get("contactDetails") if isinstance(body, dict) else None
        if isinstance(body, dict):
            row = {**row, "add": {k: v for k, v in body.items() if k != "contactDetails"}}
        add, checkout = super().from_json(row, run)
        if not isinstance(contact, dict):
            raise UsageError("'add.contactDetails' must be an object (firstName, email, ...)")
        add["contact"] = _checked(
            contact, {n: f"add.contactDetails.{n}" for n in _CONTACT.values()}
        )
        return add, checkout

    def check(self, add: dict[str, Any], checkout: dict[str, Any], run: Run, fmt: str) -> None:
        from bookctl.providers.wix.client import build_checkout_body, build_create_body

        build_create_body(add)
        build_checkout_body(checkout, "0")


def _checked(contact: dict[str, Any], where: Mapping[str, str]) -> dict[str, Any]:
    """The contact's required fields and email checked, named as the row names them
    (``where``: contactDetails field -> column or JSON path), not as ``--contact-file``."""
    missing = [where[name] for name in ("firstName", "email") if not contact.get(name)]
    if missing:
        raise UsageError(f"missing {', '.join(missing)}")
    validate.check_email(str(contact["email"]), where["email"])
    return contact
