"""The store: kept connections, a request's unit of work, and writes joining it."""

from __future__ import annotations

import stat
import threading
from pathlib import Path

import anyio
import pytest
from anyio import to_thread

from bookctl.sandbox.store import Store, increment_counter, read_counter


@pytest.fixture
def store(db_path: Path) -> Store:
    made = Store(db_path)
    made.initialise()
    return made


def _count(path: Path, name: str) -> int:
    """A counter as another connection (another process) sees it: committed work only."""
    other = Store(path)
    try:
        with other.read() as conn:
            return read_counter(conn, name)
    finally:
        other.close()


def test_the_writer_and_readers_are_kept(store: Store) -> None:
    with store.write() as first:
        increment_counter(first, "a")
    with store.write() as second:
        increment_counter(second, "a")
    assert second is first
    with store.read() as reader:
        seen = reader
    with store.read() as again:
        assert again is seen
        assert read_counter(again, "a") == 2


def test_a_unit_commits_its_joined_writes_together(store: Store, db_path: Path) -> None:
    seen_inside: list[int] = []

    def handler() -> None:
        # What a route handler does, in a worker thread: it joins the request's unit.
        with store.write() as conn:
            increment_counter(conn, "work")
        with store.read() as conn:
            seen_inside.append(read_counter(conn, "work"))  # its own write, uncommitted
        seen_inside.append(_count(db_path, "work"))  # not visible outside the unit yet

    async def request() -> None:
        async with store.unit() as conn:
            increment_counter(conn, "requests")
            await to_thread.run_sync(handler)
            seen_inside.append(_count(db_path, "requests"))

    anyio.run(request)
    assert seen_inside == [1, 0, 0]
    assert _count(db_path, "requests") == _count(db_path, "work") == 1


def test_a_failed_write_inside_a_unit_is_undone_alone(store: Store, db_path: Path) -> None:
    async def request() -> None:
        async with store.unit() as conn:
            increment_counter(conn, "requests")
            with pytest.raises(ValueError), store.write() as inner:
                increment_counter(inner, "refused")
                raise ValueError("sold out")
            with store.write() as inner:
                increment_counter(inner, "done")

    anyio.run(request)
    assert _count(db_path, "requests") == _count(db_path, "done") == 1
    assert _count(db_path, "refused") == 0


def test_a_failed_write_after_a_done_one_undoes_only_its_own_work(
    store: Store, db_path: Path
) -> None:
    # A write that succeeds inside a unit leaves its savepoint open until the unit ends: the
    # failed write after it must still be undone alone, and the unit commit both others.
    async def request() -> None:
        async with store.unit() as conn:
            with store.write() as inner:
                increment_counter(inner, "first")
            with pytest.raises(ValueError), store.write() as inner:
                increment_counter(inner, "refused")
                increment_counter(inner, "first")
                raise ValueError("sold out")
            with store.read() as reader:
                assert read_counter(reader, "first") == 1
                assert read_counter(reader, "refused") == 0
            with store.write() as inner:
                increment_counter(inner, "last")
            increment_counter(conn, "requests")

    anyio.run(request)
    assert _count(db_path, "first") == _count(db_path, "last") == 1
    assert _count(db_path, "requests") == 1
    assert _count(db_path, "refused") == 0


def test_a_unit_that_raises_is_rolled_back(store: Store, db_path: Path) -> None:
    async def request() -> None:
        async with store.unit() as conn:
            increment_counter(conn, "requests")
            raise RuntimeError("cancelled mid-request")

    with pytest.raises(RuntimeError):
        anyio.run(request)
    assert _count(db_path, "requests") == 0
    with store.write() as conn:  # the writer was handed on clean
        increment_counter(conn, "requests")
    assert _count(db_path, "requests") == 1


def test_units_wait_on_the_event_loop_not_in_worker_threads(store: Store, db_path: Path) -> None:
    # One worker thread for everything: a unit waiting in a thread would take it from the
    # unit holding the writer, whose handler needs it, and every request would hang.
    requests = 30

    def handler() -> None:
        with store.write() as conn:
            increment_counter(conn, "work")

    async def request() -> None:
        async with store.unit() as conn:
            increment_counter(conn, "requests")
            await to_thread.run_sync(handler)

    async def main() -> None:
        to_thread.current_default_thread_limiter().total_tokens = 1
        with anyio.fail_after(120):  # a hang guard, not a timing check
            async with anyio.create_task_group() as tasks:
                for _ in range(requests):
                    tasks.start_soon(request)

    anyio.run(main)
    assert _count(db_path, "requests") == _count(db_path, "work") == requests


def test_a_cancelled_waiter_does_not_keep_the_writer(store: Store, db_path: Path) -> None:
    async def main() -> None:
        release = anyio.Event()

        async def holder(task_status: anyio.abc.TaskStatus[None]) -> None:
            async with store.unit() as conn:
                increment_counter(conn, "held")
                task_status.started()
                await release.wait()

        async def waiter(scope: anyio.CancelScope) -> None:
            with scope:
                async with store.unit() as conn:
                    increment_counter(conn, "cancelled")

        with anyio.fail_after(60):  # a hang guard, not a timing check
            async with anyio.create_task_group() as tasks:
                await tasks.start(holder)
                scope = anyio.CancelScope()
                tasks.start_soon(waiter, scope)
                await anyio.wait_all_tasks_blocked()  # the waiter queues behind the holder
                scope.cancel()
                release.set()
            async with store.unit() as conn:
                increment_counter(conn, "after")

    anyio.run(main)
    assert _count(db_path, "held") == _count(db_path, "after") == 1
    assert _count(db_path, "cancelled") == 0


def test_threads_writing_outside_requests_take_turns(store: Store, db_path: Path) -> None:
    def writer() -> None:
        for _ in range(20):
            with store.write() as conn:
                increment_counter(conn, "n")

    threads = [threading.Thread(target=writer) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert _count(db_path, "n") == 120


def test_close_then_use_again(store: Store, db_path: Path) -> None:
    with store.write() as conn:
        increment_counter(conn, "n")
    store.close()
    with store.write() as conn:
        increment_counter(conn, "n")
    assert _count(db_path, "n") == 2


def test_files_stay_private_while_connections_are_kept(store: Store, db_path: Path) -> None:
    with store.write() as conn:
        increment_counter(conn, "n")
    with store.read() as conn:
        assert read_counter(conn, "n") == 1
    kept = [db_path, Path(f"{db_path}-wal"), Path(f"{db_path}-shm")]
    for path in kept:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


def test_close_leaves_the_database_file_complete(store: Store, db_path: Path) -> None:
    # The embedded CLI closes its store when a command ends: a later copy, check or repair of
    # the file sees all the work, with no write-ahead log left beside it.
    with store.write() as conn:
        increment_counter(conn, "n")
    with store.read() as conn:
        assert read_counter(conn, "n") == 1
    assert Path(f"{db_path}-wal").exists()
    store.close()
    assert not Path(f"{db_path}-wal").exists()
    assert _count(db_path, "n") == 1
