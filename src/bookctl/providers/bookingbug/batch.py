"""BookingBug batch rows: one add_item into a fresh basket, then a checkout for a member.

CSV columns are the ``basket add`` and ``checkout`` option names: the nine add_item
parameters (``event_id``, ``member_id``, ``service_id``, ...) and ``take_from_wallet``;
``member_id`` serves both stages. A JSON row is ``{"id", "add": {add_item parameters},
"checkout": {"member_id", "take_from_wallet"}}``. Baskets are not extended (every add
re-arms BookingBug's hold).
"""

from __future__ import annotations

from typing import Any, ClassVar

from bookctl.core.bulk import ColumnAdapter, Run


class Adapter(ColumnAdapter):
    required: ClassVar[tuple[str, ...]] = ("member_id",)

    def check(self, add: dict[str, Any], checkout: dict[str, Any], run: Run, fmt: str) -> None:
        from bookctl.providers.bookingbug.client import build_add_params, build_checkout_params

        build_add_params(add)
        build_checkout_params(checkout)
