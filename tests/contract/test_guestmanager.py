"""Guest Manager against a stand-in built from its document (seed 002) alone.

The stub answers in three variants: only the fields the document names (``documented``), the
same plus fields it does not know (``extras``), and numbers where the document has strings and
strings where it has numbers (``swapped``). Every stage command runs through the real CLI, and
each request is held to the document: method, path, query, headers and JSON body. Where the
document is silent (creating an order, adding to it, reading it, abandoning it) the calls are
bookctl's documented choices (docs/providers.md), held here so they cannot drift unnoticed.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

from tests.conftest import Cli, Result

BASE = "https://gm.example.test"
KEY = "gm-contract-key-0123"
ORDER = 9001
NUMBER = "R100042"
GUEST = ["--email", "ann@example.com", "--first-name", "Ann", "--last-name", "Lee"]

# The document's own examples.
TICKETS_REQUEST = [{"id": 123456, "keep": True}, {"id": 987655, "name": "Bizzy Bone"}]
BILL_ADDRESS = {
    "address1": "123 Main Street",
    "city": "Anytown",
    "zipcode": "92109",
    "state_id": 162,
    "country_id": 14,
}
SHIP_ADDRESS = {
    "address1": "123 Main Street",
    "city": "Anytown",
    "zipcode": "92109",
    "state_code": "WA",
    "country_code": "AU",
}
FORM_REQUEST = [
    {
        "id": 38133,
        "answers": [
            {"id": 167288, "value": "791"},
            {"id": 167286, "value": "592"},
            {"id": 167287, "value": "test"},
        ],
    }
]
STEPS = ["tickets", "address", "form", "payment", "confirm", "complete"]
VARIANTS = ["documented", "extras", "swapped"]

#: Headers httpx sends on its own; everything else on a request is bookctl's choice.
TRANSPORT_HEADERS = {"host", "accept-encoding", "connection", "user-agent", "content-length"}


@dataclass
class Seen:
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: Any


@dataclass
class Stub:
    """A Guest Manager order and its checkout state machine, as the document describes them."""

    variant: str
    payment_methods: list[dict[str, Any]] = field(default_factory=lambda: [{"id": 1}])
    garbage_after: str | None = None  # the state whose transition answers non-JSON
    state: str = "cart"
    requests: list[Seen] = field(default_factory=list)
    reads_while_processing: int = 0

    # -- the order, in the variant's shape ------------------------------------------------

    def _id(self, value: int) -> Any:
        return str(value) if self.variant == "swapped" else value

    def order(self) -> dict[str, Any]:
        swapped = self.variant == "swapped"
        order: dict[str, Any] = {
            "id": self._id(ORDER),
            "number": NUMBER,
            "state": self.state,
            "expires_at": "2027-03-10T12:15:00Z",
            "links": {
                "cart": "https://gm.example.test/orders/R100042/cart",
                "checkout": "https://gm.example.test/orders/R100042/checkout",
            },
            "tickets": [
                {"id": self._id(123456), "name": None, "email": None, "keep": False},
                {"id": self._id(987655), "name": None, "email": None, "keep": False},
            ],
            "form_responses": [
                {
                    "id": self._id(38133),
                    "answers": [
                        {"id": self._id(167288), "value": None},
                        # A value already given: the document sends strings, `swapped` a number.
                        {"id": self._id(167286), "value": 592 if swapped else "592"},
                        {"id": self._id(167287), "value": None},
                    ],
                }
            ],
            "payment_methods": self.payment_methods,
            "completed_at": "2027-03-10T12:05:00Z" if self.state == "complete" else None,
            "payment_state": "paid" if self.state == "complete" else None,
        }
        if self.state != "cart":
            # The document: inspect `checkout_steps` after the transition out of `cart`.
            order["checkout_steps"] = STEPS
        if self.variant == "extras":
            order.update(
                currency="USD",
                total="160.00",
                line_items=[
                    {
                        "id": 77,
                        "ticket_type_id": 602,
                        "name": "VIP",
                        "quantity": 2,
                        "price": "80.00",
                        "total": "160.00",
                        "surprise": {"nested": [1, 2]},
                    }
                ],
                brand_new_attribute={"anything": True},
                guest_token="3f9c",
            )
            for ticket in order["tickets"]:
                ticket.update(ticket_type_id=602, barcode="X-1")
            for answer in order["form_responses"][0]["answers"]:
                answer["field"] = {"id": 1, "label": "Q", "type": "text", "required": False}
        if swapped:
            order["total"] = 160  # an amount as a number
            order["currency"] = "USD"
            order["expires_at"] = 1804680900  # 2027-03-10T12:15:00Z as epoch seconds
        return order

    # -- the HTTP side ----------------------------------------------------------------------

    def __call__(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content) if request.content else None
        self.requests.append(
            Seen(
                request.method,
                request.url.path,
                request.url.query.decode(),
                dict(request.headers),
                body,
            )
        )
        if request.headers.get("authorization") != f"Token {KEY}":
            return error(401, "unauthorized", "Invalid token")
        route = (request.method, request.url.path)
        order_path = f"/orders/{ORDER}"
        if route == ("POST", "/orders") or route == ("POST", f"{order_path}/line_items"):
            return httpx.Response(201, json=self.order())
        if route == ("GET", order_path):
            if self.state == "processing":
                self.reads_while_processing += 1
                if self.reads_while_processing > 1:
                    self.state = "complete"
            return httpx.Response(200, json=self.order())
        if route == ("DELETE", order_path):
            self.state = "canceled"
            return httpx.Response(200, json=self.order())
        if route == ("PATCH", f"/checkout/{NUMBER}/resume"):
            self.state = "cart"
            return httpx.Response(200, json=self.order())
        if route == ("PATCH", f"/checkout/{ORDER}/next"):
            if self.state in ("expired",):
                return error(422, "checkout_not_allowed", "Order expired")
            self.state = STEPS[0]
            return httpx.Response(200, json=self.order())
        if route == ("PATCH", f"/checkout/{ORDER}"):
            sent = (body or {}).get("order", {}).get("state")
            if sent != self.state:
                return error(422, "invalid_state", f"Order is in {self.state}")
            before = self.state
            if before != "cart":
                following = STEPS[STEPS.index(before) + 1]
                self.state = "processing" if following == "complete" else following
            if before == self.garbage_after:
                return httpx.Response(200, text="<html>502 upstream</html>")
            return httpx.Response(200, json=self.order())
        return error(404, "not_found", "No such route")

    def sent(self, method: str | None = None) -> list[Seen]:
        return [r for r in self.requests if method is None or r.method == method]


def error(status: int, kind: str, message: str) -> httpx.Response:
    return httpx.Response(status, json={"error": {"type": kind, "message": message}})


@pytest.fixture(params=VARIANTS)
def stub(request: pytest.FixtureRequest, cli: Cli) -> Iterator[Stub]:
    added = cli(
        "profile",
        "add",
        "x",
        "--provider",
        "guestmanager",
        "--base-url",
        BASE,
        "--api-key-stdin",
        stdin=KEY + "\n",
    )
    assert added.exit_code == 0, added
    fake = Stub(str(request.param))
    with respx.mock(assert_all_mocked=True, assert_all_called=False) as mock:
        mock.route(host="gm.example.test").mock(side_effect=fake)
        yield fake


def gm(cli: Cli, *args: str) -> Result:
    return cli("-p", "x", *args)


def answers_file(tmp_path: Path, **data: Any) -> str:
    path = tmp_path / "answers.json"
    path.write_text(json.dumps(data))
    return str(path)


def full_answers(tmp_path: Path) -> str:
    return answers_file(
        tmp_path,
        tickets=[{"keep": True}, {"name": "Bizzy Bone"}],
        bill_address=BILL_ADDRESS,
        ship_address=SHIP_ADDRESS,
        form={"167288": "791", "167287": "test"},
    )


def assert_request(seen: Seen, method: str, path: str, body: Any = None) -> None:
    """One request exactly: method, path, no query, the documented auth, the JSON body."""
    assert (seen.method, seen.path, seen.query) == (method, path, "")
    assert seen.body == body
    headers = seen.headers
    assert headers["authorization"] == f"Token {KEY}"
    assert headers["accept"] == "application/json"
    ours = {"authorization", "accept"}
    if method != "GET":
        # bookctl's retry policy (DESIGN.md 5): one key per state-changing call.
        uuid.UUID(headers["idempotency-key"])
        ours.add("idempotency-key")
    if body is not None:
        assert headers["content-type"] == "application/json"
        ours.add("content-type")
    assert set(headers) - TRANSPORT_HEADERS == ours
    assert KEY not in seen.path and KEY not in seen.query


def state_of(seen: Seen) -> Any:
    return (seen.body or {}).get("order", {}).get("state")


def put_in_cart(cli: Cli, stub: Stub) -> None:
    added = gm(cli, "basket", "add", "--ticket-type", "602", "--qty", "2", "--json")
    assert added.exit_code == 0, added
    stub.requests.clear()


# -- basket and cart --------------------------------------------------------------------


def test_basket_add_and_cart_show(cli: Cli, stub: Stub) -> None:
    first = gm(cli, "basket", "add", "--ticket-type", "602", "--qty", "2", "--json")
    assert first.exit_code == 0, first
    (create,) = stub.requests
    assert_request(
        create,
        "POST",
        "/orders",
        {"order": {"line_items": [{"ticket_type_id": 602, "quantity": 2}]}},
    )
    cart = first.json
    assert (cart["id"], cart["provider"], cart["state"]) == (str(ORDER), "guestmanager", "cart")
    assert cart["expires_at"] == "2027-03-10T12:15:00+00:00"
    assert cart["links"]["checkout"].endswith("/R100042/checkout")

    stub.requests.clear()
    more = gm(cli, "basket", "add", "--ticket-type", "601", "--json")
    assert more.exit_code == 0, more
    read, add = stub.requests
    assert_request(read, "GET", f"/orders/{ORDER}")
    assert_request(
        add,
        "POST",
        f"/orders/{ORDER}/line_items",
        {"line_item": {"ticket_type_id": 601, "quantity": 1}},
    )

    stub.requests.clear()
    shown = gm(cli, "cart", "show", "--json")
    assert shown.exit_code == 0, shown
    (read,) = stub.requests
    assert_request(read, "GET", f"/orders/{ORDER}")
    expected = {
        "documented": (None, None, []),
        "extras": ("USD", "160.00", [("602", "VIP", 2, "160.00")]),
        "swapped": ("USD", "160.00", []),
    }[stub.variant]
    lines = [
        (ln["product_id"], ln["title"], ln["quantity"], ln["amount"]) for ln in shown.json["lines"]
    ]
    assert (shown.json["currency"], shown.json["total"], lines) == expected
    table = gm(cli, "cart", "show")
    assert table.exit_code == 0 and "R100042/checkout" in table.stdout


def test_cart_abandon(cli: Cli, stub: Stub) -> None:
    put_in_cart(cli, stub)
    gone = gm(cli, "cart", "abandon", "--yes", "--json")
    assert gone.exit_code == 0, gone
    (delete,) = stub.requests
    assert_request(delete, "DELETE", f"/orders/{ORDER}")
    assert gone.json == {"id": str(ORDER), "state": "abandoned"}
    assert gm(cli, "cart", "show").exit_code == 3  # no cart session left


# -- checkout, through every documented step -----------------------------------------------


def test_checkout_through_every_step_then_poll(cli: Cli, stub: Stub, tmp_path: Path) -> None:
    put_in_cart(cli, stub)
    done = gm(
        cli, "checkout", *GUEST, "--answers-file", full_answers(tmp_path),
        "--payment-token", "tok_test", "--json",
    )  # fmt: skip
    assert done.exit_code == 0, done
    read, guest, begin, tickets, address, form, payment, confirm = stub.requests
    path = f"/checkout/{ORDER}"
    assert_request(read, "GET", f"/orders/{ORDER}")
    assert_request(
        guest,
        "PATCH",
        path,
        {
            "order": {
                "state": "cart",
                "email": "ann@example.com",
                "first_name": "Ann",
                "last_name": "Lee",
            }
        },
    )
    assert_request(begin, "PATCH", f"{path}/next")
    assert_request(
        tickets, "PATCH", path, {"order": {"state": "tickets", "tickets": TICKETS_REQUEST}}
    )
    assert_request(
        address,
        "PATCH",
        path,
        {"order": {"state": "address", "bill_address": BILL_ADDRESS, "ship_address": SHIP_ADDRESS}},
    )
    assert_request(form, "PATCH", path, {"order": {"state": "form", "responses": FORM_REQUEST}})
    assert_request(
        payment,
        "PATCH",
        path,
        {
            "order": {
                "state": "payment",
                "payments": [{"payment_method_id": 1, "token": "tok_test"}],
            }
        },
    )
    assert_request(confirm, "PATCH", path, {"order": {"state": "confirm"}})
    order = done.json
    assert (order["id"], order["cart_id"], order["state"]) == (str(ORDER), str(ORDER), "processing")
    assert order["provider"] == "guestmanager" and order["completed_at"] is None
    assert f"bookctl poll {ORDER}" in done.stderr

    stub.requests.clear()
    settled = gm(cli, "poll", str(ORDER), "--interval", "0.01", "--json")
    assert settled.exit_code == 0, settled
    assert all(r.method == "GET" and r.path == f"/orders/{ORDER}" for r in stub.requests)
    assert len(stub.requests) == 2
    assert_request(stub.requests[0], "GET", f"/orders/{ORDER}")
    assert settled.json["state"] == "complete"
    assert settled.json["payment_state"] == "paid"
    assert settled.json["completed_at"] == "2027-03-10T12:05:00+00:00"


def test_step_runs_one_transition_at_a_time(cli: Cli, stub: Stub, tmp_path: Path) -> None:
    put_in_cart(cli, stub)
    first = gm(cli, "checkout", "--step", *GUEST, "--json")
    assert first.exit_code == 0, first
    assert first.json["state"] == "tickets"
    assert [(r.method, r.path) for r in stub.requests] == [
        ("GET", f"/orders/{ORDER}"),
        ("PATCH", f"/checkout/{ORDER}"),
        ("PATCH", f"/checkout/{ORDER}/next"),
    ]
    stub.requests.clear()
    file = full_answers(tmp_path)
    second = gm(cli, "checkout", "--step", "--answers-file", file, "--json")
    assert second.exit_code == 0, second
    assert second.json["state"] == "address"
    read, tickets = stub.requests
    assert_request(read, "GET", f"/orders/{ORDER}")
    assert_request(
        tickets,
        "PATCH",
        f"/checkout/{ORDER}",
        {"order": {"state": "tickets", "tickets": TICKETS_REQUEST}},
    )
    shown = gm(cli, "cart", "show", "--json")
    assert shown.json["state"] == "address"  # the session stays until the order settles


def test_the_payment_method_is_chosen_from_payment_methods(
    cli: Cli, stub: Stub, tmp_path: Path
) -> None:
    stub.payment_methods = [
        {"id": stub._id(1), "name": "Stripe"},
        {"id": stub._id(2), "name": "Invoice"},
    ]
    put_in_cart(cli, stub)
    file = full_answers(tmp_path)
    args = ["checkout", *GUEST, "--answers-file", file, "--payment-token", "tok_test"]
    unsure = gm(cli, *args)
    assert unsure.exit_code == 2, unsure
    assert "offers 2 payment methods" in unsure.stderr
    assert "1 (Stripe), 2 (Invoice)" in unsure.stderr and "--payment-method" in unsure.stderr
    # Nothing of the steps was sent: the order waits at its first step.
    assert [r.path for r in stub.sent("PATCH")][-1] == f"/checkout/{ORDER}/next"
    assert stub.state == "tickets"
    wrong = gm(cli, *args, "--payment-method", "7")
    assert wrong.exit_code == 2, wrong
    assert "offers no payment method '7'" in wrong.stderr
    assert stub.state == "tickets"
    stub.requests.clear()
    done = gm(cli, *args, "--payment-method", "2", "--json")
    assert done.exit_code == 0, done
    (payment,) = [r for r in stub.requests if state_of(r) == "payment"]
    assert payment.body["order"]["payments"] == [{"payment_method_id": 2, "token": "tok_test"}]


def test_an_answer_lost_after_the_last_step_is_read_back(
    cli: Cli, stub: Stub, tmp_path: Path
) -> None:
    stub.garbage_after = "confirm"
    put_in_cart(cli, stub)
    done = gm(
        cli, "checkout", *GUEST, "--answers-file", full_answers(tmp_path),
        "--payment-token", "tok_test", "--json",
    )  # fmt: skip
    assert done.exit_code == 0, done
    assert done.json["state"] == "processing"
    assert "was lost" in done.stderr and "read back" in done.stderr
    confirm, read_back = stub.requests[-2:]
    assert_request(confirm, "PATCH", f"/checkout/{ORDER}", {"order": {"state": "confirm"}})
    assert_request(read_back, "GET", f"/orders/{ORDER}")
    # Exactly one confirm: the purchase is never sent twice.
    assert [state_of(r) for r in stub.sent("PATCH")].count("confirm") == 1


def test_a_retry_on_a_complete_order_reports_it(cli: Cli, stub: Stub) -> None:
    put_in_cart(cli, stub)
    stub.state = "complete"
    again = gm(cli, "checkout", "--json")
    assert again.exit_code == 0, again
    assert again.json["state"] == "complete" and again.json["payment_state"] == "paid"
    assert f"order {ORDER} was already complete" in again.stderr
    assert [(r.method, r.path) for r in stub.requests] == [("GET", f"/orders/{ORDER}")]
    gone = gm(cli, "cart", "show")
    assert gone.exit_code == 3, gone  # the cart session moved to history


# -- resume (the document's answer to an expired order) ------------------------------------


def test_an_expired_order_is_resumed_by_its_number(cli: Cli, stub: Stub) -> None:
    put_in_cart(cli, stub)
    stub.state = "expired"
    refused = gm(cli, "checkout", *GUEST)
    assert refused.exit_code in {2, 4}, refused  # the document gives no HTTP status
    assert "cart extend" in refused.stderr
    stub.requests.clear()
    resumed = gm(cli, "cart", "extend", "--json")
    assert resumed.exit_code == 0, resumed
    read, resume = stub.requests
    assert_request(read, "GET", f"/orders/{ORDER}")
    assert_request(resume, "PATCH", f"/checkout/{NUMBER}/resume")
    assert resumed.json["state"] == "cart"
    assert resumed.json["expires_at"] == "2027-03-10T12:15:00+00:00"


def test_undocumented_paths_follow_the_profile(
    cli: Cli, stub: Stub, isolated: dict[str, Path]
) -> None:
    """The calls the document does not describe can be pointed elsewhere per profile."""
    put_in_cart(cli, stub)
    config = isolated["config"] / "config.toml"
    config.write_text(
        config.read_text()
        + '\n[profiles.x.defaults]\norders_path = "/api/orders"\n'
        + 'order_path = "api/orders/{id}"\n'
    )
    # The stub knows only its own paths: the overridden ones answer 404.
    assert gm(cli, "cart", "show").exit_code == 3
    added = gm(cli, "basket", "add", "--ticket-type", "602", "--new-cart")
    assert added.exit_code == 3, added
    assert [(r.method, r.path) for r in stub.requests] == [
        ("GET", f"/api/orders/{ORDER}"),
        ("POST", "/api/orders"),
    ]
