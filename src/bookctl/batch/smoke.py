"""``bookctl smoke``: one full booking flow as a CI check, step by step, timed, cleaned up.

The flow is generic (add -> show -> extend -> checkout or abandon -> poll); what to book is
provider-specific: a provider's :data:`DISCOVERY` function runs the catalogue steps (settings,
products, availability, price) and returns the ``basket add`` and ``checkout`` options.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from bookctl.core.errors import BookctlError, RefusedError, UsageError

if TYPE_CHECKING:
    from bookctl.core.provider import Provider

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
DAY_PASS = "450"


def _bookinglayer(run: SmokeRun) -> tuple[Options, Options]:
    from bookctl.providers.bookinglayer import Bookinglayer

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
    first = dt.date.today() + dt.timedelta(days=1)

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
    email = f"smoke-{uuid.uuid4().hex[:12]}@example.com"
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


#: Provider key -> (catalogue discovery, has a cart extend step, has a poll step).
DISCOVERY: dict[str, tuple[Callable[[SmokeRun], tuple[Options, Options]], bool, bool]] = {
    "bookinglayer": (_bookinglayer, True, False),
}


def run_smoke(provider: Provider, *, checkout: bool) -> SmokeRun:
    """The whole flow; on a failure the cart it made is abandoned and the error re-raised."""
    entry = DISCOVERY.get(provider.key)
    if entry is None:
        raise UsageError(
            f"smoke does not cover {provider.key} yet",
            hint=f"smoke supports: {', '.join(sorted(DISCOVERY))}",
        )
    discover, has_extend, has_poll = entry
    run = SmokeRun(provider)
    cart_id: str | None = None
    finished = False
    try:
        add, order_options = discover(run)
        cart = run.step(
            "basket add", lambda: provider.basket_add(add, None)[0], lambda c: f"cart {c.id}"
        )
        cart_id = cart.id
        run.step(
            "cart show",
            lambda: provider.cart_show(cart.id, None)[0],
            lambda c: f"{c.state}, {len(c.lines)} lines, {c.total} {c.currency}",
        )
        if has_extend:
            run.step(
                "cart extend",
                lambda: provider.cart_extend(cart.id, None)[0],
                lambda c: f"expires {c.expires_at}",
            )
        else:
            run.skip("cart extend", f"{provider.key} has no cart extend")
        if checkout:
            order = run.step(
                "checkout",
                lambda: provider.checkout(cart.id, order_options, None)[0],
                lambda o: f"order {o.id} {o.state}",
            )
            finished = True
            if has_poll:
                run.step(
                    "poll",
                    lambda: provider.get_order(order.id, None)[0],
                    lambda o: f"order {o.id} {o.state}",
                )
            else:
                run.skip("poll", f"{provider.key} confirms at checkout")
        else:
            run.step("abandon", lambda: provider.cart_abandon(cart.id, None), lambda _: "abandoned")
            finished = True
            run.skip("poll", "no order (--no-checkout)")
    except BookctlError:
        if cart_id is not None and not finished:
            _cleanup(run, cart_id)
    return run


def _cleanup(run: SmokeRun, cart_id: str) -> None:
    started = time.perf_counter()
    try:
        run.provider.cart_abandon(cart_id, None)
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
