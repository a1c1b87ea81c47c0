"""``bookctl batch validate`` and ``batch run`` on the embedded and a served sandbox."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from bookctl.sandbox.bookinglayer.seed import PRODUCTS
from tests.batch.helpers import HEADER, booked_rows, csv_row, write_csv, write_jsonl
from tests.conftest import TODAY, Cli, ServedSandbox, run_bookctl


def test_validate_lists_invalid_rows_by_line(cli: Cli, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "b.csv", 5, bad={2: csv_row(2, start="02/12/2026")})
    result = cli("batch", "validate", str(path), "--json")
    assert result.exit_code == 2, result
    data = result.json
    assert (data["rows"], data["valid"]) == (5, 4)
    [bad] = data["invalid"]
    assert bad["line"] == 4 and bad["id"] == "r2"
    assert "start_date: '02/12/2026' is not a date" in bad["reason"]
    assert "1 of 5 rows are invalid" in result.stderr


def test_validate_good_file(cli: Cli, tmp_path: Path) -> None:
    result = cli("batch", "validate", str(write_jsonl(tmp_path / "b.jsonl", 3)), "--json")
    assert result.exit_code == 0, result
    assert result.json["invalid"] == [] and result.json["valid"] == 3


def test_file_level_problems_are_one_line_usage_errors(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "empty.csv").write_text("")
    (tmp_path / "cols.csv").write_text(f"{HEADER},shoe_size\n{csv_row(0)},42\n")
    for args, needle in [
        (["batch", "validate", str(tmp_path / "missing.csv")], "does not exist"),
        (["batch", "validate", str(tmp_path / "empty.csv")], "is empty"),
        (["batch", "validate", str(tmp_path / "cols.csv")], "unknown column(s) 'shoe_size'"),
        (["batch", "run", str(tmp_path / "missing.csv")], "does not exist"),
        (["batch", "run", str(tmp_path / "cols.csv"), "--concurrency", "0"], "--concurrency"),
    ]:
        result = cli(*args)
        assert result.exit_code == 2, (args, result)
        assert result.stderr.startswith("error: ") and needle in result.stderr, result
        assert "Traceback" not in result.stderr


def test_run_books_every_row_once_and_a_rerun_books_nothing(
    cli: Cli, tmp_path: Path, served_profile: str, served: ServedSandbox
) -> None:
    path = write_csv(tmp_path / "b.csv", 12)
    report = tmp_path / "report.json"
    first = cli("-p", served_profile, "batch", "run", str(path), "--report", str(report), "--json")
    assert first.exit_code == 0, first
    assert first.json["booked"] == 12 and first.json["failed"] == 0
    rows = json.loads(report.read_text())["rows"]
    assert sorted(r["id"] for r in rows) == sorted(f"r{n}" for n in range(12))
    assert all(r["state"] == "booked" and r["order_id"] and r["amount"] for r in rows)
    again = cli("-p", served_profile, "batch", "run", str(path), "--json")
    assert again.exit_code == 0, again
    assert (again.json["booked"], again.json["already_booked"]) == (0, 12)
    stats = served.admin("GET", "stats")["bookinglayer"]
    assert stats["bookings"] == 12 and stats["carts"] == 12


def test_a_row_costs_its_add_and_its_checkout_and_no_read_back(
    cli: Cli, tmp_path: Path, served_profile: str, served: ServedSandbox
) -> None:
    path = write_csv(tmp_path / "b.csv", 5)
    result = cli("-p", served_profile, "batch", "run", str(path), "--json")
    assert result.exit_code == 0, result
    assert result.json["booked"] == 5
    # The settings read of the preflight, then POST bookings/add and POST checkout per row:
    # the cart the add made is checked out without being read back first.
    assert served.admin("GET", "stats")["requests"] == 1 + 2 * 5


def test_invalid_row_in_1000_books_nothing(
    cli: Cli, tmp_path: Path, served_profile: str, served: ServedSandbox
) -> None:
    path = write_csv(tmp_path / "big.csv", 1000, bad={736: csv_row(736, start="2026-02-30")})
    result = cli("-p", served_profile, "batch", "run", str(path))
    assert result.exit_code == 2, result
    assert "line 738 (r736): start_date: '2026-02-30' is not a date" in result.stderr
    assert "1 of 1000 rows are invalid; nothing was booked" in result.stderr
    stats = served.admin("GET", "stats")
    assert stats["bookinglayer"]["carts"] == 0
    assert stats["requests"] == 1  # the settings read of the preflight, nothing else


def test_skip_invalid_books_the_rest_and_reports_the_skipped(
    cli: Cli, tmp_path: Path, served_profile: str
) -> None:
    path = write_csv(tmp_path / "b.csv", 4, bad={1: csv_row(1, gender="q")})
    report = tmp_path / "r.json"
    result = cli(
        "-p", served_profile, "batch", "run", str(path), "--skip-invalid",
        "--report", str(report), "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result
    assert (result.json["booked"], result.json["skipped_invalid"]) == (3, 1)
    states = {r["id"]: r["state"] for r in json.loads(report.read_text())["rows"]}
    assert states["r1"] == "invalid"


def test_failed_rows_exit_7_with_reasons(
    cli: Cli, tmp_path: Path, served_profile: str, served: ServedSandbox
) -> None:
    # The double room has 8 beds a night: 10 guests on the same week leave 2 without one.
    start = TODAY + dt.timedelta(days=20)
    while start.weekday() != 2 or any(
        PRODUCTS[392].is_blocked(start + dt.timedelta(days=n)) for n in range(7)
    ):
        start += dt.timedelta(days=1)
    end = start + dt.timedelta(days=7)
    lines = [HEADER.replace(",customer_first_name", ",accommodation,customer_first_name")]
    for n in range(10):
        lines.append(
            f"d{n},384,{start},{end},Bo,Ray{n},m,bo{n}@example.com,392,"
            f"Bo,Ray,bo{n}@example.com,403 201 767,true"
        )
    path = tmp_path / "rooms.csv"
    path.write_text("\n".join(lines) + "\n")
    result = cli("-p", served_profile, "batch", "run", str(path), "--concurrency", "3", "--json")
    assert result.exit_code == 7, result
    assert result.json["booked"] == 8, result
    assert result.json["failed_by_reason"] == {"sold_out": 2}
    assert "error: 2 of 10 rows failed" in result.stderr
    assert served.admin("GET", "stats")["bookinglayer"]["bookings"] == 8


def test_dry_run_prices_every_row_and_books_nothing(
    cli: Cli, tmp_path: Path, served_profile: str, served: ServedSandbox
) -> None:
    path = write_jsonl(tmp_path / "b.jsonl", 5)
    report = tmp_path / "r.json"
    result = cli(
        "-p", served_profile, "batch", "run", str(path), "--dry-run", "--report", str(report),
        "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result
    assert result.json["priced"] == 5 and result.json["journal"] is None
    rows = json.loads(report.read_text())["rows"]
    assert {(r["state"], r["currency"]) for r in rows} == {("priced", "EUR")}
    assert all(r["amount"] in ("49.00", "59.00") for r in rows)
    assert served.admin("GET", "stats")["bookinglayer"]["carts"] == 0


def test_jsonl_on_the_embedded_sandbox_with_explicit_journal(cli: Cli, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "b.jsonl", 3)
    journal = tmp_path / "j.jsonl"
    result = cli("batch", "run", str(path), "--journal", str(journal), "--json")
    assert result.exit_code == 0, result
    assert result.json["booked"] == 3
    assert sorted(booked_rows(journal)) == ["j0", "j1", "j2"]
    resumed = cli("batch", "run", str(path), "--resume", "--journal", str(journal), "--json")
    assert resumed.json["already_booked"] == 3, resumed


def test_journal_conflicts_are_refused_before_sending(cli: Cli, tmp_path: Path) -> None:
    one, two = write_csv(tmp_path / "one.csv", 2), write_csv(tmp_path / "two.csv", 2)
    journal = tmp_path / "j.jsonl"
    assert cli("batch", "run", str(one), "--journal", str(journal)).exit_code == 0
    other = cli("batch", "run", str(two), "--journal", str(journal))
    assert other.exit_code == 2 and "belongs to file" in other.stderr, other
    write_csv(one, 2, bad={1: csv_row(1).replace("Lee1", "Changed")})
    changed = cli("batch", "run", str(one), "--journal", str(journal))
    assert changed.exit_code == 2 and "changed since the journal" in changed.stderr, changed
    (tmp_path / "dir.jsonl").mkdir()
    unreadable = cli("batch", "run", str(one), "--journal", str(tmp_path / "dir.jsonl"))
    assert unreadable.exit_code == 2 and "cannot read batch journal" in unreadable.stderr
    missing = cli("batch", "run", str(one), "--resume", "--journal", str(tmp_path / "no.jsonl"))
    assert missing.exit_code == 2 and "nothing to resume" in missing.stderr


def test_expired_cart_on_resume_gets_a_new_one(
    cli: Cli, tmp_path: Path, served_profile: str, served: ServedSandbox
) -> None:
    """A run killed between add and checkout, resumed after the cart expired: booked once."""
    path = write_csv(tmp_path / "b.csv", 1)
    journal = tmp_path / "j.jsonl"
    plan_key = "11111111-2222-3333-4444-555555555555"
    import httpx

    from tests.batch.helpers import csv_row as _  # noqa: F401  (same row as in the file)

    # What the killed run did: journalled the start, added the cart, journalled the cart.
    start = TODAY + dt.timedelta(days=2)
    body = {
        "guests": [
            {"first_name": "Ann", "last_name": "Lee0", "gender": "f", "email": "ann0@example.com",
             "package": {"id": 450, "start_date": start.isoformat(),
                         "end_date": (start + dt.timedelta(days=1)).isoformat(), "items": []}}
        ],
        "currency": "EUR",
    }  # fmt: skip
    cart = httpx.post(
        f"{served.url}/bookinglayer/api/pub/v2/bookings/add",
        json=body,
        headers={"Authorization": "Bearer sandbox-key", "Idempotency-Key": f"{plan_key}:add:1"},
    ).json()
    from bookctl.batch.adapters import Rules, adapter_for, iter_plans
    from bookctl.providers import CATALOGUE

    [plan] = iter_plans(path, "csv", adapter_for(CATALOGUE.spec("bookinglayer")), Rules())
    header = {
        "journal": 1, "file": str(path.resolve()), "provider": "bookinglayer",
        "profile": served_profile,
    }  # fmt: skip
    records = [
        header,
        {"row": "r0", "step": "started", "key": plan_key, "gen": 1, "line": 2,
         "digest": plan.digest},  # type: ignore[union-attr]
        {"row": "r0", "step": "added", "gen": 1, "cart_id": cart["cart_id"]},
    ]  # fmt: skip
    journal.write_text("".join(json.dumps(r) + "\n" for r in records))
    served.admin("POST", "clock", json={"advance_seconds": 660})
    result = cli("-p", served_profile, "batch", "run", str(path), "--journal", str(journal))
    assert result.exit_code == 0, result
    stats = served.admin("GET", "stats")["bookinglayer"]
    assert (stats["bookings"], stats["carts"], stats["expired_carts"]) == (1, 2, 1)
    assert len(booked_rows(journal)) == 1


def test_concurrency_1_books_every_row(tmp_path: Path) -> None:
    """One send slot: the settings read before the run must not keep it (that hung the run)."""
    path = write_csv(tmp_path / "one.csv", 3)
    result = run_bookctl("batch", "run", str(path), "--concurrency", "1", "--json", timeout=60)
    assert result.exit_code == 0, result
    assert result.json["booked"] == 3


def test_run_reads_the_batch_file_once(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 13: the rows checked before booking are the rows booked, read and parsed once."""
    from bookctl.batch import reader

    opened: list[Path] = []
    real_open = reader._open

    def counting_open(path: Path, *args: Any) -> Any:
        opened.append(path)
        return real_open(path, *args)

    monkeypatch.setattr(reader, "_open", counting_open)
    path = write_csv(tmp_path / "b.csv", 4, bad={1: csv_row(1, start="02/12/2026")})
    journal = tmp_path / "j.jsonl"
    result = cli("batch", "run", str(path), "--journal", str(journal), "--skip-invalid", "--json")
    assert result.exit_code == 0, result
    assert (result.json["booked"], result.json["skipped_invalid"]) == (3, 1)
    assert sorted(booked_rows(journal)) == ["r0", "r2", "r3"]
    assert opened == [path]
