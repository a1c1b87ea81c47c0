"""BookingBug (JRNI) REST API v1 (seeds/000 and BookingBug's public REST docs).

Wire models read the answers as the public docs shape them (HAL: ``_embedded``, ``_links``; the
basket of basket.md, the purchase of purchases.md, the login of authentication.md), require only
what the neutral models cannot do without, ignore unknown fields and take ids and amounts as
numbers or strings; ``to_*`` functions map them to neutral models. Amounts on the wire are
integers in pence. ``add_item`` answers an ``Auth-Token`` header that the later basket and
checkout calls of the same basket must send: it travels in ``Cart.session_tokens`` to the cart
session file and comes back as ``session.tokens``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from decimal import Decimal
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar

from bookctl.core import clock, config, validate
from bookctl.core.config import Profile
from bookctl.core.errors import (
    ApiAuthError,
    ApiNotFoundError,
    ApiRefusedError,
    ApiUnavailableError,
    BookctlError,
    InvalidRequestError,
    NotFoundError,
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
from bookctl.core.wire import ConfigDict, Field, Model, ValidationError
from bookctl.providers._common import iso_timestamp
from bookctl.providers.bookingbug import ADD_ITEM_PARAMS

KEY = "bookingbug"
AUTH_TOKEN = "Auth-Token"
BOOKABLE_PARAMS = ("event_id", "event_chain_id", "service_id", "product_id")
SERVICE_DAYS_SHOWN = 6
#: How far back a lost checkout's purchase is looked for (clocks differ).
PURCHASE_LOOKBACK = dt.timedelta(minutes=10)

if TYPE_CHECKING:
    import httpx


class _Wire(Model):
    # Read leniently: unknown fields are ignored and ids may come as numbers or strings.
    model_config = ConfigDict(
        extra="ignore", coerce_numbers_to_str=True, populate_by_name=True, defer_build=True
    )


class WireEvent(_Wire):
    id: str
    name: str
    description: str | None = None
    datetime: str
    end_datetime: str | None = None
    duration: int | None = None
    price: int | None = None
    currency: str | None = None
    num_spaces: int | None = None
    spaces_left: int | None = None
    event_chain_id: str | None = None
    package_ids: list[str] = []


class WireService(_Wire):
    id: str
    name: str
    description: str | None = None
    duration: int | None = None
    durations: list[int] = []
    price: int | None = None
    prices: list[int] = []
    currency: str | None = None
    times: list[str] = []


class WirePurchasable(_Wire):
    id: str
    name: str
    price: int | None = None
    currency: str | None = None


class WireTime(_Wire):
    time: int  # minutes after midnight
    avail: int
    price: int | None = None


class WireDay(_Wire):
    date: str
    times: list[WireTime] = []


class WireWallet(_Wire):
    amount: int
    currency: str | None = None


class WireClient(_Wire):
    id: str
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    wallet: WireWallet | None = None


class WireItem(_Wire):
    """A basket item as basket.md shows it (`service_name`, `date`, `time` in minutes, ...)."""

    id: str | None = None
    type: str | None = None
    name: str | None = None
    service_name: str | None = None
    event_name: str | None = None
    product_name: str | None = None
    event_id: str | None = None
    event_chain_id: str | None = None
    service_id: str | None = None
    product_id: str | None = None
    num_book: int | None = None
    date: str | None = None
    time: int | None = None
    datetime: str | None = None
    price: int | None = None
    total_price: int | None = None


class _BasketEmbedded(_Wire):
    items: list[WireItem] = []


class WireBasket(_Wire):
    """The HAL basket of basket.md: totals, ``_embedded.items``, ``_links``."""

    total_price: int | None = None
    total_due_price: int | None = None
    currency: str | None = None
    embedded: _BasketEmbedded = Field(default_factory=_BasketEmbedded, alias="_embedded")

    @property
    def items(self) -> list[WireItem]:
        return self.embedded.items


class _Person(_Wire):
    id: str | None = None


class _PurchaseEmbedded(_Wire):
    member: _Person | None = None
    client: _Person | None = None


class WirePurchase(_Wire):
    """A purchase total as purchases.md shows it (what ``basket/checkout`` answers)."""

    id: str
    long_id: str | None = None
    total_price: int | None = None
    paid: int | None = None
    due_now: int | None = None
    currency: str | None = None
    client_name: str | None = None
    created_at: str | None = None
    embedded: _PurchaseEmbedded = Field(default_factory=_PurchaseEmbedded, alias="_embedded")

    @property
    def member_id(self) -> str | None:
        for person in (self.embedded.member, self.embedded.client):
            if person is not None and person.id:
                return person.id
        return None


class WireLogin(_Wire):
    """The answer of ``POST login`` (authentication.md)."""

    auth_token: str | None = None


def _parse(model: type[Model], data: Any, what: str) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as err:
        raise UnreachableError(
            f"BookingBug sent a {what} bookctl does not understand ({err.error_count()} "
            "field errors)",
            hint="run with -v to see the answer, and report it if the provider is right",
        ) from err


# -- mapping to neutral models -------------------------------------------------------------------


def pence(value: int | None) -> str | None:
    """A BookingBug amount (integer pence) as a decimal string."""
    return None if value is None else money(Decimal(value) / 100)


def _price(amount: int | None, currency: str | None) -> Money | None:
    if amount is None or not currency:
        return None
    return Money(amount=pence(amount) or "0.00", currency=currency)


def to_event_product(wire: WireEvent) -> Product:
    return Product(
        id=wire.id,
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
        id=wire.id,
        provider=KEY,
        type="service",
        title=wire.name,
        price_from=_price(
            wire.price if wire.price is not None else min(wire.prices, default=None),
            wire.currency,
        ),
        description=wire.description,
        details={
            "when": ", ".join(wire.times) + " daily" if wire.times else None,
            "duration": wire.duration or next(iter(wire.durations), None),
        },
    )


def to_purchasable_product(wire: WirePurchasable) -> Product:
    return Product(
        id=wire.id,
        provider=KEY,
        type="product",
        title=wire.name,
        price_from=_price(wire.price, wire.currency),
    )


def to_event_row(wire: WireEvent) -> AvailabilityRow:
    when = iso_timestamp(wire.datetime) or wire.datetime
    return AvailabilityRow(
        product_id=wire.id,
        date=when[:10],
        available=wire.spaces_left,
        capacity=wire.num_spaces,
        blocked=False,
        checkin=None,
        checkout=None,
        timeslots=[
            Timeslot(time=when[11:16], available=wire.spaces_left, capacity=wire.num_spaces)
        ],
    )


def to_service_rows(service_id: str, days: list[WireDay]) -> list[AvailabilityRow]:
    rows = []
    for day in days:
        slots = [Timeslot(time=_clock(t.time), available=t.avail, capacity=None) for t in day.times]
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


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def basket_id(token: str) -> str:
    """A basket's id for bookctl: BookingBug's basket has none, its Auth-Token names it.

    A digest, so the id can be shown and logged while the token stays secret.
    """
    return hashlib.sha256(token.encode()).hexdigest()[:12]


def _line(item: WireItem) -> CartLine:
    product = item.service_id or item.event_id or item.product_id or item.event_chain_id
    title = item.name or item.service_name or item.event_name or item.product_name
    when = iso_timestamp(item.datetime) if item.datetime else None
    if when is None and item.date:
        when = item.date if item.time is None else f"{item.date}T{_clock(item.time)}:00"
    amount = item.total_price if item.total_price is not None else item.price
    return CartLine(
        product_id=product or item.id or "",
        title=title or f"item {item.id or ''}".strip(),
        quantity=item.num_book or 1,
        dates=[when] if when else [],
        amount=pence(amount),
        kind=item.type,
    )


def to_cart(wire: WireBasket, cart_id: str, token: str | None = None) -> Cart:
    """The neutral cart of a HAL basket. The basket names no state: it is ``open`` while it
    holds items and ``empty`` once they are gone (checked out, expired or emptied)."""
    return Cart(
        id=cart_id,
        provider=KEY,
        state="open" if wire.items else "empty",
        expires_at=None,
        currency=wire.currency,
        total=pence(wire.total_price),
        lines=[_line(item) for item in wire.items],
        session_tokens={AUTH_TOKEN: token} if token else {},
    )


def to_order(wire: WirePurchase, cart_id: str | None) -> Order:
    due = wire.due_now
    if due is None and wire.total_price is not None and wire.paid is not None:
        due = wire.total_price - wire.paid
    if due is None:
        state, payment_state = "booked", None
    elif due <= 0:
        state, payment_state = "confirmed", "paid"
    else:
        state, payment_state = "pending_payment", "balance_due"
    details: dict[str, Any] = {"paid": pence(wire.paid), "amount_due": pence(due)}
    if wire.member_id is not None:
        details["member_id"] = wire.member_id
    if wire.client_name:
        details["client"] = wire.client_name
    return Order(
        id=wire.id,
        cart_id=cart_id,
        provider=KEY,
        state=state,
        payment_state=payment_state,
        total=pence(wire.total_price),
        currency=wire.currency,
        completed_at=iso_timestamp(wire.created_at),
        reference=wire.long_id,
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
    """BookingBug REST API v1 client for one company.

    Every call carries ``App-Id`` (the profile's) and ``App-Key`` (its key). The token of
    ``bookctl login`` goes, as ``Auth-Token``, on the calls that act for someone: clients,
    the first ``add_item`` of a basket and the purchase look-ups; the basket's own Auth-Token
    (answered by ``add_item``) goes on the later calls of that basket.
    """

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
        app = config.app_id(profile)
        if not app:
            raise UsageError(
                f"profile {profile.name!r} has no BookingBug App-Id",
                hint="BookingBug issues an App-Id with every App-Key: set BOOKCTL_APP_ID, or "
                f"re-add the profile with: bookctl profile add {profile.name} --app-id ID ...",
            )
        self.client = client
        self.profile = profile
        self.app_id = app
        self.company = _id(profile.company_id, "company id")

    @staticmethod
    def auth_headers(api_key: str) -> dict[str, str]:
        return {"App-Key": api_key}

    @cached_property
    def login_token(self) -> str | None:
        """The Auth-Token of the profile's last ``bookctl login``, if any."""
        return config.ConfigStore().login_token(self.profile)

    def _headers(self, token: str | None = None) -> dict[str, str]:
        headers = {"App-Id": self.app_id}
        if token:
            headers[AUTH_TOKEN] = token
        return headers

    def _request(
        self,
        method: str,
        path: str,
        *,
        token: str | None = None,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
        idempotency_key: str | None = None,
    ) -> httpx.Response:
        return self.client.request(
            method,
            path,
            params=params,
            json_body=json_body,
            headers=self._headers(token),
            idempotency_key=idempotency_key,
        )

    def _get(self, path: str, *, token: str | None = None, **kwargs: Any) -> Any:
        return decode_json(self._request("GET", f"{self.company}/{path}", token=token, **kwargs))

    # login

    def login(self, email: str, password: str) -> str:
        """``POST login`` with an email and password; the answer's ``auth_token``."""
        response = self._request("POST", "login", json_body={"email": email, "password": password})
        wire: WireLogin = _parse(WireLogin, decode_json(response), "login answer")
        token = wire.auth_token or response.headers.get(AUTH_TOKEN)
        if not token:
            from bookctl.core.errors import UnreachableError

            raise UnreachableError(
                "BookingBug's login answer holds no auth_token",
                hint="run with -v to see the answer (the token is redacted)",
            )
        return token

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
            if wire.id == pid:
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
        response = self._request(
            "POST",
            f"{self.company}/client",
            token=self.login_token,
            json_body=body,
            idempotency_key=fields.get("key"),
        )
        raw = decode_json(response)
        return _parse(WireClient, raw, "client"), raw

    def get_member(self, member: str) -> tuple[WireClient, Any]:
        """A client by id, or by email when ``member`` has an ``@``."""
        if "@" in member:
            email = validate.check_email(member, "member")
            raw = self._get(f"client/find_by_email/{email}", token=self.login_token)
        else:
            raw = self._get(f"client/{_id(member, 'member id')}", token=self.login_token)
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
        response = self._request(
            "POST",
            f"{self.company}/basket/add_item",
            token=self.login_token,
            params=params,
            idempotency_key=key,
        )
        raw = decode_json(response)
        new_token = response.headers.get(AUTH_TOKEN) or self.login_token
        if not new_token:
            from bookctl.core.errors import UnreachableError

            raise UnreachableError(
                "BookingBug's add_item answer carried no Auth-Token header, so bookctl cannot "
                "reach the basket again",
                hint="run with -v to see the answer (tokens are redacted); 'bookctl login' "
                "gives bookctl a session token of its own",
            )
        wire = _parse(WireBasket, raw, "basket")
        return to_cart(wire, basket_id(new_token), new_token), raw

    def _add_reconciling(
        self, params: dict[str, str], cart_id: str, token: str, key: str | None
    ) -> tuple[Cart, Any]:
        before = len(self._get_basket(token)[0].items)
        try:
            response = self._request(
                "POST",
                f"{self.company}/basket/add_item",
                token=token,
                params=params,
                idempotency_key=key,
            )
        except UnknownOutcomeError:
            # The answer was lost: look before sending anything new.
            wire, raw = self._get_basket(token)
            if len(wire.items) > before:
                return to_cart(wire, cart_id, token), raw
            raise
        raw = decode_json(response)
        # BookingBug may answer a fresh Auth-Token; the basket keeps its id.
        token = response.headers.get(AUTH_TOKEN) or token
        return to_cart(_parse(WireBasket, raw, "basket"), cart_id, token), raw

    def _get_basket(self, token: str) -> tuple[WireBasket, Any]:
        raw = self._get("basket", token=token)
        wire: WireBasket = _parse(WireBasket, raw, "basket")
        return wire, raw

    def cart_show(self, cart_id: str, session: CartSession | None) -> tuple[Cart, Any]:
        token = _token(cart_id, session)
        wire, raw = self._get_basket(token)
        return to_cart(wire, cart_id, token), raw

    def cart_extend(self, cart_id: str, session: CartSession | None) -> tuple[Cart, Any]:
        """BookingBug has no extend call: every add_item re-arms the basket's hold."""
        raise unsupported_stage(KEY, "cart extend")

    def cart_abandon(self, cart_id: str, session: CartSession | None) -> Any:
        token = _token(cart_id, session)
        response = self._request("DELETE", f"{self.company}/basket", token=token)
        return decode_json(response) if response.content else None

    def checkout(
        self, cart_id: str, options: Mapping[str, Any], session: CartSession | None
    ) -> tuple[Order, Any]:
        """``basket/checkout``; when its answer is lost or unreadable, or it is refused, the
        basket and the purchases are read back before anything is reported, so a purchase
        BookingBug made is never reported as a failure."""
        params = build_checkout_params(options)
        token = _token(cart_id, session)
        since = clock.now() - PURCHASE_LOOKBACK
        try:
            response = self._request(
                "POST",
                f"{self.company}/basket/checkout",
                token=token,
                params=params,
                idempotency_key=options.get("idempotency_key"),
            )
            raw = decode_json(response)
            return to_order(_parse(WirePurchase, raw, "purchase"), cart_id), raw
        except (UnreachableError, ApiUnavailableError) as err:
            # Sent, perhaps done, answer lost or unreadable: read back before reporting.
            return self._recover(cart_id, token, params, session, since, err, lost=True)
        except (ApiRefusedError, InvalidRequestError) as err:
            # A retry of a checkout that went through is refused: find that purchase.
            return self._recover(cart_id, token, params, session, since, err, lost=False)

    def _recover(
        self,
        cart_id: str,
        token: str,
        params: Mapping[str, str],
        session: CartSession | None,
        since: dt.datetime,
        err: BookctlError,
        *,
        lost: bool,
    ) -> tuple[Order, Any]:
        try:
            wire, _ = self._get_basket(token)
            holds_items = bool(wire.items)
        except (ApiAuthError, ApiNotFoundError, ApiRefusedError):
            holds_items = False  # the basket's token died with its checkout
        except BookctlError:
            if lost:
                err.hint = (
                    "the checkout may have gone through and bookctl could not look: run "
                    "'bookctl cart show' (an empty basket means it did) before checking out again"
                )
            raise err from None
        if holds_items:
            if lost:
                err.hint = (
                    "BookingBug still holds the basket's items, so nothing was bought; "
                    "it is safe to run checkout again"
                )
            raise err
        total = session.total if session is not None else None
        found = self._find_purchase(params["member_id"], total, since)
        what = "lost" if lost else "refused"
        if found is not None:
            purchase, raw = found
            order = to_order(purchase, cart_id)
            order.notices.append(
                f"BookingBug's answer to checkout was {what}, but basket {cart_id} is checked "
                f"out: bookctl read purchase {purchase.id} back"
            )
            return order, raw
        if not lost:
            err.hint = (
                f"basket {cart_id} is empty: if an earlier checkout went through, "
                "'bookctl login' lets bookctl find that purchase"
            )
            raise err
        order = Order(
            id=cart_id,
            cart_id=cart_id,
            provider=KEY,
            state="checked_out",
            payment_state=None,
            total=total,
            currency=session.currency if session is not None else None,
            completed_at=None,
            details={"purchase": "unconfirmed"},
        )
        order.notices.append(
            f"BookingBug's answer to checkout was lost and basket {cart_id} is now empty: the "
            "purchase was most likely made. Do not book it again before you check in "
            "BookingBug; with 'bookctl login' bookctl reads purchases back itself"
        )
        return order, None

    def _find_purchase(
        self, member_id: str, total: str | None, since: dt.datetime
    ) -> tuple[WirePurchase, Any] | None:
        """The newest purchase since ``since`` of this member (and total), from the admin
        purchase list of purchases.md; needs the token of ``bookctl login``."""
        if not self.login_token:
            return None
        created_from = since.strftime("%Y-%m-%dT%H:%M:%S")
        try:
            raw = decode_json(
                self._request(
                    "GET",
                    f"admin/{self.company}/purchases",
                    token=self.login_token,
                    params={"created_from": created_from},
                )
            )
        except BookctlError:
            return None
        entries = raw.get("_embedded", {}).get("purchases") if isinstance(raw, dict) else None
        candidates: list[tuple[WirePurchase, Any]] = []
        for entry in entries if isinstance(entries, list) else []:
            try:
                wire = WirePurchase.model_validate(entry)
            except ValidationError:
                continue
            if wire.member_id is not None and wire.member_id != member_id:
                continue
            if None not in (total, wire.total_price) and pence(wire.total_price) != total:
                continue
            candidates.append((wire, entry))
        if not candidates:
            return None
        return max(candidates, key=lambda c: (c[0].created_at or "", c[0].id))

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
        raise UnreachableError(
            f"BookingBug sent a {name} list bookctl does not understand",
            hint="run with -v to see the answer",
        )
    return items
