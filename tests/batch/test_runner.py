"""The runner's rounds of one step: which failures are sent again, and when a row gives up."""

from __future__ import annotations

import threading
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from bookctl.batch import runner
from bookctl.batch.pacing import RunPacer
from bookctl.core.errors import (
    ApiRefusedError,
    ApiUnavailableError,
    BookctlError,
    UnknownOutcomeError,
)


@pytest.fixture(autouse=True)
def no_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runner, "STEP_BACKOFF", 0.0)


def make_runner(pacer: RunPacer | None = None) -> runner.BatchRunner:
    return runner.BatchRunner(provider=Any, adapter=Any, journal=None, pacer=pacer)  # type: ignore[arg-type]


class Failing:
    def __init__(self, *errors: BookctlError) -> None:
        self.errors = list(errors)
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "ok"


def unavailable() -> ApiUnavailableError:
    return ApiUnavailableError("503 from the provider", status=503)


def test_transient_failures_are_sent_again_until_they_pass() -> None:
    call = Failing(unavailable(), UnknownOutcomeError("answer lost"), unavailable())
    assert make_runner()._step("add", call) == "ok"
    assert call.calls == 4


def test_a_row_gives_up_after_the_rounds_and_may_be_resumed() -> None:
    call = Failing(*(unavailable() for _ in range(runner.STEP_ROUNDS + 1)))
    with pytest.raises(runner._RowFailed) as caught:
        make_runner()._step("checkout", call)
    assert call.calls == runner.STEP_ROUNDS
    assert caught.value.stage == "checkout"
    assert caught.value.definitive is False  # the same keys must be sent again


def test_a_refusal_is_final_for_the_row_at_once() -> None:
    call = Failing(ApiRefusedError("sold out", status=422, provider_code="sold_out"))
    with pytest.raises(runner._RowFailed) as caught:
        make_runner()._step("add", call)
    assert call.calls == 1
    assert (caught.value.definitive, caught.value.code) == (True, "sold_out")


def test_a_key_still_in_flight_is_sent_again() -> None:
    in_flight = ApiRefusedError("in flight", status=409, provider_code="idempotency_in_flight")
    call = Failing(in_flight)
    assert make_runner()._step("add", call) == "ok"
    assert call.calls == 2


def test_a_stopping_run_does_not_send_again() -> None:
    stopping = make_runner()
    stopping.stop.set()
    call = Failing(unavailable(), unavailable())
    with pytest.raises(runner._RowFailed) as caught:
        stopping._step("add", call)
    assert call.calls == 1
    assert caught.value.definitive is False


def test_a_row_backing_off_gives_its_send_slot_to_another() -> None:
    pacer = RunPacer(None, slots=1)
    pacer.before_send()  # this worker holds the only slot
    other_sent = threading.Event()

    def other_row() -> None:
        pacer.before_send()
        other_sent.set()
        pacer.release()

    calls = 0

    def call() -> str:
        nonlocal calls
        calls += 1
        if calls == 1:
            threading.Thread(target=other_row, daemon=True).start()
            raise unavailable()
        # The other row can send only once this one has given its slot back.
        assert other_sent.wait(10)
        return "ok"

    assert make_runner(pacer)._step("add", call) == "ok"
    assert other_sent.is_set()


class SlowShop:
    """A provider answering every add and checkout after ``delay`` seconds (no network)."""

    key = "shop"

    def __init__(self, delay: float) -> None:
        self.delay = delay

    def checkout(self, cart_id: str, options: dict[str, Any], session: object) -> tuple[Any, Any]:
        from bookctl.core.models import Order

        time.sleep(self.delay)
        order = Order(
            id=f"o-{cart_id}", cart_id=cart_id, provider="shop", state="confirmed",
            payment_state=None, total="1.00", currency="EUR", completed_at=None,
        )  # fmt: skip
        return order, None


class CartPerRow:
    cart_lifetime = None

    def add(self, provider: SlowShop, options: dict[str, Any]) -> tuple[str, dict[str, str]]:
        time.sleep(provider.delay)
        return f"c-{options['row']}", {}


def test_ctrl_c_reports_every_booking_made_before_the_run_stopped(tmp_path: Path) -> None:
    from bookctl.batch.adapters import Plan
    from bookctl.batch.journal import Journal

    plans = [Plan(f"r{n}", n + 2, {"row": n}, {}) for n in range(40)]
    path = tmp_path / "j.jsonl"
    with Journal(path, batch_file=tmp_path / "b.csv", provider="shop", profile="p") as journal:
        booker = runner.BatchRunner(SlowShop(0.02), CartPerRow(), journal, concurrency=4)  # type: ignore[arg-type]
        rows = booker.run(plans)
        results = [next(rows)]
        with pytest.raises(KeyboardInterrupt):
            results.append(rows.throw(KeyboardInterrupt()))
            results.extend(rows)
    booked = {r.row_id for r in results if r.state == "booked"}
    assert booked == {row for row, state in journal.rows.items() if state.booked}
    assert len(booked) < len(plans)  # the rest never started
    assert len({r.row_id for r in results}) == len(results)


def test_row_keys_are_new_random_uuids_across_batches_and_threads() -> None:
    keys = runner._Keys()
    drawn: list[str] = []

    def draw() -> None:
        drawn.extend(keys.new() for _ in range(runner._Keys.BATCH + 7))

    threads = [threading.Thread(target=draw) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(drawn) == len(set(drawn)) == 3 * (runner._Keys.BATCH + 7)
    assert {uuid.UUID(key).version for key in drawn} == {4}
    assert all(str(uuid.UUID(key)) == key for key in drawn)
