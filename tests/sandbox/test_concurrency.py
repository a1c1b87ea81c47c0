"""Concurrent writers on one SQLite file never double-book the last units."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import threading
from datetime import date
from pathlib import Path

import anyio
import httpx
from anyio import to_thread
from fastapi.testclient import TestClient

from bookctl.sandbox.app import create_app

from .helpers import AUTH, BL, add, checkout_body, double_room_left, free_monday, simple_guest


def test_threads_on_two_apps_share_the_last_units(db_path: Path) -> None:
    apps = [create_app(db_path), create_app(db_path)]
    setup = TestClient(apps[0], headers=AUTH)
    start = free_monday(setup)
    assert (
        add(setup, [simple_guest(start, f"pre{n}@example.com") for n in range(6)]).status_code
        == 201
    )
    assert double_room_left(setup, start) == 2

    statuses: list[int] = []
    lock = threading.Lock()

    def book(n: int) -> None:
        client = TestClient(apps[n % 2], headers=AUTH)
        response = add(client, [simple_guest(start, f"racer{n}@example.com")])
        with lock:
            statuses.append(response.status_code)

    threads = [threading.Thread(target=book, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [201, 201] + [409] * 6
    assert double_room_left(setup, start) == 0
    assert setup.get("/_sandbox/stats").json()["bookinglayer"]["open_carts"] == 3


_WORKER = textwrap.dedent(
    """
    import json, sys, warnings
    from pathlib import Path
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient
    from bookctl.sandbox.app import create_app
    db, start, worker = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
    client = TestClient(create_app(db), headers={"Authorization": "Bearer sandbox-key"})
    end = json.loads(sys.argv[4])
    results = []
    for n in range(6):
        guest = {
            "first_name": "W", "last_name": worker, "gender": "f",
            "email": f"w{worker}-{n}@example.com",
            "package": {"id": 384, "start_date": start, "end_date": end, "accommodation_id": 392},
        }
        r = client.post(
            "/bookinglayer/api/pub/v2/bookings/add", json={"currency": "EUR", "guests": [guest]}
        )
        if r.status_code == 201:
            cart = r.json()["cart_id"]
            c = client.post(
                f"/bookinglayer/api/pub/v2/carts/{cart}/checkout",
                json={"terms_accepted": True, "customer": {
                    "first_name": "W", "last_name": worker, "email": "w@example.com",
                    "phone": "1"}},
            )
            results.append(c.status_code)
        else:
            results.append(r.status_code)
    print(json.dumps(results))
    """
)


def test_processes_on_one_file_book_exactly_the_capacity(db_path: Path) -> None:
    setup = TestClient(create_app(db_path), headers=AUTH)
    start = free_monday(setup)
    end = date.fromordinal(start.toordinal() + 7).isoformat()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    workers = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                _WORKER,
                str(db_path),
                start.isoformat(),
                str(n),
                json.dumps(end),
            ],
            stdout=subprocess.PIPE,
            env=env,
            text=True,
        )
        for n in range(3)
    ]
    results: list[int] = []
    for worker in workers:
        out, _ = worker.communicate(timeout=60)
        assert worker.returncode == 0
        results += json.loads(out.strip().splitlines()[-1])
    assert results.count(200) == 8  # Double Room capacity
    assert results.count(409) == 10
    stats = setup.get("/_sandbox/stats").json()["bookinglayer"]
    assert stats["bookings"] == 8
    assert double_room_left(setup, start) == 0
    assert setup.get(f"{BL}/products/392").status_code == 200


def test_more_requests_than_worker_threads_all_answer(db_path: Path) -> None:
    # One request's unit holds the writer while its handler runs; the others wait on the event
    # loop, not in worker threads, so two worker threads serve forty requests at once.
    app = create_app(db_path)
    setup = TestClient(app, headers=AUTH)
    start = free_monday(setup)
    statuses: list[int] = []

    async def book(client: httpx.AsyncClient, n: int) -> None:
        guest = simple_guest(start, f"many{n}@example.com", accommodation_id=393)  # 60 beds
        response = await client.post(
            f"{BL}/bookings/add",
            json={"currency": "EUR", "guests": [guest]},
            headers={"Idempotency-Key": f"many-{n}"},
        )
        statuses.append(response.status_code)

    async def main() -> None:
        to_thread.current_default_thread_limiter().total_tokens = 2
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://sandbox", headers=AUTH
        ) as client:
            with anyio.fail_after(240):  # a hang guard, not a timing check
                async with anyio.create_task_group() as tasks:
                    for n in range(40):
                        tasks.start_soon(book, client, n)

    anyio.run(main)
    assert statuses.count(201) == 40
    stats = setup.get("/_sandbox/stats").json()
    assert stats["bookinglayer"]["carts"] == 40
    assert stats["requests"] == 40


def test_a_booking_takes_no_worker_thread(db_path: Path) -> None:
    # Provider handlers run on the event loop: with the only worker thread busy elsewhere, a
    # whole booking still answers (a handler that needed a thread would wait for it forever).
    app = create_app(db_path)
    start = free_monday(TestClient(app, headers=AUTH))
    busy = threading.Event()
    free = threading.Event()
    answers: list[tuple[str, int]] = []

    def occupy() -> None:
        busy.set()
        free.wait()

    async def book(client: httpx.AsyncClient) -> None:
        guest = simple_guest(start, "loop@example.com")
        added = await client.post(
            f"{BL}/bookings/add",
            json={"currency": "EUR", "guests": [guest]},
            headers={"Idempotency-Key": "loop-add"},
        )
        answers.append(("add", added.status_code))
        cart = added.json()["cart_id"]
        shown = await client.get(f"{BL}/carts/{cart}")
        answers.append(("show", shown.status_code))
        done = await client.post(
            f"{BL}/carts/{cart}/checkout",
            json=checkout_body(),
            headers={"Idempotency-Key": "loop-checkout"},
        )
        answers.append(("checkout", done.status_code))
        refused = await client.get(f"{BL}/products", headers={"Authorization": "Bearer wrong"})
        answers.append(("wrong key", refused.status_code))

    async def main() -> None:
        to_thread.current_default_thread_limiter().total_tokens = 1
        transport = httpx.ASGITransport(app=app)
        async with (
            httpx.AsyncClient(
                transport=transport, base_url="http://sandbox", headers=AUTH
            ) as client,
            anyio.create_task_group() as tasks,
        ):
            tasks.start_soon(to_thread.run_sync, occupy)
            try:
                with anyio.fail_after(60):  # a hang guard, not a timing check
                    while not busy.is_set():
                        await anyio.sleep(0.01)
                    await book(client)
            finally:
                free.set()

    anyio.run(main)
    assert answers == [("add", 201), ("show", 200), ("checkout", 200), ("wrong key", 401)]
