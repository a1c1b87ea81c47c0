"""The ``batch run`` summary tells the results: totals per state, the amount, each row's price."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from tests.batch.helpers import write_csv
from tests.conftest import Cli


def test_dry_run_shows_each_rows_price_and_the_total(cli: Cli, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "b.csv", 3)
    result = cli("batch", "run", str(path), "--dry-run", "--json")
    assert result.exit_code == 0, result
    data = result.json
    priced = data["priced_rows"]
    assert [(r["line"], r["id"]) for r in priced] == [(2, "r0"), (3, "r1"), (4, "r2")]
    assert {r["currency"] for r in priced} == {"EUR"}
    total = sum(Decimal(r["amount"]) for r in priced)
    assert data["amount_priced"] == [{"amount": f"{total:.2f}", "currency": "EUR"}]
    assert data["by_state"] == {"priced": 3}
    assert data["amount_booked"] == []

    table = cli("batch", "run", str(path), "--dry-run")
    assert table.exit_code == 0, table
    for row in priced:
        assert f"{row['amount']} EUR" in table.stdout
    assert f"{total:.2f} EUR" in table.stdout


def test_a_run_totals_states_and_the_amount_booked(cli: Cli, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "b.csv", 2)
    priced = cli("batch", "run", str(path), "--dry-run", "--json").json["amount_priced"]
    booked = cli("batch", "run", str(path), "--json")
    assert booked.exit_code == 0, booked
    assert booked.json["by_state"] == {"booked": 2}
    assert booked.json["amount_booked"] == priced
    assert booked.json["priced_rows"] == []
    again = cli("batch", "run", str(path))
    assert again.exit_code == 0, again
    assert "amount booked" in again.stdout
    assert f"{priced[0]['amount']} EUR" in again.stdout


def test_amounts_whose_currency_is_not_given_are_summed_apart_under_null(
    cli: Cli, tmp_path: Path
) -> None:
    """BookingBug's purchase names no currency: its amounts are not put under "" or mixed in."""
    path = tmp_path / "bb.csv"
    path.write_text("id,event_id,member_id,take_from_wallet\nb1,7001,1003,no\nb2,7201,1003,no\n")
    booked = cli("-p", "sandbox-bookingbug", "batch", "run", str(path), "--json")
    assert booked.exit_code == 0, booked
    assert booked.json["booked"] == 2
    [summed] = booked.json["amount_booked"]
    assert summed["currency"] is None and Decimal(summed["amount"]) > 0


def test_the_summary_lists_known_currencies_first_then_the_unknown() -> None:
    from bookctl.batch.report import Tally
    from bookctl.batch.runner import RowResult

    tally = Tally()
    for n, (amount, currency) in enumerate([("1.50", None), ("2", "USD"), ("3", "EUR"), ("1", "")]):
        tally.add(RowResult(n + 2, f"r{n}", "booked", amount=amount, currency=currency))
    assert tally.to_json()["amount_booked"] == [
        {"amount": "3.00", "currency": "EUR"},
        {"amount": "2.00", "currency": "USD"},
        {"amount": "2.50", "currency": None},
    ]
