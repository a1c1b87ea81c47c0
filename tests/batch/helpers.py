"""Batch files for the tests: cheap rows (the day pass, spread over many days)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

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


# -- the other four providers: cheap rows, the served profile's options, the stats to count --

#: Yoga over Zoom (Wix): 10 spots a day, at 07:00 UTC on each of the next 14 days.
WIX_YOGA = "f9969221-88b0-442d-9bfa-b7f0b739b0fc"
#: Guest Manager's address answers for a paid order (what ``--answers-file`` holds).
GM_ANSWERS = (
    '{"bill_address": {"address1": "1 Main Street", "city": "Anytown", "zipcode": "92109", '
    '"state_code": "WA", "country_code": "AU"}}'
)
PROVIDERS = ("bookingbug", "wix", "guestmanager", "rundl")
#: ``profile add`` arguments of each provider against a served sandbox at ``{url}``.
PROFILE_ARGS: dict[str, tuple[str, ...]] = {
    "bookingbug": (
        "--base-url", "{url}/bookingbug/api/v1", "--company-id", "37000",
        "--app-id", "bookctl-sandbox",
    ),
    "wix": ("--base-url", "{url}/wix/bookings/v1"),
    "guestmanager": ("--base-url", "{url}/guestmanager"),
    "rundl": ("--base-url", "{url}/rundl/api", "--account", "17357980"),
}  # fmt: skip
#: The order states each provider ends in (where the run followed a pending one).
FINAL_STATES = {
    "bookingbug": {"pending_payment"},
    "wix": {"CONFIRMED"},
    "guestmanager": {"complete"},
    "rundl": {"invoiced"},  # no card: a manual payment, invoiced once it settles
}
CSV_HEADERS = {
    "bookingbug": "id,event_id,member_id,take_from_wallet",
    "wix": "id,service,session,qty,coupon,contact_first_name,contact_email",
    "guestmanager": "id,ticket_type,qty,email,first_name,last_name,payment_token,answers",
    "rundl": "id,service,product,qty",
}


def wix_session(n: int) -> str:
    """Yoga sessions from tomorrow over 13 days (today's started at 07:00): at most 10 a day."""
    return "yoga-" + (TODAY + dt.timedelta(days=1 + n % 13)).strftime("%Y%m%d")


def provider_csv_row(provider: str, n: int, *, paid: bool = False) -> str:
    """Row ``n`` for ``provider``: one place each, for at most 60 rows; free where the
    provider has free ones (settled at once) unless ``paid`` (settled later)."""
    if provider == "bookingbug":
        return f"b{n},{7001 + n % 3},1003,no"  # Jazz Night, 40 spaces on each of three dates
    if provider == "wix":
        coupon = "" if paid else "FREECLASS"
        return f"w{n},{WIX_YOGA},{wix_session(n)},1,{coupon},Ann,ann{n}@example.com"
    if provider == "guestmanager":
        # The free pass has 20 places: a third of the rows take it, the others General
        # Admission (50), whose card payment is processing for 30 s.
        if paid or n % 3:
            answers = '"' + GM_ANSWERS.replace('"', '""') + '"'
            return f"g{n},601,1,ann{n}@example.com,Ann,Lee{n},tok_visa,{answers}"
        return f"g{n},610,1,ann{n}@example.com,Ann,Lee{n},,"
    if provider == "rundl":  # every product order is processing for 5 s
        return f"d{n},30798101,30798132,1"
    raise ValueError(provider)


def write_provider_csv(
    path: Path, provider: str, count: int, *, paid: bool = False, bad: dict[int, str] | None = None
) -> Path:
    lines = [CSV_HEADERS[provider]]
    for n in range(count):
        lines.append((bad or {}).get(n, provider_csv_row(provider, n, paid=paid)))
    path.write_text("\n".join(lines) + "\n")
    return path


def provider_json_row(provider: str, n: int) -> dict[str, Any]:
    """Row ``n`` as ``{"id", "add", "checkout"}`` (the same booking as the CSV row)."""
    if provider == "bookingbug":
        add: dict[str, Any] = {"event_id": 7001 + n % 3, "member_id": 1003}
        checkout: dict[str, Any] = {"member_id": 1003, "take_from_wallet": False}
    elif provider == "wix":
        add = {
            "service_id": WIX_YOGA,
            "session_id": wix_session(n),
            "participants": 1,
            "contactDetails": {"firstName": "Jo", "email": f"jo{n}@example.com"},
        }
        checkout = {"coupon": "FREECLASS"}
    elif provider == "guestmanager":
        add = {"ticket_type": 610, "qty": 1}
        checkout = {"email": f"jo{n}@example.com", "first_name": "Jo", "last_name": f"Ng{n}"}
    elif provider == "rundl":
        add = {"service": 30798101, "product": [30798131], "qty": 1}
        checkout = {}
    else:
        raise ValueError(provider)
    return {"id": f"j{n}", "add": add, "checkout": checkout}


def write_provider_jsonl(path: Path, provider: str, count: int) -> Path:
    path.write_text(
        "".join(json.dumps(provider_json_row(provider, n)) + "\n" for n in range(count))
    )
    return path


def provider_counts(provider: str, stats: dict[str, int]) -> dict[str, int]:
    """What the sandbox holds for the provider's bookings, as exact counts that a test
    compares with the rows it booked (every row books one place)."""
    if provider == "bookingbug":
        keys = ("baskets", "purchases", "bookings", "checkouts", "open_baskets")
    elif provider == "wix":
        keys = ("bookings", "checkouts", "pending_checkout")
    elif provider == "guestmanager":
        keys = ("orders", "open_orders", "expired_orders", "canceled_orders")
    elif provider == "rundl":
        keys = ("checkouts", "product_orders", "purchases")
    else:
        raise ValueError(provider)
    return {k: stats[k] for k in keys}


def expected_counts(provider: str, rows: int) -> dict[str, int]:
    """:func:`provider_counts` after ``rows`` rows were booked exactly once."""
    return {
        "bookingbug": {
            "baskets": rows, "purchases": rows, "bookings": rows, "checkouts": rows,
            "open_baskets": 0,
        },
        "wix": {"bookings": rows, "checkouts": rows, "pending_checkout": 0},
        "guestmanager": {
            "orders": rows, "open_orders": 0, "expired_orders": 0, "canceled_orders": 0,
        },
        "rundl": {"checkouts": rows, "product_orders": rows, "purchases": rows},
    }[provider]  # fmt: skip
