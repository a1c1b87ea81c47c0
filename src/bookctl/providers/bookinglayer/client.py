"""Bookinglayer public API v2 (seeds/003): products, packages, availability, prices, carts.

Wire models follow the document's field names; ``to_*`` functions map them to neutral models.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, ClassVar

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
from bookctl.providers._common import LENIENT, Count, iso_timestamp
from bookctl.providers.bookinglayer import CUSTOMER_FIELDS as CUSTOMER_FIELDS
from bookctl.providers.bookinglayer.inputs import build_add_body as build_add_body
from bookctl.providers.bookinglayer.inputs import build_checkout_body as build_checkout_body

KEY = "bookinglayer"
PRODUCT_TYPES = ("package", "accommodation", "activity", "rental", "service", "bundle", "item")
#: Cart states (the sandbox's ``status``; the document names none) that mean checked out.
CHECKED_OUT_STATES = frozenset({"checked_out", "completed", "confirmed", "booked"})


class _Wire(Model):
    model_config = LENIENT


class Ref(_Wire):
    id: int
    title: str | None = None


class PriceFrom(_Wire):
    value: Decimal
    currency: str


class ItemPrice(_Wire):
    value: Decimal
    currency: str
    type: str | None = None
    from_price: bool = False


class Duration(_Wire):
    is_flexible: bool = False
    min: int | None = None
    default: int | None = None
    unit: str | None = None
    variants: list[int] = []


class Pax(_Wire):
    min: int | None = None
    max: int | None = None


class WireProduct(_Wire):
    id: int
    type: str
    title: str
    backoffice_title: str | None = None
    description: str | None = None
    extended_description: str | None = None
    image: dict[str, Any] | None = None
    gender: str | None = None
    backoffice_category: Ref | None = None
    frontoffice_category: Ref | None = None
    location: Ref | None = None
    accommodation_type: Ref | None = None
    duration: Duration | None = None
    pax: Pax | None = None
    default_start_time: str | None = None
    is_private: bool = False
    allowed_checkin_days: dict[str, Any] | None = None
    is_on_timeslots: bool = False
    price_from: list[PriceFrom] = []
    price: ItemPrice | None = None


class WireTimeslot(_Wire):
    time: str
    available: Count = None
    capacity: Count = None


class WireDay(_Wire):
    available_for_checkin: bool | None = None
    available_for_checkout: bool | None = None
    blocked: bool = False
    available: Count = None
    capacity: Count = None
    timeslots: list[WireTimeslot] | None = None


class WireItemDate(_Wire):
    date: str
    available: Count = None
    capacity: Count = None
    timeslots: list[WireTimeslot] | None = None


class WirePackageItem(_Wire):
    package_item_id: int
    role: str
    is_configurable_dates: bool = False
    qty: dict[str, Any] | None = None
    product: WireProduct
    dates: list[WireItemDate] = []


class WireGroup(_Wire):
    is_configurable_dates: bool = False
    items: list[WirePackageItem]


class WirePackage(_Wire):
    start_date: str
    end_date: str
    single_items: list[WirePackageItem] = []
    groups: list[WireGroup] = []


class WireAccommodation(_Wire):
    start_date: str
    end_date: str
    available: Count = None
    price: ItemPrice | None = None
    product: WireProduct


class WireSegment(_Wire):
    id: int
    start_date: str
    end_date: str


class WireSeason(_Wire):
    id: int
    title: str
    segments: list[WireSegment]


class WireSettings(_Wire):
    id: int
    title: str
    currencies: list[dict[str, Any]] = []
    diets: list[dict[str, Any]] = []
    levels: list[dict[str, Any]] = []
    languages: list[str] = []
    settings: dict[str, Any] = {}
    terms: str | None = None


# The document shows no cart, no cart line and no checkout answer (only "returns the contents
# of the cart"): every field of these is optional and read when it is there.


class WireCartLine(_Wire):
    product_id: str | None = None
    package_item_id: int | None = None
    title: str | None = None
    type: str | None = None
    guest_email: str | None = None
    dates: list[str] = []
    qty: int = 1
    price: Decimal | None = None


class WireBooking(_Wire):
    id: str | None = None
    reference: str | None = None
    status: str | None = None
    total_price: Decimal | None = None
    currency: str | None = None
    created_at: str | None = None


class WireCart(_Wire):
    cart_id: str | None = None
    status: str | None = None
    currency: str | None = None
    expiry_date: str | None = None
    total_price: Decimal | None = None
    lines: list[WireCartLine] = []
    booking: WireBooking | None = None

    @property
    def checked_out(self) -> bool:
        return self.booking is not None or (self.status or "").lower() in CHECKED_OUT_STATES


class WireAdded(_Wire):
    """``POST bookings/add`` answers the ``cart_id`` (the document's only promise)."""

    cart_id: str


class WireExtend(_Wire):
    cart_id: str | None = None
    expiry_date: str | None = None


class WireCheckout(_Wire):
    cart_id: str | None = None
    status: str | None = None
    booking: WireBooking | None = None


def _parse(model: type[Model], data: Any, what: str) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as err:
        raise UnreachableError(
            f"Bookinglayer sent a {what} bookctl does not understand ({err.error_count()} "
            "field errors)",
            hint="run with -v to see the answer, and report it if the provider is right",
        ) from err


# -- mapping to neutral models -------------------------------------------------------------------


def to_product(wire: WireProduct) -> Product:
    price = None
    if wire.price_from:
        first = wire.price_from[0]
        price = Money(amount=money(first.value) or "0.00", currency=first.currency)
    elif wire.price is not None:
        price = Money(amount=money(wire.price.value) or "0.00", currency=wire.price.currency)
    details: dict[str, Any] = {
        "backoffice_title": wire.backoffice_title,
        "is_on_timeslots": wire.is_on_timeslots,
        "gender": wire.gender,
    }
    if wire.duration is not None:
        details["duration"] = wire.duration.model_dump()
    if wire.pax is not None:
        details["pax"] = wire.pax.model_dump()
    if wire.allowed_checkin_days is not None:
        details["allowed_checkin_days"] = {
            day: ok for day, ok in wire.allowed_checkin_days.items() if isinstance(ok, bool)
        }
    if wire.backoffice_category is not None:
        details["backoffice_category"] = wire.backoffice_category.model_dump()
    return Product(
        id=str(wire.id),
        provider=KEY,
        type=wire.type,
        title=wire.title,
        location=wire.location.title if wire.location else None,
        price_from=price,
        description=wire.description,
        details=details,
    )


def to_availability_rows(product_id: str, days: Mapping[str, WireDay]) -> list[AvailabilityRow]:
    rows = []
    for date in sorted(days):
        day = days[date]
        rows.append(
            AvailabilityRow(
                product_id=product_id,
                date=date,
                available=day.available,
                capacity=day.capacity,
                blocked=day.blocked,
                checkin=day.available_for_checkin,
                checkout=day.available_for_checkout,
                timeslots=None
                if day.timeslots is None
                else [
                    Timeslot(time=t.time, available=t.available, capacity=t.capacity)
                    for t in day.timeslots
                ],
            )
        )
    return rows


def to_cart(wire: WireCart, cart_id: str) -> Cart:
    """A cart read back; ``cart_id`` is the one asked for (the answer need not repeat it)."""
    state = wire.status or ("checked_out" if wire.checked_out else "open")
    return Cart(
        id=wire.cart_id or cart_id,
        provider=KEY,
        state=state,
        expires_at=iso_timestamp(wire.expiry_date),
        currency=wire.currency,
        total=money(wire.total_price),
        lines=[
            CartLine(
                product_id=line.product_id or "",
                title=line.title or line.product_id or "",
                quantity=line.qty,
                dates=line.dates,
                amount=money(line.price),
                guest=line.guest_email,
                kind=line.type,
            )
            for line in wire.lines
        ],
    )


def to_order(cart_id: str, booking: WireBooking | None, state: str | None = None) -> Order:
    """The order a checked-out cart became (the cart id stands in when no booking is shown)."""
    booking = booking or WireBooking()
    return Order(
        id=booking.id or cart_id,
        cart_id=cart_id,
        provider=KEY,
        state=booking.status or state or "checked_out",
        payment_state=None,
        total=money(booking.total_price),
        currency=booking.currency,
        completed_at=iso_timestamp(booking.created_at),
        reference=booking.reference,
    )


# -- the provider ----------------------------------------------------------------------------


class Bookinglayer:
    """Bookinglayer public API v2 client."""

    key: ClassVar[str] = KEY
    PENDING_STATES: ClassVar[frozenset[str]] = frozenset()
    SUCCESS_STATES: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, client: ApiClient, profile: Profile) -> None:
        self.client = client
        self.profile = profile

    @staticmethod
    def auth_headers(api_key: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {api_key}"}

    # catalogue

    def list_products(self, filters: Mapping[str, Any]) -> tuple[list[Product], Any]:
        params = _clean(
            {
                "type": filters.get("type"),
                "location": filters.get("location"),
                "language": filters.get("language"),
            }
        )
        raw = self.client.get_json("products", params=params)
        wires = _parse_list(WireProduct, raw, "product list")
        return [to_product(w) for w in wires], raw

    def get_product(self, product_id: str, filters: Mapping[str, Any]) -> tuple[Product, Any]:
        params = _clean({"language": filters.get("language")})
        raw = self.client.get_json(f"products/{_id(product_id)}", params=params)
        return to_product(_parse(WireProduct, raw, "product")), raw

    def availability(
        self, product_ids: list[str], filters: Mapping[str, Any]
    ) -> tuple[list[AvailabilityRow], Any]:
        dates = _clean(
            {"start_date": filters.get("start_date"), "end_date": filters.get("end_date")}
        )
        if len(product_ids) == 1 and not filters.get("type") and not filters.get("category"):
            pid = _id(product_ids[0])
            raw = self.client.get_json(f"products/{pid}/availabilities", params=dates)
            days = _parse_days(raw)
            return to_availability_rows(pid, days), raw
        params: list[tuple[str, Any]] = [("ids[]", _id(p)) for p in product_ids]
        params += list(dates.items())
        if filters.get("type"):
            params.append(("type", filters["type"]))
        if filters.get("category"):
            params.append(("backoffice_category_id", filters["category"]))
        raw = self.client.get_json("products/availabilities", params=params)
        if not isinstance(raw, dict):
            raise _bad_answer("availability")
        rows: list[AvailabilityRow] = []
        for pid in sorted(raw, key=lambda k: (len(k), k)):
            rows += to_availability_rows(pid, _parse_days(raw[pid]))
        return rows, raw

    def package(self, package_id: str, params: Mapping[str, Any]) -> tuple[WirePackage, Any]:
        raw = self.client.get_json(f"packages/{_id(package_id)}", params=_clean(dict(params)))
        return _parse(WirePackage, raw, "package"), raw

    def accommodations(
        self, package_id: str, params: Mapping[str, Any]
    ) -> tuple[list[WireAccommodation], Any]:
        raw = self.client.get_json(
            f"packages/{_id(package_id)}/accommodations", params=_clean(dict(params))
        )
        return _parse_list(WireAccommodation, raw, "accommodation list"), raw

    def price(self, product_id: str, params: Mapping[str, Any]) -> tuple[str | None, Any]:
        raw = self.client.get_json(
            f"products/{_id(product_id)}/prices", params=_clean(dict(params))
        )
        if not isinstance(raw, dict) or "total_price" not in raw:
            raise _bad_answer("price")
        return money(raw["total_price"]), raw

    def prices(
        self, product_ids: list[str], params: Mapping[str, Any]
    ) -> tuple[dict[str, str | None], Any]:
        query: list[tuple[str, Any]] = [("product_ids[]", _id(p)) for p in product_ids]
        query += list(_clean(dict(params)).items())
        raw = self.client.get_json("products/prices", params=query)
        if not isinstance(raw, dict):
            raise _bad_answer("price list")
        return {str(k): money(v) for k, v in raw.items()}, raw

    def package_prices(self, body: Any) -> Any:
        response = self.client.request("POST", "packages/prices", json_body=body)
        raw = decode_json(response)
        if not isinstance(raw, dict):
            raise _bad_answer("package price breakdown")
        return raw

    def seasons(self) -> tuple[list[WireSeason], Any]:
        raw = self.client.get_json("seasons")
        return _parse_list(WireSeason, raw, "season list"), raw

    def settings(self) -> tuple[WireSettings, Any]:
        raw = self.client.get_json("settings")
        return _parse(WireSettings, raw, "settings object"), raw

    def deeplink(self, product_id: str, params: Mapping[str, Any]) -> tuple[str, Any]:
        query = {"product_id": _id(product_id), **_clean(dict(params))}
        raw = self.client.get_json(f"products/{_id(product_id)}/deeplink", params=query)
        if not isinstance(raw, dict) or not isinstance(raw.get("url"), str):
            raise _bad_answer("deeplink")
        return str(raw["url"]), raw

    # cart

    def basket_add(
        self, options: Mapping[str, Any], session: CartSession | None
    ) -> tuple[Cart, Any]:
        """``POST bookings/add``, then the cart read back with ``GET carts/{cart_id}``."""
        cart_id = session.cart_id if session is not None else None
        if cart_id is not None:
            body = build_add_body(options, cart_id)
            return self._add_reconciling(body, cart_id, options.get("idempotency_key"))
        new_id, added = self.add_to_new_cart(options)
        return self._read_back(new_id, added)

    def add_to_new_cart(self, options: Mapping[str, Any]) -> tuple[str, Any]:
        """``POST bookings/add`` into a new cart: its id and the answer, the cart not read
        back (a batch row needs only the id)."""
        body = build_add_body(options, None)
        response = self.client.request(
            "POST", "bookings/add", json_body=body, idempotency_key=options.get("idempotency_key")
        )
        try:
            added = decode_json(response)
            new_id = _parse(WireAdded, added, "bookings/add answer").cart_id
        except UnreachableError as err:
            err.hint = (
                "the items may be held in a cart bookctl cannot name; nothing is booked, and "
                "the cart expires by itself (10 minutes). Run with -v to see the answer"
            )
            raise
        return _path_id(new_id), added

    def _add_reconciling(
        self, body: dict[str, Any], cart_id: str, key: str | None
    ) -> tuple[Cart, Any]:
        before = len(self._get_cart(cart_id)[0].lines)
        try:
            response = self.client.request(
                "POST", "bookings/add", json_body=body, idempotency_key=key
            )
        except (UnknownOutcomeError, ApiUnavailableError):
            # The answer was lost: look before sending anything new.
            wire, raw = self._get_cart(cart_id)
            if len(wire.lines) > before:
                return to_cart(wire, cart_id), raw
            raise
        try:
            added: Any = decode_json(response)
        except UnreachableError:
            added = None  # the items went in (2xx); the cart read back says the rest
        return self._read_back(cart_id, added)

    def _read_back(self, cart_id: str, added: Any) -> tuple[Cart, Any]:
        """The cart after an add that succeeded; a cart that cannot be read is still kept."""
        try:
            wire, raw = self._get_cart(cart_id)
        except (ApiError, UnreachableError) as err:
            cart = Cart(
                id=cart_id,
                provider=KEY,
                state="open",
                expires_at=None,
                currency=None,
                total=None,
                lines=[],
                notices=[
                    f"the items were added to cart {cart_id}, but reading it back failed: "
                    f"{err.message}; see it later with 'bookctl cart show'"
                ],
            )
            return cart, {"add": added, "cart": None}
        return to_cart(wire, cart_id), {"add": added, "cart": raw}

    def _get_cart(self, cart_id: str) -> tuple[WireCart, Any]:
        raw = self.client.get_json(f"carts/{_path_id(cart_id)}")
        return _parse(WireCart, raw, "cart"), raw

    def cart_show(self, cart_id: str, session: CartSession | None) -> tuple[Cart, Any]:
        wire, raw = self._get_cart(cart_id)
        return to_cart(wire, cart_id), raw

    def cart_extend(self, cart_id: str, session: CartSession | None) -> tuple[Cart, Any]:
        response = self.client.request("PUT", f"carts/{_path_id(cart_id)}/extend")
        extend_raw = decode_json(response)
        extended = _parse(WireExtend, extend_raw, "extend answer")
        wire, raw = self._get_cart(cart_id)
        if extended.expiry_date:
            wire.expiry_date = extended.expiry_date
        return to_cart(wire, cart_id), {"extend": extend_raw, "cart": raw}

    def cart_abandon(self, cart_id: str, session: CartSession | None) -> Any:
        response = self.client.request("DELETE", f"carts/{_path_id(cart_id)}")
        try:
            return decode_json(response)
        except UnreachableError:
            return None  # abandoned (2xx); the document's {"success": true} is all it says

    def checkout(
        self, cart_id: str, options: Mapping[str, Any], session: CartSession | None
    ) -> tuple[Order, Any]:
        """``POST carts/{cart_id}/checkout``; a lost or unreadable answer is settled by reading
        the cart back, so a booking that was made is reported as made."""
        body = build_checkout_body(options)
        path = f"carts/{_path_id(cart_id)}/checkout"
        try:
            response = self.client.request(
                "POST", path, json_body=body, idempotency_key=options.get("idempotency_key")
            )
        except (UnknownOutcomeError, ApiUnavailableError) as err:
            found = self._checked_out(cart_id)
            if found is None:
                raise _maybe_booked(err, cart_id) from None
            order, raw = found
            order.notices.append(
                f"the answer to the checkout was lost ({err.message}), but cart {cart_id} "
                "is checked out: the booking was made"
            )
            return order, raw
        except (ApiRefusedError, InvalidRequestError):
            # A retry of a checkout that went through the first time.
            found = self._checked_out(cart_id)
            if found is None:
                raise
            order, raw = found
            order.notices.append(f"cart {cart_id} was already checked out: the booking stands")
            return order, raw
        try:
            raw = decode_json(response)
            result: WireCheckout = _parse(WireCheckout, raw, "checkout answer")
        except UnreachableError as err:
            # Bookinglayer said yes (2xx); only its answer is unreadable.
            found = self._checked_out(cart_id)
            order, raw = found or (to_order(cart_id, None), None)
            order.notices.append(
                f"Bookinglayer accepted the checkout of cart {cart_id} (HTTP "
                f"{response.status_code}) but its answer could not be read ({err.message}): "
                "the booking was made"
            )
            return order, raw
        return to_order(cart_id, result.booking, result.status), raw

    def _checked_out(self, cart_id: str) -> tuple[Order, Any] | None:
        """The order of ``cart_id`` if reading the cart back shows it checked out."""
        try:
            wire, raw = self._get_cart(cart_id)
        except BookctlError:
            return None
        if not wire.checked_out:
            return None
        return to_order(cart_id, wire.booking, wire.status), raw

    def get_order(self, order_id: str, session: CartSession | None) -> tuple[Order, Any]:
        """Bookinglayer confirms at checkout; there is no order to follow."""
        raise unsupported_stage(KEY, "poll")


PROVIDER = Bookinglayer


def _clean(params: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in params.items() if v is not None}


def _id(value: str) -> str:
    text = str(value).strip()
    if not text.isdigit():
        raise UsageError(f"{value!r} is not a Bookinglayer id", hint="ids are whole numbers")
    return text


def _path_id(value: str) -> str:
    text = str(value).strip()
    if not text or not all(c.isalnum() or c in "-_" for c in text):
        raise UsageError(f"{value!r} is not a cart id")
    return text


def _parse_list(model: type[Model], data: Any, what: str) -> list[Any]:
    if not isinstance(data, list):
        raise _bad_answer(what)
    return [_parse(model, item, what) for item in data]


def _parse_days(data: Any) -> dict[str, WireDay]:
    if not isinstance(data, dict):
        raise _bad_answer("availability")
    days: dict[str, WireDay] = {}
    for date, day in data.items():
        try:
            dt.date.fromisoformat(date)
        except ValueError as err:
            raise _bad_answer("availability") from err
        days[date] = _parse(WireDay, day, "availability day")
    return days


def _maybe_booked(err: BookctlError, cart_id: str) -> UnknownOutcomeError:
    return UnknownOutcomeError(
        f"{err.message}; reading cart {cart_id} back did not show whether it was checked out",
        hint="run 'bookctl cart show' to see where it stands; 'bookctl checkout' again reports "
        "the booking if it was made",
    )


def _bad_answer(what: str) -> Exception:
    return UnreachableError(
        f"Bookinglayer sent a {what} bookctl does not understand",
        hint="run with -v to see the answer",
    )
