"""The one order-following loop: its backoff, its deadline, its progress and the settlement."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bookctl.core.errors import EXIT_POLL_TIMEOUT, EXIT_REFUSED, PollTimeoutError
from bookctl.core.follow import MAX_INTERVAL, FollowPolicy, follow_order, settlement_error
from tests.conftest import Cli

GUEST = ["--email", "ann@example.com", "--first-name", "Ann", "--last-name", "Lee"]
BILL = {
    "address1": "123 Main Street",
    "city": "Anytown",
    "zipcode": "92109",
    "state_id": 162,
    "country_id": 14,
}


@pytest.fixture
def provider() -> Iterator[Any]:
    """The Guest Manager provider on the embedded sandbox (the one ``-p sandbox-guestmanager``
    reaches), whose orders stay ``processing`` until the sandbox clock moves."""
    from bookctl.core.config import embedded_url
    from bookctl.core.embedded import ASGISyncTransport
    from bookctl.core.http import ApiClient, ClientConfig
    from bookctl.core.paths import embedded_sandbox_db
    from bookctl.providers import CATALOGUE
    from bookctl.providers.guestmanager.client import GuestManager
    from bookctl.sandbox.app import create_app

    profile = CATALOGUE.builtin_profiles(embedded_url)["sandbox-guestmanager"]
    transport = ASGISyncTransport(create_app(embedded_sandbox_db()))
    client = ApiClient(
        ClientConfig(
            base_url=profile.base_url, auth_headers=GuestManager.auth_headers("sandbox-key")
        ),
        transport=transport,
    )
    yield GuestManager(client, profile)
    client.close()
    transport.close()


def _processing_order(cli: Cli, tmp_path: Path, token: str = "tok_visa") -> str:
    """Check out a ticket on the embedded Guest Manager: the order is left ``processing``."""
    gm = ["-p", "sandbox-guestmanager"]
    assert cli(*gm, "basket", "add", "--ticket-type", "601").exit_code == 0
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps({"bill_address": BILL}))
    done = cli(
        *gm, "checkout", *GUEST, "--answers-file", str(answers), "--payment-token", token, "--json"
    )
    assert done.exit_code == 0, done
    assert done.json["state"] == "processing"
    return str(done.json["id"])


class ClockMover:
    """A ``sleep`` that moves the embedded sandbox's clock instead of waiting, and records."""

    def __init__(self, db: Path, step: float) -> None:
        self.db = db
        self.step = step
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        from bookctl.sandbox import clock

        self.waits.append(seconds)
        conn = sqlite3.connect(self.db)
        conn.row_factory = sqlite3.Row
        try:
            with conn:
                clock.advance(conn, self.step)
        finally:
            conn.close()


def test_follows_a_processing_order_until_it_settles(
    cli: Cli, tmp_path: Path, isolated: dict[str, Path], provider: Any
) -> None:
    order_id = _processing_order(cli, tmp_path)
    # The sandbox settles a payment after a while: 10 s of its clock per wait takes a few reads.
    sleep = ClockMover(isolated["state"] / "sandbox.db", 10)
    seen: list[tuple[str, bool]] = []
    order, raw = follow_order(
        provider,
        order_id,
        policy=FollowPolicy(interval=0.5, timeout=60),
        progress=lambda o, elapsed, settled: seen.append((o.state, settled)),
        sleep=sleep,
    )
    assert order.id == order_id and order.state == "complete"
    assert raw["state"] == "complete"
    assert seen[-1] == ("complete", True)
    assert seen[:-1] == [("processing", False)] * len(sleep.waits)
    assert len(sleep.waits) >= 2
    # One backoff policy: the waits start at the interval and grow by 1.25 each time.
    expected = [min(0.5 * 1.25**n, MAX_INTERVAL) for n in range(len(sleep.waits))]
    assert sleep.waits == pytest.approx(expected)
    assert settlement_error(provider, order) is None


def test_a_declined_payment_settles_as_a_refusal(
    cli: Cli, tmp_path: Path, isolated: dict[str, Path], provider: Any
) -> None:
    order_id = _processing_order(cli, tmp_path, token="tok_declined")
    sleep = ClockMover(isolated["state"] / "sandbox.db", 60)
    order, _ = follow_order(provider, order_id, policy=FollowPolicy(interval=0.01), sleep=sleep)
    assert order.state == "payment"
    refused = settlement_error(provider, order)
    assert refused is not None and refused.exit_code == EXIT_REFUSED
    assert refused.message == (
        f"order {order_id} settled as payment (payment failed), not "
        + " or ".join(sorted(provider.SUCCESS_STATES))
    )
    assert settlement_error(provider, order, until="payment") is None
    assert settlement_error(provider, order, until="complete") is not None


def test_until_stops_at_that_state_even_when_it_is_pending(
    cli: Cli, tmp_path: Path, provider: Any
) -> None:
    order_id = _processing_order(cli, tmp_path)
    waited: list[float] = []
    order, _ = follow_order(provider, order_id, until="processing", sleep=waited.append)
    assert order.state == "processing" and waited == []


def test_the_deadline_ends_the_wait_with_exit_8(cli: Cli, tmp_path: Path, provider: Any) -> None:
    order_id = _processing_order(cli, tmp_path)
    waited: list[float] = []
    with pytest.raises(PollTimeoutError) as caught:
        follow_order(provider, order_id, policy=FollowPolicy(timeout=0), sleep=waited.append)
    assert caught.value.exit_code == EXIT_POLL_TIMEOUT
    assert caught.value.message == f"order {order_id} is still processing after 0s"
    assert caught.value.hint == f"poll again later: 'bookctl poll {order_id}'"
    assert waited == []


class _Stop(Exception):
    pass


def test_no_wait_outlasts_the_deadline(cli: Cli, tmp_path: Path, provider: Any) -> None:
    order_id = _processing_order(cli, tmp_path)
    waited: list[float] = []

    def sleep(seconds: float) -> None:
        waited.append(seconds)
        raise _Stop

    with pytest.raises(_Stop):
        follow_order(provider, order_id, policy=FollowPolicy(interval=600, timeout=30), sleep=sleep)
    # The first wait would be 600 s; what is left of the 30 s is less.
    assert len(waited) == 1 and 0 < waited[0] <= 30


@pytest.mark.parametrize(
    ("interval", "waits"),
    [
        (4.0, [4.0, 5.0, 6.25, 7.8125, 9.765625, MAX_INTERVAL, MAX_INTERVAL]),
        (0.5, [0.5, 0.625, 0.78125]),
        # An interval above the ceiling is kept as it is.
        (20.0, [20.0, 20.0, 20.0]),
    ],
)
def test_the_wait_grows_by_a_quarter_up_to_the_ceiling(interval: float, waits: list[float]) -> None:
    policy = FollowPolicy(interval=interval)
    got = [interval]
    while len(got) < len(waits):
        got.append(policy.grow(got[-1]))
    assert got == pytest.approx(waits)
