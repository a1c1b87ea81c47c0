"""The Bookinglayer sandbox catalogue: one surf business, defined by rules, not rows.

Dates are never stored: availability, blocked nights, fixed event dates and season segments
are computed from the sandbox clock, so the catalogue stays bookable whatever today is.
Ids of the document's own examples (package 384, accommodation 392, items 394/400/385,
product 3337, rental 512) are kept so the document's examples work as written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

DEFAULT_CURRENCY = "EUR"
# Fixed conversion rates from EUR.
CURRENCY_RATES: dict[str, Decimal] = {
    "EUR": Decimal("1"),
    "USD": Decimal("1.08"),
    "GBP": Decimal("0.85"),
    "AUD": Decimal("1.65"),
}
CURRENCIES: list[dict[str, Any]] = [
    {"id": 1, "title": "Euro", "symbol": "€", "iso_code": "EUR"},
    {"id": 2, "title": "US Dollar", "symbol": "$", "iso_code": "USD"},
    {"id": 3, "title": "British Pound", "symbol": "£", "iso_code": "GBP"},
    {"id": 4, "title": "Australian Dollar", "symbol": "A$", "iso_code": "AUD"},
]
LANGUAGES = ["en", "de"]
CART_TTL_SECONDS = 600

ALL_DAYS = dict.fromkeys(("mon", "tue", "wed", "thu", "fri", "sat", "sun"), True)
WEEKDAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

LOCATIONS = {12: "Kauai, Hawaii", 13: "Byron Bay, Australia"}
BACKOFFICE_CATEGORIES = {1: "Surf packages", 2: "Activities", 3: "Rentals & services"}
FRONTOFFICE_CATEGORIES = {12: "Surf camps", 13: "Lessons & activities", 14: "Rentals"}


@dataclass(frozen=True)
class Product:
    """One sellable product and the rules that make its inventory and price."""

    id: int
    type: str
    title: str
    backoffice_title: str
    location_id: int
    backoffice_category_id: int
    frontoffice_category_id: int | None
    price_low: Decimal
    price_high: Decimal
    price_type: str = "person"  # "person" (per guest per unit) or "fixed" (per booking)
    capacity: int | None = 10  # units per day (or per timeslot); None = unlimited
    duration: dict[str, Any] = field(
        default_factory=lambda: {
            "is_flexible": False,
            "min": 1,
            "default": 1,
            "unit": "day",
            "variants": [1],
        }
    )
    pax: dict[str, int] = field(default_factory=lambda: {"min": 1, "max": 10})
    allowed_checkin_days: dict[str, bool] = field(default_factory=lambda: dict(ALL_DAYS))
    timeslots: tuple[str, ...] = ()  # times of day; capacity applies to each slot
    closed_weekdays: frozenset[int] = frozenset()  # 0 = Monday; no sale on these days
    blocked_modulus: int | None = None  # nights with date.toordinal() % m == 0 are blocked
    fixed_days_of_month: tuple[int, ...] = ()  # fixed-date product: only these days
    qty_breaks: tuple[tuple[int, Decimal], ...] = ()  # (min units, unit price EUR)
    accommodation_type: dict[str, Any] | None = None
    gender: str = "mf"
    default_start_time: str | None = None
    description: str = "Aenean eu leo quam. Pellentesque ornare sem lacinia quam venenatis."
    extended_description: str = "Cum sociis natoque penatibus et magnis dis parturient montes."
    translations: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def is_on_timeslots(self) -> bool:
        """True for products sold per time of day."""
        return bool(self.timeslots)

    @property
    def is_fixed_date(self) -> bool:
        """True for products that only run on set dates."""
        return bool(self.fixed_days_of_month)

    def runs_on(self, day: date) -> bool:
        """Whether the product is offered at all on `day`."""
        if day.weekday() in self.closed_weekdays:
            return False
        return not self.fixed_days_of_month or day.day in self.fixed_days_of_month

    def is_blocked(self, day: date) -> bool:
        """Whether `day` is blocked out (closed for sale although normally offered)."""
        return self.blocked_modulus is not None and day.toordinal() % self.blocked_modulus == 0


@dataclass(frozen=True)
class PackageItem:
    """A product offered inside a package, with its role and the dates it may be taken."""

    id: int
    product_id: int
    role: str  # default, alternative, upgrade, option
    group: str | None  # None: a single item; else the key of its group
    dates_rule: str  # "start": start date only; "stay": each night's day of the stay
    is_configurable_dates: bool
    qty: dict[str, int]


@dataclass(frozen=True)
class Package:
    """A package product's accommodation options and items."""

    product_id: int
    accommodation_ids: tuple[int, ...]
    items: tuple[PackageItem, ...]


_IMAGE = {
    "small": "https://sandbox.bookinglayer.io/img/{id}-small.jpg",
    "medium": "https://sandbox.bookinglayer.io/img/{id}-medium.jpg",
    "large": "https://sandbox.bookinglayer.io/img/{id}-large.jpg",
}


def image(product_id: int) -> dict[str, str]:
    """The image object of a product."""
    return {k: v.format(id=product_id) for k, v in _IMAGE.items()}


_SURF_CAMP_DAYS = {
    "mon": True,
    "tue": False,
    "wed": True,
    "thu": True,
    "fri": False,
    "sat": True,
    "sun": False,
}

_PRODUCT_LIST = [
    Product(
        id=384,
        type="package",
        title="Surf Camp",
        backoffice_title="Advanced Surf Camp",
        location_id=12,
        backoffice_category_id=1,
        frontoffice_category_id=12,
        price_low=Decimal("199"),
        price_high=Decimal("249"),
        price_type="person",
        capacity=None,  # a package's room is its accommodations' room
        duration={
            "is_flexible": True,
            "min": 7,
            "default": 7,
            "unit": "day",
            "variants": [7, 10, 14],
        },
        pax={"min": 1, "max": 10},
        allowed_checkin_days=_SURF_CAMP_DAYS,
        translations={
            "de": {"title": "Surfcamp", "description": "Eine Woche Wellen, Sonne und Surfen."},
            "es": {"title": "Campamento de surf", "description": "Una semana de olas y sol."},
        },
    ),
    Product(
        id=450,
        type="package",
        title="Surf Day Pass",
        backoffice_title="Day pass (no accommodation)",
        location_id=12,
        backoffice_category_id=1,
        frontoffice_category_id=12,
        price_low=Decimal("49"),
        price_high=Decimal("59"),
        capacity=500,
        pax={"min": 1, "max": 20},
        translations={"de": {"title": "Surf-Tagespass"}},
    ),
    Product(
        id=392,
        type="accommodation",
        title="Double Room",
        backoffice_title="Room 13A",
        location_id=12,
        backoffice_category_id=1,
        frontoffice_category_id=12,
        price_low=Decimal("40"),
        price_high=Decimal("55"),
        capacity=8,
        blocked_modulus=37,
        accommodation_type={"id": 1345, "title": "Double Room"},
        duration={"is_flexible": True, "min": 1, "default": 7, "unit": "day", "variants": []},
        pax={"min": 1, "max": 2},
        translations={"de": {"title": "Doppelzimmer"}},
    ),
    Product(
        id=393,
        type="accommodation",
        title="Dorm Bed",
        backoffice_title="Dorm 2 (8 beds)",
        location_id=12,
        backoffice_category_id=1,
        frontoffice_category_id=12,
        price_low=Decimal("20"),
        price_high=Decimal("27.50"),
        capacity=60,
        accommodation_type={"id": 1346, "title": "Dorm"},
        duration={"is_flexible": True, "min": 1, "default": 7, "unit": "day", "variants": []},
        pax={"min": 1, "max": 1},
        translations={"de": {"title": "Schlafsaalbett"}},
    ),
    Product(
        id=3337,
        type="activity",
        title="Surf lesson on timeslots",
        backoffice_title="Advanced Surf Lesson",
        location_id=12,
        backoffice_category_id=2,
        frontoffice_category_id=13,
        price_low=Decimal("10"),
        price_high=Decimal("10"),
        capacity=10,
        timeslots=("10:30", "15:00"),
        blocked_modulus=31,
        qty_breaks=((3, Decimal("9")), (5, Decimal("8"))),
        translations={"de": {"title": "Surfstunde im Zeitfenster"}},
    ),
    Product(
        id=3338,
        type="activity",
        title="Surf Session",
        backoffice_title="Morning Surf Session",
        location_id=12,
        backoffice_category_id=2,
        frontoffice_category_id=None,  # sold only inside the Surf Camp
        price_low=Decimal("0"),
        price_high=Decimal("0"),
        capacity=100,
    ),
    Product(
        id=3341,
        type="activity",
        title="Late Surf Session",
        backoffice_title="Late Surf Session",
        location_id=12,
        backoffice_category_id=2,
        frontoffice_category_id=None,
        price_low=Decimal("0"),
        price_high=Decimal("0"),
        capacity=30,
    ),
    Product(
        id=3339,
        type="activity",
        title="Yoga class",
        backoffice_title="Sunrise Yoga",
        location_id=12,
        backoffice_category_id=2,
        frontoffice_category_id=13,
        price_low=Decimal("15"),
        price_high=Decimal("18"),
        capacity=12,
        translations={"de": {"title": "Yogastunde"}},
    ),
    Product(
        id=3340,
        type="service",
        title="Airport transfer",
        backoffice_title="Lihue airport pick-up",
        location_id=12,
        backoffice_category_id=3,
        frontoffice_category_id=14,
        price_low=Decimal("30"),
        price_high=Decimal("30"),
        price_type="fixed",
        capacity=None,
    ),
    Product(
        id=3342,
        type="activity",
        title="Sunset boat trip",
        backoffice_title="Catamaran sunset cruise",
        location_id=12,
        backoffice_category_id=2,
        frontoffice_category_id=13,
        price_low=Decimal("65"),
        price_high=Decimal("75"),
        capacity=20,
        closed_weekdays=frozenset({6}),  # no trips on Sundays
    ),
    Product(
        id=3343,
        type="activity",
        title="Snorkel tour",
        backoffice_title="Reef snorkel tour",
        location_id=12,
        backoffice_category_id=2,
        frontoffice_category_id=13,
        price_low=Decimal("45"),
        price_high=Decimal("50"),
        capacity=12,
    ),
    Product(
        id=512,
        type="rental",
        title="Surfboard rental",
        backoffice_title="Softtop 8ft rental",
        location_id=12,
        backoffice_category_id=3,
        frontoffice_category_id=14,
        price_low=Decimal("5"),
        price_high=Decimal("5"),
        capacity=20,
        duration={
            "is_flexible": True,
            "min": 1,
            "default": 2,
            "unit": "hour",
            "variants": [1, 2, 4],
        },
        qty_breaks=((4, Decimal("4.50")), (10, Decimal("4"))),
    ),
    Product(
        id=620,
        type="activity",
        title="Byron Bay Surf Contest",
        backoffice_title="Monthly longboard contest",
        location_id=13,
        backoffice_category_id=2,
        frontoffice_category_id=13,
        price_low=Decimal("25"),
        price_high=Decimal("25"),
        capacity=50,
        fixed_days_of_month=(1, 15),
    ),
    Product(
        id=700,
        type="service",
        title="Surf photo package",
        backoffice_title="Photographer, 1 session",
        location_id=13,
        backoffice_category_id=3,
        frontoffice_category_id=14,
        price_low=Decimal("80"),
        price_high=Decimal("95"),
        price_type="fixed",
        capacity=None,
    ),
]

PRODUCTS: dict[int, Product] = {p.id: p for p in _PRODUCT_LIST}

_STAY = "stay"
PACKAGES: dict[int, Package] = {
    384: Package(
        product_id=384,
        accommodation_ids=(392, 393),
        items=(
            PackageItem(
                394, 3340, "option", None, "start", False, {"min": 0, "max": 1, "default": 0}
            ),
            PackageItem(400, 3337, "option", None, _STAY, True, {"min": 0, "max": 1, "default": 0}),
            PackageItem(
                27299, 3338, "default", "sessions", _STAY, True, {"min": 1, "max": 1, "default": 1}
            ),
            PackageItem(
                27300,
                3341,
                "alternative",
                "sessions",
                _STAY,
                True,
                {"min": 0, "max": 1, "default": 0},
            ),
            PackageItem(
                385, 3339, "upgrade", "sessions", _STAY, True, {"min": 0, "max": 1, "default": 0}
            ),
            PackageItem(
                401, 3342, "option", "excursions", _STAY, False, {"min": 0, "max": 1, "default": 0}
            ),
            PackageItem(
                402, 3343, "option", "excursions", _STAY, False, {"min": 0, "max": 1, "default": 0}
            ),
        ),
    ),
    450: Package(product_id=450, accommodation_ids=(), items=()),
}

PACKAGE_ITEMS: dict[int, tuple[Package, PackageItem]] = {
    item.id: (package, item) for package in PACKAGES.values() for item in package.items
}

DIETS = [
    {"id": 386, "title": "Vegetarian", "description": "No meat at all. ", "abbreviation": None},
    {"id": 387, "title": "Vegan", "description": "No animal products.", "abbreviation": "VG"},
]
LEVELS = [
    {
        "id": 491,
        "title": "Beginner",
        "description": "You have never (or only once or twice) performed this activity.",
        "abbreviation": None,
    },
    {
        "id": 492,
        "title": "Intermediate",
        "description": "You catch green waves.",
        "abbreviation": None,
    },
    {"id": 493, "title": "Advanced", "description": "You surf reef breaks.", "abbreviation": None},
]
TERMS = "These are our booking terms and conditions."


def settings() -> dict[str, Any]:
    """The business settings object (`GET /settings`)."""
    return {
        "id": 176,
        "title": "Bookctl Surf Sandbox",
        "business_domain": "sandbox.bookinglayer.io",
        "company_name": "Bookctl Surf Sandbox",
        "website_url": None,
        "currencies": CURRENCIES,
        "diets": DIETS,
        "levels": LEVELS,
        "languages": LANGUAGES,
        "settings": {
            "guest_fields": {"birthday": {"request": True, "required": False}, "minimum_age": 0},
            "customer_fields": {
                "address": {"request": False, "required": False},
                "phone": {"request": True, "required": True},
                "minimum_age": 0,
            },
        },
        "terms": TERMS,
    }


def seasons(today: date) -> list[dict[str, Any]]:
    """High/Low season segments for this year and the next two (inclusive dates)."""
    high: list[dict[str, Any]] = []
    low: list[dict[str, Any]] = []
    for n, year in enumerate(range(today.year, today.year + 3)):
        base = 1000 + n * 10
        high.append({"id": base + 1, "start_date": f"{year}-01-01", "end_date": f"{year}-04-29"})
        low.append({"id": base + 2, "start_date": f"{year}-04-30", "end_date": f"{year}-07-31"})
        high.append({"id": base + 3, "start_date": f"{year}-08-01", "end_date": f"{year}-12-31"})
    return [
        {"id": 80, "title": "High", "segments": high},
        {"id": 81, "title": "Low", "segments": low},
    ]


def is_high_season(day: date) -> bool:
    """Whether `day` falls in a High segment (any year: the pattern repeats yearly)."""
    return not (date(day.year, 4, 30) <= day <= date(day.year, 7, 31))
