"""Books the rows of a batch with bounded concurrency, exactly once per row.

Each row goes: journal ``started`` (with its idempotency key) -> ``basket add`` with
``<key>:add:<gen>`` -> journal ``added`` (cart id, and the provider's cart tokens) -> extend
the cart if it is old (where the provider extends carts) -> ``checkout`` with
``<key>:checkout:<gen>`` -> for an order the provider settles later, journal ``ordered`` and
follow it to its final state -> journal ``booked`` (with that state). A resumed row starts
from its last journalled step: an ordered one is followed again (never checked out again);
with a cart, the cart is read first (booked already? still open? gone?);
without one, the add is sent again with the same key, which the provider answers from its
idempotency store if the first one got through. Lost answers and 5xx/429 are retried with
the same keys; a refusal is final for the row. A cart that expired or was abandoned before the
checkout gets a new generation (new keys): nothing was booked with the old one.
"""

from __future__ import annotations

import os
import queue
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from bookctl.batch.adapters import BatchAdapter, CartStatus, Invalid, Plan
from bookctl.core import retry
from bookctl.core.errors import (
    ApiError,
    ApiRefusedError,
    ApiUnavailableError,
    AuthError,
    BookctlError,
    UnreachableError,
)
from bookctl.core.follow import FollowPolicy, follow_order
from bookctl.core.provider import order_states
from bookctl.core.session import CartSession

if TYPE_CHECKING:
    from bookctl.batch.journal import Journal, RowState
    from bookctl.batch.pacing import RunPacer
    from bookctl.core.models import Order
    from bookctl.core.provider import Provider

T = TypeVar("T")

#: Rounds of the same request (same key) after the client's own retries gave up on a
#: transient failure, before the row is reported failed (a re-run resumes it).
STEP_ROUNDS = 5
STEP_BACKOFF = 0.25
STEP_BACKOFF_CAP = 5.0
#: Cart generations a row may use in one run (a cart expiring before checkout needs a new one).
MAX_GENERATIONS = 3
#: Helper threads at most, taking the slots that rows waiting out a Retry-After lend (see
#: :class:`RunPacer`); they exist only while rows wait.
MAX_HELPERS = 64


@dataclass
class RowResult:
    """What happened to one row, as the report and the summary show it."""

    line: int
    row_id: str
    state: str  # booked, already_booked, failed, invalid, priced, not_started
    key: str | None = None
    cart_id: str | None = None
    order_id: str | None = None
    amount: str | None = None
    currency: str | None = None
    error: dict[str, Any] | None = None
    #: The order's state at the provider (its final one where the run followed it).
    order_state: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "line": self.line,
            "id": self.row_id,
            "state": self.state,
            "key": self.key,
            "cart_id": self.cart_id,
            "order_id": self.order_id,
            "order_state": self.order_state,
            "amount": self.amount,
            "currency": self.currency,
            "error": self.error,
        }


class _RowFailed(Exception):
    def __init__(self, stage: str, err: BookctlError, *, definitive: bool) -> None:
        super().__init__(err.message)
        self.stage = stage
        self.err = err
        self.definitive = definitive

    @property
    def code(self) -> str:
        if isinstance(self.err, ApiError) and self.err.provider_code:
            return self.err.provider_code
        return self.err.code


class _Crashed:
    """A worker's unexpected error, handed to the caller's thread to raise there."""

    def __init__(self, error: BaseException) -> None:
        self.error = error


class _Crew:
    """The worker threads of a run: rows in through one queue, results out through another.

    ``concurrency`` workers start at once; :meth:`lend` adds a helper while a row stands
    aside (up to :data:`MAX_HELPERS` more threads), and a
    worker that finishes a row stops when there are more of them than rows that may send.
    """

    def __init__(self, runner: BatchRunner, concurrency: int) -> None:
        self._runner = runner
        self._concurrency = concurrency
        self._cap = concurrency + MAX_HELPERS
        self._rows: queue.SimpleQueue[Plan | None] = queue.SimpleQueue()
        self._results: queue.SimpleQueue[RowResult | _Crashed] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._closed = False
        self.live = 0
        #: Rows handed out whose result the caller has not taken yet (caller's thread only).
        self.outstanding = 0
        for _ in range(concurrency):
            self._start()

    def hand_out(self, plan: Plan) -> None:
        self.outstanding += 1
        self._rows.put(plan)

    def result(self) -> RowResult:
        """The next row's result (blocking); a worker's unexpected error is raised here."""
        got = self._results.get()
        self.outstanding -= 1
        if isinstance(got, _Crashed):
            raise got.error
        return got

    def leftover(self) -> Iterator[RowResult]:
        """The results not taken yet, once the workers have stopped (:meth:`close`)."""
        while True:
            try:
                got = self._results.get_nowait()
            except queue.Empty:
                return
            if isinstance(got, _Crashed):
                raise got.error
            yield got

    def lend(self) -> None:
        """A row stands aside to wait: another thread may take the next row meanwhile."""
        with self._lock:
            if not self._closed and self.live < self._cap:
                self._start()

    def close(self) -> None:
        """Let every worker finish its row and stop."""
        with self._lock:
            self._closed = True
            threads = list(self._threads)
        for _ in threads:
            self._rows.put(None)
        for thread in threads:
            thread.join()

    def _start(self) -> None:
        # Called with the lock held (or before any worker runs).
        thread = threading.Thread(target=self._work, name="bookctl-batch", daemon=True)
        self._threads.append(thread)
        self.live += 1
        thread.start()

    def _work(self) -> None:
        runner = self._runner
        while (plan := self._rows.get()) is not None:
            try:
                self._results.put(runner._guarded(plan))
            except BaseException as err:
                self._results.put(_Crashed(err))
            if self.live > self._concurrency and self._surplus():
                return

    def _surplus(self) -> bool:
        """Whether this worker is one more than the rows that may send: then it stops."""
        pacer = self._runner.pacer
        waiting = pacer.waiting if pacer is not None else 0
        with self._lock:
            if self.live <= self._concurrency + waiting:
                return False
            self.live -= 1
            self._threads.remove(threading.current_thread())
            return True


class _Keys:
    """New idempotency keys (random UUIDs) for the rows, drawn from the system's random source
    256 at a time: one system call (a hand-over of the interpreter lock between the workers)
    for that many rows instead of one for each."""

    BATCH = 256

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._ready: list[str] = []

    def new(self) -> str:
        with self._lock:
            if not self._ready:
                raw = os.urandom(16 * self.BATCH)
                self._ready = [
                    str(uuid.UUID(bytes=raw[at : at + 16], version=4))
                    for at in range(0, len(raw), 16)
                ]
            return self._ready.pop()


def _order_fields(order: Order, state: RowState) -> dict[str, Any]:
    """What the journal keeps of a row's order (``ordered`` and ``booked`` records)."""
    return {
        "cart_id": order.cart_id or state.cart_id,
        "order_id": order.id,
        "state": order.state,
        "amount": order.total,
        "currency": order.currency,
    }


def _transient(err: BookctlError) -> bool:
    """Worth sending again with the same key: lost answers, 5xx/429, a key still in flight."""
    if isinstance(err, ApiRefusedError):
        return err.provider_code == "idempotency_in_flight"
    return isinstance(err, UnreachableError | ApiUnavailableError)


@dataclass
class BatchRunner:
    """Runs plans through one provider; ``journal`` is None for a dry run."""

    provider: Provider
    adapter: BatchAdapter
    journal: Journal | None
    concurrency: int = 4
    stop: threading.Event = field(default_factory=threading.Event)
    #: With a pacer holding ``concurrency`` send slots, more rows than that may be under way:
    #: the extra ones take over the slots of rows waiting out a Retry-After.
    pacer: RunPacer | None = None
    #: How an order the provider settles later is followed (None: not followed).
    follow: FollowPolicy | None = field(default_factory=FollowPolicy)
    _keys: _Keys = field(default_factory=_Keys, init=False, repr=False)

    def run(self, items: Iterable[Plan | Invalid]) -> Iterator[RowResult]:
        """Yield each row's result as it finishes (in the caller's thread).

        ``concurrency`` threads book the rows. With a pacer, a row that waits out a
        Retry-After or a backoff lends its send slot: a helper thread takes the next row
        meanwhile, and the surplus threads stop once fewer rows wait.
        """
        crew = _Crew(self, self.concurrency)
        if self.pacer is not None:
            self.pacer.on_aside = crew.lend
        # Rows handed out ahead of the workers, so that none waits for the next one.
        ahead = self.concurrency
        try:
            for item in items:
                if isinstance(item, Invalid):
                    yield RowResult(
                        item.line,
                        item.row_id,
                        "invalid",
                        error={"code": "invalid", "message": item.reason},
                    )
                    continue
                if self.stop.is_set():
                    break
                crew.hand_out(item)
                while crew.outstanding >= crew.live + ahead:
                    yield crew.result()
            while crew.outstanding:
                yield crew.result()
        except KeyboardInterrupt:
            # Ctrl-C: no new row starts; the rows in flight finish, are journalled and are
            # still reported, so the summary so far counts every booking that was made. (The
            # interrupt may have come between two steps of the bookkeeping: the workers
            # stopping, not a count, says that every result is in.)
            self.stop.set()
            crew.close()
            yield from crew.leftover()
            raise
        except BaseException:
            # A fatal error: rows in flight finish (and are journalled); no new row starts.
            self.stop.set()
            raise
        finally:
            crew.close()
            if self.pacer is not None:
                self.pacer.on_aside = None

    def _guarded(self, plan: Plan) -> RowResult:
        if self.stop.is_set():
            return RowResult(plan.line, plan.row_id, "not_started")
        try:
            return self._dry(plan) if self.journal is None else self._book(plan, self.journal)
        except _RowFailed as failed:
            return self._failed(plan, failed)
        finally:
            if self.pacer is not None:
                self.pacer.release()

    def _failed(self, plan: Plan, failed: _RowFailed) -> RowResult:
        if isinstance(failed.err, AuthError | ApiError) and failed.err.exit_code == 5:
            self.stop.set()  # a bad key fails every row: stop early
        return RowResult(
            plan.line,
            plan.row_id,
            "failed",
            key=self._key_of(plan),
            cart_id=self._cart_of(plan),
            error={"code": failed.code, "message": failed.err.message, "stage": failed.stage},
        )

    def _key_of(self, plan: Plan) -> str | None:
        state = self.journal.rows.get(plan.row_id) if self.journal else None
        return state.key if state else None

    def _cart_of(self, plan: Plan) -> str | None:
        state = self.journal.rows.get(plan.row_id) if self.journal else None
        return state.cart_id if state else None

    # -- one row ----------------------------------------------------------------------------

    def _dry(self, plan: Plan) -> RowResult:
        amount, currency = self._step("price", lambda: self.adapter.price(self.provider, plan))
        return RowResult(plan.line, plan.row_id, "priced", amount=amount, currency=currency)

    def _book(self, plan: Plan, journal: Journal) -> RowResult:
        state = journal.rows.get(plan.row_id)
        if state is not None and state.booked:
            return self._result(plan, state, "already_booked")
        try:
            return self._book_row(plan, journal, state)
        except _RowFailed as failed:
            journal.record(
                plan.row_id,
                "failed",
                stage=failed.stage,
                code=failed.code,
                message=failed.err.message,
                definitive=failed.definitive,
            )
            raise

    def _book_row(self, plan: Plan, journal: Journal, state: RowState | None) -> RowResult:
        if state is not None and state.step == "ordered":
            # Checked out by a run that stopped while the order settled: follow it again.
            return self._booked(plan, journal, self._journalled_order(state), state)
        if state is None:
            self._start(plan, journal, self._keys.new(), 1)
        elif state.step == "failed" and state.definitive and state.cart_id is None:
            # The provider refused the add: nothing exists, so a new attempt needs new keys.
            self._start(plan, journal, state.key, state.gen + 1)
        resumed = state is not None
        for _ in range(MAX_GENERATIONS):
            state = journal.rows[plan.row_id]
            added_at = time.monotonic()
            if state.cart_id is None:
                cart_id, tokens = self._add(plan, state)
                journal.record(plan.row_id, "added", gen=state.gen, cart_id=cart_id, tokens=tokens)
                state = journal.rows[plan.row_id]
            elif resumed:
                status = self._cart_status(state)
                if status.state == "booked" and status.order is not None:
                    return self._booked(plan, journal, status.order, state)
                if status.state == "gone":
                    self._start(plan, journal, state.key, state.gen + 1)
                    continue
                added_at = 0.0  # its age is unknown: extend it before checking out
            assert state.cart_id is not None
            lifetime = self.adapter.cart_lifetime
            if lifetime is not None and time.monotonic() - added_at > lifetime / 2:
                self._extend(state)
            try:
                order = self._checkout(plan, state)
            except _RowFailed as failed:
                if not isinstance(failed.err, ApiRefusedError):
                    raise
                # Refused at checkout: maybe it went through before, maybe the cart is gone.
                status = self._cart_status(state)
                if status.state == "booked" and status.order is not None:
                    return self._booked(plan, journal, status.order, state)
                if status.state != "gone":
                    raise
                self._start(plan, journal, state.key, state.gen + 1)
                resumed = False
                continue
            return self._booked(plan, journal, order, state)
        raise _RowFailed(
            "checkout",
            BookctlError(f"the cart expired {MAX_GENERATIONS} times before checkout"),
            definitive=True,
        )

    def _cart_status(self, state: RowState) -> CartStatus:
        assert state.cart_id is not None
        cart_id, session = state.cart_id, self._session(state)
        return self._step(
            "reconcile", lambda: self.adapter.cart_status(self.provider, cart_id, session)
        )

    def _session(self, state: RowState) -> CartSession | None:
        """The row's cart as a session, for providers that reach a cart only with its tokens
        (never saved: the profile's own cart session is left alone)."""
        if state.cart_id is None:
            return None
        return CartSession(
            profile="batch",
            provider=self.provider.key,
            cart_id=state.cart_id,
            created_at="",
            tokens=dict(state.tokens),
        )

    def _start(self, plan: Plan, journal: Journal, key: str, gen: int) -> None:
        journal.record(plan.row_id, "started", key=key, gen=gen, line=plan.line, digest=plan.digest)

    def _add(self, plan: Plan, state: RowState) -> tuple[str, dict[str, str]]:
        options = {**plan.add, "idempotency_key": f"{state.key}:add:{state.gen}"}
        return self._step("add", lambda: self.adapter.add(self.provider, options))

    def _extend(self, state: RowState) -> None:
        assert state.cart_id is not None
        cart_id, session = state.cart_id, self._session(state)
        try:
            self._step("extend", lambda: self.provider.cart_extend(cart_id, session))
        except _RowFailed as failed:
            if not failed.definitive:
                raise
            # Not extendable (already checked out, or no extend step): the checkout decides.

    def _checkout(self, plan: Plan, state: RowState) -> Order:
        assert state.cart_id is not None
        options = {**plan.checkout, "idempotency_key": f"{state.key}:checkout:{state.gen}"}
        cart_id, session = state.cart_id, self._session(state)
        order, _ = self._step("checkout", lambda: self.provider.checkout(cart_id, options, session))
        return order

    def _booked(self, plan: Plan, journal: Journal, order: Order, state: RowState) -> RowResult:
        pending, _ = order_states(self.provider)
        if self.follow is not None and order.state in pending:
            if state.step != "ordered":
                # Journalled before it is followed: a run stopped meanwhile follows it on
                # resume instead of checking the cart out again.
                journal.record(plan.row_id, "ordered", **_order_fields(order, state))
            order = self._settled(order, state, self.follow)
        journal.record(plan.row_id, "booked", **_order_fields(order, state))
        return self._result(plan, journal.rows[plan.row_id], "booked")

    def _journalled_order(self, state: RowState) -> Order:
        """The order an ``ordered`` record tells of, as the checkout answered it."""
        from bookctl.core.models import Order

        return Order(
            id=state.order_id or "",
            cart_id=state.cart_id,
            provider=self.provider.key,
            state=state.state or "",
            payment_state=None,
            total=state.amount,
            currency=state.currency,
            completed_at=None,
        )

    def _settled(self, order: Order, state: RowState, policy: FollowPolicy) -> Order:
        """The order followed to its final state (the provider settles it later)."""
        session = self._session(state)
        try:
            followed, _ = self._step(
                "follow",
                lambda: follow_order(
                    self.provider, order.id, session, policy=policy, sleep=self._sleep
                ),
            )
        except _RowFailed:
            # Booked all the same (a timeout, or reads failing): the row shows the state the
            # checkout answered, and 'bookctl poll' follows it further.
            return order
        return followed

    def _sleep(self, seconds: float) -> None:
        """The follow loop's wait: a stopping run (Ctrl-C) stops waiting."""
        self.stop.wait(seconds)

    def _result(self, plan: Plan, state: RowState, outcome: str) -> RowResult:
        return RowResult(
            plan.line,
            plan.row_id,
            outcome,
            key=state.key,
            cart_id=state.cart_id,
            order_id=state.order_id,
            amount=state.amount,
            currency=state.currency,
            order_state=state.state,
        )

    def _step(self, stage: str, call: Callable[[], T]) -> T:
        """``call``, sent again (same keys) after transient failures, else :class:`_RowFailed`.

        The rounds go through the one retry loop (:func:`bookctl.core.retry.retrying`), above
        the client's own retries; a row whose run is stopping is not sent again.
        """

        def again(exc: Exception) -> bool:
            if not isinstance(exc, BookctlError) or not _transient(exc) or self.stop.is_set():
                return False
            if self.pacer is not None:
                self.pacer.aside()  # another row may send while this one backs off
            return True

        try:
            return call()
        except BookctlError as err:
            # Most steps succeed at once: the retry loop starts only now, with this failure
            # replayed into it as its first round.
            first = err
        try:
            return retry.retrying(
                call,
                on=again,
                attempts=STEP_ROUNDS,
                wait_initial=STEP_BACKOFF,
                wait_max=STEP_BACKOFF_CAP,
                first=first,
            )
        except BookctlError as err:
            raise _RowFailed(stage, err, definitive=not _transient(err)) from err
