"""BookingBug against a stub built from its documents only (seed 000 and the public REST docs).

The stub answers with the shapes of BookingBug's public docs (basket.md: the HAL basket and its
``Auth-Token`` header; purchases.md: the purchase total; authentication.md: the login; client.md:
the client) in three variants: (a) documented fields only, (b) with unknown extras everywhere,
(c) numbers where the docs have strings and the reverse. Catalogue answers (events, services,
products, time_data) are not shown by those docs: they follow BookingBug's HAL convention
(``_embedded.<name>``) and are marked so. Every stage command runs through the real CLI and the
test asserts the exact requests and what the CLI prints. Nothing here imports bookctl.sandbox.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import httpx
import pytest
import respx

from tests.conftest import Cli

HOST = "bb.example.test"
BASE = f"https://{HOST}/api/v1"
COMPANY = "50666"
APP_ID = "APP"
APP_KEY = "KEY-0123456789"
LOGIN_TOKEN = "LoginTok3nFromTheAuthenticationDoc"
BASKET_TOKEN = "Boq2lgDNQLAFTmiJQaABRA"  # basket.md's Auth-Token header
PASSWORD = "s3cret-pass"
ADMIN = "admin@example.com"
SECRETS = (APP_KEY, LOGIN_TOKEN, BASKET_TOKEN, PASSWORD)
VARIANTS = ("documented", "extras", "swapped")

# -- documented answers (trimmed copies of the docs' samples) ------------------------------------

LINKS = {"self": {"href": f"{BASE}/{COMPANY}/basket"}}
SERVICE_ITEM = {  # basket.md, Add Item sample
    "event_id": 1091849,
    "person_id": 30550,
    "resource_id": 43048,
    "service_id": 104748,
    "num_book": 1,
    "person_name": "Emma",
    "resource_name": "Consultation Room 2",
    "service_name": "Medical Consultation",
    "status": 4,
    "id": "5c733ffc20bc6b24",
    "date": "2017-02-01",
    "time": 630,
    "duration": 45,
    "_embedded": {},
    "_links": {"self": {"href": f"{BASE}/{COMPANY}/basket/5c733ffc20bc6b24"}},
}
EVENT_ITEM = {  # an event added with event_id and event_chain_id (basket.md, Adding an event)
    "event_id": 1091850,
    "event_chain_id": 3432423,
    "num_book": 1,
    "status": 4,
    "id": "05b620502ca56322",
    "date": "2017-02-02",
    "time": 1140,
    "duration": 120,
    "_embedded": {},
    "_links": {"self": {"href": f"{BASE}/{COMPANY}/basket/05b620502ca56322"}},
}
LOGIN = {  # authentication.md
    "email": ADMIN,
    "auth_token": LOGIN_TOKEN,
    "company_id": 50666,
    "path": BASE,
    "_embedded": {"members": [], "administrators": [{"name": "Ann", "email": ADMIN}]},
    "_links": {"self": {"href": f"{BASE}/login/{COMPANY}"}},
}
CLIENT = {  # client.md, Find by email sample
    "first_name": "Jamie",
    "last_name": "Oliver",
    "email": "j.oliver@test.com",
    "country": "United Kingdom",
    "phone_prefix": "44",
    "mobile_prefix": "44",
    "id": 2897097,
    "answers": [],
    "deleted": False,
    "client_type": "Member",
    "default_company_id": 50666,
    "reference": "",
    "_links": {"self": {"href": f"{BASE}/{COMPANY}/client/2897097"}},
}
PURCHASE = {  # purchases.md, Get Purchase sample
    "total_price": 1500,
    "price": 1500,
    "paid": 0,
    "deposit": 0,
    "due_now": 1500,
    "long_id": "IDXODKIPiQo321uMMTE2MTA0NDE%3D",
    "id": 11610441,
    "client_name": "Jamie Oliver",
    "created_at": "2017-03-07T09:30:31Z",
    "payment_type": "online",
    "_embedded": {
        "client": {"first_name": "Jamie", "last_name": "Oliver", "id": 2897097},
        "member": {"id": 2897097, "name": "Jamie Oliver"},
        "bookings": [{"id": 13477736, "service_id": 104748, "purchase_id": 11610441}],
    },
    "_links": {"self": {"href": f"{BASE}/purchases/IDXODKIPiQo321uMMTE2MTA0NDE%3D"}},
}
# Not shown by the docs named above: bookctl's reading of the HAL catalogue.
EVENT = {
    "id": 1091850,
    "name": "Wine Tasting",
    "datetime": "2027-03-20T19:00:00+00:00",
    "duration": 120,
    "price": 2500,
    "num_spaces": 20,
    "spaces_left": 12,
    "event_chain_id": 3432423,
}
SERVICE = {"id": 104748, "name": "Medical Consultation", "durations": [45], "prices": [1500]}
PRODUCT = {"id": 9, "name": "Gift Voucher", "price": 2000}
TIME_DATA = {
    "_embedded": {"events": [{"date": "2027-03-11", "times": [{"time": 630, "avail": 1}]}]}
}


def _with_extras(data: Any) -> Any:
    """Variant (b): an unknown field in every object."""
    if isinstance(data, dict):
        out = {k: _with_extras(v) for k, v in data.items()}
        out["x_unknown_field"] = {"nested": [1, "two"]}
        return out
    if isinstance(data, list):
        return [_with_extras(v) for v in data]
    return data


def _swapped(data: Any) -> Any:
    """Variant (c): numbers as strings, and numeric strings as numbers."""
    if isinstance(data, dict):
        return {k: _swapped(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_swapped(v) for v in data]
    if isinstance(data, int) and not isinstance(data, bool):
        return str(data)
    if isinstance(data, str) and data.isdigit() and not data.startswith("0"):
        return int(data)
    return data


SHAPERS: dict[str, Callable[[Any], Any]] = {
    "documented": lambda d: d,
    "extras": _with_extras,
    "swapped": _swapped,
}


def _hal(name: str, items: list[Any]) -> dict[str, Any]:
    return {"_embedded": {name: items}, "_links": {"self": {"href": f"{BASE}/{COMPANY}/{name}"}}}


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str | None]
    body: Any


@dataclass
class Stub:
    """A stateful BookingBug built from the documents: one basket per Auth-Token."""

    shape: Callable[[Any], Any]
    garbage_checkout: bool = False
    seen: list[Seen] = field(default_factory=list)
    items: list[dict[str, Any]] = field(default_factory=list)
    purchases: list[dict[str, Any]] = field(default_factory=list)

    def basket(self) -> dict[str, Any]:
        total = 1500 * len(self.items)
        return {
            "company_id": 50666,
            "total_price": total,
            "total_due_price": total,
            "_embedded": {"items": copy.deepcopy(self.items)},
            "_links": LINKS,
        }

    def answer(self, status: int, data: Any, **headers: str) -> httpx.Response:
        return httpx.Response(status, json=self.shape(data), headers=headers)

    def handle(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content) if request.content else None
        self.seen.append(
            Seen(
                request.method,
                unquote(request.url.path),
                dict(request.url.params),
                {h: request.headers.get(h) for h in ("app-id", "app-key", "auth-token")},
                body,
            )
        )
        if request.headers.get("app-id") != APP_ID or request.headers.get("app-key") != APP_KEY:
            return httpx.Response(401, json={"error": "401 Unauthorized"})
        route = (request.method, unquote(request.url.path).removeprefix("/api/v1/"))
        company = f"{COMPANY}/"
        token = request.headers.get("auth-token")
        match route:
            case ("POST", "login"):
                ok = body == {"email": ADMIN, "password": PASSWORD}
                if not ok:
                    return httpx.Response(401, json={"error": "401 Unauthorized"})
                return self.answer(201, LOGIN)
            case ("GET", path) if path == company + "events":
                return self.answer(200, _hal("events", [EVENT]))
            case ("GET", path) if path == company + f"events/{EVENT['id']}":
                return self.answer(200, EVENT)
            case ("GET", path) if path.startswith(company + "events/"):
                return httpx.Response(404, json={"error": "Not found"})
            case ("GET", path) if path == company + "services":
                return self.answer(200, _hal("services", [SERVICE]))
            case ("GET", path) if path == company + "products":
                return self.answer(200, _hal("products", [PRODUCT]))
            case ("GET", path) if path == company + "time_data":
                return self.answer(200, TIME_DATA)
            case ("POST", path) if path == company + "client":
                return self.answer(201, {**CLIENT, **body})
            case ("GET", path) if path in (
                company + f"client/{CLIENT['id']}",
                company + f"client/find_by_email/{CLIENT['email']}",
            ):
                return self.answer(200, CLIENT)
            case ("POST", path) if path == company + "basket/add_item":
                if token not in (None, LOGIN_TOKEN, BASKET_TOKEN):
                    return httpx.Response(401, json={"error": "401 Unauthorized"})
                if token != BASKET_TOKEN:
                    self.items = []
                item = SERVICE_ITEM if request.url.params.get("service_id") else EVENT_ITEM
                self.items.append(item)
                return self.answer(201, self.basket(), **{"Auth-Token": BASKET_TOKEN})
            case ("GET", path) if path == company + "basket":
                if token != BASKET_TOKEN:
                    return httpx.Response(401, json={"error": "401 Unauthorized"})
                return self.answer(200, self.basket())
            case ("DELETE", path) if path == company + "basket":
                self.items = []
                return self.answer(200, self.basket())
            case ("POST", path) if path == company + "basket/checkout":
                if token != BASKET_TOKEN:
                    return httpx.Response(401, json={"error": "401 Unauthorized"})
                if not self.items:
                    return httpx.Response(409, json={"error": "Basket is empty"})
                self.items = []
                self.purchases.append(PURCHASE)
                if self.garbage_checkout:
                    return httpx.Response(200, text="<html><body>Bad Gateway</body></html>")
                return self.answer(201, PURCHASE)
            case ("GET", "admin/50666/purchases"):
                if token != LOGIN_TOKEN:
                    return httpx.Response(401, json={"error": "401 Unauthorized"})
                return self.answer(200, _hal("purchases", self.purchases))
        return httpx.Response(404, json={"error": f"no route {route}"})

    def take(self) -> list[Seen]:
        seen, self.seen = self.seen, []
        return seen


@pytest.fixture(autouse=True)
def _no_app_id_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BOOKCTL_APP_ID", raising=False)


@pytest.fixture(params=VARIANTS)
def stub(request: pytest.FixtureRequest) -> Iterator[Stub]:
    made = Stub(shape=SHAPERS[request.param])
    with respx.mock(assert_all_called=False) as router:
        router.route(host=HOST).mock(side_effect=made.handle)
        yield made


@pytest.fixture
def profile(cli: Cli) -> list[str]:
    added = cli(
        "profile", "add", "x", "--provider", "bookingbug", "--base-url", BASE,
        "--company-id", COMPANY, "--app-id", APP_ID, "--api-key-stdin",
        stdin=APP_KEY + "\n",
    )  # fmt: skip
    assert added.exit_code == 0, added
    return ["-p", "x"]


def run(cli: Cli, *args: str, stdin: str = "") -> Any:
    result = cli(*args, stdin=stdin)
    assert result.exit_code == 0, result
    for secret in SECRETS:
        assert secret not in result.stdout + result.stderr
    return result.json if "--json" in args else result


def req(
    method: str,
    path: str,
    query: dict[str, str] | None = None,
    token: str | None = None,
    body: Any = None,
) -> Seen:
    headers = {"app-id": APP_ID, "app-key": APP_KEY, "auth-token": token}
    return Seen(method, f"/api/v1/{path}", query or {}, headers, body)


def cart_id() -> str:
    return hashlib.sha256(BASKET_TOKEN.encode()).hexdigest()[:12]


SERVICE_LINE = {
    "product_id": "104748",
    "title": "Medical Consultation",
    "quantity": 1,
    "dates": ["2017-02-01T10:30:00"],
    "amount": None,
    "guest": None,
    "kind": None,
}
EVENT_LINE = {
    "product_id": "1091850",
    "title": "item 05b620502ca56322",
    "quantity": 1,
    "dates": ["2017-02-02T19:00:00"],
    "amount": None,
    "guest": None,
    "kind": None,
}


def cart(lines: list[dict[str, Any]], total: str) -> dict[str, Any]:
    return {
        "id": cart_id(),
        "provider": "bookingbug",
        "state": "open" if lines else "empty",
        "expires_at": None,
        "currency": None,
        "total": total,
        "lines": lines,
        "links": {},
    }


ORDER = {
    "id": "11610441",
    "cart_id": cart_id(),
    "provider": "bookingbug",
    "state": "pending_payment",
    "payment_state": "balance_due",
    "total": "15.00",
    "currency": None,
    "completed_at": "2017-03-07T09:30:31+00:00",
    "reference": "IDXODKIPiQo321uMMTE2MTA0NDE%3D",
    "details": {
        "paid": "0.00",
        "amount_due": "15.00",
        "member_id": "2897097",
        "client": "Jamie Oliver",
    },
}


# -- the stages ----------------------------------------------------------------------------------


def test_login(cli: Cli, stub: Stub, profile: list[str], isolated: dict[str, Path]) -> None:
    done = run(cli, *profile, "login", "--email", ADMIN, "--password-stdin", "--json",
               stdin=PASSWORD + "\n")  # fmt: skip
    assert done == {"profile": "x", "provider": "bookingbug", "email": ADMIN}
    assert stub.take() == [req("POST", "login", body={"email": ADMIN, "password": PASSWORD})]
    assert LOGIN_TOKEN in (isolated["config"] / "credentials.toml").read_text()


def test_catalogue(cli: Cli, stub: Stub, profile: list[str]) -> None:
    products = run(cli, *profile, "products", "--json")
    assert [(p["id"], p["type"], p["title"]) for p in products] == [
        ("1091850", "event", "Wine Tasting"),
        ("104748", "service", "Medical Consultation"),
        ("9", "product", "Gift Voucher"),
    ]
    assert products[0]["details"]["spaces_left"] == 12
    assert products[1]["details"]["duration"] == 45
    assert stub.take() == [
        req("GET", f"{COMPANY}/events"),
        req("GET", f"{COMPANY}/services"),
        req("GET", f"{COMPANY}/products"),
    ]
    rows = run(
        cli, *profile, "availability", "1091850", "104748",
        "--start-date", "2027-03-11", "--end-date", "2027-03-12", "--json",
    )  # fmt: skip
    assert rows == [
        {
            "product_id": "1091850",
            "date": "2027-03-20",
            "available": 12,
            "capacity": 20,
            "blocked": False,
            "checkin": None,
            "checkout": None,
            "timeslots": [{"time": "19:00", "available": 12, "capacity": 20}],
        },
        {
            "product_id": "104748",
            "date": "2027-03-11",
            "available": 1,
            "capacity": None,
            "blocked": False,
            "checkin": None,
            "checkout": None,
            "timeslots": [{"time": "10:30", "available": 1, "capacity": None}],
        },
    ]
    assert stub.take() == [
        req("GET", f"{COMPANY}/events/1091850"),
        req("GET", f"{COMPANY}/events/104748"),
        req(
            "GET",
            f"{COMPANY}/time_data",
            {"service_id": "104748", "date": "2027-03-11", "end_date": "2027-03-12"},
        ),
    ]


def test_members_carry_the_login_token(cli: Cli, stub: Stub, profile: list[str]) -> None:
    run(cli, *profile, "login", "--email", ADMIN, "--password-stdin", stdin=PASSWORD + "\n")
    stub.take()
    member = {
        "id": "2897097",
        "provider": "bookingbug",
        "first_name": "Jamie",
        "last_name": "Oliver",
        "email": "j.oliver@test.com",
        "wallet": None,
    }
    added = run(
        cli, *profile, "member", "add", "--first-name", "Jamie", "--last-name", "Oliver",
        "--email", "j.oliver@test.com", "--json",
    )  # fmt: skip
    assert added == member
    body = {"first_name": "Jamie", "last_name": "Oliver", "email": "j.oliver@test.com"}
    assert stub.take() == [req("POST", f"{COMPANY}/client", token=LOGIN_TOKEN, body=body)]
    assert run(cli, *profile, "member", "show", "2897097", "--json") == member
    assert run(cli, *profile, "member", "show", "j.oliver@test.com", "--json") == member
    assert stub.take() == [
        req("GET", f"{COMPANY}/client/2897097", token=LOGIN_TOKEN),
        req("GET", f"{COMPANY}/client/find_by_email/j.oliver@test.com", token=LOGIN_TOKEN),
    ]


def test_basket_show_and_checkout(
    cli: Cli, stub: Stub, profile: list[str], isolated: dict[str, Path]
) -> None:
    run(cli, *profile, "login", "--email", ADMIN, "--password-stdin", stdin=PASSWORD + "\n")
    stub.take()
    first = run(
        cli, *profile, "basket", "add", "--service-id", "104748", "--member-id", "2897097",
        "--json",
    )  # fmt: skip
    assert first == cart([SERVICE_LINE], "15.00")
    # The first add_item acts for the login; BookingBug answers the basket's own Auth-Token.
    assert stub.take() == [
        req(
            "POST",
            f"{COMPANY}/basket/add_item",
            {"service_id": "104748", "member_id": "2897097"},
            token=LOGIN_TOKEN,
        )
    ]
    second = run(
        cli, *profile, "basket", "add", "--event-id", "1091850", "--event-chain-id", "3432423",
        "--json",
    )  # fmt: skip
    assert second == cart([SERVICE_LINE, EVENT_LINE], "30.00")
    assert stub.take() == [
        req("GET", f"{COMPANY}/basket", token=BASKET_TOKEN),
        req(
            "POST",
            f"{COMPANY}/basket/add_item",
            {"event_id": "1091850", "event_chain_id": "3432423"},
            token=BASKET_TOKEN,
        ),
    ]
    assert run(cli, *profile, "cart", "show", "--json") == second
    assert stub.take() == [req("GET", f"{COMPANY}/basket", token=BASKET_TOKEN)]
    traced = cli(*profile, "-v", "checkout", "--member-id", "2897097", "--no-wallet", "--json")
    assert traced.exit_code == 0, traced
    assert traced.json == ORDER
    for secret in SECRETS:
        assert secret not in traced.stdout + traced.stderr
    assert stub.take() == [
        req(
            "POST",
            f"{COMPANY}/basket/checkout",
            {"member_id": "2897097", "take_from_wallet": "false"},
            token=BASKET_TOKEN,
        )
    ]
    assert not (isolated["state"] / "sessions" / "x.json").exists()


def test_wallet_checkout_and_abandon(cli: Cli, stub: Stub, profile: list[str]) -> None:
    run(cli, *profile, "basket", "add", "--service-id", "104748")
    # Without a login the first add_item carries no Auth-Token.
    assert stub.take() == [req("POST", f"{COMPANY}/basket/add_item", {"service_id": "104748"})]
    done = run(cli, *profile, "cart", "abandon", "--yes", "--json")
    assert done is not None
    assert stub.take() == [req("DELETE", f"{COMPANY}/basket", token=BASKET_TOKEN)]
    run(cli, *profile, "basket", "add", "--service-id", "104748")
    stub.take()
    order = run(cli, *profile, "checkout", "--member-id", "2897097", "--take-from-wallet", "--json")
    assert order["id"] == "11610441"
    assert stub.take() == [
        req(
            "POST",
            f"{COMPANY}/basket/checkout",
            {"member_id": "2897097", "take_from_wallet": "true"},
            token=BASKET_TOKEN,
        )
    ]


# -- never report failure after the platform did the work ----------------------------------------


CREATED_FROM = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$")


@pytest.mark.parametrize("variant", VARIANTS)
def test_garbage_after_a_checkout_is_read_back_with_the_login(
    cli: Cli, profile: list[str], isolated: dict[str, Path], variant: str
) -> None:
    made = Stub(shape=SHAPERS[variant], garbage_checkout=True)
    with respx.mock(assert_all_called=False) as router:
        router.route(host=HOST).mock(side_effect=made.handle)
        run(cli, *profile, "login", "--email", ADMIN, "--password-stdin", stdin=PASSWORD + "\n")
        run(cli, *profile, "basket", "add", "--service-id", "104748")
        made.take()
        done = cli(*profile, "checkout", "--member-id", "2897097", "--no-wallet", "--json")
    assert done.exit_code == 0, done
    assert done.json == ORDER
    assert "read purchase 11610441 back" in done.stderr
    seen = made.take()
    assert [(s.method, s.path, s.headers["auth-token"]) for s in seen] == [
        ("POST", f"/api/v1/{COMPANY}/basket/checkout", BASKET_TOKEN),
        ("GET", f"/api/v1/{COMPANY}/basket", BASKET_TOKEN),
        ("GET", f"/api/v1/admin/{COMPANY}/purchases", LOGIN_TOKEN),
    ]
    assert list(seen[2].query) == ["created_from"]
    assert CREATED_FROM.match(seen[2].query["created_from"])
    assert len(made.purchases) == 1
    assert not (isolated["state"] / "sessions" / "x.json").exists()
    history = (isolated["state"] / "sessions" / "x.history.jsonl").read_text()
    assert json.loads(history.splitlines()[-1])["outcome"]["id"] == "11610441"


def test_garbage_after_a_checkout_without_login_still_says_it_was_made(
    cli: Cli, profile: list[str], isolated: dict[str, Path]
) -> None:
    made = Stub(shape=SHAPERS["documented"], garbage_checkout=True)
    with respx.mock(assert_all_called=False) as router:
        router.route(host=HOST).mock(side_effect=made.handle)
        run(cli, *profile, "basket", "add", "--service-id", "104748")
        made.take()
        done = cli(*profile, "checkout", "--member-id", "2897097", "--no-wallet", "--json")
    assert done.exit_code == 0, done
    assert done.json["state"] == "checked_out" and done.json["total"] == "15.00"
    assert "most likely made" in done.stderr
    assert [(s.method, s.path) for s in made.take()] == [
        ("POST", f"/api/v1/{COMPANY}/basket/checkout"),
        ("GET", f"/api/v1/{COMPANY}/basket"),
    ]
    assert not (isolated["state"] / "sessions" / "x.json").exists()


def test_a_timed_out_checkout_whose_retry_is_refused_reports_the_purchase(
    cli: Cli, profile: list[str], isolated: dict[str, Path]
) -> None:
    made = Stub(shape=SHAPERS["documented"])
    calls = {"checkout": 0}

    def lose_the_first_answer(request: httpx.Request) -> httpx.Response:
        response = made.handle(request)
        if request.url.path.endswith("/basket/checkout"):
            calls["checkout"] += 1
            if calls["checkout"] == 1:
                raise httpx.ReadTimeout("timed out", request=request)
        return response

    with respx.mock(assert_all_called=False) as router:
        router.route(host=HOST).mock(side_effect=lose_the_first_answer)
        run(cli, *profile, "login", "--email", ADMIN, "--password-stdin", stdin=PASSWORD + "\n")
        run(cli, *profile, "basket", "add", "--service-id", "104748")
        made.take()
        done = cli(*profile, "checkout", "--member-id", "2897097", "--no-wallet", "--json")
    assert done.exit_code == 0, done
    assert done.json == ORDER
    assert len(made.purchases) == 1
    # The retry carried the same Idempotency-Key; BookingBug refused it (the basket was empty).
    assert calls["checkout"] == 2
    assert not (isolated["state"] / "sessions" / "x.json").exists()


def test_a_refused_app_id_is_an_auth_error(cli: Cli, stub: Stub, isolated: dict[str, Path]) -> None:
    added = cli(
        "profile", "add", "y", "--provider", "bookingbug", "--base-url", BASE,
        "--company-id", COMPANY, "--app-id", "other", "--api-key-stdin", stdin=APP_KEY + "\n",
    )  # fmt: skip
    assert added.exit_code == 0, added
    refused = cli("-p", "y", "products")
    assert refused.exit_code == 5, refused
    assert APP_KEY not in refused.stdout + refused.stderr
    assert stub.take()[0].headers["app-id"] == "other"


def test_a_lost_checkout_that_cannot_be_read_back_says_it_may_have_gone_through(
    cli: Cli, profile: list[str], isolated: dict[str, Path]
) -> None:
    made = Stub(shape=SHAPERS["documented"], garbage_checkout=True)

    def basket_down_after_checkout(request: httpx.Request) -> httpx.Response:
        if made.purchases and request.url.path.endswith("/basket"):
            return httpx.Response(500, json={"error": "Internal Server Error"})
        return made.handle(request)

    with respx.mock(assert_all_called=False) as router:
        router.route(host=HOST).mock(side_effect=basket_down_after_checkout)
        run(cli, *profile, "basket", "add", "--service-id", "104748")
        done = cli(*profile, "checkout", "--member-id", "2897097", "--no-wallet")
    assert done.exit_code == 6, done
    assert "may have gone through" in done.stderr and "bookctl -p x cart show" in done.stderr
    assert (isolated["state"] / "sessions" / "x.json").exists()


def test_this_contract_and_the_cli_it_drives_load_no_sandbox() -> None:
    code = (
        "import sys, click, tests.contract.test_bookingbug\n"
        "from bookctl.cli.app import COMMANDS, build_cli\n"
        "root = build_cli()\n"
        "ctx = click.Context(root)\n"
        "for name in COMMANDS:\n"
        "    assert root.get_command(ctx, name) is not None, name\n"
        "assert not [m for m in sys.modules if m.startswith('bookctl.sandbox')], sys.modules\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
