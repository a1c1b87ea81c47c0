"""Guest Manager order checkout (seeds/002): events, ticket types, orders, the checkout steps.

Wire models follow the document's field names and require only what bookctl cannot do
without; ``to_*`` functions map them to neutral models. Checkout is a state machine: after
``/next`` the provider builds every remaining step's data from the order's ``checkout_steps``
(so missing or malformed input sends no step), then walks the order through
``PATCH /checkout/{id}``. A transition whose answer is lost or unreadable is settled by reading
the order back.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Annotated, Any, ClassVar

from bookctl.core import validate
from bookctl.core.config import Profile
from bookctl.core.errors import (
    ApiError,
    ApiUnavailableError,
    BookctlError,
    UnknownOutcomeError,
    UnreachableError,
    UsageError,
)
from bookctl.core.http import ApiClient, decode_json
from bookctl.core.models import AvailabilityRow, Cart, CartLine, Money, Order, Product, money
from bookctl.core.provider import unsupported_stage
from bookctl.core.session import CartSession
from bookctl.core.wire import BeforeValidator, ConfigDict, Model, ValidationError
from bookctl.providers._common import explain, iso_timestamp, read_answers, require_option

KEY = "guestmanager"
ANSWERS = "--answers-file"
#: States after which nothing more happens to the order by checkout.
FINAL_STATES = frozenset({"complete", "requested", "reserved"})
_CARD = re.compile(r"^[\d\s-]{12,23}$")

Prompt = Callable[[str, bool], str]

HINTS = {
    "checkout_not_allowed": "see where it is with 'bookctl cart show --cart {id}'",
    "order_processing": "its payment is processing; follow it with 'bookctl poll {id}'",
    "order_complete": "nothing left to do; see it with 'bookctl poll {id}'",
    "invalid_state": "see where it is with 'bookctl cart show', then run checkout again",
    "invalid_password": f'put the event\'s "password" in {ANSWERS}',
    "invalid_invite": f'put your "invite" code in {ANSWERS}',
    "sold_out": "see what is left with 'bookctl products'",
    "not_on_sale": "see what is on sale with 'bookctl products'",
}


def _text(value: Any) -> Any:
    """Ids and amounts arrive as JSON strings or numbers; bookctl keeps them as text."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return value


#: An id or amount, whether the platform sends it as a JSON string or a number.
Text = Annotated[str, BeforeValidator(_text)]


class _Wire(Model):
    # Unknown fields are kept (for --raw) and never required.
    model_config = ConfigDict(extra="allow", defer_build=True)


class WireTicketType(_Wire):
    id: Text
    event_id: Text | None = None
    name: str = ""
    price: Text | None = None
    currency: str | None = None
    capacity: int | None = None
    available: int | None = None
    on_sale: bool = True
    sold_out: bool = False
    can_request: bool = False
    can_reserve: bool = False
    collect_name: bool = False
    collect_email: bool = False
    collect_member_id: bool = False
    shipping: bool = False


class WireField(_Wire):
    id: Text | None = None
    label: str = ""
    type: str | None = None
    required: bool = False
    options: list[dict[str, Any]] = []


class WireForm(_Wire):
    id: Text | None = None
    fields: list[WireField] = []


class WireEvent(_Wire):
    id: Text
    name: str = ""
    venue: str | None = None
    starts_at: str | None = None
    password_protected: bool = False
    invitation_only: bool = False
    form: WireForm | None = None
    ticket_types: list[WireTicketType] = []


class WireTicketTypeDetail(WireTicketType):
    event: WireEvent | None = None


class WireLineItem(_Wire):
    id: Text | None = None
    ticket_type_id: Text | None = None
    name: str | None = None
    quantity: int = 1
    price: Text | None = None
    total: Text | None = None
    shipping: bool = False


class WireTicket(_Wire):
    """A ticket of the order's ``tickets`` attribute: the document names id, name, email, keep."""

    id: Text
    name: str | None = None
    email: str | None = None
    keep: bool | None = None
    member_id: Text | None = None
    collect_member_id: bool = False


class WireAnswer(_Wire):
    """An answer of a ``form_responses`` entry: the document sends back only id and value."""

    id: Text
    value: Any = None
    field: WireField | None = None


class WireFormResponse(_Wire):
    id: Text
    answers: list[WireAnswer] = []


class WirePaymentMethod(_Wire):
    id: Any
    name: str | None = None
    type: str | None = None


class WireOrder(_Wire):
    id: Text
    state: str
    number: Text | None = None
    checkout_steps: list[str] = []
    expires_at: str | float | None = None
    completed_at: str | float | None = None
    currency: str | None = None
    total: Text | None = None
    payment_state: str | None = None
    line_items: list[WireLineItem] = []
    tickets: list[WireTicket] = []
    form_responses: list[WireFormResponse] = []
    payment_methods: list[WirePaymentMethod] | None = None
    links: dict[str, str | None] = {}


def _parse(model: type[Model], data: Any, what: str) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as err:
        raise UnreachableError(
            f"Guest Manager sent a {what} bookctl does not understand ({err.error_count()} "
            "field errors)",
            hint="run with -v to see the answer, and report it if the provider is right",
        ) from err


# -- mapping to neutral models -------------------------------------------------------------------


def sale_status(tt: WireTicketType) -> str:
    if not tt.on_sale:
        return "not on sale (can reserve)" if tt.can_reserve else "not on sale"
    if tt.sold_out:
        return "sold out (can request)" if tt.can_request else "sold out"
    return "on sale"


def to_product(tt: WireTicketType, event: WireEvent | None) -> Product:
    restrictions = [
        name
        for name, on in (
            ("password protected", event is not None and event.password_protected),
            ("invitation only", event is not None and event.invitation_only),
            ("form", event is not None and event.form is not None),
            ("shipping", tt.shipping),
            ("names on tickets", tt.collect_name),
            ("member id", tt.collect_member_id),
        )
        if on
    ]
    price = money(tt.price)
    title = f"{event.name}: {tt.name}" if event is not None and event.name else tt.name
    return Product(
        id=tt.id,
        provider=KEY,
        type="ticket",
        title=title or f"ticket type {tt.id}",
        location=event.venue if event is not None else None,
        price_from=Money(amount=price, currency=tt.currency or "")
        if price is not None and tt.currency
        else None,
        details={
            "status": sale_status(tt),
            "event_id": event.id if event is not None else tt.event_id,
            "event": event.name if event is not None else None,
            "starts_at": iso_timestamp(event.starts_at) if event is not None else None,
            "available": tt.available,
            "capacity": tt.capacity,
            "can_request": tt.can_request,
            "can_reserve": tt.can_reserve,
            "restrictions": ", ".join(restrictions) or None,
        },
    )


def _line(li: WireLineItem) -> CartLine:
    amount = money(li.total)
    if amount is None and li.price is not None:
        amount = money(Decimal(money(li.price) or "0") * li.quantity)
    return CartLine(
        product_id=li.ticket_type_id or li.id or "",
        title=li.name or f"ticket type {li.ticket_type_id or '?'}",
        quantity=li.quantity,
        dates=[],
        amount=amount,
        kind="ticket",
    )


def to_cart(wire: WireOrder, notices: list[str] | None = None) -> Cart:
    return Cart(
        id=wire.id,
        provider=KEY,
        state=wire.state,
        expires_at=iso_timestamp(wire.expires_at),
        currency=wire.currency,
        total=money(wire.total),
        lines=[_line(li) for li in wire.line_items],
        links={k: v for k, v in wire.links.items() if v},
        notices=notices or [],
    )


def to_order(wire: WireOrder, notices: list[str] | None = None) -> Order:
    return Order(
        id=wire.id,
        cart_id=wire.id,
        provider=KEY,
        state=wire.state,
        payment_state=wire.payment_state,
        total=money(wire.total),
        currency=wire.currency,
        completed_at=iso_timestamp(wire.completed_at),
        reference=wire.number,
        notices=notices or [],
    )


def resume_notices(before: WireOrder, after: WireOrder) -> list[str]:
    """What a resumed order could not re-reserve, read from its line items before and after.

    The document says to check that inventory was re-reserved; the order's line items are
    where it shows (a line that lost tickets is smaller, or gone).
    """
    now = {li.id: li.quantity for li in after.line_items if li.id is not None}
    notices = []
    for li in before.line_items:
        if li.id is None:
            continue
        kept = now.get(li.id, 0)
        if kept < li.quantity:
            notices.append(
                f"{li.name or li.ticket_type_id}: {kept} of {li.quantity} ticket(s) could be "
                "re-reserved"
            )
    return notices


# -- step data -----------------------------------------------------------------------------


class StepInputs:
    """Where checkout step data comes from: flags, then --answers-file, then a prompt."""

    def __init__(self, options: Mapping[str, Any]) -> None:
        self.options = options
        given = options.get("answers")
        self.answers = (
            dict(given)
            if isinstance(given, dict)
            else read_answers(options.get("answers_file"), ANSWERS)
        )
        self.prompt: Prompt | None = options.get("prompt")

    def given(self, key: str) -> Any:
        """``key`` from its flag, else from the answers file (None if neither has it)."""
        value = self.options.get(key)
        if value in (None, ""):
            value = self.answers.get(key)
        return None if value in (None, "") else value

    def value(self, key: str, source: str, question: str, *, secret: bool = False) -> Any:
        """``key`` from its flag or the answers file, asked for on a TTY, else exit 2."""
        given = self.given(key)
        if given is None and self.prompt is not None:
            given = self.prompt(question, secret).strip() or None
        if given in (None, ""):
            raise UsageError(f"checkout needs {question.lower()}", hint=f"pass {source}")
        return given


def guest_fields(inputs: StepInputs) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for key, attr, flag in (
        ("email", "email", "--email"),
        ("first_name", "first_name", "--first-name"),
        ("last_name", "last_name", "--last-name"),
    ):
        question = f"The guest's {key.replace('_', ' ')}"
        fields[attr] = str(inputs.value(key, f'{flag} (or "{key}" in {ANSWERS})', question))
    validate.check_email(fields["email"], "--email")
    phone = inputs.given("phone")
    if phone:
        fields["phone_number"] = str(phone)
        country = inputs.answers.get("phone_country")
        if country:
            fields["phone_number_country"] = str(country).upper()
    return fields


def json_id(value: Any) -> Any:
    """An id as the document's requests carry it: a number when it is one, else text."""
    text = str(value).strip()
    return int(text) if text.isdigit() else text


def _tickets_step(wire: WireOrder, inputs: StepInputs) -> dict[str, Any]:
    """The document: the order's ``tickets`` attribute says which tickets take names/emails."""
    ids = [t.id for t in wire.tickets]
    given = inputs.answers.get("tickets")
    if given is None and len(ids) == 1:
        given = [{"keep": True}]  # the only ticket is the guest's own
    if given is None and inputs.prompt is not None:
        given = []
        for n in range(1, len(ids) + 1):
            name = inputs.prompt(f"Name on ticket {n} (empty: it is yours)", False).strip()
            given.append({"name": name} if name else {"keep": True})
    if not isinstance(given, list):
        raise UsageError(
            f"checkout needs a name for each of the {len(ids)} tickets",
            hint=f'put "tickets": [{{"keep": true}}, {{"name": "..."}}] in {ANSWERS}',
        )
    if len(given) != len(ids):
        raise UsageError(
            f'{ANSWERS} "tickets" has {len(given)} entries; the order has {len(ids)} tickets',
            hint="one entry per ticket, in order (or with its id)",
        )
    out = []
    for tid, entry in zip(ids, given, strict=True):
        if not isinstance(entry, dict):
            raise UsageError(f'{ANSWERS} "tickets" entries must be objects')
        key = str(entry["id"]).strip() if entry.get("id") is not None else tid
        if key not in ids:
            raise UsageError(f'{ANSWERS} "tickets": ticket {key} is not on this order')
        item: dict[str, Any] = {"id": json_id(key)}
        keep = entry.get("keep") is True
        if keep:
            item["keep"] = True
        if entry.get("name"):
            item["name"] = str(entry["name"])
        elif not keep:
            raise UsageError(
                f"ticket {key} needs a name", hint='give it "name", or "keep": true for yourself'
            )
        if entry.get("email"):
            item["email"] = validate.check_email(str(entry["email"]), f"ticket {key} email")
        out.append(item)
    if sum(1 for item in out if item.get("keep")) > 1:
        raise UsageError(
            'only one ticket can be kept by the guest ("keep": true)',
            hint="give every other ticket a name",
        )
    return {"tickets": out}


def _member_step(wire: WireOrder, inputs: StepInputs) -> dict[str, Any]:
    """The document names the step only; tickets flagged ``collect_member_id`` (else all)."""
    needed = [t for t in wire.tickets if t.collect_member_id] or wire.tickets
    given = inputs.answers.get("member")
    if given is None and inputs.prompt is not None:
        given = [inputs.prompt(f"Member id for ticket {t.id}", False) for t in needed]
    if not isinstance(given, list) or len(given) != len(needed):
        raise UsageError(
            f"checkout needs a member id for each of the {len(needed)} member tickets",
            hint=f'put "member": ["M-1001", ...] in {ANSWERS}',
        )
    return {
        "tickets": [
            {"id": json_id(t.id), "member_id": str(m)} for t, m in zip(needed, given, strict=True)
        ]
    }


_ISO_COUNTRY = re.compile(r"^[A-Za-z]{2}$")


def check_address(raw: Any, name: str) -> dict[str, Any]:
    """An address object as the document shows it: state and country by id or by ISO code."""
    if not isinstance(raw, dict):
        raise UsageError(f'{ANSWERS} "{name}" must be an address object')
    for key in ("address1", "city", "zipcode"):
        if not raw.get(key):
            raise UsageError(f'{ANSWERS} "{name}" needs "{key}"')
    address = dict(raw)
    if raw.get("country_id") is None:
        code = raw.get("country_code")
        if code is None:
            raise UsageError(
                f'{ANSWERS} "{name}" needs "country_code" (ISO, e.g. "AU") or "country_id"'
            )
        if not isinstance(code, str) or not _ISO_COUNTRY.match(code):
            raise UsageError(
                f'{ANSWERS} "{name}": {code!r} is not an ISO country code',
                hint='two letters, e.g. "AU" or "US"',
            )
        address["country_code"] = code.upper()
    if raw.get("state_id") is None and isinstance(raw.get("state_code"), str):
        address["state_code"] = raw["state_code"].upper()
    return address


def _address_step(wire: WireOrder, inputs: StepInputs) -> dict[str, Any]:
    bill = inputs.answers.get("bill_address")
    if bill is None:
        raise UsageError(
            "checkout needs a billing address",
            hint=f'put "bill_address": {{"address1", "city", "zipcode", "country_code"}} '
            f"in {ANSWERS}",
        )
    data = {"bill_address": check_address(bill, "bill_address")}
    ship = inputs.answers.get("ship_address")
    if ship is None and any(li.shipping for li in wire.line_items):
        ship = bill  # the document is silent; shipping goes to the billing address
    if ship is not None:
        data["ship_address"] = check_address(ship, "ship_address")
    return data


def _form_step(wire: WireOrder, inputs: StepInputs) -> dict[str, Any]:
    """Answers go back by answer ``id`` and ``value`` (the document); a ``field``, when the
    order carries one, lets the answers file name it by label and choose options by label."""
    given = inputs.answers.get("form") or {}
    if not isinstance(given, dict):
        raise UsageError(f'{ANSWERS} "form" must be an object of answer id (or label): value')
    keyed: dict[str, WireAnswer] = {}
    for response in wire.form_responses:
        for answer in response.answers:
            keyed[answer.id.lower()] = answer
            if answer.field is not None:
                for key in (answer.field.id, answer.field.label):
                    if key:
                        keyed.setdefault(str(key).lower(), answer)
    unknown = sorted(str(k) for k in given if str(k).lower() not in keyed)
    if unknown:
        known = ", ".join(_answer_name(a) for r in wire.form_responses for a in r.answers)
        raise UsageError(
            f'{ANSWERS} "form": unknown field(s) {", ".join(map(repr, unknown))}',
            hint=f"the form's answers: {known}",
        )
    chosen = {keyed[str(k).lower()].id: v for k, v in given.items()}
    out = []
    for response in wire.form_responses:
        answers = []
        for answer in response.answers:
            field = answer.field
            required = field is not None and field.required
            value = chosen.get(answer.id, answer.value)
            if value in (None, "") and required and inputs.prompt is not None:
                value = inputs.prompt(_answer_name(answer), False).strip() or None
            if value in (None, ""):
                if required:
                    raise UsageError(
                        f"the form needs an answer to {_answer_name(answer)}",
                        hint=f'put "form": {{"{answer.id}": ...}} in {ANSWERS}',
                    )
                continue
            if field is not None and field.options:
                value = _option(field, value)
            answers.append({"id": json_id(answer.id), "value": str(value)})
        out.append({"id": json_id(response.id), "answers": answers})
    return {"responses": out}


def _answer_name(answer: WireAnswer) -> str:
    if answer.field is not None and answer.field.label:
        return f'"{answer.field.label}" (answer {answer.id})'
    return f"answer {answer.id}"


def _option(field: WireField, value: Any) -> str:
    for option in field.options:
        if (
            str(value) == str(option.get("id"))
            or str(value).lower() == str(option.get("label", "")).lower()
        ):
            return str(option["id"])
    labels = ", ".join(str(o.get("label")) for o in field.options)
    raise UsageError(f'"{field.label}" has no option {value!r}', hint=f"choose one of: {labels}")


def check_token(token: str) -> None:
    if _CARD.match(token):
        raise UsageError(
            "--payment-token looks like a card number; never pass card data",
            hint="create a token with your payment provider's SDK (the sandbox takes tok_visa)",
        )


def _method_name(method: WirePaymentMethod) -> str:
    label = method.name or method.type
    return f"{method.id} ({label})" if label else str(method.id)


def payment_method(wire: WireOrder, inputs: StepInputs) -> Any:
    """The id of the payment method to use, chosen from the order's ``payment_methods``.

    ``--payment-method`` (or answers ``"payment_method"``) picks one; with no choice, the
    only method the order offers is used. The id goes back in the JSON type the order gave it.
    """
    methods = wire.payment_methods
    chosen = inputs.given("payment_method")
    if chosen is not None:
        if not methods:
            return chosen  # the order lists none: trust the user's id
        for method in methods:
            if str(method.id) == str(chosen).strip():
                return method.id
        raise UsageError(
            f"order {wire.id} offers no payment method {chosen!r}",
            hint=f"choose one with --payment-method: {', '.join(map(_method_name, methods))}",
        )
    if methods is not None and len(methods) == 1:
        return methods[0].id
    if not methods:
        raise UsageError(
            f"order {wire.id} lists no payment_methods",
            hint="pass --payment-method ID with the id your account uses",
        )
    raise UsageError(
        f"order {wire.id} offers {len(methods)} payment methods; choose one",
        hint=f"pass --payment-method: {', '.join(map(_method_name, methods))}",
    )


def _payment_step(wire: WireOrder, inputs: StepInputs) -> dict[str, Any]:
    method = payment_method(wire, inputs)
    token = str(
        inputs.value(
            "payment_token",
            f'--payment-token (or "payment_token" in {ANSWERS})',
            "A payment token",
            secret=True,
        )
    )
    check_token(token)
    payment: dict[str, Any] = {"payment_method_id": json_id(method), "token": token}
    if inputs.answers.get("payment_amount") is not None:
        payment["amount"] = str(inputs.answers["payment_amount"])
    return {"payments": [payment]}


def step_data(step: str, wire: WireOrder, inputs: StepInputs) -> dict[str, Any]:
    """One step's data, from the order as it stands (after ``/next``)."""
    if step == "tickets":
        return _tickets_step(wire, inputs)
    if step == "password":
        return {
            "password": str(
                inputs.value(
                    "password", f'"password" in {ANSWERS}', "The event's password", secret=True
                )
            )
        }
    if step == "invite":
        return {
            "invite_code": str(
                inputs.value("invite", f'"invite" in {ANSWERS}', "Your invitation code")
            )
        }
    if step == "member":
        return _member_step(wire, inputs)
    if step == "address":
        return _address_step(wire, inputs)
    if step == "form":
        return _form_step(wire, inputs)
    if step == "payment":
        return _payment_step(wire, inputs)
    if step == "confirm":
        return {}
    raise UsageError(
        f"order {wire.id} is at the '{step}' step, which bookctl cannot complete",
        hint=f"finish it in the browser: {wire.links.get('checkout', 'links.checkout')}",
    )


# -- the provider ----------------------------------------------------------------------------


#: Where an order's walk stops: the outcomes, the payment in flight, and states no step leaves.
_STOPS = FINAL_STATES | {"processing", "expired", "canceled", "cart"}


class GuestManager:
    """Guest Manager order and checkout client."""

    key: ClassVar[str] = KEY
    PENDING_STATES: ClassVar[frozenset[str]] = frozenset({"processing"})
    SUCCESS_STATES: ClassVar[frozenset[str]] = FINAL_STATES

    def __init__(self, client: ApiClient, profile: Profile) -> None:
        self.client = client
        self.profile = profile
        self._notices: list[str] = []

    @staticmethod
    def auth_headers(api_key: str) -> dict[str, str]:
        return {"Authorization": f"Token {api_key}"}

    def _path(self, setting: str, **ids: str) -> str:
        """A call the document does not describe, overridable by a profile default."""
        template = str(self.profile.defaults.get(setting) or UNDOCUMENTED_PATHS[setting])
        return template.format(**ids).lstrip("/")

    # catalogue

    def list_products(self, filters: Mapping[str, Any]) -> tuple[list[Product], Any]:
        raw = self.client.get_json(self._path("events_path"))
        if not isinstance(raw, list):
            raise _bad_answer("event list")
        events = [_parse(WireEvent, e, "event") for e in raw]
        return [to_product(tt, ev) for ev in events for tt in ev.ticket_types], raw

    def get_product(self, product_id: str, filters: Mapping[str, Any]) -> tuple[Product, Any]:
        raw = self.client.get_json(self._path("ticket_type_path", id=_id(product_id)))
        wire = _parse(WireTicketTypeDetail, raw, "ticket type")
        return to_product(wire, wire.event), raw

    def availability(
        self, product_ids: list[str], filters: Mapping[str, Any]
    ) -> tuple[list[AvailabilityRow], Any]:
        raise unsupported_stage(KEY, "availability")

    # cart (an order in state `cart`)

    def basket_add(
        self, options: Mapping[str, Any], session: CartSession | None
    ) -> tuple[Cart, Any]:
        ticket_type = int(
            _id(require_option(options, "ticket_type", "--ticket-type", "basket add"))
        )
        qty = 1 if options.get("qty") is None else options["qty"]
        if not 1 <= qty <= 50:
            raise UsageError("--qty must be from 1 to 50")
        item = {"ticket_type_id": ticket_type, "quantity": qty}
        key = options.get("idempotency_key")
        try:
            if session is None:
                body = {"order": {"line_items": [item]}}
                raw = decode_json(
                    self.client.request(
                        "POST", self._path("orders_path"), json_body=body, idempotency_key=key
                    )
                )
            else:
                raw = self._add_reconciling(session.cart_id, item, key)
        except ApiError as err:
            raise explain(err, HINTS, id=session.cart_id if session else "") from None
        return to_cart(_parse(WireOrder, raw, "order")), raw

    def _add_reconciling(self, order_id: str, item: dict[str, Any], key: str | None) -> Any:
        before = self._get(order_id)[0].line_items
        try:
            response = self.client.request(
                "POST",
                self._path("line_items_path", id=_id(order_id)),
                json_body={"line_item": item},
                idempotency_key=key,
            )
            raw = decode_json(response)
            _parse(WireOrder, raw, "order")
        except (UnreachableError, ApiUnavailableError):
            # Lost or unreadable answer: the order says whether the tickets went in.
            wire, raw = self._get(order_id)
            if _tickets(wire.line_items) > _tickets(before):
                return raw
            raise
        return raw

    def _get(self, order_id: str) -> tuple[WireOrder, Any]:
        raw = self.client.get_json(self._path("order_path", id=_id(order_id)))
        return _parse(WireOrder, raw, "order"), raw

    def cart_show(self, cart_id: str, session: CartSession | None) -> tuple[Cart, Any]:
        wire, raw = self._get(cart_id)
        return to_cart(wire), raw

    def cart_extend(self, cart_id: str, session: CartSession | None) -> tuple[Cart, Any]:
        """Resume the order: re-reserve an expired order's tickets, or restart the timer."""
        before, _ = self._get(cart_id)
        if before.number is None:
            raise _bad_answer("order without the number that resume needs")
        try:
            response = self.client.request("PATCH", f"checkout/{before.number}/resume")
            raw = decode_json(response)
            after = _parse(WireOrder, raw, "order")
        except ApiError as err:
            raise explain(err, HINTS, id=cart_id) from None
        except UnreachableError:
            # The document does not show resume's answer: the order itself says where it is.
            after, raw = self._get(cart_id)
        return to_cart(after, resume_notices(before, after)), raw

    def cart_abandon(self, cart_id: str, session: CartSession | None) -> Any:
        try:
            response = self.client.request("DELETE", self._path("cancel_path", id=_id(cart_id)))
        except ApiError as err:
            raise explain(err, HINTS, id=cart_id) from None
        return decode_json(response) if response.content else None

    # checkout

    def checkout(
        self, cart_id: str, options: Mapping[str, Any], session: CartSession | None
    ) -> tuple[Order, Any]:
        """Walk the order through its steps; stop after one transition with ``step``.

        From ``cart``: the guest fields, then ``/next``; the steps are planned from the
        ``checkout_steps`` of the order ``/next`` answers (the document: inspect them after
        the transition), every step's data built before the first step is sent.
        """
        inputs = StepInputs(options)
        step_mode = bool(options.get("step"))
        if options.get("payment_token"):
            check_token(str(options["payment_token"]))
        self._notices = []
        wire, raw = self._get(cart_id)
        try:
            if wire.state in FINAL_STATES:
                # A retry after the purchase went through: nothing to do, report it.
                self._notices.append(f"order {wire.id} was already {wire.state}")
                return self._order(wire), raw
            if wire.state == "cart":
                guest = guest_fields(inputs)
                wire, raw = self._patch(wire, raw, {"state": "cart", **guest})
                wire, raw = self._transition(wire, raw, f"checkout/{_id(cart_id)}/next")
                if step_mode:
                    return self._order(wire), raw
            elif wire.state in _STOPS:
                # processing, expired...: the provider says why checkout cannot go on.
                wire, raw = self._transition(wire, raw, f"checkout/{_id(cart_id)}/next")
                return self._order(wire), raw
            plan = {} if step_mode else _planned(wire, inputs)
            sent: set[str] = set()
            while wire.state not in _STOPS and wire.state not in sent:
                data = plan.pop(wire.state, None)
                if data is None:
                    data = step_data(wire.state, wire, inputs)
                sent.add(wire.state)
                wire, raw = self._patch(wire, raw, {"state": wire.state, **data})
                if step_mode:
                    break
        except ApiError as err:
            explain(err, HINTS, id=cart_id)
            if err.provider_code == "checkout_not_allowed" and "expired" in err.message.lower():
                err.hint = f"resume the expired order with 'bookctl cart extend --cart {cart_id}'"
            raise err from None
        return self._order(wire), raw

    def _order(self, wire: WireOrder) -> Order:
        return to_order(wire, self._notices)

    def _patch(self, wire: WireOrder, raw: Any, order: dict[str, Any]) -> tuple[WireOrder, Any]:
        return self._transition(wire, raw, f"checkout/{_id(wire.id)}", {"order": order})

    def _transition(
        self, wire: WireOrder, raw: Any, path: str, body: Any = None
    ) -> tuple[WireOrder, Any]:
        """One ``PATCH``; when its answer is lost or unreadable, the order is read back.

        An order that moved on is where the work got to (the answer is not needed); one that
        did not move re-raises the failure, so a purchase is never reported failed once made.
        """
        try:
            response = self.client.request("PATCH", path, json_body=body)
            answer = decode_json(response)
            return _parse(WireOrder, answer, "order"), answer
        except (UnreachableError, ApiUnavailableError) as err:
            failure = err
        try:
            now, now_raw = self._get(wire.id)
        except BookctlError:
            raise UnknownOutcomeError(
                f"{failure.message}; reading order {wire.id} back failed too, so whether "
                "the step went through is unknown",
                hint=f"see where it stands with 'bookctl poll {wire.id}' before checking out again",
            ) from failure
        guest_update = body is not None and wire.state == "cart"  # stays in cart when it works
        if now.state == wire.state and not guest_update:
            raise failure
        if now.state != wire.state:
            self._notices.append(
                f"the answer to PATCH /{path} was lost or unreadable; "
                f"order {now.id} read back: {now.state}"
            )
        return now, now_raw

    def get_order(self, order_id: str, session: CartSession | None) -> tuple[Order, Any]:
        wire, raw = self._get(order_id)
        return to_order(wire), raw


PROVIDER = GuestManager

#: The calls the document does not describe, and the profile default that overrides each
#: (``[profiles.NAME.defaults]`` in config.toml) when an account's API differs.
UNDOCUMENTED_PATHS: dict[str, str] = {
    "orders_path": "orders",
    "order_path": "orders/{id}",
    "line_items_path": "orders/{id}/line_items",
    "cancel_path": "orders/{id}",
    "events_path": "events",
    "ticket_type_path": "ticket_types/{id}",
}


def _planned(wire: WireOrder, inputs: StepInputs) -> dict[str, dict[str, Any]]:
    """Every remaining step's data, from the order at its first step (after ``/next``).

    The order is in checkout by now; a step whose data is missing stops here, and the next
    run picks up from the step the order is at.
    """
    steps = wire.checkout_steps
    todo = steps[steps.index(wire.state) :] if wire.state in steps else [wire.state]
    plan: dict[str, dict[str, Any]] = {}
    try:
        for step in todo:
            if step not in _STOPS:
                plan[step] = step_data(step, wire, inputs)
    except UsageError as err:
        where = f"order {wire.id} is at the '{wire.state}' step; checkout picks up from there"
        err.hint = f"{err.hint}; {where}" if err.hint else where
        raise
    return plan


def _tickets(lines: list[WireLineItem]) -> int:
    return sum(li.quantity for li in lines)


def _id(value: str) -> str:
    text = str(value).strip()
    if not text.isdigit():
        raise UsageError(f"{value!r} is not a Guest Manager id", hint="ids are whole numbers")
    return text


def _bad_answer(what: str) -> Exception:
    return UnreachableError(
        f"Guest Manager sent a {what} bookctl does not understand",
        hint="run with -v to see the answer",
    )
