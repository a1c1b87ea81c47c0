"""Wix Bookings v1 (seeds/001): services, sessions, bookings and their checkout.

Wire models follow the document's field names; ``to_*`` functions map them to neutral models.
The basket is one booking awaiting checkout; checkout charges it (or redeems a paid plan) and
the payment completes asynchronously, which ``poll`` follows to ``CONFIRMED``.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any, ClassVar

from bookctl.core import validate
from bookctl.core.config import Profile
from bookctl.core.errors import (
    ApiError,
    ApiRefusedError,
    ApiUnavailableError,
    BookctlError,
    InvalidRequestError,
    UnknownOutcomeError,
    UnreachableError,
    UsageError,
)
from bookctl.core.http import ApiClient, decode_json
from bookctl.core.models import (
    AvailabilityRow,
    Cart,
    CartLine,
    Money,
    Order,
    Product,
    Timeslot,
    money,
)
from bookctl.core.provider import unsupported_stage
from bookctl.core.session import CartSession
from bookctl.core.wire import Model, ValidationError
from bookctl.providers._common import LENIENT, Count, explain, iso_timestamp, require_option

KEY = "wix"
#: Booking statuses that mean no checkout went through (anything else was checked out).
NOT_CHECKED_OUT = frozenset({"PENDING_CHECKOUT", "CREATED", "CANCELED", "DECLINED"})
CONTACT_FIELDS = ("firstName", "lastName", "email", "phone", "timeZone", "countryCode")

HINTS = {
    "LOCKED_SESSION_KEY_REQUIRED": "pass the session's key with --locked-session-key",
    "INVALID_LOCKED_SESSION_KEY": "check the key given with --locked-session-key",
    "COUPON_WITH_PAID_PLAN": "give --coupon or --plan, not both",
    "SESSION_FULL": "pick another session from 'bookctl availability {service}'",
    "SESSION_STARTED": "pick a later session from 'bookctl availability {service}'",
    "BOOKING_NOT_PENDING_CHECKOUT": "see where it is with 'bookctl poll {id}'",
    "INVALID_COUPON": "check the coupon code",
    "PLAN_EXHAUSTED": "the plan has no sessions left; pay instead (drop --plan)",
}


class _Wire(Model):
    model_config = LENIENT


class WirePrice(_Wire):
    amount: Decimal | None = None
    currency: str | None = None
    downPayAmount: Decimal | None = None


class WireRate(_Wire):
    labeledPriceOptions: dict[str, WirePrice] = {}
    priceText: str | None = None


class WireService(_Wire):
    id: str
    name: str
    scheduleId: str | None = None
    tags: list[str] = []
    capacity: int | None = None
    rate: WireRate = WireRate()
    bookedResources: list[dict[str, Any]] = []


class WireSession(_Wire):
    id: str
    serviceId: str | None = None
    start: str
    end: str | None = None
    capacity: Count = None
    openSpots: Count = None
    locked: bool = False


class WireSingleSession(_Wire):
    sessionId: str | None = None
    start: str | None = None
    end: str | None = None


class WireBookedEntity(_Wire):
    serviceId: str | None = None
    scheduleId: str | None = None
    singleSession: WireSingleSession | None = None
    title: str | None = None
    tags: list[str] = []


class WireBalance(_Wire):
    finalPrice: WirePrice = WirePrice()
    amountReceived: Decimal | None = None


class WirePaymentDetails(_Wire):
    balance: WireBalance = WireBalance()
    state: str | None = None


class WireBooking(_Wire):
    """The document's booking object: only ``id`` and ``status`` are needed."""

    id: str
    bookedEntity: WireBookedEntity = WireBookedEntity()
    formInfo: dict[str, Any] = {}
    paymentDetails: WirePaymentDetails = WirePaymentDetails()
    status: str
    created: str | None = None
    updated: str | None = None

    @property
    def checked_out(self) -> bool:
        return self.status.upper() not in NOT_CHECKED_OUT


def _parse(model: type[Model], data: Any, what: str) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as err:
        raise UnreachableError(
            f"Wix sent a {what} bookctl does not understand ({err.error_count()} field errors)",
            hint="run with -v to see the answer, and report it if the provider is right",
        ) from err


def _booking(raw: Any) -> WireBooking:
    if not isinstance(raw, dict) or "booking" not in raw:
        raise _bad_answer("booking")
    booking: WireBooking = _parse(WireBooking, raw["booking"], "booking")
    return booking


# -- mapping to neutral models -------------------------------------------------------------------


def to_product(wire: WireService) -> Product:
    options = wire.rate.labeledPriceOptions
    priced = [p for p in options.values() if p.amount is not None and p.currency]
    price = None
    if priced:
        cheapest = min(priced, key=lambda p: p.amount or 0)
        price = Money(amount=money(cheapest.amount) or "0.00", currency=cheapest.currency or "")
    return Product(
        id=wire.id,
        provider=KEY,
        type="service",
        title=wire.name,
        location=None,
        price_from=price,
        details={
            "tags": ", ".join(wire.tags),
            "capacity": wire.capacity,
            "price_options": ", ".join(
                f"{label} {money(p.amount)} {p.currency}" for label, p in options.items()
            ),
            "schedule_id": wire.scheduleId,
            "staff": ", ".join(str(r.get("name")) for r in wire.bookedResources),
        },
    )


def to_availability_rows(service_id: str, sessions: list[WireSession]) -> list[AvailabilityRow]:
    by_day: dict[str, list[WireSession]] = {}
    for session in sessions:
        by_day.setdefault(session.start[:10], []).append(session)
    return [
        AvailabilityRow(
            product_id=service_id,
            date=day,
            available=_total([s.openSpots for s in day_sessions]),
            capacity=_total([s.capacity for s in day_sessions]),
            blocked=False,
            checkin=None,
            checkout=None,
            timeslots=[
                Timeslot(
                    time=s.start[11:16],
                    available=s.openSpots,
                    capacity=s.capacity,
                    session_id=s.id,
                    locked=s.locked,
                )
                for s in day_sessions
            ],
        )
        for day, day_sessions in sorted(by_day.items())
    ]


def _total(counts: list[Count]) -> Count:
    """Sessions' spots added up (unknown if any is unknown or not a number)."""
    if any(not isinstance(c, int) for c in counts):
        return None
    return sum(c for c in counts if isinstance(c, int))


def _participants(wire: WireBooking) -> int:
    selection = wire.formInfo.get("paymentSelection") or [{}]
    try:
        return int(selection[0].get("numberOfParticipants", 1))
    except (AttributeError, TypeError, ValueError):
        return 1


def to_cart(wire: WireBooking) -> Cart:
    price = wire.paymentDetails.balance.finalPrice
    entity = wire.bookedEntity
    single = entity.singleSession
    lines = []
    if entity.serviceId is not None:
        lines.append(
            CartLine(
                product_id=entity.serviceId,
                title=entity.title or entity.serviceId,
                quantity=_participants(wire),
                dates=[iso_timestamp(single.start) or single.start]
                if single and single.start
                else [],
                amount=money(price.amount),
                kind="session",
            )
        )
    return Cart(
        id=wire.id,
        provider=KEY,
        state=wire.status,
        expires_at=None,
        currency=price.currency,
        total=money(price.amount),
        lines=lines,
    )


def to_order(wire: WireBooking) -> Order:
    price = wire.paymentDetails.balance.finalPrice
    return Order(
        id=wire.id,
        cart_id=wire.id,
        provider=KEY,
        state=wire.status,
        payment_state=wire.paymentDetails.state,
        total=money(price.amount),
        currency=price.currency,
        completed_at=iso_timestamp(wire.updated) if wire.status == "CONFIRMED" else None,
    )


# -- option parsing --------------------------------------------------------------------------


def read_contact(path: str) -> dict[str, Any]:
    """``--contact-file``: the booking's ``contactDetails`` (or an object holding them)."""
    return check_contact(validate.read_json_file(Path(path), "--contact-file"))


def check_contact(data: Any) -> dict[str, Any]:
    """The booking's ``contactDetails`` (or an object holding them), checked."""
    if isinstance(data, dict) and isinstance(data.get("contactDetails"), dict):
        data = data["contactDetails"]
    if not isinstance(data, dict):
        raise UsageError("--contact-file must hold a JSON object of contact details")
    unknown = sorted(set(data) - set(CONTACT_FIELDS) - {"contactId"})
    if unknown:
        raise UsageError(
            f"--contact-file: unknown field(s) {', '.join(unknown)}",
            hint=f"known fields: {', '.join(CONTACT_FIELDS)}",
        )
    for name in ("firstName", "email"):
        if not data.get(name):
            raise UsageError(f"--contact-file needs {name!r}", hint="see docs/providers.md, Wix")
    validate.check_email(str(data["email"]), "--contact-file email")
    return data


def build_create_body(options: Mapping[str, Any]) -> dict[str, Any]:
    service = require_option(options, "service_id", "--service-id", "basket add")
    session = require_option(options, "session_id", "--session-id", "basket add")
    contact = (
        check_contact(options["contact"])
        if options.get("contact") is not None
        else read_contact(require_option(options, "contact_file", "--contact-file", "basket add"))
    )
    participants = 1 if options.get("participants") is None else options["participants"]
    if participants < 1:
        raise UsageError("--participants must be at least 1")
    return {
        "bookedEntity": {"serviceId": service, "singleSession": {"sessionId": session}},
        "formInfo": {
            "contactDetails": contact,
            "paymentSelection": [
                {
                    "rateLabel": options.get("rate_label") or "general",
                    "numberOfParticipants": participants,
                }
            ],
        },
    }


def build_checkout_body(options: Mapping[str, Any], booking_id: str) -> dict[str, Any]:
    """The document's checkout body; its example repeats the ``bookingId`` of the path."""
    if options.get("coupon") and options.get("plan"):
        raise UsageError(
            "--coupon cannot be used with --plan (a coupon cannot be used with a paid plan)",
            hint="give one of them",
        )
    body: dict[str, Any] = {"bookingId": booking_id}
    if options.get("locked_session_key"):
        body["lockedSessionKey"] = options["locked_session_key"]
    if options.get("coupon"):
        body["couponCode"] = options["coupon"]
    if options.get("plan"):
        body["planSelection"] = {"planId": options["plan"]}
    if options.get("notify") is not None:
        body["notifyParticipants"] = bool(options["notify"])
    return body


# -- the provider ----------------------------------------------------------------------------


class Wix:
    """Wix Bookings v1 client."""

    key: ClassVar[str] = KEY
    PENDING_STATES: ClassVar[frozenset[str]] = frozenset({"PENDING"})
    SUCCESS_STATES: ClassVar[frozenset[str]] = frozenset({"CONFIRMED"})

    def __init__(self, client: ApiClient, profile: Profile) -> None:
        self.client = client
        self.profile = profile

    @staticmethod
    def auth_headers(api_key: str) -> dict[str, str]:
        return {"Authorization": api_key}

    # catalogue

    def list_products(self, filters: Mapping[str, Any]) -> tuple[list[Product], Any]:
        raw = self.client.get_json("catalog/services")
        if not isinstance(raw, dict) or not isinstance(raw.get("services"), list):
            raise _bad_answer("service list")
        return [to_product(_parse(WireService, s, "service")) for s in raw["services"]], raw

    def get_product(self, product_id: str, filters: Mapping[str, Any]) -> tuple[Product, Any]:
        raw = self.client.get_json(f"catalog/services/{_path_id(product_id)}")
        if not isinstance(raw, dict) or "service" not in raw:
            raise _bad_answer("service")
        return to_product(_parse(WireService, raw["service"], "service")), raw

    def availability(
        self, product_ids: list[str], filters: Mapping[str, Any]
    ) -> tuple[list[AvailabilityRow], Any]:
        rows: list[AvailabilityRow] = []
        raws: dict[str, Any] = {}
        for pid in product_ids:
            params = {"serviceId": _path_id(pid)}
            if filters.get("start_date"):
                params["from"] = filters["start_date"]
            if filters.get("end_date"):
                params["to"] = filters["end_date"]
            raw = self.client.get_json("calendar/sessions", params=params)
            if not isinstance(raw, dict) or not isinstance(raw.get("sessions"), list):
                raise _bad_answer("session list")
            sessions = [_parse(WireSession, s, "session") for s in raw["sessions"]]
            rows += to_availability_rows(pid, sessions)
            raws[pid] = raw
        return rows, raws

    # basket (one booking awaiting checkout)

    def basket_add(
        self, options: Mapping[str, Any], session: CartSession | None
    ) -> tuple[Cart, Any]:
        """Create a booking awaiting checkout (a Wix booking holds one session)."""
        body = build_create_body(options)
        try:
            response = self.client.request(
                "POST", "bookings", json_body=body, idempotency_key=options.get("idempotency_key")
            )
        except ApiError as err:
            raise explain(err, HINTS, service=options.get("service_id"), id="") from None
        try:
            raw = decode_json(response)
            return to_cart(_booking(raw)), raw
        except UnreachableError as err:
            err.hint = (
                "a booking awaiting checkout may have been made; it holds no spot and nothing "
                "is charged. Run with -v to see the answer"
            )
            raise

    def _get(self, booking_id: str) -> tuple[WireBooking, Any]:
        raw = self.client.get_json(f"bookings/{_path_id(booking_id)}")
        return _booking(raw), raw

    def cart_show(self, cart_id: str, session: CartSession | None) -> tuple[Cart, Any]:
        wire, raw = self._get(cart_id)
        return to_cart(wire), raw

    def cart_extend(self, cart_id: str, session: CartSession | None) -> tuple[Cart, Any]:
        """A booking awaiting checkout holds no spot and does not expire."""
        raise unsupported_stage(KEY, "cart extend")

    def cart_abandon(self, cart_id: str, session: CartSession | None) -> Any:
        try:
            return decode_json(self.client.request("POST", f"bookings/{_path_id(cart_id)}/cancel"))
        except ApiError as err:
            raise explain(err, HINTS, id=cart_id, service="") from None

    def checkout(
        self, cart_id: str, options: Mapping[str, Any], session: CartSession | None
    ) -> tuple[Order, Any]:
        """``POST /bookings/{bookingId}/checkout``; a paid booking then completes by itself.

        A lost or unreadable answer, or a refusal of a retry, is settled by reading the booking
        back, so a checkout that went through is reported as made.
        """
        path = f"bookings/{_path_id(cart_id)}/checkout"
        body = build_checkout_body(options, cart_id)
        try:
            response = self.client.request(
                "POST", path, json_body=body, idempotency_key=options.get("idempotency_key")
            )
        except (UnknownOutcomeError, ApiUnavailableError) as err:
            found = self._checked_out(cart_id)
            if found is None:
                raise _maybe_checked_out(err, cart_id) from None
            found[0].notices.append(
                f"the answer to the checkout was lost ({err.message}), but booking {cart_id} "
                f"is {found[0].state}: the checkout went through"
            )
            return found
        except (ApiRefusedError, InvalidRequestError) as err:
            found = self._checked_out(cart_id)
            if found is not None:
                found[0].notices.append(
                    f"booking {cart_id} was already checked out ({found[0].state})"
                )
                return found
            service = session.lines[0].get("product_id") if session and session.lines else "ID"
            raise explain(err, HINTS, id=cart_id, service=service) from None
        except ApiError as err:
            service = session.lines[0].get("product_id") if session and session.lines else "ID"
            raise explain(err, HINTS, id=cart_id, service=service) from None
        try:
            raw = decode_json(response)
            return to_order(_booking(raw)), raw
        except UnreachableError as err:
            # Wix said yes (2xx); only its answer is unreadable.
            found = self._checked_out(cart_id)
            order, raw = found or (
                Order(
                    id=cart_id,
                    cart_id=cart_id,
                    provider=KEY,
                    state="PENDING",
                    payment_state=None,
                    total=None,
                    currency=None,
                    completed_at=None,
                ),
                None,
            )
            order.notices.append(
                f"Wix accepted the checkout of booking {cart_id} (HTTP {response.status_code}) "
                f"but its answer could not be read ({err.message}): the checkout went through"
            )
            return order, raw

    def _checked_out(self, booking_id: str) -> tuple[Order, Any] | None:
        """The booking as an order if reading it back shows it checked out."""
        try:
            wire, raw = self._get(booking_id)
        except BookctlError:
            return None
        return (to_order(wire), raw) if wire.checked_out else None

    def get_order(self, order_id: str, session: CartSession | None) -> tuple[Order, Any]:
        wire, raw = self._get(order_id)
        return to_order(wire), raw


PROVIDER = Wix


def _path_id(value: str) -> str:
    text = str(value).strip()
    if not text or not all(c.isalnum() or c in "-_" for c in text):
        raise UsageError(f"{value!r} is not a Wix id")
    return text


def _maybe_checked_out(err: BookctlError, booking_id: str) -> UnknownOutcomeError:
    return UnknownOutcomeError(
        f"{err.message}; reading booking {booking_id} back did not show it checked out",
        hint=f"see where it stands with 'bookctl poll {booking_id}'; 'bookctl checkout' again "
        "reports the booking if it went through",
    )


def _bad_answer(what: str) -> Exception:
    return UnreachableError(
        f"Wix sent a {what} bookctl does not understand", hint="run with -v to see the answer"
    )
