"""The Guest Manager sandbox catalogue: one venue's events and ticket types, in code.

Event dates are relative to the sandbox clock. Every ticket type exercises one checkout step
of the document (seed 002): names on tickets, passwords, invitations, member ids, forms,
shipping, sold out with ``can_request``, not yet on sale with ``can_reserve``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

CURRENCY = "USD"
ORDER_TTL_SECONDS = 15 * 60  # the document: expires_at is 15 minutes ahead by default
PROCESSING_SECONDS = 30  # sandbox seconds a payment spends in `processing`
DECLINING_TOKENS = frozenset({"tok_declined", "tok_chargeDeclined"})
MEMBERS = frozenset({"M-1001", "M-1002", "M-1003"})
LINK_BASE = "https://sandbox.guestmanager.example/orders"
PAYMENT_METHODS = [{"id": 1, "type": "stripe", "name": "Credit card (Stripe)"}]


@dataclass(frozen=True)
class FormField:
    id: int
    label: str
    type: str  # "text" or "multiple_choice"
    required: bool
    options: tuple[tuple[int, str], ...] = ()


@dataclass(frozen=True)
class Event:
    id: int
    name: str
    venue: str
    starts_in_days: int
    password: str | None = None
    invite_codes: tuple[str, ...] = ()
    form_id: int | None = None
    form: tuple[FormField, ...] = ()


@dataclass(frozen=True)
class TicketType:
    id: int
    event_id: int
    name: str
    price: Decimal
    capacity: int
    on_sale: bool = True
    can_request: bool = False
    can_reserve: bool = False
    collect_name: bool = False
    collect_email: bool = False
    collect_member_id: bool = False
    shipping: bool = False


EVENTS: dict[int, Event] = {
    e.id: e
    for e in (
        Event(501, "Summer Jazz Night", "Blue Note Hall", 20),
        Event(
            502,
            "Tech Conference 2027",
            "Convention Centre",
            40,
            form_id=38,
            form=(
                FormField(9001, "Company", "text", True),
                FormField(
                    9002,
                    "T-shirt size",
                    "multiple_choice",
                    True,
                    ((591, "S"), (592, "M"), (593, "L")),
                ),
                FormField(
                    9003,
                    "Dietary needs",
                    "multiple_choice",
                    False,
                    ((790, "None"), (791, "Vegetarian"), (792, "Vegan")),
                ),
            ),
        ),
        Event(503, "Secret Rooftop Party", "Somewhere high", 10, password="opensesame"),
        Event(504, "Gala Dinner", "Grand Ballroom", 30, invite_codes=("INV-1234", "INV-5678")),
        Event(505, "Sold-out Comedy Show", "Laugh Factory", 15),
        Event(506, "Next Year's Festival", "City Park", 300),
    )
}

TICKET_TYPES: dict[int, TicketType] = {
    t.id: t
    for t in (
        TicketType(601, 501, "General Admission", Decimal("25.00"), 50),
        TicketType(602, 501, "VIP", Decimal("80.00"), 10, collect_name=True, collect_email=True),
        TicketType(609, 501, "Jazz Night Poster (shipped)", Decimal("15.00"), 100, shipping=True),
        TicketType(610, 501, "Free Community Pass", Decimal("0.00"), 20),
        TicketType(603, 502, "Conference Pass", Decimal("199.00"), 100, collect_name=True),
        TicketType(604, 502, "Member Pass", Decimal("99.00"), 100, collect_member_id=True),
        TicketType(605, 503, "Rooftop Entry", Decimal("30.00"), 40),
        TicketType(606, 504, "Gala Seat", Decimal("150.00"), 20),
        TicketType(607, 505, "Comedy Ticket", Decimal("35.00"), 0, can_request=True),
        TicketType(
            608, 506, "Festival Pass", Decimal("120.00"), 500, on_sale=False, can_reserve=True
        ),
    )
}

# id -> ISO code; the document's example uses country 14 with state 162.
COUNTRIES: dict[int, str] = {14: "AU", 39: "CA", 232: "GB", 233: "US"}
STATES: dict[int, tuple[str, str]] = {  # id -> (country code, state code)
    160: ("AU", "NSW"),
    161: ("AU", "VIC"),
    162: ("AU", "WA"),
    300: ("US", "CA"),
    301: ("US", "NY"),
    302: ("US", "WA"),
}
