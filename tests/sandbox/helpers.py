"""Helpers shared by the sandbox tests: paths, the document's payloads, date pickers."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from fastapi.testclient import TestClient

from bookctl.sandbox.app import DEFAULT_API_KEY
from bookctl.sandbox.bookinglayer.seed import PRODUCTS

BL = "/bookinglayer/api/pub/v2"
AUTH = {"Authorization": f"Bearer {DEFAULT_API_KEY}"}


def sandbox_today(client: TestClient) -> date:
    """The sandbox's current day, read through the admin clock."""
    return date.fromisoformat(client.get("/_sandbox/clock").json()["now"][:10])


def free_monday(client: TestClient, after_days: int = 1, nights: int = 7) -> date:
    """A Monday check-in at least `after_days` ahead whose stay avoids blocked dates."""
    day = sandbox_today(client) + timedelta(days=after_days)
    while True:
        if day.weekday() == 0:
            stay = [day + timedelta(days=n) for n in range(nights)]
            if not any(PRODUCTS[p].is_blocked(d) for d in stay for p in (392, 3337)):
                return day
        day += timedelta(days=1)


def doc_guest(start: date, email: str = "ollie@bookinglayer.com", **extra: Any) -> dict[str, Any]:
    """The document's `/bookings/add` guest, moved to `start` (a Monday)."""
    guest: dict[str, Any] = {
        "first_name": "Oliver",
        "last_name": "Nicholson",
        "email": email,
        "gender": "m",
        "language_code": "en",
        "birth_date": "1984-02-04",
        "package": {
            "id": 384,
            "start_date": start.isoformat(),
            "end_date": (start + timedelta(days=7)).isoformat(),
            "accommodation_id": 392,
            "items": [
                {"package_item_id": 394, "dates": [start.isoformat()]},
                {
                    "package_item_id": 400,
                    "dates": [
                        f"{start + timedelta(days=1)} 10:30:00",
                        f"{start + timedelta(days=6)} 15:00:00",
                    ],
                },
                {
                    "package_item_id": 385,
                    "dates": [
                        (start + timedelta(days=3)).isoformat(),
                        (start + timedelta(days=5)).isoformat(),
                    ],
                },
            ],
        },
    }
    guest.update(extra)
    return guest


def simple_guest(start: date, email: str, accommodation_id: int = 392) -> dict[str, Any]:
    """A guest with just the package and accommodation (no optional items)."""
    guest = doc_guest(start, email)
    guest["package"]["accommodation_id"] = accommodation_id
    guest["package"]["items"] = []
    return guest


CUSTOMER: dict[str, Any] = {
    "first_name": "Oliver",
    "last_name": "Nicholson",
    "email": "ollie@bookinglayer.com",
    "gender": "m",
    "language_code": "en",
    "birth_date": "1984-02-04",
    "phone_countrycode": 61,
    "phone": "403 201 767",
    "address_line_1": "Unit 1",
    "address_line_2": "45 Armstrong Street",
    "city": "Byron Bay",
    "state": "NSW",
    "zipcode": "2481",
    "country": "Australia",
}


def checkout_body(**changes: Any) -> dict[str, Any]:
    """The document's checkout payload, with changes."""
    body: dict[str, Any] = {
        "terms_accepted": True,
        "newsletter_opt_in": False,
        "customer": dict(CUSTOMER),
    }
    body.update(changes)
    return body


def add(client: TestClient, guests: list[dict[str, Any]], **body: Any) -> Any:
    """POST /bookings/add and return the response."""
    return client.post(f"{BL}/bookings/add", json={"currency": "EUR", "guests": guests, **body})


def double_room_left(client: TestClient, day: date) -> int:
    """Units of Double Room 392 left on `day`."""
    rows = client.get(
        f"{BL}/products/392/availabilities",
        params={"start_date": day.isoformat(), "end_date": day.isoformat()},
    ).json()
    left: int = rows[day.isoformat()]["available"]
    return left
