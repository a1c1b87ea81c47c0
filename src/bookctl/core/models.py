"""Provider-neutral models: the JSON fields of DESIGN.md section 3 that scripts rely on.

Amounts are decimal strings; ids are strings whatever the provider uses.
"""

from __future__ import annotations

from typing import Any

from bookctl.core.money import money
from bookctl.core.wire import ConfigDict, Field, Model

__all__ = ["money"]

Count = int | str | None  # a number, the string "unlimited", or unknown


class _Model(Model):
    model_config = ConfigDict(extra="forbid", defer_build=True)


class Money(_Model):
    amount: str
    currency: str


class Product(_Model):
    id: str
    provider: str
    type: str
    title: str
    location: str | None = None
    price_from: Money | None = None
    description: str | None = None
    details: dict[str, Any] = Field(default_factory=dict)


class Timeslot(_Model):
    time: str
    available: Count
    capacity: Count
    #: For providers whose timeslots are sessions: the session, and whether it needs a
    #: locked-session key (left out of the JSON for providers without sessions).
    session_id: str | None = Field(default=None, exclude_if=lambda v: v is None)
    locked: bool | None = Field(default=None, exclude_if=lambda v: v is None)


class AvailabilityRow(_Model):
    product_id: str
    date: str
    available: Count
    capacity: Count
    blocked: bool
    checkin: bool | None
    checkout: bool | None
    timeslots: list[Timeslot] | None = None


class CartLine(_Model):
    product_id: str
    title: str
    quantity: int
    dates: list[str]
    amount: str | None
    guest: str | None = None
    kind: str | None = None


class Cart(_Model):
    id: str
    provider: str
    state: str
    expires_at: str | None
    currency: str | None
    total: str | None
    lines: list[CartLine]
    links: dict[str, str] = Field(default_factory=dict)
    #: Provider session tokens (e.g. a login's auth token): kept in the cart session file,
    #: never printed.
    session_tokens: dict[str, str] = Field(default_factory=dict, exclude=True, repr=False)
    #: Things the user should hear about (e.g. tickets a resumed order could not re-reserve):
    #: the CLI prints them as warnings.
    notices: list[str] = Field(default_factory=list, exclude=True, repr=False)


class Order(_Model):
    id: str
    cart_id: str | None
    provider: str
    state: str
    payment_state: str | None
    total: str | None
    currency: str | None
    completed_at: str | None
    reference: str | None = None
    #: Provider facts worth showing beside the neutral fields (e.g. what a wallet paid).
    details: dict[str, Any] = Field(default_factory=dict)
    #: Things the user should hear about (e.g. that a lost answer was read back from the
    #: order): the CLI prints them as warnings.
    notices: list[str] = Field(default_factory=list, exclude=True, repr=False)


class Result(Model):
    """What a provider call gives the CLI: the neutral value plus the provider's own payload."""

    model_config = ConfigDict(arbitrary_types_allowed=True, defer_build=True)

    value: Any
    raw: Any = None
