"""The Wix Bookings sandbox catalogue: a yoga studio's services, coupons and paid plans, in code.

Sessions are computed from the sandbox clock (every day of the next two weeks), so the
catalogue is always bookable. The document's own ids (service, schedule, resource) are kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

CURRENCY = "USD"
SESSION_DAYS = 14
PAYMENT_SECONDS = 30  # sandbox seconds until an online payment completes
LOCKED_SESSION_KEY = "LOCK-2468"
#: The sandbox's card processor declines the payment of bookings for this contact email.
DECLINED_EMAIL = "declined@example.com"


@dataclass(frozen=True)
class Service:
    id: str
    code: str  # used in session ids
    name: str
    schedule_id: str
    tags: tuple[str, ...]
    capacity: int
    prices: dict[str, Decimal]
    start_time: str  # HH:MM UTC, daily
    minutes: int
    resource: dict[str, str]
    locked: bool = False


SERVICES: dict[str, Service] = {
    s.id: s
    for s in (
        Service(
            "f9969221-88b0-442d-9bfa-b7f0b739b0fc",
            "yoga",
            "Yoga class over Zoom",
            "a1239c6f-5984-4e2e-af5d-fa54726c63a5",
            ("GROUP",),
            10,
            {"general": Decimal("14"), "student": Decimal("10")},
            "07:00",
            60,
            {
                "id": "936d2078-79ba-49ca-b82d-8f12b8a050ac",
                "name": "Dorgal",
                "email": "dorga@wix.com",
            },
        ),
        Service(
            "5b3e4c2a-1d7f-4e55-9a0b-2c6d8e1f3a47",
            "pilates",
            "Reformer Pilates",
            "7c0e9d1b-3a2f-4b6c-8d5e-9f1a2b3c4d5e",
            ("GROUP",),
            2,
            {"general": Decimal("25")},
            "18:00",
            50,
            {
                "id": "0d6c2f84-4b1a-4f3e-9c7d-5e8a1b2c3d4f",
                "name": "Marge",
                "email": "marge@wix.com",
            },
        ),
        Service(
            "9e8d7c6b-5a4f-4e3d-2c1b-0a9f8e7d6c5b",
            "master",
            "Private masterclass",
            "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d",
            ("INDIVIDUAL",),
            1,
            {"general": Decimal("60")},
            "12:00",
            90,
            {"id": "2f3e4d5c-6b7a-4c8d-9e0f-1a2b3c4d5e6f", "name": "Lisa", "email": "lisa@wix.com"},
            locked=True,
        ),
    )
}

#: code -> percent off
COUPONS: dict[str, Decimal] = {
    "WELCOME10": Decimal("10"),
    "HALFOFF": Decimal("50"),
    "FREECLASS": Decimal("100"),
}


@dataclass(frozen=True)
class Plan:
    id: str
    name: str
    sessions: int
    services: tuple[str, ...]


PLANS: dict[str, Plan] = {
    p.id: p
    for p in (
        Plan("plan-yoga-10", "10 yoga and pilates classes", 10, ("yoga", "pilates")),
        Plan("plan-used-up", "Used-up class pack", 0, ("yoga", "pilates")),
    )
}
