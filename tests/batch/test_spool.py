"""The spool between the check pass and the booking pass of ``batch run``."""

from __future__ import annotations

import pytest

from bookctl.batch.adapters import Invalid, Plan
from bookctl.batch.spool import Spool


def test_items_come_back_equal_and_in_order_each_time() -> None:
    items: list[Plan | Invalid] = [
        Plan("r1", 2, {"package": "450", "guest": ["Zoë,Lee,f"]}, {"accept_terms": True}),
        Invalid("line-3", 3, "start_date: 'x' is not a date"),
        Plan("r3", 4, {"body": {"guests": [{"n": 1.5, "ok": None}]}}, {"newsletter": False}),
    ]
    with Spool[Plan | Invalid]() as spool:
        for item in items:
            spool.add(item)
        assert spool.count == 3
        assert list(spool) == items
        assert list(spool) == items
        assert [p.digest for p in spool if isinstance(p, Plan)] == [
            p.digest for p in items if isinstance(p, Plan)
        ]


def test_a_closed_spool_cannot_be_read() -> None:
    spool: Spool[int] = Spool()
    spool.add(1)
    spool.close()
    with pytest.raises(ValueError):
        list(spool)
