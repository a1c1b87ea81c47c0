"""Admin endpoints: health, clock, reset, stats, faults; and app creation."""

from __future__ import annotations

import sqlite3
import time
from datetime import datetime
from pathlib import Path

from fastapi.testclient import TestClient

from bookctl.sandbox.app import create_app
from bookctl.sandbox.registry import PROVIDER_MODULES
from tests.conftest import CLOCK_SHIFT

from .helpers import AUTH, BL, add, checkout_body, free_monday, simple_guest


def _ts(text: str) -> float:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S%z").timestamp()


def test_health_needs_no_auth_and_no_lifespan(db_path: Path) -> None:
    client = TestClient(create_app(db_path))  # not entered: no lifespan events are sent
    body = client.get("/_sandbox/health").json()
    assert body["ok"] is True
    assert body["now"].endswith("Z")
    assert db_path.exists()
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_clock_advances_for_every_app_on_the_file(client: TestClient, db_path: Path) -> None:
    before = _ts(client.get("/_sandbox/clock").json()["now"].replace("Z", "+0000"))
    moved = client.post("/_sandbox/clock", json={"advance_seconds": 3600}).json()
    assert _ts(moved["now"].replace("Z", "+0000")) - before >= 3600
    other = TestClient(create_app(db_path))
    seen = _ts(other.get("/_sandbox/clock").json()["now"].replace("Z", "+0000"))
    assert seen - before >= 3600
    bad = client.post("/_sandbox/clock", json={"advance_seconds": "soon"})
    assert bad.status_code == 422
    assert client.post("/_sandbox/clock", json={"advance_seconds": -5}).status_code == 422


def test_stats_and_reset(client: TestClient) -> None:
    start = free_monday(client)
    open_cart = add(client, [simple_guest(start, "a@example.com")]).json()["cart_id"]
    abandoned = add(client, [simple_guest(start, "b@example.com")]).json()["cart_id"]
    booked = add(
        client, [simple_guest(start, "c@example.com"), simple_guest(start, "d@example.com")]
    )
    client.delete(f"{BL}/carts/{abandoned}")
    client.post(f"{BL}/carts/{booked.json()['cart_id']}/checkout", json=checkout_body())
    stats = client.get("/_sandbox/stats").json()
    assert stats["bookinglayer"] == {
        "carts": 3,
        "open_carts": 1,
        "expired_carts": 0,
        "abandoned_carts": 1,
        "bookings": 1,
        "booked_guests": 2,
        "checkouts": 1,
        "idempotent_replays": 0,
    }
    assert stats["requests"] == 5  # admin calls are not counted
    client.post("/_sandbox/clock", json={"advance_seconds": 900})
    assert client.post("/_sandbox/reset").json() == {"ok": True}
    after = client.get("/_sandbox/stats").json()
    # Every emulated provider reports its counts, all back to zero.
    assert set(after) == {m.NAME for m in PROVIDER_MODULES} | {"requests"}
    assert after["requests"] == 0
    assert all(not any(counts.values()) for name, counts in after.items() if name != "requests")
    assert after["bookinglayer"] == {
        "carts": 0,
        "open_carts": 0,
        "expired_carts": 0,
        "abandoned_carts": 0,
        "bookings": 0,
        "booked_guests": 0,
        "checkouts": 0,
        "idempotent_replays": 0,
    }
    assert client.get(f"{BL}/carts/{open_cart}").status_code == 404
    # the clock offset is back to zero and the catalogue is still there
    health = client.get("/_sandbox/health").json()
    assert abs(_ts(health["now"].replace("Z", "+0000")) - (time.time() + CLOCK_SHIFT)) < 60
    assert client.get(f"{BL}/products/384").status_code == 200
    # booking ids restart after a reset
    cart = add(client, [simple_guest(start, "a@example.com")]).json()["cart_id"]
    done = client.post(f"{BL}/carts/{cart}/checkout", json=checkout_body()).json()
    assert done["booking"]["id"] == 1


def test_faults_endpoint(client: TestClient) -> None:
    assert client.get("/_sandbox/faults").json() == {"spec": "", "seed": 0}
    put = client.put("/_sandbox/faults", json={"spec": "503=0.5,latency=1@5"})
    assert put.json() == {"spec": "503=0.5,latency=1@5", "seed": 0}
    bad = client.put("/_sandbox/faults", json={"spec": "teapot=1"})
    assert bad.status_code == 422
    assert bad.json()["code"] == "invalid_fault_spec"
    assert "teapot" in bad.json()["message"]
    assert client.get("/_sandbox/faults").json()["spec"] == "503=0.5,latency=1@5"
    assert client.put("/_sandbox/faults", json={"spec": ""}).json()["spec"] == ""


def test_admin_routes_ignore_faults(db_path: Path) -> None:
    client = TestClient(create_app(db_path, faults="503=1,500=1,reset=1"), headers=AUTH)
    assert client.get("/_sandbox/health").status_code == 200
    assert client.get("/_sandbox/stats").status_code == 200


def test_custom_api_key(db_path: Path) -> None:
    client = TestClient(create_app(db_path, api_key="k-123"))
    assert client.get(f"{BL}/settings", headers=AUTH).status_code == 401
    assert (
        client.get(f"{BL}/settings", headers={"Authorization": "Bearer k-123"}).status_code == 200
    )


def test_bad_json_body_uses_the_error_format(client: TestClient) -> None:
    response = client.post(
        f"{BL}/bookings/add", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_json"
    assert client.post(f"{BL}/bookings/add", json=[1]).json()["code"] == "invalid_body"
