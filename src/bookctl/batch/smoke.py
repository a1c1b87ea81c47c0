"""``bookctl smoke``: one full booking flow as a CI check, step by step, timed, cleaned up.

The flow is generic (add -> show -> extend -> checkout or abandon -> poll); what to book is
provider-specific: the provider package's smoke plan (``ProviderSpec.smoke_plan``) runs the
catalogue steps (settings, products, availability, price; those the provider has no call for
are skipped with the reason) and returns the ``basket add`` and ``checkout`` options; the
stages it lacks (``ProviderSpec.lacks``) are skipped with their reason. Poll runs where the
provider has pending order states.
"""

from __future__ import annotations

import tempfile
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from bookctl.core.errors import BookctlError, UsageError
from bookctl.core.follow import FollowPolicy, follow_order, settlement_error
from bookctl.core.provider import load, order_states
from bookctl.core.session import session_from_cart

if TYPE_CHECKING:
    from bookctl.core.models import Cart, Order
    from bookctl.core.provider import Provider, ProviderSpec
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


# -- the flow -------------------------------------------------------------------------------

#: How long the poll step follows an order, and its first wait (the backoff is core.follow's).
POLL_TIMEOUT = 60.0
POLL_INTERVAL = 0.5
#: The poll step's sleep (tests swap it for one that moves the sandbox clock instead).
sleep: Callable[[float], None] = time.sleep


@dataclass(frozen=True)
class Flow:
    """What smoke books on a provider, and why it skips the stages the provider lacks."""

    discover: Callable[[SmokeRun, Path], tuple[dict[str, Any], dict[str, Any]]]
    #: None: the provider extends carts; else why the extend step is skipped.
    no_extend: str | None = None
    #: None: the provider abandons carts; else why abandon (and cleanup) are skipped.
    no_abandon: str | None = None

    @classmethod
    def of(cls, spec: ProviderSpec) -> Flow:
        """The provider's smoke plan, and its reasons for the stages it lacks."""
        if spec.smoke_plan is None:
            raise UsageError(f"smoke does not cover {spec.key}")

        def why(stage: str) -> str | None:
            reason = spec.lacks.get(stage)
            return None if reason is None else f"{spec.key} has no {stage} ({reason})"

        return cls(
            load(spec.smoke_plan), no_extend=why("cart extend"), no_abandon=why("cart abandon")
        )


def follow(provider: Provider, order: Order, session: CartSession | None) -> Order:
    """Follow the order until it settles (bounded by POLL_TIMEOUT); refuse a bad settlement."""
    policy = FollowPolicy(interval=POLL_INTERVAL, timeout=POLL_TIMEOUT)
    order, _ = follow_order(provider, order.id, session, policy=policy, sleep=sleep)
    refused = settlement_error(provider, order)
    if refused is not None:
        raise refused
    return order


def run_smoke(provider: Provider, spec: ProviderSpec, *, checkout: bool) -> SmokeRun:
    """The whole flow; on a failure the cart it made is abandoned (where the provider can)."""
    flow = Flow.of(spec)
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
