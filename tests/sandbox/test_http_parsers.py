"""The served sandbox answers alike under uvicorn's C parser (httptools) and its fallback (h11).

bookctl depends on httptools, which uvicorn picks when it is installed; without it uvicorn
falls back to h11, and the sandbox must work the same there.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest
import uvicorn

from bookctl.sandbox.app import create_app

from .helpers import AUTH, BL, checkout_body


@contextmanager
def _served(db_path: Path, http: str, faults: str = "") -> Iterator[str]:
    """The sandbox under uvicorn with parser `http`, on a free loopback port; its base URL."""
    app = create_app(db_path, faults=faults)
    config = uvicorn.Config(app, host="127.0.0.1", port=0, http=http, log_level="critical")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        for _ in range(1500):  # a hang guard: up to 15 s for the server to start
            if server.started or not thread.is_alive():
                break
            threading.Event().wait(0.01)
        assert server.started
        port = server.servers[0].sockets[0].getsockname()[1]
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        app.state.sandbox.close()


@pytest.mark.parametrize("http", ["httptools", "h11"])
def test_a_booking_and_its_replay_over_either_parser(db_path: Path, http: str) -> None:
    with _served(db_path, http) as base, httpx.Client(base_url=base + BL, headers=AUTH) as api:
        today = date.fromisoformat(httpx.get(f"{base}/_sandbox/clock").json()["now"][:10])
        stay = [(today + timedelta(days=d)).isoformat() for d in (3, 4)]
        guest = {
            "first_name": "Ann",
            "last_name": "Lee",
            "gender": "f",
            "email": "ann@example.com",
            "package": {"id": 450, "start_date": stay[0], "end_date": stay[1], "items": []},
        }
        body = {"currency": "EUR", "guests": [guest]}
        added = api.post("bookings/add", json=body, headers={"Idempotency-Key": "a"})
        again = api.post("bookings/add", json=body, headers={"Idempotency-Key": "a"})
        assert added.status_code == again.status_code == 201
        assert again.json() == added.json()
        assert again.headers["idempotent-replayed"] == "true"
        cart = added.json()["cart_id"]
        done = api.post(
            f"carts/{cart}/checkout", json=checkout_body(), headers={"Idempotency-Key": "c"}
        )
        assert done.status_code == 200
        assert done.json()["status"] == "checked_out"
        refused = api.get("settings", headers={"Authorization": "Bearer wrong"})
        assert refused.status_code == 401
        stats = httpx.get(f"{base}/_sandbox/stats").json()
        assert stats["requests"] == 4
        assert stats["bookinglayer"]["bookings"] == 1


@pytest.mark.parametrize("http", ["httptools", "h11"])
def test_the_reset_fault_drops_the_connection_over_either_parser(db_path: Path, http: str) -> None:
    with _served(db_path, http, faults="reset=1") as base:
        with pytest.raises(httpx.TransportError):
            httpx.get(f"{base}{BL}/settings", headers=AUTH, timeout=5)
        httpx.put(f"{base}/_sandbox/faults", json={"spec": ""}, timeout=5)
        assert httpx.get(f"{base}{BL}/settings", headers=AUTH, timeout=5).status_code == 200
