"""The run pacer: the rate ceiling, the shared slow-down gate and the recovery."""

from __future__ import annotations

from bookctl.batch.pacing import RECOVER_AFTER, RunPacer


class FakeTime:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_rate_ceiling_spaces_the_sends() -> None:
    t = FakeTime()
    pacer = RunPacer(4.0, clock=t.clock, sleep=t.sleep)
    for _ in range(5):
        pacer.before_send()
    assert t.now == 101.0  # 5 sends at 4/s: the last one a second after the first
    assert t.slept == [0.25, 0.25, 0.25, 0.25]


def test_no_rate_never_waits() -> None:
    t = FakeTime()
    pacer = RunPacer(None, clock=t.clock, sleep=t.sleep)
    for _ in range(50):
        pacer.before_send()
    assert t.slept == []


def test_a_429_from_one_worker_holds_every_worker_and_halves_the_rate() -> None:
    t = FakeTime()
    pacer = RunPacer(None, clock=t.clock, sleep=t.sleep)
    for _ in range(10):  # 10 sends in the last second
        pacer.before_send()
    pacer.slow_down(2.0)  # worker A was told Retry-After: 2
    assert pacer.slowdowns == 1
    assert pacer.rate == 5.0
    pacer.before_send()  # worker B now waits for the gate too
    assert t.now == 102.0
    pacer.before_send()
    assert t.now == 102.2  # and then goes at the halved rate


def test_rate_recovers_to_the_ceiling_after_quiet_time() -> None:
    t = FakeTime()
    pacer = RunPacer(8.0, clock=t.clock, sleep=t.sleep)
    pacer.slow_down(0.0)
    assert pacer.rate == 4.0
    t.now += RECOVER_AFTER
    pacer.before_send()
    assert pacer.rate == 6.0
    t.now += RECOVER_AFTER
    pacer.before_send()
    assert pacer.rate == 8.0  # never above the ceiling
