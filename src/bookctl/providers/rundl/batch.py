"""Rundl batch rows: a checkout of a service's products, then its payment.

CSV columns are the ``basket add`` and ``checkout`` option names (``service``, ``product``
(several separated by ``;``), ``qty``, ``payment_token``). A JSON row is ``{"id", "add":
{"service", "product", "qty"}, "checkout": {"payment_token"}}``. Checkouts are not extended;
product orders left ``processing`` are followed to their end by the run.
"""

from __future__ import annotations

from typing import Any, ClassVar

from bookctl.core.bulk import ColumnAdapter, Run


class Adapter(ColumnAdapter):
    required: ClassVar[tuple[str, ...]] = ("service", "product")

    def check(self, add: dict[str, Any], checkout: dict[str, Any], run: Run, fmt: str) -> None:
        from bookctl.providers.rundl.client import build_checkout_body

        build_checkout_body(add)
