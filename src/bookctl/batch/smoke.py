"""``bookctl smoke``: one full booking flow as a CI check, step by step, timed, cleaned up.

The flow is generic (add -> show -> extend -> checkout or abandon -> poll); what to book is
provider-specific: a provider's :data:`DISCOVERY` entry runs the catalogue steps (settings,
products, availability, price; those the provider has no call for are skipped with the reason),
returns the ``basket add`` and ``checkout`` options, and says statically which of extend and
abandon the provider lacks. Poll runs where the provider has pending order states.
"""

from __future__ import annotations

import datetime as dt
import json
import tempfile
import time
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from bookctl.core import clock
from bookctl.core.errors import BookctlError, RefusedError, UsageError
from bookctl.core.follow import FollowPolicy, follow_order, settlement_error
from bookctl.core.provider import order_states
from bookctl.core.session import session_from_cart

if TYPE_CHECKING:
    from bookctl.core.models import Cart, Order, Product
    from bookctl.core.provider import Provider
    from bookctl.core.session import CartSession

T = TypeVar("T")


@dataclass
class StepResult:
    name: str
    status: str  # passed, failed, skipped
    seconds: float = 0.0
    detail: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "status": self.status,
            "seconds": round(self.seconds, 4),
            "detail": self.detail,
        }


@dataclass
class SmokeRun:
    """Runs named steps, recording status and duration; the first failure stops the flow."""

    provider: Provider
    steps: list[StepResult] = field(default_factory=list)
    failed: BookctlError | None = None

    def step(self, name: str, call: Callable[[], T], detail: Callable[[T], str] | None = None) -> T:
        started = time.perf_counter()
        try:
            value = call()
        except BookctlError as err:
            self.steps.append(
                StepResult(name, "failed", time.perf_counter() - started, err.message)
            )
            self.failed = err
            raise
        text = detail(value) if detail is not None else None
        self.steps.append(StepResult(name, "passed", time.perf_counter() - started, text))
        return value

    def skip(self, name: str, why: str) -> None:
        self.steps.append(StepResult(name, "skipped", 0.0, why))

    @property
    def first_failure(self) -> StepResult | None:
        return next((s for s in self.steps if s.status == "failed"), None)


# -- per-provider discovery ------------------------------------------------------------------

Options = dict[str, Any]
Discover = Callable[["SmokeRun", Path], tuple[Options, Options]]
DAY_PASS = "450"
#: BookingBug: the sandbox member who pays (Carol); she is charged without her wallet, so the
#: flow can run again and again.
BOOKINGBUG_MEMBER = "1003"
#: Rundl: the sandbox service that takes manual payment (smoke has no card token).
RUNDL_SERVICE = "30798101"
#: Guest Manager: the sandbox takes any token but ``tok_declined``.
GUESTMANAGER_TOKEN = "tok_visa"
GUESTMANAGER_ADDRESS = {
    "address1": "1 Smoke Street",
    "city": "Anytown",
    "zipcode": "92109",
    "state_code": "WA",
    "country_code": "AU",
}

#: How long the poll step follows an order, and its first wait (the backoff is core.follow's).
POLL_TIMEOUT = 60.0
POLL_INTERVAL = 0.5
#: The poll step's sleep (tests swap it for one that moves the sandbox clock instead).
sleep: Callable[[float], None] = time.sleep


def _email() -> str:
    return f"smoke-{uuid.uuid4().hex[:12]}@example.com"


def _no_call(run: SmokeRun, step: str, why: str) -> None:
    run.skip(step, f"{run.provider.key} has no {why}")


def _bookinglayer(run: SmokeRun, workdir: Path) -> tuple[Options, Options]:
    from bookctl.providers.bookinglayer.client import Bookinglayer

    provider = run.provider
    if not isinstance(provider, Bookinglayer):  # pragma: no cover - the registry guarantees it
        raise UsageError("the bookinglayer smoke flow needs a Bookinglayer profile")
    run.step("settings", provider.settings, lambda s: f"{s[0].title}")
    products = run.step(
        "products",
        lambda: provider.list_products({"type": "package"})[0],
        lambda ps: f"{len(ps)} packages",
    )
    product = next((p for p in products if p.id == DAY_PASS), None)
    if product is None:
        raise RefusedError(
            f"package {DAY_PASS} (Surf Day Pass) is not on sale here",
            hint="the Bookinglayer smoke flow books the sandbox's day pass",
        )
    first = clock.today() + dt.timedelta(days=1)

    def find_date() -> dt.date:
        rows, _ = provider.availability([product.id], {"start_date": first.isoformat()})
        for row in rows:
            if row.checkin and not row.blocked and row.available not in (0, None):
                return dt.date.fromisoformat(row.date)
        raise RefusedError(f"package {product.id} has no free check-in day in the next month")

    start = run.step("availability", find_date, lambda d: f"{product.id} free on {d}")
    nights = int((product.details.get("duration") or {}).get("default") or 1)
    end = start + dt.timedelta(days=nights)
    run.step(
        "price",
        lambda: provider.price(
            product.id, {"start_date": start.isoformat(), "pax": 1, "duration": nights}
        )[0],
        lambda amount: f"{amount}",
    )
    email = _email()
    add: Options = {
        "package": product.id,
        "start_date": start.isoformat(),
        "end_date": end.isoformat(),
        "guest": [f"Smoke,Test,m,{email}"],
    }
    checkout: Options = {
        "accept_terms": True,
        "first_name": "Smoke",
        "last_name": "Test",
        "email": email,
        "phone": "000 000 000",
    }
    return add, checkout


def _price_text(product: Product) -> str:
    price = product.price_from
    return f"{price.amount} {price.currency}" if price else "no price"


def _bookingbug(run: SmokeRun, workdir: Path) -> tuple[Options, Options]:
    provider = run.provider
    _no_call(run, "settings", "settings call")
    products = run.step(
        "products",
        lambda: provider.list_products({})[0],
        lambda ps: f"{len(ps)} events, services and products",
    )
    # Events anyone can book: not package-only (a package needs package_id).
    events = [p for p in products if p.type == "event" and not p.details.get("package_ids")]

    def find_event() -> Product:
        for event in events:
            rows, _ = provider.availability([event.id], {})
            if any(row.available not in (0, None) for row in rows):
                return event
        raise RefusedError("no BookingBug event that needs no package has places left")

    event = run.step("availability", find_event, lambda e: f"event {e.id} ({e.title}) has places")
    _no_call(run, "price", f"price call; the catalogue says {_price_text(event)}")
    add: Options = {"event_id": event.id, "member_id": BOOKINGBUG_MEMBER}
    checkout: Options = {"member_id": BOOKINGBUG_MEMBER, "take_from_wallet": False}
    return add, checkout


def _rundl(run: SmokeRun, workdir: Path) -> tuple[Options, Options]:
    provider = run.provider
    _no_call(run, "settings", "settings call")
    products = run.step(
        "products",
        lambda: provider.list_products({"service": RUNDL_SERVICE})[0],
        lambda ps: f"{len(ps)} products of service {RUNDL_SERVICE}",
    )
    priced = [p for p in products if p.price_from and p.price_from.amount != "0.00"]
    if not priced:
        raise RefusedError(
            f"service {RUNDL_SERVICE} has no priced product",
            hint="the Rundl smoke flow buys from the sandbox's Conveyancing - Purchase service",
        )
    _no_call(run, "availability", "availability call (a checkout holds nothing)")
    _no_call(run, "price", f"price call; the catalogue says {_price_text(priced[0])} before tax")
    return {"service": RUNDL_SERVICE, "product": [priced[0].id], "qty": 1}, {}


def _wix(run: SmokeRun, workdir: Path) -> tuple[Options, Options]:
    provider = run.provider
    _no_call(run, "settings", "settings call")
    services = run.step(
        "products", lambda: provider.list_products({})[0], lambda ps: f"{len(ps)} services"
    )
    tomorrow = (clock.today() + dt.timedelta(days=1)).isoformat()

    def find_session() -> tuple[Product, str]:
        for service in services:
            rows, _ = provider.availability([service.id], {"start_date": tomorrow})
            for row in rows:
                for slot in row.timeslots or []:
                    if slot.session_id and not slot.locked and slot.available not in (0, None):
                        return service, slot.session_id
        raise RefusedError("no Wix session from tomorrow on has an open, unlocked spot")

    service, session_id = run.step(
        "availability", find_session, lambda found: f"session {found[1]} of {found[0].title}"
    )
    _no_call(run, "price", f"price call; the catalogue says from {_price_text(service)}")
    contact = workdir / "contact.json"
    contact.write_text(
        json.dumps({"firstName": "Smoke", "lastName": "Test", "email": _email()}),
        encoding="utf-8",
    )
    add: Options = {
        "service_id": service.id,
        "session_id": session_id,
        "contact_file": str(contact),
        "participants": 1,
    }
    return add, {}


def _guestmanager(run: SmokeRun, workdir: Path) -> tuple[Options, Options]:
    provider = run.provider
    _no_call(run, "settings", "settings call")
    products = run.step(
        "products", lambda: provider.list_products({})[0], lambda ps: f"{len(ps)} ticket types"
    )
    # A ticket type on sale whose checkout needs nothing beyond guest, address and payment.
    ticket = next(
        (
            p
            for p in products
            if p.details.get("status") == "on sale"
            and not p.details.get("restrictions")
            and p.details.get("available") not in (0, None)
        ),
        None,
    )
    if ticket is None:
        raise RefusedError("no Guest Manager ticket type is on sale without restrictions")
    _no_call(run, "availability", f"availability call; products shows {ticket.id} on sale")
    _no_call(run, "price", f"price call; the catalogue says {_price_text(ticket)}")
    answers = workdir / "answers.json"
    answers.write_text(json.dumps({"bill_address": GUESTMANAGER_ADDRESS}), encoding="utf-8")
    checkout: Options = {
        "email": _email(),
        "first_name": "Smoke",
        "last_name": "Test",
        "answers_file": str(answers),
        "payment_token": GUESTMANAGER_TOKEN,
    }
    return {"ticket_type": ticket.id, "qty": 1}, checkout


@dataclass(frozen=True)
class Flow:
    """What smoke books on a provider, and why it skips the stages the provider lacks."""

    discover: Discover
    #: None: the provider extends carts; else why the extend step is skipped.
    no_extend: str | None = None
    #: None: the provider abandons carts; else why abandon (and cleanup) are skipped.
    no_abandon: str | None = None


#: Provider key -> its smoke flow. Poll runs where the provider has pending order states.
DISCOVERY: dict[str, Flow] = {
    "bookinglayer": Flow(_bookinglayer),
    "bookingbug": Flow(
        _bookingbug, no_extend="bookingbug has no cart extend (every add re-arms the hold)"
    ),
    "rundl": Flow(
        _rundl,
        no_extend="rundl has no cart extend (a checkout holds nothing)",
        no_abandon="rundl has no call that cancels a checkout (it holds nothing)",
    ),
    "wix": Flow(
        _wix,
        no_extend="wix has no cart extend (a booking awaiting checkout holds "
        "no spot and does not expire)",
    ),
    "guestmanager": Flow(_guestmanager),
}


def follow(provider: Provider, order: Order, session: CartSession | None) -> Order:
    """Follow the order until it settles (bounded by POLL_TIMEOUT); refuse a bad settlement."""
    policy = FollowPolicy(interval=POLL_INTERVAL, timeout=POLL_TIMEOUT)
    order, _ = follow_order(provider, order.id, session, policy=policy, sleep=sleep)
    refused = settlement_error(provider, order)
    if refused is not None:
        raise refused
    return order


def run_smoke(provider: Provider, *, checkout: bool) -> SmokeRun:
    """The whole flow; on a failure the cart it made is abandoned (where the provider can)."""
    flow = DISCOVERY.get(provider.key)
    if flow is None:
        raise UsageError(
            f"smoke does not cover {provider.key} yet",
            hint=f"smoke supports: {', '.join(sorted(DISCOVERY))}",
        )
    run = SmokeRun(provider)
    with tempfile.TemporaryDirectory(prefix="bookctl-smoke-") as tmp:
        _run_flow(run, flow, Path(tmp), checkout=checkout)
    return run


def _run_flow(run: SmokeRun, flow: Flow, workdir: Path, *, checkout: bool) -> None:
    provider = run.provider
    pending, _ = order_states(provider)
    cart: Cart | None = None
    session: CartSession | None = None
    finished = False
    try:
        add, order_options = flow.discover(run, workdir)
        cart = run.step(
            "basket add", lambda: provider.basket_add(add, None)[0], lambda c: f"cart {c.id}"
        )
        # In memory only: the profile's own cart session is left alone.
        session = session_from_cart("smoke", cart)
        cart_id = cart.id
        run.step(
            "cart show",
            lambda: provider.cart_show(cart_id, session)[0],
            lambda c: f"{c.state}, {len(c.lines)} lines, {c.total} {c.currency}",
        )
        if flow.no_extend is None:
            run.step(
                "cart extend",
                lambda: provider.cart_extend(cart_id, session)[0],
                lambda c: f"expires {c.expires_at}",
            )
        else:
            run.skip("cart extend", flow.no_extend)
        if checkout:
            order = run.step(
                "checkout",
                lambda: provider.checkout(cart_id, order_options, session)[0],
                lambda o: f"order {o.id} {o.state}",
            )
            finished = True
            if pending:
                run.step(
                    "poll",
                    lambda: follow(provider, order, session),
                    lambda o: f"order {o.id} {o.state}",
                )
            else:
                run.skip("poll", f"{provider.key} settles orders at checkout")
        else:
            if flow.no_abandon is None:
                run.step(
                    "abandon",
                    lambda: provider.cart_abandon(cart_id, session),
                    lambda _: f"abandoned {cart_id}",
                )
            else:
                run.skip("abandon", f"{flow.no_abandon}; left {cart_id} open")
            finished = True
            run.skip("poll", "no order (--no-checkout)")
    except BookctlError:
        if cart is not None and not finished:
            _cleanup(run, flow, cart.id, session)


def _cleanup(run: SmokeRun, flow: Flow, cart_id: str, session: CartSession | None) -> None:
    if flow.no_abandon is not None:
        run.skip("cleanup", f"{flow.no_abandon}; left {cart_id} open")
        return
    started = time.perf_counter()
    try:
        run.provider.cart_abandon(cart_id, session)
    except BookctlError as err:
        run.steps.append(
            StepResult("cleanup", "failed", time.perf_counter() - started, err.message)
        )
        return
    run.steps.append(
        StepResult("cleanup", "passed", time.perf_counter() - started, f"abandoned {cart_id}")
    )


def junit_xml(run: SmokeRun, *, suite: str) -> bytes:
    """JUnit XML: one testsuite, one testcase per step (failures and skips marked)."""
    steps = run.steps
    root = ET.Element(
        "testsuite",
        {
            "name": suite,
            "tests": str(len(steps)),
            "failures": str(sum(s.status == "failed" for s in steps)),
            "errors": "0",
            "skipped": str(sum(s.status == "skipped" for s in steps)),
            "time": f"{sum(s.seconds for s in steps):.3f}",
        },
    )
    for step in steps:
        case = ET.SubElement(
            root,
            "testcase",
            {"classname": suite, "name": step.name, "time": f"{step.seconds:.3f}"},
        )
        if step.status == "failed":
            failure = ET.SubElement(case, "failure", {"message": step.detail or "failed"})
            failure.text = step.detail
        elif step.status == "skipped":
            ET.SubElement(case, "skipped", {"message": step.detail or "skipped"})
        elif step.detail:
            ET.SubElement(case, "system-out").text = step.detail
    wrapper = ET.Element("testsuites")
    wrapper.append(root)
    ET.indent(wrapper)
    text: bytes = ET.tostring(wrapper, encoding="utf-8", xml_declaration=True)
    return text + b"\n"
