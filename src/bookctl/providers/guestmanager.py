"""Guest Manager order checkout (seeds/002): events, ticket types, orders, the checkout steps.

Wire models follow the document's field names; ``to_*`` functions map them to neutral models.
Checkout is a state machine: the provider builds every remaining step's data first (so missing
or malformed input changes nothing), then walks the order through ``PATCH /checkout/{id}``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, ValidationError

from bookctl.core import validate
from bookctl.core.config import Profile
from bookctl.core.errors import ApiError, UnknownOutcomeError, UnreachableError, UsageError
from bookctl.core.http import ApiClient, decode_json
from bookctl.core.models import AvailabilityRow, Cart, CartLine, Money, Order, Product, money
from bookctl.core.provider import unsupported_stage
from bookctl.core.session import CartSession
from bookctl.providers._common import explain, iso_timestamp, read_answers, require_option

KEY = "guestmanager"
ANSWERS = "--answers-file"
#: States after which nothing more happens to the order by checkout.
FINAL_STATES = frozenset({"complete", "requested", "reserved"})
_CARD = re.compile(r"^[\d\s-]{12,23}$")

Prompt = Callable[[str, bool], str]

HINTS = {
    "checkout_not_allowed": "an expired order can be resumed with 'bookctl cart extend'",
    "order_processing": "its payment is processing; follow it with 'bookctl poll {id}'",
    "order_complete": "nothing left to do; see it with 'bookctl poll {id}'",
    "invalid_state": "see where it is with 'bookctl cart show', then run checkout again",
    "invalid_password": f'put the event\'s "password" in {ANSWERS}',
    "invalid_invite": f'put your "invite" code in {ANSWERS}',
    "sold_out": "see what is left with 'bookctl products'",
    "not_on_sale": "see what is on sale with 'bookctl products'",
}


class _Wire(BaseModel):
    model_config = ConfigDict(extra="allow")


class WireTicketType(_Wire):
    id: int
    event_id: int
    name: str
    price: str
    currency: str
    capacity: int
    available: int
    on_sale: bool
    sold_out: bool
    can_request: bool = False
    can_reserve: bool = False
    collect_name: bool = False
    collect_email: bool = False
    collect_member_id: bool = False
    shipping: bool = False


class WireField(_Wire):
    id: int
    label: str
    type: str
    required: bool = False
    options: list[dict[str, Any]] = []


class WireForm(_Wire):
    id: int
    fields: list[WireField]


class WireEvent(_Wire):
    id: int
    name: str
    venue: str | None = None
    starts_at: str | None = None
    password_protected: bool = False
    invitation_only: bool = False
    form: WireForm | None = None
    ticket_types: list[WireTicketType] = []


class WireTicketTypeDetail(WireTicketType):
    event: WireEvent


class WireLineItem(_Wire):
    id: int
    ticket_type_id: int
    event_id: int
    name: str
    quantity: int
    price: str
    total: str
    shipping: bool = False


class WireTicket(_Wire):
    id: int
    ticket_type_id: int
    name: str | None = None
    email: str | None = None
    keep: bool = False
    member_id: str | None = None
    collect_name: bool = False
    collect_email: bool = False
    collect_member_id: bool = False


class WireAnswer(_Wire):
    id: int
    field: WireField
    value: Any = None


class WireFormResponse(_Wire):
    id: int
    answers: list[WireAnswer]


class WireOrder(_Wire):
    id: int
    number: str
    state: str
    checkout_steps: list[str] = []
    expires_at: str | None = None
    completed_at: str | None = None
    currency: str
    total: str
    payment_state: str | None = None
    line_items: list[WireLineItem] = []
    tickets: list[WireTicket] = []
    form_responses: list[WireFormResponse] = []
    links: dict[str, str] = {}
    unavailable: list[dict[str, Any]] = []


def _parse(model: type[BaseModel], data: Any, what: str) -> Any:
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


def to_product(tt: WireTicketType, event: WireEvent) -> Product:
    restrictions = [
        name
        for name, on in (
            ("password protected", event.password_protected),
            ("invitation only", event.invitation_only),
            ("form", event.form is not None),
            ("shipping", tt.shipping),
            ("names on tickets", tt.collect_name),
            ("member id", tt.collect_member_id),
        )
        if on
    ]
    return Product(
        id=str(tt.id),
        provider=KEY,
        type="ticket",
        title=f"{event.name}: {tt.name}",
        location=event.venue,
        price_from=Money(amount=money(tt.price) or "0.00", currency=tt.currency),
        details={
            "status": sale_status(tt),
            "event_id": event.id,
            "event": event.name,
            "starts_at": iso_timestamp(event.starts_at),
            "available": tt.available,
            "capacity": tt.capacity,
            "can_request": tt.can_request,
            "can_reserve": tt.can_reserve,
            "restrictions": ", ".join(restrictions) or None,
        },
    )


def to_cart(wire: WireOrder) -> Cart:
    notices = [
        f"{u.get('name')}: {u.get('reserved')} of {u.get('requested')} ticket(s) could be "
        f"re-reserved ({u.get('reason')})"
        for u in wire.unavailable
    ]
    return Cart(
        id=str(wire.id),
        provider=KEY,
        state=wire.state,
        expires_at=iso_timestamp(wire.expires_at),
        currency=wire.currency,
        total=money(wire.total),
        lines=[
            CartLine(
                product_id=str(li.ticket_type_id),
                title=li.name,
                quantity=li.quantity,
                dates=[],
                amount=money(li.total),
                kind="ticket",
            )
            for li in wire.line_items
        ],
        links=dict(wire.links),
        notices=notices,
    )


def to_order(wire: WireOrder) -> Order:
    return Order(
        id=str(wire.id),
        cart_id=str(wire.id),
        provider=KEY,
        state=wire.state,
        payment_state=wire.payment_state,
        total=money(wire.total),
        currency=wire.currency,
        completed_at=iso_timestamp(wire.completed_at),
        reference=wire.number,
    )


# -- step data -----------------------------------------------------------------------------


class StepInputs:
    """Where checkout step data comes from: flags, then --answers-file, then a prompt."""

    def __init__(self, options: Mapping[str, Any]) -> None:
        self.options = options
        self.answers = read_answers(options.get("answers_file"), ANSWERS)
        self.prompt: Prompt | None = options.get("prompt")

    def value(self, key: str, source: str, question: str, *, secret: bool = False) -> Any:
        """``key`` from its flag or the answers file, asked for on a TTY, else exit 2."""
        given = self.options.get(key)
        if given in (None, ""):
            given = self.answers.get(key)
        if given in (None, "") and self.prompt is not None:
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
    phone = inputs.options.get("phone") or inputs.answers.get("phone")
    if phone:
        fields["phone_number"] = str(phone)
        country = inputs.answers.get("phone_country")
        if country:
            fields["phone_number_country"] = str(country).upper()
    return fields


def _tickets_step(wire: WireOrder, inputs: StepInputs) -> dict[str, Any]:
    needed = [t for t in wire.tickets if t.collect_name or t.collect_email]
    given = inputs.answers.get("tickets")
    if given is None and len(needed) == 1:
        given = [{"keep": True}]  # the only ticket is the guest's own
    if given is None and inputs.prompt is not None:
        given = []
        for n in range(1, len(needed) + 1):
            name = inputs.prompt(f"Name on ticket {n} (empty: it is yours)", False).strip()
            given.append({"name": name} if name else {"keep": True})
    if not isinstance(given, list):
        raise UsageError(
            f"checkout needs a name for each of the {len(needed)} named tickets",
            hint=f'put "tickets": [{{"keep": true}}, {{"name": "..."}}] in {ANSWERS}',
        )
    if len(given) != len(needed):
        raise UsageError(
            f'{ANSWERS} "tickets" has {len(given)} entries; the order has {len(needed)} '
            "named tickets",
            hint="one entry per ticket, in order (or with its id)",
        )
    by_id = {t.id: t for t in needed}
    out = []
    for ticket, entry in zip(needed, given, strict=True):
        if not isinstance(entry, dict):
            raise UsageError(f'{ANSWERS} "tickets" entries must be objects')
        tid = entry.get("id", ticket.id)
        if tid not in by_id:
            raise UsageError(f'{ANSWERS} "tickets": ticket {tid} is not on this order')
        item: dict[str, Any] = {"id": tid, "keep": entry.get("keep") is True}
        if entry.get("name"):
            item["name"] = str(entry["name"])
        elif not item["keep"]:
            raise UsageError(
                f"ticket {tid} needs a name", hint='give it "name", or "keep": true for yourself'
            )
        if entry.get("email"):
            item["email"] = validate.check_email(str(entry["email"]), f"ticket {tid} email")
        out.append(item)
    if sum(1 for item in out if item["keep"]) > 1:
        raise UsageError(
            'only one ticket can be kept by the guest ("keep": true)',
            hint="give every other ticket a name",
        )
    return {"tickets": out}


def _member_step(wire: WireOrder, inputs: StepInputs) -> dict[str, Any]:
    needed = [t for t in wire.tickets if t.collect_member_id]
    given = inputs.answers.get("member")
    if isinstance(given, str):
        given = [given]
    if given is None and inputs.prompt is not None:
        given = [inputs.prompt(f"Member ID for ticket {t.id}", False) for t in needed]
    if not isinstance(given, list) or len(given) != len(needed):
        raise UsageError(
            f"checkout needs a member id for each of the {len(needed)} member tickets",
            hint=f'put "member": ["M-1001", ...] in {ANSWERS}',
        )
    return {
        "tickets": [{"id": t.id, "member_id": str(m)} for t, m in zip(needed, given, strict=True)]
    }


def _check_address(raw: Any, name: str, countries: list[dict[str, Any]]) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise UsageError(f'{ANSWERS} "{name}" must be an address object')
    for key in ("address1", "city", "zipcode"):
        if not raw.get(key):
            raise UsageError(f'{ANSWERS} "{name}" needs "{key}"')
    if raw.get("country_id") is not None:
        country = next((c for c in countries if c["id"] == raw["country_id"]), None)
        if country is None:
            raise UsageError(f'{ANSWERS} "{name}": unknown country_id {raw["country_id"]!r}')
    else:
        code = str(raw.get("country_code") or "").upper()
        country = next((c for c in countries if c["iso"] == code), None)
        if country is None:
            known = ", ".join(sorted(c["iso"] for c in countries))
            raise UsageError(
                f'{ANSWERS} "{name}": unknown country code {raw.get("country_code")!r}',
                hint=f"Guest Manager knows {known}",
            )
    states = country.get("states", [])
    if raw.get("state_id") is not None and all(s["id"] != raw["state_id"] for s in states):
        raise UsageError(f'{ANSWERS} "{name}": unknown state_id {raw["state_id"]!r}')
    state = raw.get("state_code")
    if state is not None and all(s["abbr"] != str(state).upper() for s in states):
        raise UsageError(f'{ANSWERS} "{name}": unknown state code {state!r} for {country["iso"]}')
    return dict(raw)


def _form_step(wire: WireOrder, inputs: StepInputs) -> dict[str, Any]:
    given = inputs.answers.get("form") or {}
    if not isinstance(given, dict):
        raise UsageError(f'{ANSWERS} "form" must be an object of field: answer')
    fields: dict[str, tuple[WireFormResponse, WireAnswer]] = {}
    for response in wire.form_responses:
        for answer in response.answers:
            for key in (str(answer.id), str(answer.field.id), answer.field.label.lower()):
                fields[key] = (response, answer)
    unknown = sorted(k for k in given if str(k).lower() not in fields)
    if unknown:
        labels = ", ".join(a.field.label for r in wire.form_responses for a in r.answers)
        raise UsageError(
            f'{ANSWERS} "form": unknown field(s) {", ".join(map(repr, unknown))}',
            hint=f"the form asks: {labels}",
        )
    chosen = {fields[str(k).lower()][1].id: v for k, v in given.items()}
    out = []
    for response in wire.form_responses:
        answers = []
        for answer in response.answers:
            value = chosen.get(answer.id, answer.value)
            if value in (None, "") and answer.field.required and inputs.prompt is not None:
                value = inputs.prompt(answer.field.label, False).strip() or None
            if value in (None, ""):
                if answer.field.required:
                    raise UsageError(
                        f'the form needs an answer to "{answer.field.label}"',
                        hint=f'put "form": {{"{answer.field.label}": ...}} in {ANSWERS}',
                    )
                continue
            if answer.field.type == "multiple_choice":
                value = _option(answer.field, value)
            answers.append({"id": answer.id, "value": str(value)})
        out.append({"id": response.id, "answers": answers})
    return {"responses": out}


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


def _payment_step(wire: WireOrder, inputs: StepInputs) -> dict[str, Any]:
    token = str(
        inputs.value(
            "payment_token",
            f'--payment-token (or "payment_token" in {ANSWERS})',
            "A payment token",
            secret=True,
        )
    )
    check_token(token)
    payment: dict[str, Any] = {"payment_method_id": 1, "token": token}
    if inputs.answers.get("payment_amount") is not None:
        payment["amount"] = str(inputs.answers["payment_amount"])
    return {"payments": [payment]}


def step_data(step: str, wire: WireOrder, inputs: StepInputs) -> dict[str, Any]:
    """One step's data (``address`` needs the country list: the provider builds it)."""
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


class GuestManager:
    """Guest Manager order and checkout client."""

    key: ClassVar[str] = KEY
    PENDING_STATES: ClassVar[frozenset[str]] = frozenset({"processing"})
    SUCCESS_STATES: ClassVar[frozenset[str]] = FINAL_STATES

    def __init__(self, client: ApiClient, profile: Profile) -> None:
        self.client = client
        self.profile = profile

    @staticmethod
    def auth_headers(api_key: str) -> dict[str, str]:
        return {"Authorization": f"Token {api_key}"}

    # catalogue

    def list_products(self, filters: Mapping[str, Any]) -> tuple[list[Product], Any]:
        raw = self.client.get_json("events")
        if not isinstance(raw, list):
            raise _bad_answer("event list")
        events = [_parse(WireEvent, e, "event") for e in raw]
        return [to_product(tt, ev) for ev in events for tt in ev.ticket_types], raw

    def get_product(self, product_id: str, filters: Mapping[str, Any]) -> tuple[Product, Any]:
        raw = self.client.get_json(f"ticket_types/{_id(product_id)}")
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
                    self.client.request("POST", "orders", json_body=body, idempotency_key=key)
                )
            else:
                raw = self._add_reconciling(session.cart_id, item, key)
        except ApiError as err:
            raise explain(err, HINTS, id=session.cart_id if session else "") from None
        return to_cart(_parse(WireOrder, raw, "order")), raw

    def _add_reconciling(self, order_id: str, item: dict[str, Any], key: str | None) -> Any:
        before = len(self._get(order_id)[0].line_items)
        try:
            response = self.client.request(
                "POST",
                f"orders/{_id(order_id)}/line_items",
                json_body={"line_item": item},
                idempotency_key=key,
            )
        except UnknownOutcomeError:
            wire, raw = self._get(order_id)
            if len(wire.line_items) > before:
                return raw
            raise
        return decode_json(response)

    def _get(self, order_id: str) -> tuple[WireOrder, Any]:
        raw = self.client.get_json(f"orders/{_id(order_id)}")
        return _parse(WireOrder, raw, "order"), raw

    def cart_show(self, cart_id: str, session: CartSession | None) -> tuple[Cart, Any]:
        wire, raw = self._get(cart_id)
        return to_cart(wire), raw

    def cart_extend(self, cart_id: str, session: CartSession | None) -> tuple[Cart, Any]:
        """Resume the order: re-reserve an expired order's tickets, or restart the timer."""
        wire, _ = self._get(cart_id)
        try:
            response = self.client.request("PATCH", f"checkout/{wire.number}/resume")
        except ApiError as err:
            raise explain(err, HINTS, id=cart_id) from None
        raw = decode_json(response)
        return to_cart(_parse(WireOrder, raw, "order")), raw

    def cart_abandon(self, cart_id: str, session: CartSession | None) -> Any:
        try:
            return decode_json(self.client.request("DELETE", f"orders/{_id(cart_id)}"))
        except ApiError as err:
            raise explain(err, HINTS, id=cart_id) from None

    # checkout

    def checkout(
        self, cart_id: str, options: Mapping[str, Any], session: CartSession | None
    ) -> tuple[Order, Any]:
        """Walk the order through its steps; stop after one transition with ``step``."""
        inputs = StepInputs(options)
        if options.get("payment_token"):
            check_token(str(options["payment_token"]))
        wire, raw = self._get(cart_id)
        try:
            if wire.state == "cart":
                guest = guest_fields(inputs)
                plan = self._plan(wire, wire.checkout_steps, inputs, options)
                self._patch(cart_id, {"state": "cart", **guest})
                wire, raw = self._transition(cart_id, "PATCH", f"checkout/{_id(cart_id)}/next")
                if options.get("step"):
                    return to_order(wire), raw
            elif wire.state in wire.checkout_steps and wire.state not in FINAL_STATES:
                steps = wire.checkout_steps[wire.checkout_steps.index(wire.state) :]
                plan = self._plan(wire, steps, inputs, options)
            else:
                # processing, complete, expired...: the provider says why checkout cannot go on.
                wire, raw = self._transition(cart_id, "PATCH", f"checkout/{_id(cart_id)}/next")
                return to_order(wire), raw
            while wire.state in plan:
                wire, raw = self._patch(cart_id, {"state": wire.state, **plan.pop(wire.state)})
                if options.get("step"):
                    break
        except ApiError as err:
            raise explain(err, HINTS, id=cart_id) from None
        return to_order(wire), raw

    def _plan(
        self,
        wire: WireOrder,
        steps: list[str],
        inputs: StepInputs,
        options: Mapping[str, Any],
    ) -> dict[str, dict[str, Any]]:
        """Every step's data, built before anything is sent (in step mode: the next one)."""
        todo = [s for s in steps if s not in FINAL_STATES]
        if options.get("step") and wire.state != "cart":
            todo = todo[:1]
        elif options.get("step"):
            todo = []
        plan: dict[str, dict[str, Any]] = {}
        for step in todo:
            plan[step] = self._step_data(step, wire, inputs)
        return plan

    def _step_data(self, step: str, wire: WireOrder, inputs: StepInputs) -> dict[str, Any]:
        if step == "address":
            return self._address_step(wire, inputs)
        return step_data(step, wire, inputs)

    def _address_step(self, wire: WireOrder, inputs: StepInputs) -> dict[str, Any]:
        bill = inputs.answers.get("bill_address")
        if bill is None:
            raise UsageError(
                "checkout needs a billing address",
                hint=f'put "bill_address": {{"address1", "city", "zipcode", "country_code"}} '
                f"in {ANSWERS}",
            )
        countries = self.client.get_json("countries")
        if not isinstance(countries, list):
            raise _bad_answer("country list")
        data = {"bill_address": _check_address(bill, "bill_address", countries)}
        ship = inputs.answers.get("ship_address")
        if ship is None and any(li.shipping for li in wire.line_items):
            ship = bill  # the document is silent; shipping goes to the billing address
        if ship is not None:
            data["ship_address"] = _check_address(ship, "ship_address", countries)
        return data

    def _patch(self, order_id: str, order: dict[str, Any]) -> tuple[WireOrder, Any]:
        return self._transition(order_id, "PATCH", f"checkout/{_id(order_id)}", {"order": order})

    def _transition(
        self, order_id: str, method: str, path: str, body: Any = None
    ) -> tuple[WireOrder, Any]:
        try:
            response = self.client.request(method, path, json_body=body)
        except UnknownOutcomeError:
            # Lost answer: the order itself says where it got to; the caller resumes from there.
            return self._get(order_id)
        raw = decode_json(response)
        return _parse(WireOrder, raw, "order"), raw

    def get_order(self, order_id: str, session: CartSession | None) -> tuple[Order, Any]:
        wire, raw = self._get(order_id)
        return to_order(wire), raw


PROVIDER = GuestManager


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
