"""The BookingBug sandbox catalogue: one events venue (company 37000), defined in code.

Event dates are days from the sandbox's today, so the catalogue stays bookable whatever today
is. Amounts are integers in pence, as BookingBug's own API answers them.
"""

from __future__ import annotations

from dataclasses import dataclass

COMPANY_ID = 37000
COMPANY_NAME = "The Old Mill Events Venue"
CURRENCY = "GBP"
#: How long add_item holds a basket's items (refreshed by every add_item on the basket).
HOLD_SECONDS = 15 * 60
#: Services are bookable on this many days from tomorrow.
SERVICE_DAYS = 14
#: Created clients get ids from here on (the seeded ones sit below).
FIRST_CLIENT_ID = 1100


@dataclass(frozen=True)
class EventChain:
    id: int
    name: str
    description: str
    price: int
    spaces: int
    duration: int  # minutes
    start_time: str  # HH:MM, UTC
    package_ids: tuple[int, ...] = ()  # non-empty: the events are sold only within a package


@dataclass(frozen=True)
class Event:
    id: int
    chain_id: int
    day_offset: int  # days after the sandbox's today


@dataclass(frozen=True)
class Service:
    id: int
    name: str
    description: str
    price: int
    duration: int  # minutes
    times: tuple[str, ...]  # HH:MM, UTC, every day
    capacity: int  # bookings per time


@dataclass(frozen=True)
class Purchasable:
    id: int
    name: str
    price: int


@dataclass(frozen=True)
class Deal:
    id: int
    name: str
    percent_off: int = 0
    amount_off: int = 0
    chain_ids: tuple[int, ...] = ()
    service_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class Package:
    id: int
    name: str
    chain_ids: tuple[int, ...]
    event_price: int  # what each event of the package costs within it


@dataclass(frozen=True)
class BulkPurchase:
    id: int
    name: str
    chain_ids: tuple[int, ...]
    spaces: int  # prepaid places; items booked with it cost nothing


@dataclass(frozen=True)
class Member:
    id: int
    first_name: str
    last_name: str
    email: str
    wallet: int  # seeded wallet credit in pence


EVENT_CHAINS: dict[int, EventChain] = {
    c.id: c
    for c in (
        EventChain(5001, "Jazz Night", "Live jazz in the mill's barn.", 2500, 40, 180, "19:30"),
        EventChain(
            5002,
            "Wine Tasting Course",
            "A two-evening course, sold as the Wine Course Pass.",
            4000,
            12,
            120,
            "18:00",
            package_ids=(8001,),
        ),
        EventChain(5003, "Comedy Night", "Stand-up in the small room.", 1500, 2, 90, "20:00"),
    )
}

EVENTS: dict[int, Event] = {
    e.id: e
    for e in (
        Event(7001, 5001, 7),
        Event(7002, 5001, 14),
        Event(7003, 5001, 21),
        Event(7101, 5002, 10),
        Event(7102, 5002, 17),
        Event(7201, 5003, 12),
    )
}

SERVICES: dict[int, Service] = {
    s.id: s
    for s in (
        Service(
            6001, "Private Tour", "An hour's tour of the mill.", 3000, 60, ("10:00", "14:00"), 1
        ),
        Service(
            6002, "Studio Hire", "The recording studio for two hours.", 8000, 120, ("09:00",), 1
        ),
    )
}

PRODUCTS: dict[int, Purchasable] = {
    p.id: p
    for p in (
        Purchasable(9001, "Event Programme", 500),
        Purchasable(9002, "Gift Voucher", 2000),
    )
}

DEALS: dict[int, Deal] = {
    d.id: d
    for d in (
        Deal(4001, "Jazz 10% off", percent_off=10, chain_ids=(5001,)),
        Deal(4002, "£5 off a Private Tour", amount_off=500, service_ids=(6001,)),
    )
}

PACKAGES: dict[int, Package] = {
    p.id: p for p in (Package(8001, "Wine Course Pass", chain_ids=(5002,), event_price=3000),)
}

BULK_PURCHASES: dict[int, BulkPurchase] = {
    b.id: b for b in (BulkPurchase(3001, "Acme Corp jazz block", chain_ids=(5001,), spaces=10),)
}

ATTACHMENTS: dict[int, str] = {2001: "seating-plan.pdf", 2002: "dietary-requirements.docx"}

MEMBERS: dict[int, Member] = {
    m.id: m
    for m in (
        Member(1001, "Alice", "Walker", "alice@example.com", 10000),
        Member(1002, "Bob", "Broke", "bob@example.com", 0),
        Member(1003, "Carol", "Small", "carol@example.com", 1000),
    )
}

#: The App-Id the sandbox issues with its App-Key; every call must carry both.
APP_ID = "bookctl-sandbox"


@dataclass(frozen=True)
class Administrator:
    name: str
    email: str
    password: str


#: Who may `POST /login` (authentication.md): the answer's `auth_token` acts for them.
ADMINISTRATORS: dict[str, Administrator] = {
    a.email: a
    for a in (Administrator("Olive Miller", "admin@oldmill.example", "sandbox-password"),)
}
