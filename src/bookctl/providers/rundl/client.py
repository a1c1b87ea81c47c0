"""Rundl checkouts (seeds/004): products of a service, checkouts with tax, product orders.

Wire models follow the document's field names; ``to_*`` functions map them to neutral models.
Amounts are strings on the wire and dates look like ``/Date(1532940986653+0000)/``.
"""

from __future__ import annotations

import base64
import datetime as dt
import re
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any, ClassVar

from bookctl.core import validate
from bookctl.core.config import Profile
from bookctl.core.errors import (
    ApiRefusedError,
    ApiUnavailableError,
    BookctlError,
    InvalidRequestError,
    UnknownOutcomeError,
    UnreachableError,
    UsageError,
)
from bookctl.core.http import ApiClient, decode_json
from bookctl.core.models import AvailabilityRow, Cart, CartLine, Money, Order, Product, money
from bookctl.core.provider import unsupported_stage
from bookctl.core.session import CartSession
from bookctl.core.wire import Model, ValidationError
from bookctl.providers._common import LENIENT

KEY = "rundl"
CHECKOUT_STATES = {0: "open", 1: "purchased"}
#: Product order status -> neutral payment state.
PAYMENT_STATES = {
    "processing": "pending",
    "complete": "paid",
    "invoiced": "invoiced",
    "failed": "failed",
}
_DATE = re.compile(r"^/Date\((-?\d+)([+-]\d{4})?\)/$")
Amount = Decimal | None


class _Wire(Model):
    model_config = LENIENT


class Gid(_Wire):
    global_type: int | None = None
    id: int | None = None
    name: str | None = None


class WireProduct(_Wire):
    id: int
    object: str | None = None
    name: str
    price: Amount = None
    currency: str | None = None
    tax_id: int | None = None
    service: int | None = None


class WireTaxLine(_Wire):
    amount: Amount = None
    name: str | None = None


class WireItem(_Wire):
    product: WireProduct
    quantity: int = 1
    amount: Amount = None
    tax_id: int | None = None
    tax_amount: Amount = None
    tax_status: int | None = None
    tax_lines: list[WireTaxLine] = []
    reference: Any = None
    data: Any = None


class WireCheckout(_Wire):
    """The document's checkout object: only ``id`` is needed; the rest is read when present."""

    id: int
    object: str | None = None
    seller: Gid | None = None
    buyer: Gid | None = None
    status: int | str | None = None
    product_order: int | None = None
    items: list[WireItem] = []
    items_total_price: Amount = None
    total_tax: Amount = None
    total_price: Amount = None
    currency: str | None = None
    payment_account_types: list[str] = []
    payment_token: str | None = None
    related: int | None = None
    service: int | None = None
    rundl: int | None = None
    created_date: str | None = None

    @property
    def state(self) -> str:
        if self.product_order is not None:
            return CHECKOUT_STATES[1]
        code = str(self.status) if self.status is not None else "0"
        return CHECKOUT_STATES.get(int(code), code) if code.isdigit() else code


# Not in the document: the product order a purchase makes (bookctl's reading of Rundl's API).
class WireProductOrder(_Wire):
    id: int
    checkout: int | None = None
    status: str
    payment_account_type: str | None = None
    total_price: Amount = None
    currency: str | None = None
    created_date: str | None = None
    completed_date: str | None = None


def _parse(model: type[Model], data: Any, what: str) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as err:
        raise UnreachableError(
            f"Rundl sent a {what} bookctl does not understand ({err.error_count()} field errors)",
            hint="run with -v to see the answer, and report it if the provider is right",
        ) from err


def parse_date(value: str | None) -> str | None:
    """Rundl's ``/Date(1532940986653+0000)/`` as ISO 8601 in UTC (milliseconds kept)."""
    if value is None or value == "":
        return None
    found = _DATE.match(value.strip())
    if found is None:
        return value
    moment = dt.datetime.fromtimestamp(int(found.group(1)) / 1000, tz=dt.UTC)
    return moment.isoformat(timespec="milliseconds")


# -- mapping to neutral models -------------------------------------------------------------------


def to_product(wire: WireProduct) -> Product:
    return Product(
        id=str(wire.id),
        provider=KEY,
        type="product",
        title=wire.name,
        price_from=Money(amount=money(wire.price) or "0.00", currency=wire.currency)
        if wire.price is not None and wire.currency
        else None,
        details={"service": wire.service, "tax_id": wire.tax_id},
    )


def to_cart(wire: WireCheckout) -> Cart:
    return Cart(
        id=str(wire.id),
        provider=KEY,
        state=wire.state,
        expires_at=None,
        currency=wire.currency,
        total=money(wire.total_price),
        lines=[
            CartLine(
                product_id=str(item.product.id),
                title=item.product.name,
                quantity=item.quantity,
                dates=[],
                amount=money(item.amount),
                kind=", ".join(f"{t.name} {t.amount}%" for t in item.tax_lines if t.name) or None,
            )
            for item in wire.items
        ],
    )


def to_order(wire: WireProductOrder, checkout_id: str | None = None) -> Order:
    return Order(
        id=str(wire.id),
        cart_id=str(wire.checkout) if wire.checkout is not None else checkout_id,
        provider=KEY,
        state=wire.status,
        payment_state=PAYMENT_STATES.get(wire.status, wire.status),
        total=money(wire.total_price),
        currency=wire.currency,
        completed_at=parse_date(wire.completed_date),
        details={
            "payment_account_type": wire.payment_account_type,
            "created_at": parse_date(wire.created_date),
        },
    )


# -- option parsing --------------------------------------------------------------------------


def build_checkout_body(options: Mapping[str, Any]) -> dict[str, Any]:
    """The documented ``{"checkout": {...}}`` body from --service/--product/--qty or --file."""
    file = options.get("file")
    if file is not None:
        if options.get("service") or options.get("product"):
            raise UsageError("give --file or --service/--product, not both")
        body = validate.read_json_file(Path(file), "--file")
        inner = body.get("checkout") if isinstance(body, dict) else None
        if not isinstance(inner, dict) or not isinstance(inner.get("items"), list):
            raise UsageError(
                "--file: the body needs a 'checkout' object with an 'items' list",
                hint="see 'Create a checkout' in docs/providers.md, Rundl",
            )
        for n, item in enumerate(inner["items"], 1):
            quantity = item.get("quantity", 1) if isinstance(item, dict) else None
            if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity <= 0:
                raise UsageError(f"--file: item {n} needs a whole quantity of at least 1")
        return {"checkout": inner}
    service = options.get("service")
    products = options.get("product") or []
    if not service or not products:
        raise UsageError(
            "basket add needs --service and at least one --product (or --file)",
            hint="list products with 'bookctl products --service ID'",
        )
    qty = options.get("qty")
    quantity = 1 if qty is None else int(qty)
    if quantity <= 0:
        raise UsageError(f"--qty must be at least 1, not {quantity}")
    return {
        "checkout": {
            "service": int(_id(str(service), "--service")),
            "payment_token": None,
            "items": [
                {"product": {"id": int(_id(str(p), "--product"))}, "quantity": quantity}
                for p in products
            ],
        }
    }


# -- the provider ----------------------------------------------------------------------------


class Rundl:
    """Rundl checkouts client for one account."""

    key: ClassVar[str] = KEY
    #: A product order is paid for in the background; ``poll`` follows it.
    PENDING_STATES: ClassVar[frozenset[str]] = frozenset({"processing"})
    SUCCESS_STATES: ClassVar[frozenset[str]] = frozenset({"complete", "invoiced"})

    def __init__(self, client: ApiClient, profile: Profile) -> None:
        if not profile.account:
            raise UsageError(
                f"profile {profile.name!r} has no account",
                hint=f"re-add it with: bookctl profile add {profile.name} --provider rundl "
                "--account ID ...",
            )
        self.client = client
        self.profile = profile
        self.account = _id(profile.account, "account")

    @staticmethod
    def auth_headers(api_key: str) -> dict[str, str]:
        """``OAuth <Base64-Encoded-User-Access-Token>``: the profile holds the user access token
        as Rundl issues it, and bookctl Base64-encodes it here."""
        return {"Authorization": f"OAuth {encode_token(api_key)}"}

    def _get(self, path: str) -> Any:
        return self.client.get_json(path, params={"account": self.account})

    # catalogue

    def list_products(self, filters: Mapping[str, Any]) -> tuple[list[Product], Any]:
        if filters.get("service"):
            services = [_id(str(filters["service"]), "--service")]
        else:
            listed = self._get("services")
            if not isinstance(listed, list):
                raise _bad_answer("service list")
            services = [str(s.get("id")) for s in listed if isinstance(s, dict)]
        raw: dict[str, Any] = {}
        products: list[Product] = []
        for service in services:
            answer = self._get(f"services/{service}/products")
            if not isinstance(answer, list):
                raise _bad_answer("product list")
            raw[service] = answer
            products += [to_product(_parse(WireProduct, p, "product")) for p in answer]
        return products, raw if len(services) > 1 else raw[services[0]]

    def get_product(self, product_id: str, filters: Mapping[str, Any]) -> tuple[Product, Any]:
        raw = self._get(f"products/{_id(product_id)}")
        return to_product(_parse(WireProduct, raw, "product")), raw

    def availability(
        self, product_ids: list[str], filters: Mapping[str, Any]
    ) -> tuple[list[AvailabilityRow], Any]:
        raise unsupported_stage(KEY, "availability")

    # checkout

    def basket_add(
        self, options: Mapping[str, Any], session: CartSession | None
    ) -> tuple[Cart, Any]:
        if session is not None:
            raise UsageError(
                f"checkout {session.cart_id} is open and a Rundl checkout cannot take more items",
                hint="check it out, or start another with 'basket add --new-cart'; put every "
                "product in one 'basket add' (--product is repeatable)",
            )
        body = build_checkout_body(options)
        response = self.client.request(
            "POST",
            "checkouts",
            params={"account": self.account},
            json_body=body,
            idempotency_key=options.get("idempotency_key"),
        )
        try:
            raw = decode_json(response)
            return to_cart(_parse(WireCheckout, raw, "checkout")), raw
        except UnreachableError as err:
            err.hint = (
                "a checkout may have been created; nothing is bought until 'bookctl checkout'. "
                "Run with -v to see the answer"
            )
            raise

    def _get_checkout(self, checkout_id: str) -> tuple[WireCheckout, Any]:
        raw = self._get(f"checkouts/{_id(checkout_id, 'checkout id')}")
        return _parse(WireCheckout, raw, "checkout"), raw

    def cart_show(self, cart_id: str, session: CartSession | None) -> tuple[Cart, Any]:
        wire, raw = self._get_checkout(cart_id)
        return to_cart(wire), raw

    def cart_extend(self, cart_id: str, session: CartSession | None) -> tuple[Cart, Any]:
        """A Rundl checkout holds nothing, so there is nothing to extend."""
        raise unsupported_stage(KEY, "cart extend")

    def cart_abandon(self, cart_id: str, session: CartSession | None) -> Any:
        """The document has no call that cancels a checkout."""
        raise unsupported_stage(KEY, "cart abandon")

    def checkout(
        self, cart_id: str, options: Mapping[str, Any], session: CartSession | None
    ) -> tuple[Order, Any]:
        """Purchase the checkout. A checkout already purchased (a retry) reports its order, and a
        lost or unreadable answer is settled by reading the checkout back."""
        wire, _ = self._get_checkout(cart_id)
        if wire.product_order is not None:
            order, raw = self._order_of(wire)
            order.notices.append(
                f"checkout {cart_id} was already purchased: product order {order.id}"
            )
            return order, raw
        token = options.get("payment_token")
        kind = "credit_card" if token else "manual"
        if wire.payment_account_types and kind not in wire.payment_account_types:
            accepted = ", ".join(wire.payment_account_types)
            hint = (
                "pass --payment-token TOKEN from your card processor"
                if kind == "manual"
                else "leave out --payment-token to pay manually"
            )
            raise UsageError(
                f"checkout {cart_id} accepts {accepted} payment, not {kind.replace('_', ' ')}",
                hint=hint,
            )
        body: dict[str, Any] = {"payment_account_type": kind}
        if token:
            body["payment_token"] = token
        try:
            response = self.client.request(
                "POST",
                f"checkouts/{wire.id}/purchase",
                params={"account": self.account},
                json_body=body,
                idempotency_key=options.get("idempotency_key"),
            )
        except (UnknownOutcomeError, ApiUnavailableError) as err:
            found = self._purchased(cart_id)
            if found is None:
                raise UnknownOutcomeError(
                    f"{err.message}; reading checkout {cart_id} back did not show a purchase",
                    hint="run 'bookctl cart show'; 'bookctl checkout' again reports the product "
                    "order if the purchase was made",
                ) from None
            found[0].notices.append(
                f"the answer to the purchase was lost ({err.message}), but checkout {cart_id} "
                f"has product order {found[0].id}: the purchase was made"
            )
            return found
        except (ApiRefusedError, InvalidRequestError):
            found = self._purchased(cart_id)
            if found is None:
                raise
            found[0].notices.append(f"checkout {cart_id} was already purchased")
            return found
        try:
            answer = decode_json(response)
            purchased: WireCheckout = _parse(WireCheckout, answer, "checkout")
            if purchased.product_order is None:
                raise _bad_answer("purchase answer")
        except UnreachableError as err:
            # Rundl said yes (2xx); only its answer is unreadable.
            found = self._purchased(cart_id)
            order, raw = found or (_unread_order(cart_id), None)
            order.notices.append(
                f"Rundl accepted the purchase of checkout {cart_id} (HTTP "
                f"{response.status_code}) but its answer could not be read ({err.message}): "
                "the purchase was made"
            )
            return order, raw
        order, order_raw = self._order_of(purchased)
        return order, {"checkout": answer, "product_order": order_raw}

    def _purchased(self, checkout_id: str) -> tuple[Order, Any] | None:
        """The product order of ``checkout_id`` if reading it back shows one."""
        try:
            wire, _ = self._get_checkout(checkout_id)
        except BookctlError:
            return None
        return self._order_of(wire) if wire.product_order is not None else None

    def _order_of(self, wire: WireCheckout) -> tuple[Order, Any]:
        """The product order of a purchased checkout; still reported if it cannot be read."""
        order_id = str(wire.product_order)
        try:
            return self.get_order(order_id, None)
        except BookctlError as err:
            order = _unread_order(str(wire.id), order_id)
            order.notices.append(f"product order {order_id} could not be read: {err.message}")
            return order, None

    def get_order(self, order_id: str, session: CartSession | None) -> tuple[Order, Any]:
        raw = self._get(f"product_orders/{_id(order_id, 'product order id')}")
        checkout_id = session.cart_id if session is not None else None
        return to_order(_parse(WireProductOrder, raw, "product order"), checkout_id), raw


PROVIDER = Rundl


def encode_token(token: str) -> str:
    """The user access token as the ``OAuth`` header carries it: Base64 of its UTF-8 bytes."""
    return base64.b64encode(token.encode()).decode("ascii")


def _unread_order(checkout_id: str, order_id: str | None = None) -> Order:
    """A purchase known to be made whose product order could not be read. With its id it is
    ``processing`` as far as bookctl can tell (``poll`` follows it); without, the checkout is
    ``purchased`` and the session stays, so ``checkout`` again finds the order."""
    return Order(
        id=order_id or checkout_id,
        cart_id=checkout_id,
        provider=KEY,
        state="processing" if order_id else CHECKOUT_STATES[1],
        payment_state=None,
        total=None,
        currency=None,
        completed_at=None,
    )


def _id(value: str, what: str = "id") -> str:
    text = str(value).strip()
    if not text.isdigit():
        raise UsageError(f"{what} {value!r} is not a Rundl id", hint="ids are whole numbers")
    return text


def _bad_answer(what: str) -> Exception:
    return UnreachableError(
        f"Rundl sent a {what} bookctl does not understand",
        hint="run with -v to see the answer",
    )
