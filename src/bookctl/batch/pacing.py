"""The pace of a batch run: one rate ceiling and one "slow down" gate shared by every worker.

:class:`RunPacer` implements the HTTP client's ``Pacer`` hook. Each attempt books a send time
no sooner than ``1/rate`` after the previous one (a token bucket without burst).

A 429 with ``Retry-After`` is answered in proportion. The worker that was told always waits
what ``Retry-After`` says (the client's retry does that). The other workers wait too only when
the provider is limiting the whole run, that is when at least half of the sends of the last
second were refused: then the gate closes for everyone until ``Retry-After`` has passed and the
rate drops to what was getting through. It grows back by half every ``RECOVER_AFTER`` quiet
seconds, up to the ``--rate`` ceiling (or back to unlimited when there is none). Sparse 429s
(a provider refusing one request in ten) cost only the waits they asked for.

With ``slots`` (the run's ``--concurrency``), at most that many workers send at a time: a worker
takes a slot at its first send and gives it back when its row is done (:meth:`release`) or while
it waits out a ``Retry-After`` or a backoff (:meth:`aside`), so another row goes on meanwhile
(the runner starts a helper for it through ``on_aside``) and a told worker's wait does not idle
the run. :attr:`waiting` counts the workers standing aside.
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
#: The share of the last second's sends refused with 429 from which the whole run slows down.
LIMITED_SHARE = 0.5
_WINDOW = 1.0


class RunPacer:
    """Shared by all workers of a run (thread-safe)."""

    def __init__(
        self,
        rate: float | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        slots: int | None = None,
    ) -> None:
        self.ceiling = rate
        self._slots = threading.Semaphore(slots) if slots else None
        self._holding = threading.local()
        #: Workers that gave their slot back to wait, and will send again.
        self.waiting = 0
        #: Called (in the worker's thread) when a worker stands aside to wait.
        self.on_aside: Callable[[], None] | None = None
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
        self._refused: collections.deque[float] = collections.deque()

    def before_send(self) -> None:
        """Block until this worker may send: it has a slot, the gate is open, the rate allows."""
        if self._slots is not None and not getattr(self._holding, "slot", False):
            self._slots.acquire()
            self._holding.slot = True
            self._back()
        with self._lock:
            now = self._clock()
            self._recover(now)
            at = max(now, self._gate)
            if self.rate is not None:
                at = max(at, self._next)
                self._next = at + 1.0 / self.rate
            self.sent += 1
            self._recent.append(at)
            _trim(self._recent, at - _WINDOW)
        if at > now:
            self._sleep(at - now)

    def slow_down(self, seconds: float) -> None:
        """The provider said 429, retry after ``seconds`` (the told worker waits that itself).

        Every worker waits, and the rate drops, only when most recent sends were refused.
        """
        self.aside()
        with self._lock:
            now = self._clock()
            self.slowdowns += 1
            self._refused.append(now)
            _trim(self._refused, now - _WINDOW)
            _trim(self._recent, now - _WINDOW)
            refused, sent = len(self._refused), max(len(self._recent), 1)
            if refused < 2 or refused < LIMITED_SHARE * sent:
                return
            self._gate = max(self._gate, now + seconds)
            through = max((sent - refused) / _WINDOW, MIN_RATE)
            self.rate = through if self.rate is None else max(min(self.rate, through), MIN_RATE)
            self._next = max(self._next, self._gate)
            self._last_slowdown = now

    def release(self) -> None:
        """The calling worker's row is done: free its slot."""
        self._back()
        if self._slots is not None and getattr(self._holding, "slot", False):
            self._holding.slot = False
            self._slots.release()

    def aside(self) -> None:
        """The calling worker waits before sending again: its slot goes to another row."""
        if self._slots is None or not getattr(self._holding, "slot", False):
            return
        self._holding.slot = False
        with self._lock:
            self.waiting += 1
        self._holding.aside = True
        self._slots.release()
        if self.on_aside is not None:
            self.on_aside()

    def _back(self) -> None:
        """The calling worker no longer stands aside (it sends again, or its row is done)."""
        if getattr(self._holding, "aside", False):
            self._holding.aside = False
            with self._lock:
                self.waiting -= 1

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


def _trim(times: collections.deque[float], before: float) -> None:
    while times and times[0] < before:
        times.popleft()
