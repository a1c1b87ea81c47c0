"""BookingBug (JRNI) REST API v1 (seeds/000): events, services, clients, baskets, wallets.

Wire models follow BookingBug's field names; ``to_*`` functions map them to neutral models.
Amounts on the wire are integers in pence. ``add_item`` answers an ``Auth-Token`` header that
the later basket and checkout calls of the same basket must send: it travels in
``Cart.session_tokens`` to the cart session file and comes back as ``session.tokens``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, ValidationError

from bookctl.core import clock, validate
from bookctl.core.config import Profile
from bookctl.core.errors import (
    ApiNotFoundError,
    NotFoundError,
    UnknownOutcomeError,
    UsageError,
)
from bookctl.core.http import ApiClient, decode_json
from bookctl.core.models import AvailabilityRow, Cart, CartLine, Money, Order, Product, money
from bookctl.core.provider import BOOKINGBUG_ADD_ITEM_PARAMS, unsupported_stage
from bookctl.core.session import CartSession
from bookctl.providers._common import iso_timestamp

KEY = "bookingbug"
AUTH_TOKEN = "Auth-Token"
APP_ID = "bookctl"
ADD_ITEM_PARAMS = BOOKINGBUG_ADD_ITEM_PARAMS
BOOKABLE_PARAMS = ("event_id", "event_chain_id", "service_id", "product_id")
SERVICE_DAYS_SHOWN = 6


class _Wire(BaseModel):
    model_config = ConfigDict(extra="allow")


class WireEvent(_Wire):
    id: int
    name: str
    description: str | None = None
    datetime: str
    end_datetime: str | None = None
    duration: int | None = None
    price: int
    currency: str
    num_spaces: int
    spaces_left: int
    event_chain_id: int | None = None
    package_ids: list[int] = []


class WireService(_Wire):
    id: int
    name: str
    description: str | None = None
    duration: int | None = None
    price: int
    currency: str
    times: list[str] = []


class WirePurchasable(_Wire):
    id: int
    name: str
    price: int
    currency: str


class WireTime(_Wire):
    time: int  # minutes after midnight
    avail: int
    price: int | None = None


class WireDay(_Wire):
    date: str
    times: list[WireTime] = []


class WireWallet(_Wire):
    amount: int
    currency: str


class WireClient(_Wire):
    id: int
    first_name: str
    last_name: str
    email: str
    wallet: WireWallet | None = None


class WireItem(_Wire):
    id: int
    type: str
    name: str
    event_id: int | None = None
    event_chain_id: int | None = None
    service_id: int | None = None
    product_id: int | None = None
    package_id: int | None = None
    deal_id: int | None = None
    bulk_purchase_id: int | None = None
    attachment: dict[str, Any] | None = None
    datetime: str | None = None
    end_datetime: str | None = None
    price: int
    discount: int = 0
    total_price: int


class WireBasket(_Wire):
    id: int
    member_id: int | None = None
    status: str
    currency: str
    created_at: str | None = None
    expires_at: str | None = None
    items: list[WireItem] = []
    discount: int = 0
    total_price: int
    purchase_id: int | None = None


class WirePurchase(_Wire):
    id: int
    basket_id: int
    member_id: int
    status: str
    payment_status: str
    currency: str
    total_price: int
    paid_from_wallet: int
    amount_due: int
    wallet: WireWallet | None = None
    created_at: str | None = None


def _parse(model: type[BaseModel], data: Any, what: str) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as err:
        from bookctl.core.errors import UnreachableError

        raise UnreachableError(
            f"BookingBug sent a {what} bookctl does not understand ({err.error_count()} "
            "field errors)",
            hint="run with -v to see the answer, and report it if the provider is right",
        ) from err


# -- mapping to neutral models -------------------------------------------------------------------


def pence(value: int | None) -> str | None:
    """A BookingBug amount (integer pence) as a decimal string."""
    return None if value is None else money(Decimal(value) / 100)


def _price(amount: int, currency: str) -> Money:
    return Money(amount=pence(amount) or "0.00", currency=currency)


def to_event_product(wire: WireEvent) -> Product:
    return Product(
        id=str(wire.id),
        provider=KEY,
        type="event",
        title=wire.name,
        price_from=_price(wire.price, wire.currency),
        description=wire.description,
        details={
            "when": iso_timestamp(wire.datetime),
            "ends": iso_timestamp(wire.end_datetime),
            "duration": wire.duration,
            "spaces_left": wire.spaces_left,
            "num_spaces": wire.num_spaces,
            "event_chain_id": wire.event_chain_id,
            "package_ids": wire.package_ids,
        },
    )


def to_service_product(wire: WireService) -> Product:
    return Product(
        id=str(wire.id),
        provider=KEY,
        type="service",
        title=wire.name,
        price_from=_price(wire.price, wire.currency),
        description=wire.description,
        details={"when": ", ".join(wire.times) + " daily", "duration": wire.duration},
    )


def to_purchasable_product(wire: WirePurchasable) -> Product:
    return Product(
        id=str(wire.id),
        provider=KEY,
        type="product",
        title=wire.name,
        price_from=_price(wire.price, wire.currency),
    )


def to_event_row(wire: WireEvent) -> AvailabilityRow:
    when = iso_timestamp(wire.datetime) or wire.datetime
    return AvailabilityRow(
        product_id=str(wire.id),
        date=when[:10],
        available=wire.spaces_left,
        capacity=wire.num_spaces,
        blocked=False,
        checkin=None,
        checkout=None,
        timeslots=[
            {"time": when[11:16], "available": wire.spaces_left, "capacity": wire.num_spaces}
        ],
    )


def to_service_rows(service_id: str, days: list[WireDay]) -> list[AvailabilityRow]:
    rows = []
    for day in days:
        slots = [
            {
                "time": f"{t.time // 60:02d}:{t.time % 60:02d}",
                "available": t.avail,
                "capacity": None,
            }
            for t in day.times
        ]
        rows.append(
            AvailabilityRow(
                product_id=service_id,
                date=day.date,
                available=sum(t.avail for t in day.times),
                capacity=None,
                blocked=False,
                checkin=None,
                checkout=None,
                timeslots=slots,
            )
        )
    return rows


def to_cart(wire: WireBasket, token: str | None = None) -> Cart:
    return Cart(
        id=str(wire.id),
        provider=KEY,
        state=wire.status,
        expires_at=iso_timestamp(wire.expires_at),
        currency=wire.currency,
        total=pence(wire.total_price),
        lines=[
            CartLine(
                product_id=str(
                    item.event_id or item.service_id or item.product_id or item.event_chain_id
                ),
                title=item.name,
                quantity=1,
                dates=[iso_timestamp(item.datetime) or item.datetime] if item.datetime else [],
                amount=pence(item.total_price),
                kind=item.type,
            )
            for item in wire.items
        ],
        session_tokens={AUTH_TOKEN: token} if token else {},
    )


def to_order(wire: WirePurchase) -> Order:
    details: dict[str, Any] = {
        "paid_from_wallet": pence(wire.paid_from_wallet),
        "amount_due": pence(wire.amount_due),
        "member_id": str(wire.member_id),
    }
    if wire.wallet is not None:
        details["wallet_balance"] = pence(wire.wallet.amount)
    return Order(
        id=str(wire.id),
        cart_id=str(wire.basket_id),
        provider=KEY,
        state=wire.status,
        payment_state=wire.payment_status,
        total=pence(wire.total_price),
        currency=wire.currency,
        completed_at=iso_timestamp(wire.created_at),
        details=details,
    )


# -- option parsing --------------------------------------------------------------------------


def build_add_params(options: Mapping[str, Any]) -> dict[str, str]:
    """The add_item query parameters from the nine documented options."""
    params: dict[str, str] = {}
    for name in ADD_ITEM_PARAMS:
        value = options.get(name)
        if value is None or value == "":
            continue
        params[name] = _id(str(value), "--" + name.replace("_", "-"))
    if not any(name in params for name in BOOKABLE_PARAMS):
        raise UsageError(
            "basket add needs --event-id, --event-chain-id, --service-id or --product-id",
            hint="list them with 'bookctl -p sandbox-bookingbug products'",
        )
    if sum(name in params for name in ("event_id", "service_id", "product_id")) > 1:
        raise UsageError(
            "basket add takes one of --event-id, --service-id or --product-id at a time",
            hint="run basket add once per item; they go in the same basket",
        )
    return params


def build_checkout_params(options: Mapping[str, Any]) -> dict[str, str]:
    use_wallet = bool(options.get("take_from_wallet"))
    member = options.get("member_id")
    if member is None or member == "":
        what = "a wallet checkout needs" if use_wallet else "checkout needs"
        raise UsageError(
            f"{what} --member-id (the client who pays)",
            hint="find or create one with 'bookctl member show EMAIL' / 'bookctl member add'",
        )
    return {
        "member_id": _id(str(member), "--member-id"),
        "take_from_wallet": "true" if use_wallet else "false",
    }


# -- the provider ----------------------------------------------------------------------------


class BookingBug:
    """BookingBug REST API v1 client for one company."""

    key: ClassVar[str] = KEY
    #: A basket purchase is settled at checkout: nothing to poll.
    PENDING_STATES: ClassVar[frozenset[str]] = frozenset()
    SUCCESS_STATES: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, client: ApiClient, profile: Profile) -> None:
        if not profile.company_id:
            raise UsageError(
                f"profile {profile.name!r} has no company id",
                hint=f"re-add it with: bookctl profile add {profile.name} --provider bookingbug "
                "--company-id ID ...",
            )
        self.client = client
        self.profile = profile
        self.company = _id(profile.company_id, "company id")

    @staticmethod
    def auth_headers(api_key: str) -> dict[str, str]:
        return {"App-Id": APP_ID, "App-Key": api_key}

    def _path(self, path: str) -> str:
        return f"{self.company}/{path}"

    def _get(self, path: str, **kwargs: Any) -> Any:
        return self.client.get_json(self._path(path), **kwargs)

    # catalogue

    def list_products(self, filters: Mapping[str, Any]) -> tuple[list[Product], Any]:
        events_raw = self._get("events")
        services_raw = self._get("services")
        products_raw = self._get("products")
        events = [_parse(WireEvent, e, "event") for e in _embedded(events_raw, "events")]
        services = [_parse(WireService, s, "service") for s in _embedded(services_raw, "services")]
        items = [_parse(WirePurchasable, p, "product") for p in _embedded(products_raw, "products")]
        products = (
            [to_event_product(e) for e in events]
            + [to_service_product(s) for s in services]
            + [to_purchasable_product(p) for p in items]
        )
        raw = {"events": events_raw, "services": services_raw, "products": products_raw}
        return products, raw

    def get_product(self, product_id: str, filters: Mapping[str, Any]) -> tuple[Product, Any]:
        pid = _id(product_id)
        try:
            raw = self._get(f"events/{pid}")
            return to_event_product(_parse(WireEvent, raw, "event")), raw
        except ApiNotFoundError:
            pass
        try:
            raw = self._get(f"services/{pid}")
            return to_service_product(_parse(WireService, raw, "service")), raw
        except ApiNotFoundError:
            pass
        products_raw = self._get("products")
        for item in _embedded(products_raw, "products"):
            wire = _parse(WirePurchasable, item, "product")
            if str(wire.id) == pid:
                return to_purchasable_product(wire), item
        raise NotFoundError(
            f"BookingBug has no event, service or product {pid}",
            hint="list them with 'bookctl products'",
        )

    def availability(
        self, product_ids: list[str], filters: Mapping[str, Any]
    ) -> tuple[list[AvailabilityRow], Any]:
        rows: list[AvailabilityRow] = []
        raws: dict[str, Any] = {}
        for product_id in product_ids:
            pid = _id(product_id)
            try:
                raw = self._get(f"events/{pid}")
            except ApiNotFoundError:
                raw = None
            if raw is not None:
                rows.append(to_event_row(_parse(WireEvent, raw, "event")))
                raws[pid] = raw
                continue
            start = filters.get("start_date") or clock.today().isoformat()
            end = (
                filters.get("end_date")
                or (
                    dt.date.fromisoformat(start) + dt.timedelta(days=SERVICE_DAYS_SHOWN)
                ).isoformat()
            )
            raw = self._get("time_data", params={"service_id": pid, "date": start, "end_date": end})
            days = [_parse(WireDay, d, "time data") for d in _embedded(raw, "events")]
            rows += to_service_rows(pid, days)
            raws[pid] = raw
        return rows, raws

    # clients (members)

    def create_member(self, fields: Mapping[str, str]) -> tuple[WireClient, Any]:
        body = {
            "first_name": fields["first_name"],
            "last_name": fields["last_name"],
            "email": validate.check_email(fields["email"], "--email"),
        }
        response = self.client.request(
            "POST", self._path("client"), json_body=body, idempotency_key=fields.get("key")
        )
        raw = decode_json(response)
        return _parse(WireClient, raw, "client"), raw

    def get_member(self, member: str) -> tuple[WireClient, Any]:
        """A client by id, or by email when ``member`` has an ``@``."""
        if "@" in member:
            email = validate.check_email(member, "member")
            raw = self._get(f"client/find_by_email/{email}")
        else:
            raw = self._get(f"client/{_id(member, 'member id')}")
        return _parse(WireClient, raw, "client"), raw

    # basket

    def basket_add(
        self, options: Mapping[str, Any], session: CartSession | None
    ) -> tuple[Cart, Any]:
        params = build_add_params(options)
        token = session.tokens.get(AUTH_TOKEN) if session is not None else None
        key = options.get("idempotency_key")
        if session is not None and token:
            return self._add_reconciling(params, session.cart_id, token, key)
        response = self.client.request(
            "POST", self._path("basket/add_item"), params=params, idempotency_key=key
        )
        raw = decode_json(response)
        new_token = response.headers.get(AUTH_TOKEN)
        return to_cart(_parse(WireBasket, raw, "basket"), new_token), raw

    def _add_reconciling(
        self, params: dict[str, str], basket_id: str, token: str, key: str | None
    ) -> tuple[Cart, Any]:
        before = len(self._get_basket(basket_id, token)[0].items)
        try:
            response = self.client.request(
                "POST",
                self._path("basket/add_item"),
                params=params,
                headers={AUTH_TOKEN: token},
                idempotency_key=key,
            )
        except UnknownOutcomeError:
            # The answer was lost: look before sending anything new.
            wire, raw = self._get_basket(basket_id, token)
            if len(wire.items) > before:
                return to_cart(wire, token), raw
            raise
        raw = decode_json(response)
        return to_cart(_parse(WireBasket, raw, "basket"), token), raw

    def _get_basket(self, basket_id: str, token: str) -> tuple[WireBasket, Any]:
        raw = self._get("basket", headers={AUTH_TOKEN: token})
        wire: WireBasket = _parse(WireBasket, raw, "basket")
        if str(wire.id) != basket_id:
            raise UsageError(
                f"the Auth-Token of this profile's session belongs to basket {wire.id}, "
                f"not {basket_id}",
                hint="run the command without --cart",
            )
        return wire, raw

    def cart_show(self, cart_id: str, session: CartSession | None) -> tuple[Cart, Any]:
        token = _token(cart_id, session)
        wire, raw = self._get_basket(cart_id, token)
        return to_cart(wire, token), raw

    def cart_extend(self, cart_id: str, session: CartSession | None) -> tuple[Cart, Any]:
        """BookingBug has no extend call: every add_item re-arms the basket's hold."""
        raise unsupported_stage(KEY, "cart extend")

    def cart_abandon(self, cart_id: str, session: CartSession | None) -> Any:
        token = _token(cart_id, session)
        response = self.client.request("DELETE", self._path("basket"), headers={AUTH_TOKEN: token})
        return decode_json(response)

    def checkout(
        self, cart_id: str, options: Mapping[str, Any], session: CartSession | None
    ) -> tuple[Order, Any]:
        params = build_checkout_params(options)
        token = _token(cart_id, session)
        try:
            response = self.client.request(
                "POST",
                self._path("basket/checkout"),
                params=params,
                headers={AUTH_TOKEN: token},
                idempotency_key=options.get("idempotency_key"),
            )
        except UnknownOutcomeError:
            wire, _ = self._get_basket(cart_id, token)
            if wire.purchase_id is not None:
                raw = self._get(f"purchases/{wire.purchase_id}")
                return to_order(_parse(WirePurchase, raw, "purchase")), raw
            raise
        raw = decode_json(response)
        return to_order(_parse(WirePurchase, raw, "purchase")), raw

    def get_order(self, order_id: str, session: CartSession | None) -> tuple[Order, Any]:
        """A BookingBug purchase is settled at checkout; there is nothing to follow."""
        raise unsupported_stage(KEY, "poll")


PROVIDER = BookingBug


def _token(cart_id: str, session: CartSession | None) -> str:
    token = session.tokens.get(AUTH_TOKEN) if session is not None else None
    if session is None or session.cart_id != cart_id or not token:
        raise UsageError(
            f"bookctl has no Auth-Token for basket {cart_id}",
            hint="BookingBug reaches a basket only with the Auth-Token of its add_item; bookctl "
            "keeps it for the profile's current basket (run without --cart)",
        )
    return token


def _id(value: str, what: str = "id") -> str:
    text = str(value).strip()
    if not text.isdigit():
        raise UsageError(f"{what} {value!r} is not a BookingBug id", hint="ids are whole numbers")
    return text


def _embedded(data: Any, name: str) -> list[Any]:
    """The list of a HAL answer (``{"_embedded": {name: [...]}}``)."""
    items = data.get("_embedded", {}).get(name) if isinstance(data, dict) else None
    if not isinstance(items, list):
        from bookctl.core.errors import UnreachableError

        raise UnreachableError(
            f"BookingBug sent a {name} list bookctl does not understand",
            hint="run with -v to see the answer",
        )
    return items
