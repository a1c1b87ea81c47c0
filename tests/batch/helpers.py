"""Batch files for the tests: cheap rows (the day pass, spread over many days)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from tests.conftest import TODAY

HEADER = (
    "id,package,start_date,end_date,guest_first_name,guest_last_name,guest_gender,guest_email,"
    "customer_first_name,customer_last_name,customer_email,customer_phone,accept_terms"
)
DAY_PASS = "450"


def day(n: int) -> dt.date:
    """Spread rows over 150 days from the day after tomorrow: the day pass has 500 a day."""
    return TODAY + dt.timedelta(days=2 + n % 150)


def csv_row(n: int, *, start: str | None = None, gender: str = "f") -> str:
    first = day(n)
    begin = start or first.isoformat()
    end = (first + dt.timedelta(days=1)).isoformat()
    return (
        f"r{n},{DAY_PASS},{begin},{end},Ann,Lee{n},{gender},ann{n}@example.com,"
        f"Ann,Lee,ann{n}@example.com,403 201 767,yes"
    )


def write_csv(path: Path, count: int, *, bad: dict[int, str] | None = None) -> Path:
    """``count`` rows; ``bad`` maps a row index to a replacement line."""
    lines = [HEADER]
    for n in range(count):
        lines.append((bad or {}).get(n, csv_row(n)))
    path.write_text("\n".join(lines) + "\n")
    return path


def json_row(n: int) -> dict[str, object]:
    first = day(n)
    return {
        "id": f"j{n}",
        "add": {
            "currency": "EUR",
            "guests": [
                {
                    "first_name": "Jo",
                    "last_name": f"Ng{n}",
                    "gender": "m",
                    "email": f"jo{n}@example.com",
                    "package": {
                        "id": 450,
                        "start_date": first.isoformat(),
                        "end_date": (first + dt.timedelta(days=1)).isoformat(),
                    },
                }
            ],
        },
        "checkout": {
            "terms_accepted": True,
            "customer": {
                "first_name": "Jo",
                "last_name": "Ng",
                "email": f"jo{n}@example.com",
                "phone": "403 201 767",
            },
        },
    }


def write_jsonl(path: Path, count: int) -> Path:
    path.write_text("".join(json.dumps(json_row(n)) + "\n" for n in range(count)))
    return path


def journal_records(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def booked_rows(path: Path) -> dict[str, str]:
    """Row id -> order id of every ``booked`` record; a row booked twice fails the test."""
    booked: dict[str, str] = {}
    for record in journal_records(path)[1:]:
        if record["step"] == "booked":
            row = str(record["row"])
            assert row not in booked, f"row {row} journalled as booked twice"
            booked[row] = str(record["order_id"])
    return booked
