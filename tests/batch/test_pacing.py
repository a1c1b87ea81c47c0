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


def test_a_sparse_429_costs_only_the_told_worker() -> None:
    """One refusal in ten sends: nobody else waits and the rate stays (issue: 4 s became 256 s)."""
    t = FakeTime()
    pacer = RunPacer(None, clock=t.clock, sleep=t.sleep)
    for _ in range(10):
        pacer.before_send()
    pacer.slow_down(1.0)  # worker A was told Retry-After: 1 (its own retry waits that)
    assert pacer.slowdowns == 1
    for _ in range(10):
        pacer.before_send()  # workers B, C, ... go on at full speed
    assert t.slept == []
    assert pacer.rate is None


def test_when_most_sends_are_refused_every_worker_waits_and_the_rate_drops() -> None:
    t = FakeTime()
    pacer = RunPacer(None, clock=t.clock, sleep=t.sleep)
    for _ in range(4):
        pacer.before_send()
    pacer.slow_down(2.0)
    pacer.slow_down(2.0)
    pacer.slow_down(2.0)  # 3 of the last 4 sends refused: the provider limits the run
    assert pacer.rate == 1.0  # what got through
    pacer.before_send()  # another worker now waits for the gate too
    assert t.now == 102.0
    pacer.before_send()
    assert t.now == 103.0  # and then goes at the lowered rate


def test_rate_recovers_to_the_ceiling_after_quiet_time() -> None:
    t = FakeTime()
    pacer = RunPacer(8.0, clock=t.clock, sleep=t.sleep)
    for _ in range(8):
        pacer.before_send()
    for _ in range(6):
        pacer.slow_down(0.0)
    assert pacer.rate == 2.0
    t.now += RECOVER_AFTER
    pacer.before_send()
    assert pacer.rate == 3.0
    for _ in range(4):
        t.now += RECOVER_AFTER
        pacer.before_send()
    assert pacer.rate == 8.0  # never above the ceiling


def test_a_worker_waiting_out_retry_after_gives_its_slot_to_another() -> None:
    import threading

    pacer = RunPacer(None, slots=1)
    pacer.before_send()  # this worker holds the only slot
    other_sent = threading.Event()

    def other() -> None:
        pacer.before_send()
        other_sent.set()
        pacer.release()

    thread = threading.Thread(target=other)
    thread.start()
    assert not other_sent.wait(0.2)  # one slot: the other worker waits
    pacer.slow_down(1.0)  # told to wait: the slot goes to the other worker meanwhile
    assert other_sent.wait(5)
    thread.join()
    pacer.before_send()  # and comes back when this worker retries
    pacer.release()
