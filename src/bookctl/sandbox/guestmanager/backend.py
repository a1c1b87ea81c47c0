"""Guest Manager state: the SQL schema, orders and the checkout state machine, stats."""

from __future__ import annotations

import json
import re
import sqlite3
import uuid
from decimal import Decimal, InvalidOperation
from typing import Any

from bookctl.sandbox import clock
from bookctl.sandbox.errors import ApiError
from bookctl.sandbox.guestmanager.seed import (
    COUNTRIES,
    DECLINING_TOKENS,
    EVENTS,
    MEMBERS,
    ORDER_TTL_SECONDS,
    PAYMENT_METHODS,
    PROCESSING_SECONDS,
    STATES,
    TICKET_TYPES,
    Event,
    TicketType,
)
from bookctl.sandbox.parsing import EMAIL
from bookctl.sandbox.store import increment_counter, read_counter

NAME = "guestmanager"
SCHEMA = """
CREATE TABLE IF NOT EXISTS gm_orders (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    number TEXT NOT NULL UNIQUE,
    state TEXT NOT NULL,
    created_at REAL NOT NULL,
    expires_at REAL NOT NULL,
    settle_at REAL,
    outcome TEXT,
    completed_at REAL,
    data TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS gm_line_items (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    order_id INTEGER NOT NULL REFERENCES gm_orders(id),
    ticket_type_id INTEGER NOT NULL,
    quantity INTEGER NOT NULL,
    holds INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS gm_line_items_type ON gm_line_items(ticket_type_id);
CREATE INDEX IF NOT EXISTS gm_line_items_order ON gm_line_items(order_id);
"""
STATE_TABLES = ("gm_line_items", "gm_orders")

#: States the 15-minute timer does not apply to (the document is silent on `processing`:
#: a payment in flight is never cut off).
NO_EXPIRY = frozenset({"processing", "complete", "requested", "reserved", "expired", "canceled"})
FINAL = frozenset({"complete", "requested", "reserved"})
_CARD = re.compile(r"^[\d\s-]{12,23}$")


class GuestManagerError(ApiError):
    """An error in the document's shape: `{"error": {"type", "message"}}`."""

    def body(self) -> dict[str, Any]:
        inner: dict[str, Any] = {"type": self.code, "message": self.message}
        if self.errors:
            inner["errors"] = self.errors
        return {"error": inner}


def invalid(field: str, message: str, kind: str = "invalid_attributes") -> GuestManagerError:
    """A 422 in Guest Manager's shape, naming the field to blame."""
    return GuestManagerError(422, kind, message, {field: [message]})


def refused(kind: str, message: str) -> GuestManagerError:
    """A 409 in Guest Manager's shape: the order's state does not allow the call."""
    return GuestManagerError(409, kind, message)


def held(conn: sqlite3.Connection, ticket_type_id: int, now_ts: float, skip: int = 0) -> int:
    """Tickets of a type held by live orders (other than order `skip`)."""
    row = conn.execute(
        "SELECT COALESCE(SUM(li.quantity), 0) FROM gm_line_items li "
        "JOIN gm_orders o ON o.id = li.order_id "
        "WHERE li.ticket_type_id = ? AND li.holds = 1 AND o.id != ? "
        "AND o.state NOT IN ('expired', 'canceled') "
        "AND (o.state IN ('processing', 'complete') OR o.expires_at > ?)",
        (ticket_type_id, skip, now_ts),
    ).fetchone()
    return int(row[0])


def field_json(field: Any) -> dict[str, Any]:
    """A form field as an order's form responses carry it."""
    return {
        "id": field.id,
        "label": field.label,
        "type": field.type,
        "required": field.required,
        "options": [{"id": oid, "label": label} for oid, label in field.options],
    }


def ticket_type(value: Any) -> TicketType:
    """The ticket type with this id, or a 404 `not_found`."""
    try:
        tt = TICKET_TYPES.get(int(value))
    except (TypeError, ValueError):
        tt = None
    if tt is None:
        raise GuestManagerError(404, "not_found", f"Ticket type {value} was not found.")
    return tt


def load(conn: sqlite3.Connection, order_id: str, *, by_number: bool = False) -> sqlite3.Row:
    """The order with this id (or `number`), or a 404 `not_found`."""
    column = "number" if by_number else "id"
    row: sqlite3.Row | None = conn.execute(
        f"SELECT * FROM gm_orders WHERE {column} = ?", (order_id,)
    ).fetchone()
    if row is None:
        raise GuestManagerError(404, "not_found", f"Order {order_id} was not found.")
    return row


def line_rows(conn: sqlite3.Connection, order_id: int) -> list[sqlite3.Row]:
    """The order's line items, oldest first."""
    return list(
        conn.execute("SELECT * FROM gm_line_items WHERE order_id = ? ORDER BY id", (order_id,))
    )


def order_total(lines: list[sqlite3.Row]) -> Decimal:
    """What the line items cost."""
    return sum(
        (TICKET_TYPES[int(li["ticket_type_id"])].price * int(li["quantity"]) for li in lines),
        Decimal(0),
    )


def _events(lines: list[sqlite3.Row]) -> list[Event]:
    ids = sorted({TICKET_TYPES[int(li["ticket_type_id"])].event_id for li in lines})
    return [EVENTS[i] for i in ids]


def _outcome(lines: list[sqlite3.Row]) -> str:
    types = [TICKET_TYPES[int(li["ticket_type_id"])] for li in lines]
    if any(not li["holds"] and t.on_sale for li, t in zip(lines, types, strict=True)):
        return "requested"
    if any(not t.on_sale for t in types):
        return "reserved"
    return "complete"


def checkout_steps(lines: list[sqlite3.Row]) -> list[str]:
    """The order's steps, in the document's order, ending with its outcome.

    `requested` and `reserved` orders charge nothing now, so they have no `payment` step; the
    sandbox's CheckoutCustomization has review enabled, so every order has `confirm`.
    """
    types = [TICKET_TYPES[int(li["ticket_type_id"])] for li in lines]
    events = _events(lines)
    outcome = _outcome(lines)
    paid = outcome == "complete" and order_total(lines) > 0
    steps: list[str] = []
    if any(t.collect_name or t.collect_email for t in types):
        steps.append("tickets")
    if any(e.password for e in events):
        steps.append("password")
    if any(e.invite_codes for e in events):
        steps.append("invite")
    if any(t.collect_member_id for t in types):
        steps.append("member")
    if paid or any(t.shipping for t in types):
        steps.append("address")
    if any(e.form for e in events):
        steps.append("form")
    if paid:
        steps.append("payment")
    steps += ["confirm", outcome]
    return steps


def refresh(conn: sqlite3.Connection, row: sqlite3.Row, now_ts: float) -> sqlite3.Row:
    """Apply what the clock has done to the order: finished processing, expiry."""
    state = str(row["state"])
    if state == "processing" and row["settle_at"] is not None and now_ts >= row["settle_at"]:
        data = json.loads(row["data"])
        payment = data["payments"][-1]
        settle = float(row["settle_at"])
        if row["outcome"] == "payment":
            payment["state"] = "failed"
            data["payment_state"] = "failed"
            data["completed_steps"] = [
                s for s in data["completed_steps"] if s not in ("payment", "confirm")
            ]
            # A declined order gets a fresh timer to try another card.
            conn.execute(
                "UPDATE gm_orders SET state = 'payment', settle_at = NULL, expires_at = ?, "
                "data = ? WHERE id = ?",
                (settle + ORDER_TTL_SECONDS, json.dumps(data), row["id"]),
            )
        else:
            payment["state"] = "completed"
            paid = sum(
                (Decimal(p["amount"]) for p in data["payments"] if p["state"] == "completed"),
                Decimal(0),
            )
            total = order_total(line_rows(conn, int(row["id"])))
            data["payment_total"] = str(paid)
            data["payment_state"] = (
                "paid" if paid == total else "balance_due" if paid < total else "credit_owed"
            )
            conn.execute(
                "UPDATE gm_orders SET state = 'complete', completed_at = ?, data = ? WHERE id = ?",
                (settle, json.dumps(data), row["id"]),
            )
        row = load(conn, str(row["id"]))
    if str(row["state"]) not in NO_EXPIRY and now_ts >= float(row["expires_at"]):
        conn.execute("UPDATE gm_orders SET state = 'expired' WHERE id = ?", (row["id"],))
        row = load(conn, str(row["id"]))
    return row


def _quantity(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 50:
        raise invalid("quantity", "quantity must be a whole number from 1 to 50.")
    return value


def _next_id(conn: sqlite3.Connection, name: str, base: int) -> int:
    increment_counter(conn, f"{NAME}.{name}_seq")
    return base + read_counter(conn, f"{NAME}.{name}_seq")


def _add_line(conn: sqlite3.Connection, row: sqlite3.Row, item: Any, now_ts: float) -> None:
    if not isinstance(item, dict):
        raise invalid("line_items", "Each line item must be an object.")
    tt = ticket_type(item.get("ticket_type_id"))
    qty = _quantity(item.get("quantity"))
    holds = 1
    if not tt.on_sale:
        if not tt.can_reserve:
            raise refused("not_on_sale", f"{tt.name} is not on sale yet.")
        holds = 0
    else:
        left = tt.capacity - held(conn, tt.id, now_ts)
        if left < qty:
            if not tt.can_request:
                raise refused("sold_out", f"Only {max(left, 0)} {tt.name} ticket(s) are left.")
            holds = 0  # a wait-list request holds nothing
    cursor = conn.execute(
        "INSERT INTO gm_line_items (order_id, ticket_type_id, quantity, holds) VALUES (?, ?, ?, ?)",
        (row["id"], tt.id, qty, holds),
    )
    data = json.loads(row["data"])
    if tt.collect_name or tt.collect_email or tt.collect_member_id:
        for _ in range(qty):
            data.setdefault("tickets", []).append(
                {
                    "id": _next_id(conn, "ticket", 700000),
                    "line_item_id": cursor.lastrowid,
                    "ticket_type_id": tt.id,
                    "name": None,
                    "email": None,
                    "keep": False,
                    "member_id": None,
                    "collect_name": tt.collect_name,
                    "collect_email": tt.collect_email,
                    "collect_member_id": tt.collect_member_id,
                }
            )
    event = EVENTS[tt.event_id]
    responses = data.setdefault("form_responses", [])
    if event.form and not any(r["event_id"] == event.id for r in responses):
        responses.append(
            {
                "id": _next_id(conn, "response", 38000),
                "form_id": event.form_id,
                "event_id": event.id,
                "answers": [
                    {"id": _next_id(conn, "answer", 167000), "field": field_json(f), "value": None}
                    for f in event.form
                ],
            }
        )
    conn.execute("UPDATE gm_orders SET data = ? WHERE id = ?", (json.dumps(data), row["id"]))


def eligible(row: sqlite3.Row) -> None:
    """The document's checkout eligibility errors, checked on every checkout call."""
    state = str(row["state"])
    if state == "processing":
        raise refused("order_processing", f"Order {row['id']} is processing its payment.")
    if state in FINAL:
        raise refused("order_complete", f"Order {row['id']} is already {state}.")
    if state in ("expired", "canceled"):
        raise refused(
            "checkout_not_allowed",
            f"Order {row['id']} is {state}"
            + ("; resume it with PATCH /checkout/{NUMBER}/resume." if state == "expired" else "."),
        )


def _guest_fields(body: dict[str, Any], data: dict[str, Any]) -> None:
    for name in ("email", "first_name", "last_name", "phone_number", "phone_number_country"):
        if name not in body:
            continue
        value = body[name]
        if not isinstance(value, str) or not value.strip():
            raise invalid(name, f"{name} must be a non-empty string.")
        if name == "email" and not EMAIL.match(value.strip()):
            raise invalid("email", "email is not a valid email address.")
        data[name] = value.strip()


def _ident(item: Any) -> str:
    return repr(item.get("id") if isinstance(item, dict) else item)


def _step_tickets(body: dict[str, Any], data: dict[str, Any]) -> None:
    sent = body.get("tickets")
    if not isinstance(sent, list):
        raise invalid("tickets", "tickets must be an array of {id, name, email, keep}.")
    # The document: every ticket of the `tickets` attribute gets a name, or `keep` for one.
    tickets = {t["id"]: t for t in data.get("tickets", [])}
    given: dict[int, dict[str, Any]] = {}
    for item in sent:
        if not isinstance(item, dict) or item.get("id") not in tickets:
            raise invalid(
                "tickets",
                f"Ticket {_ident(item)} is not on this order.",
            )
        given[int(item["id"])] = item
    if sum(1 for t in given.values() if t.get("keep") is True) > 1:
        raise invalid("tickets", "Only one ticket can be kept by the guest (keep: true).")
    for tid, ticket in tickets.items():
        item = given.get(tid)
        if item is None:
            raise invalid("tickets", f"Ticket {tid} needs a name or keep: true.")
        keep = item.get("keep") is True
        name = item.get("name")
        if not keep and (not isinstance(name, str) or not name.strip()):
            raise invalid("tickets", f"Ticket {tid} needs a name (or keep: true).")
        email = item.get("email")
        if email is not None and (not isinstance(email, str) or not EMAIL.match(email)):
            raise invalid("tickets", f"Ticket {tid} has an invalid email.")
        ticket.update(
            keep=keep,
            name=name.strip() if isinstance(name, str) and name.strip() else None,
            email=email,
        )
        if keep:
            ticket["name"] = ticket["name"] or f"{data.get('first_name')} {data.get('last_name')}"
            ticket["email"] = ticket["email"] or data.get("email")


def _step_member(body: dict[str, Any], data: dict[str, Any]) -> None:
    sent = body.get("tickets")
    if not isinstance(sent, list):
        raise invalid("tickets", "tickets must be an array of {id, member_id}.")
    given = {item.get("id"): item for item in sent if isinstance(item, dict)}
    for ticket in data.get("tickets", []):
        if not ticket["collect_member_id"]:
            continue
        member = given.get(ticket["id"], {}).get("member_id")
        if member not in MEMBERS:
            raise invalid(
                "member_id",
                f"Ticket {ticket['id']} needs a valid member_id ({member!r} is not a member).",
            )
        ticket["member_id"] = member


def _address(raw: Any, name: str) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise invalid(name, f"{name} must be an address object.")
    for key in ("address1", "city", "zipcode"):
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            raise invalid(f"{name}.{key}", f"{name}.{key} is required.")
    if raw.get("country_id") is not None:
        country = COUNTRIES.get(raw["country_id"]) if isinstance(raw["country_id"], int) else None
        if country is None:
            raise invalid(f"{name}.country_id", f"Unknown country_id {raw['country_id']!r}.")
    else:
        code = raw.get("country_code")
        country = code.upper() if isinstance(code, str) else None
        if country not in COUNTRIES.values():
            raise invalid(f"{name}.country_code", f"Unknown country code {code!r}.")
    state_code = None
    if raw.get("state_id") is not None:
        state = STATES.get(raw["state_id"]) if isinstance(raw["state_id"], int) else None
        if state is None or state[0] != country:
            raise invalid(
                f"{name}.state_id", f"Unknown state_id {raw['state_id']!r} for {country}."
            )
        state_code = state[1]
    elif raw.get("state_code") is not None:
        state_code = str(raw["state_code"]).upper()
        if (country, state_code) not in STATES.values():
            raise invalid(
                f"{name}.state_code", f"Unknown state code {raw['state_code']!r} for {country}."
            )
    return {
        "address1": raw["address1"].strip(),
        "address2": raw.get("address2"),
        "city": raw["city"].strip(),
        "zipcode": raw["zipcode"].strip(),
        "state_code": state_code,
        "country_code": country,
    }


def _step_address(
    conn: sqlite3.Connection, body: dict[str, Any], data: dict[str, Any], lines: list[sqlite3.Row]
) -> None:
    shipping = any(TICKET_TYPES[int(li["ticket_type_id"])].shipping for li in lines)
    data["bill_address"] = _address(body.get("bill_address"), "bill_address")
    data["bill_address_id"] = _next_id(conn, "address", 4000)
    if shipping or body.get("ship_address") is not None:
        data["ship_address"] = _address(body.get("ship_address"), "ship_address")
        data["ship_address_id"] = _next_id(conn, "address", 4000)


def _step_form(body: dict[str, Any], data: dict[str, Any]) -> None:
    sent = body.get("responses", body.get("form_responses"))
    if not isinstance(sent, list):
        raise invalid("form_responses", "form_responses must be an array of {id, answers}.")
    responses = {r["id"]: r for r in data.get("form_responses", [])}
    values: dict[int, Any] = {}
    for item in sent:
        if not isinstance(item, dict) or item.get("id") not in responses:
            raise invalid(
                "form_responses",
                f"Form response {_ident(item)} is not on this order.",
            )
        known = {a["id"]: a for a in responses[item["id"]]["answers"]}
        for answer in item.get("answers") or []:
            if not isinstance(answer, dict) or answer.get("id") not in known:
                raise invalid(
                    "answers",
                    f"Answer {_ident(answer)} is not a field of this form.",
                )
            field = known[answer["id"]]["field"]
            value = answer.get("value")
            if field["type"] == "multiple_choice" and value is not None:
                options = {str(o["id"]) for o in field["options"]}
                if str(value) not in options:
                    raise invalid("answers", f"{value!r} is not an option of {field['label']!r}.")
                value = str(value)
            values[answer["id"]] = value
    for response in responses.values():
        for answer in response["answers"]:
            value = values.get(answer["id"], answer["value"])
            if answer["field"]["required"] and value in (None, ""):
                raise invalid("answers", f"{answer['field']['label']!r} must be answered.")
            answer["value"] = value


def _step_payment(body: dict[str, Any], data: dict[str, Any], total: Decimal) -> None:
    payments = body.get("payments")
    if not isinstance(payments, list) or len(payments) != 1 or not isinstance(payments[0], dict):
        raise invalid("payments", "payments must be an array with one payment.")
    payment = payments[0]
    if "number" in payment or "card" in payment or "cvc" in payment:
        raise invalid("payments", "Do not send card data; send a token from the payment SDK.")
    token = payment.get("token")
    if not isinstance(token, str) or not token.strip():
        raise invalid("payments", "payments[0].token is required.")
    if _CARD.match(token):
        raise invalid("payments", "That looks like a card number; send a payment token instead.")
    # The document: the method is one of the order's `payment_methods`, chosen by the client.
    if payment.get("payment_method_id") not in [m["id"] for m in PAYMENT_METHODS]:
        raise invalid(
            "payments",
            f"payments[0].payment_method_id must be one of the order's payment_methods "
            f"(got {payment.get('payment_method_id')!r}).",
        )
    try:
        amount = Decimal(str(payment.get("amount", total)))
    except InvalidOperation:
        raise invalid("payments", "payments[0].amount must be a decimal string.") from None
    if amount <= 0:
        raise invalid("payments", "payments[0].amount must be positive.")
    data.setdefault("payments", []).append(
        {
            "id": len(data.get("payments", [])) + 1,
            "payment_method_id": payment["payment_method_id"],
            "amount": str(amount.quantize(Decimal("0.01"))),
            "state": "pending",
            "token": token,
        }
    )


def _enter(
    conn: sqlite3.Connection, row: sqlite3.Row, data: dict[str, Any], state: str, now_ts: float
) -> None:
    """Move the order to `state`; the outcome `complete` goes through `processing` if paid."""
    settle_at = None
    completed_at = None
    outcome = None
    if state == "complete" and data.get("payments"):
        state, settle_at = "processing", now_ts + PROCESSING_SECONDS
        declined = data["payments"][-1]["token"] in DECLINING_TOKENS
        outcome = "payment" if declined else "complete"
    elif state == "complete":
        completed_at = now_ts
        data["payment_state"] = "paid"
    conn.execute(
        "UPDATE gm_orders SET state = ?, settle_at = ?, outcome = ?, completed_at = ?, data = ? "
        "WHERE id = ?",
        (state, settle_at, outcome, completed_at, json.dumps(data), row["id"]),
    )


def create_order(conn: sqlite3.Connection, items: list[Any], now_ts: float) -> int:
    """A new order in `cart` (number `R1000nn`) with its line items; its id."""
    data = {"guest_token": uuid.uuid4().hex, "completed_steps": []}
    cursor = conn.execute(
        "INSERT INTO gm_orders (number, state, created_at, expires_at, data) "
        "VALUES (?, 'cart', ?, ?, ?)",
        (uuid.uuid4().hex, now_ts, now_ts + ORDER_TTL_SECONDS, json.dumps(data)),
    )
    order_id = int(cursor.lastrowid or 0)
    conn.execute(
        "UPDATE gm_orders SET number = ? WHERE id = ?", (f"R{100000 + order_id}", order_id)
    )
    for item in items:
        _add_line(conn, load(conn, str(order_id)), item, now_ts)
    increment_counter(conn, f"{NAME}.orders_created")
    return order_id


def add_line_item(conn: sqlite3.Connection, order_id: str, item: Any, now_ts: float) -> None:
    """Add tickets to an order still in `cart`; its 15-minute timer restarts."""
    row = refresh(conn, load(conn, order_id), now_ts)
    eligible(row)
    if row["state"] != "cart":
        raise refused(
            "invalid_state",
            f"Order {order_id} is in checkout; items can only be added in cart.",
        )
    _add_line(conn, row, item, now_ts)
    conn.execute(
        "UPDATE gm_orders SET expires_at = ? WHERE id = ?",
        (now_ts + ORDER_TTL_SECONDS, order_id),
    )


def cancel(conn: sqlite3.Connection, order_id: str, now_ts: float) -> None:
    """Cancel an order that is not placed yet; its tickets go back on sale."""
    row = refresh(conn, load(conn, order_id), now_ts)
    if row["state"] in FINAL or row["state"] == "processing":
        eligible(row)
    conn.execute("UPDATE gm_orders SET state = 'canceled' WHERE id = ?", (order_id,))


def next_step(conn: sqlite3.Connection, order_id: str, target: str | None, now_ts: float) -> None:
    """Move the order to its next step, or back to the earlier step `target`."""
    row = refresh(conn, load(conn, order_id), now_ts)
    eligible(row)
    data = json.loads(row["data"])
    order_lines = line_rows(conn, int(row["id"]))
    steps = checkout_steps(order_lines)
    state = str(row["state"])
    if state == "cart":
        if not order_lines:
            raise refused("checkout_not_allowed", f"Order {order_id} has no items.")
        missing = [n for n in ("email", "first_name", "last_name") if not data.get(n)]
        if missing:
            raise invalid(
                missing[0],
                f"A guest checkout needs {', '.join(missing)} first.",
                "checkout_not_allowed",
            )
        following = steps[0]
    elif target is not None and target in steps and steps.index(target) <= steps.index(state):
        following = target
    elif state in data["completed_steps"]:
        following = steps[steps.index(state) + 1]
    else:
        raise refused("invalid_state", f"Order {order_id} needs the `{state}` step's data first.")
    if target is not None and target != following:
        raise refused(
            "invalid_state", f"Order {order_id} cannot move to `{target}` from `{state}`."
        )
    _enter(conn, row, data, following, now_ts)


def submit_step(
    conn: sqlite3.Connection, order_id: str, body: dict[str, Any], now_ts: float
) -> None:
    """Take the current step's data (`body["state"]` names the step) and move to the next."""
    row = refresh(conn, load(conn, order_id), now_ts)
    eligible(row)
    state = str(row["state"])
    sent = body.get("state")
    if sent != state:
        raise refused("invalid_state", f"Order {order_id} is in `{state}`, not `{sent}`.")
    data = json.loads(row["data"])
    order_lines = line_rows(conn, int(row["id"]))
    _guest_fields(body, data)
    if state == "cart":
        conn.execute("UPDATE gm_orders SET data = ? WHERE id = ?", (json.dumps(data), order_id))
        return
    if state == "tickets":
        _step_tickets(body, data)
    elif state == "password":
        for event in _events(order_lines):
            if event.password and body.get("password") != event.password:
                raise invalid("password", f"Wrong password for {event.name}.", "invalid_password")
    elif state == "invite":
        for event in _events(order_lines):
            if event.invite_codes and body.get("invite_code") not in event.invite_codes:
                raise invalid(
                    "invite_code",
                    f"That is not an invitation code for {event.name}.",
                    "invalid_invite",
                )
    elif state == "member":
        _step_member(body, data)
    elif state == "address":
        _step_address(conn, body, data, order_lines)
    elif state == "form":
        _step_form(body, data)
    elif state == "payment":
        _step_payment(body, data, order_total(order_lines))
    steps = checkout_steps(order_lines)
    data["completed_steps"] = [*data["completed_steps"], state]
    _enter(conn, row, data, steps[steps.index(state) + 1], now_ts)
    increment_counter(conn, f"{NAME}.transitions")


def resume(
    conn: sqlite3.Connection, number: str, now_ts: float
) -> tuple[int, list[dict[str, Any]]]:
    """Resume the order `number`: an expired one re-reserves what it can and returns to `cart`;
    a live one gets a new 15-minute timer. The order id and the tickets not re-reserved."""
    row = refresh(conn, load(conn, number, by_number=True), now_ts)
    if row["state"] != "expired":
        eligible(row)
    unavailable: list[dict[str, Any]] = []
    if row["state"] == "expired":
        data = json.loads(row["data"])
        for li in line_rows(conn, int(row["id"])):
            tt = TICKET_TYPES[int(li["ticket_type_id"])]
            if not li["holds"]:
                continue
            left = max(tt.capacity - held(conn, tt.id, now_ts, skip=int(row["id"])), 0)
            qty = int(li["quantity"])
            if left >= qty:
                continue
            unavailable.append(
                {
                    "ticket_type_id": tt.id,
                    "name": tt.name,
                    "requested": qty,
                    "reserved": left,
                    "reason": "sold_out",
                }
            )
            if left == 0:
                conn.execute("DELETE FROM gm_line_items WHERE id = ?", (li["id"],))
            else:
                conn.execute("UPDATE gm_line_items SET quantity = ? WHERE id = ?", (left, li["id"]))
            kept = [t for t in data.get("tickets", []) if t["line_item_id"] == li["id"]][:left]
            data["tickets"] = [
                t for t in data.get("tickets", []) if t["line_item_id"] != li["id"] or t in kept
            ]
        data["completed_steps"] = []
        conn.execute(
            "UPDATE gm_orders SET state = 'cart', data = ? WHERE id = ?",
            (json.dumps(data), row["id"]),
        )
    conn.execute(
        "UPDATE gm_orders SET expires_at = ? WHERE id = ?",
        (now_ts + ORDER_TTL_SECONDS, row["id"]),
    )
    return int(row["id"]), unavailable


def stats(conn: sqlite3.Connection) -> dict[str, int]:
    """Exact counts for `/_sandbox/stats`, with expiry and processing judged at sandbox now."""
    now_ts = clock.now_ts(conn)
    # The state each order is in now, whether or not a request has touched it since.
    current = (
        "SELECT CASE "
        "WHEN state = 'processing' AND settle_at <= :now AND outcome = 'payment' "
        "AND settle_at + :ttl <= :now THEN 'expired' "
        "WHEN state = 'processing' AND settle_at <= :now THEN outcome "
        "WHEN state NOT IN ('processing','complete','requested','reserved','expired','canceled') "
        "AND expires_at <= :now THEN 'expired' "
        "ELSE state END AS state FROM gm_orders"
    )
    row = conn.execute(
        "SELECT COUNT(*) AS orders, "
        "COALESCE(SUM(state NOT IN ('processing','complete','requested','reserved','expired',"
        "'canceled')), 0) AS open_orders, "
        "COALESCE(SUM(state = 'expired'), 0) AS expired_orders, "
        "COALESCE(SUM(state = 'processing'), 0) AS processing_orders, "
        "COALESCE(SUM(state = 'complete'), 0) AS complete_orders, "
        "COALESCE(SUM(state = 'requested'), 0) AS requested_orders, "
        "COALESCE(SUM(state = 'reserved'), 0) AS reserved_orders, "
        f"COALESCE(SUM(state = 'canceled'), 0) AS canceled_orders FROM ({current})",
        {"now": now_ts, "ttl": ORDER_TTL_SECONDS},
    ).fetchone()
    counts = {key: int(value) for key, value in zip(row.keys(), row, strict=True)}
    counts["transitions"] = read_counter(conn, f"{NAME}.transitions")
    return counts
