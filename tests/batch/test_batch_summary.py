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
