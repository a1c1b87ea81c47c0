"""The pace of a batch run: one rate ceiling and one "slow down" gate shared by every worker.

:class:`RunPacer` implements the HTTP client's ``Pacer`` hook. Each attempt books a send time
no sooner than ``1/rate`` after the previous one (a token bucket without burst). A 429 with
``Retry-After`` closes the gate for everyone until that time and halves the rate; the rate
grows back by half every ``RECOVER_AFTER`` quiet seconds, up to the ``--rate`` ceiling (or
back to unlimited when there is none).
"""

from __future__ import annotations

import collections
import threading
import time
from collections.abc import Callable

MIN_RATE = 0.5
RECOVER_AFTER = 2.0
RECOVER_FACTOR = 1.5
#: Without a ceiling, a recovered rate above this many requests per second is lifted again.
UNLIMITED_AGAIN = 1000.0
_WINDOW = 1.0


class RunPacer:
    """Shared by all workers of a run (thread-safe)."""

    def __init__(
        self,
        rate: float | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.ceiling = rate
        self.rate = rate
        self.slowdowns = 0
        self.sent = 0
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._next = 0.0
        self._gate = 0.0
        self._last_slowdown = 0.0
        self._recent: collections.deque[float] = collections.deque()

    def before_send(self) -> None:
        """Block until this worker may send: the gate is open and the rate allows it."""
        with self._lock:
            now = self._clock()
            self._recover(now)
            at = max(now, self._gate)
            if self.rate is not None:
                at = max(at, self._next)
                self._next = at + 1.0 / self.rate
            self.sent += 1
            self._recent.append(at)
            while self._recent and self._recent[0] < at - _WINDOW:
                self._recent.popleft()
        if at > now:
            self._sleep(at - now)

    def slow_down(self, seconds: float) -> None:
        """The provider said 429, retry after ``seconds``: every worker waits, the rate halves."""
        with self._lock:
            now = self._clock()
            self._gate = max(self._gate, now + seconds)
            self.slowdowns += 1
            measured = len([t for t in self._recent if t >= now - _WINDOW]) / _WINDOW
            base = self.rate if self.rate is not None else max(measured, 2 * MIN_RATE)
            self.rate = max(MIN_RATE, base / 2)
            self._next = max(self._next, self._gate)
            self._last_slowdown = now

    def _recover(self, now: float) -> None:
        if self.rate is None or self.rate == self.ceiling:
            return
        if now - self._last_slowdown < RECOVER_AFTER:
            return
        self._last_slowdown = now
        grown = self.rate * RECOVER_FACTOR
        if self.ceiling is not None:
            self.rate = min(grown, self.ceiling)
        else:
            self.rate = None if grown > UNLIMITED_AGAIN else grown
