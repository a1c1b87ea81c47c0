"""``bookctl demo`` on any day: it books the week it checked, tries the next one when refused,
and leaves no cart holding inventory when it stops early."""

from __future__ import annotations

import datetime as dt

import pytest

from bookctl.cli.context import Application
from bookctl.cli.demo import abandoned_on_failure, candidate_weeks
from bookctl.cli.options import GlobalOptions
from bookctl.core.models import AvailabilityRow
from tests.conftest import TODAY, Cli, Clock

DAYS = 400
CHUNKS = 4


@pytest.mark.parametrize("chunk", range(CHUNKS))
def test_demo_books_on_each_of_400_consecutive_days(cli: Cli, clock: Clock, chunk: int) -> None:
    """A fresh sandbox on each day of the next 400 (client and sandbox clocks moved together)."""
    failed = []
    for n in range(chunk, DAYS, CHUNKS):
        clock.move_to(TODAY + dt.timedelta(days=n))
        assert cli("sandbox", "reset").exit_code == 0
        result = cli("demo", "--json")
        if result.exit_code != 0:
            failed.append((clock.today.isoformat(), result.stderr.strip()))
            continue
        order = result.json["order"]
        assert order["state"] == "confirmed"
        start = min(line["dates"][0] for line in result.json["cart"]["lines"])
        assert start >= (clock.today + dt.timedelta(days=7)).isoformat()
    assert failed == []


def _row(day: dt.date, product: str, **values: object) -> AvailabilityRow:
    fields: dict[str, object] = {"available": 8, "capacity": 8, "blocked": False}
    fields |= {"checkin": True, "checkout": True}
    fields |= values
    return AvailabilityRow(product_id=product, date=day.isoformat(), **fields)  # type: ignore[arg-type]


def test_candidate_weeks_need_check_in_every_night_free_and_check_out() -> None:
    days = [TODAY + dt.timedelta(days=n) for n in range(12)]
    package = [_row(d, "384", checkin=d.weekday() in (0, 2)) for d in days]
    room = [_row(d, "392", available=0 if d == TODAY + dt.timedelta(days=3) else 8) for d in days]
    # TODAY is a Wednesday: its week meets the full night (day 3); Monday (day 5) is free.
    assert candidate_weeks(package, room, 7) == [TODAY + dt.timedelta(days=5)]
    blocked = [_row(d, "392", blocked=d == TODAY + dt.timedelta(days=5)) for d in days]
    assert candidate_weeks(package, blocked, 7) == []
    no_checkout = [
        _row(d, "384", checkin=d.weekday() in (0, 2), checkout=d.weekday() != 2) for d in days
    ]
    free = [_row(d, "392") for d in days]
    # Wednesday + 7 nights ends on a Wednesday (no check-out); Monday ends on a Monday.
    assert candidate_weeks(no_checkout, free, 7) == [TODAY + dt.timedelta(days=5)]


def test_a_demo_stopped_after_the_cart_was_made_abandons_it(cli: Cli) -> None:
    rows = [
        AvailabilityRow(**r)
        for r in cli("availability", "384", "392", "--start-date", "+7d", "--json").json
    ]
    start = candidate_weeks(
        [r for r in rows if r.product_id == "384"], [r for r in rows if r.product_id == "392"], 7
    )[0]
    added = cli(
        "basket", "add", "--package", "384", "--start-date", start.isoformat(),
        "--end-date", (start + dt.timedelta(days=7)).isoformat(), "--accommodation", "392",
        "--guest", "Ann,Lee,f,ann@example.com", "--json",
    )  # fmt: skip
    assert added.exit_code == 0, added
    cart_id = added.json["id"]
    app = Application(GlobalOptions(no_input=True))
    provider = app.provider(profile=app.config.builtins["sandbox"])
    try:
        with pytest.raises(KeyboardInterrupt), abandoned_on_failure(app, provider, cart_id):
            raise KeyboardInterrupt
    finally:
        app.close()
    shown = cli("cart", "show", "--cart", cart_id, "--json")
    assert shown.exit_code == 0, shown
    assert shown.json["state"] == "abandoned"
