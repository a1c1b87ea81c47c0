"""Idempotency-Key: replay, reuse with another body, in-flight, cross-app."""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path

from fastapi.testclient import TestClient

from bookctl.sandbox import idempotency
from bookctl.sandbox.app import create_app
from bookctl.sandbox.store import Store

from .helpers import AUTH, BL, checkout_body, free_monday, simple_guest


def _body(client: TestClient, email: str = "a@example.com") -> dict[str, object]:
    return {"currency": "EUR", "guests": [simple_guest(free_monday(client), email)]}


def test_same_key_same_body_replays_without_re_running(client: TestClient) -> None:
    body = _body(client)
    key = {"Idempotency-Key": "k1"}
    first = client.post(f"{BL}/bookings/add", json=body, headers=key)
    second = client.post(f"{BL}/bookings/add", json=body, headers=key)
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    stats = client.get("/_sandbox/stats").json()["bookinglayer"]
    assert stats["carts"] == 1
    assert stats["idempotent_replays"] == 1
    # without a key the same body makes a second cart
    client.post(f"{BL}/bookings/add", json=body)
    assert client.get("/_sandbox/stats").json()["bookinglayer"]["carts"] == 2


def test_same_key_other_body_is_422(client: TestClient) -> None:
    key = {"Idempotency-Key": "k2"}
    assert client.post(f"{BL}/bookings/add", json=_body(client), headers=key).status_code == 201
    other = client.post(f"{BL}/bookings/add", json=_body(client, "b@example.com"), headers=key)
    assert other.status_code == 422
    assert other.json() == {
        "message": "Idempotency-Key reused with a different request body",
        "code": "idempotency_key_reused",
    }


def test_key_in_flight_is_409(client: TestClient, db_path: Path) -> None:
    body = _body(client)
    raw = json.dumps(body).encode()
    path = f"{BL}/bookings/add"
    # Claim the key as another process would while it runs the request.
    fp = idempotency.fingerprint("POST", path, "", raw)
    with Store(db_path).write() as conn:
        assert idempotency.claim(conn, "bookinglayer", "k3", fp).conflict is None
    response = client.post(
        path, content=raw, headers={"Idempotency-Key": "k3", "content-type": "application/json"}
    )
    assert response.status_code == 409
    assert response.json()["code"] == "idempotency_in_flight"


def test_a_claim_left_by_a_dead_process_is_taken_over(client: TestClient, db_path: Path) -> None:
    raw = json.dumps(_body(client)).encode()
    path = f"{BL}/bookings/add"
    headers = {"Idempotency-Key": "k4", "content-type": "application/json"}
    fp = idempotency.fingerprint("POST", path, "", raw)
    other = Store(db_path)
    try:
        with other.write() as conn:
            assert idempotency.claim(conn, "bookinglayer", "k4", fp).conflict is None
            # Claimed longer ago than a request can run: its process died mid-request.
            conn.execute(
                "UPDATE idempotency SET created_at = created_at - ? WHERE key = 'k4'",
                (idempotency.STALE_AFTER_SECONDS + 1,),
            )
    finally:
        other.close()
    first = client.post(path, content=raw, headers=headers)
    assert first.status_code == 201
    again = client.post(path, content=raw, headers=headers)
    assert again.status_code == 201
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json()


def test_errors_are_replayed_too_but_401_is_not(client: TestClient) -> None:
    start = free_monday(client)
    cart_id = client.post(f"{BL}/bookings/add", json=_body(client)).json()["cart_id"]
    key = {"Idempotency-Key": "co-1"}
    bad = checkout_body(terms_accepted=False)
    assert client.post(f"{BL}/carts/{cart_id}/checkout", json=bad, headers=key).status_code == 422
    assert client.post(f"{BL}/carts/{cart_id}/checkout", json=bad, headers=key).status_code == 422
    good_key = {"Idempotency-Key": "co-2"}
    unauth = client.post(
        f"{BL}/carts/{cart_id}/checkout",
        json=checkout_body(),
        headers={**good_key, "Authorization": "Bearer nope"},
    )
    assert unauth.status_code == 401
    done = client.post(f"{BL}/carts/{cart_id}/checkout", json=checkout_body(), headers=good_key)
    assert done.status_code == 200
    again = client.post(f"{BL}/carts/{cart_id}/checkout", json=checkout_body(), headers=good_key)
    assert again.json() == done.json()
    assert start  # the stay date was used


def test_keys_are_shared_by_apps_on_one_file(db_path: Path) -> None:
    one = TestClient(create_app(db_path), headers=AUTH)
    two = TestClient(create_app(db_path), headers=AUTH)
    body = _body(one)
    key = {"Idempotency-Key": "shared"}
    first = one.post(f"{BL}/bookings/add", json=body, headers=key)
    second = two.post(f"{BL}/bookings/add", json=body, headers=key)
    assert second.json()["cart_id"] == first.json()["cart_id"]


def test_get_requests_ignore_the_key(client: TestClient) -> None:
    key = {"Idempotency-Key": "read"}
    assert client.get(f"{BL}/settings", headers=key).status_code == 200
    assert "idempotent-replayed" not in client.get(f"{BL}/settings", headers=key).headers


def test_one_key_sent_at_once_from_many_clients_runs_once(db_path: Path) -> None:
    # Two apps on one file, as two processes would be: the claim, the work and the stored
    # answer are one transaction, so the others wait for it and replay its answer.
    apps = [create_app(db_path), create_app(db_path)]
    raw = json.dumps(_body(TestClient(apps[0], headers=AUTH))).encode()
    headers = {"Idempotency-Key": "same", "content-type": "application/json"}
    answers = []
    lock = threading.Lock()
    start = threading.Barrier(8)

    def send(n: int) -> None:
        client = TestClient(apps[n % 2], headers=AUTH)
        start.wait()
        response = client.post(f"{BL}/bookings/add", content=raw, headers=headers)
        with lock:
            answers.append(response)

    threads = [threading.Thread(target=send, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [r.status_code for r in answers] == [201] * 8
    assert len({r.json()["cart_id"] for r in answers}) == 1
    assert sum("idempotent-replayed" not in r.headers for r in answers) == 1
    stats = TestClient(apps[0]).get("/_sandbox/stats").json()
    assert stats["bookinglayer"]["carts"] == 1
    assert stats["bookinglayer"]["idempotent_replays"] == 7
    assert stats["requests"] == 8


def test_a_fingerprint_stays_what_earlier_versions_stored() -> None:
    # Stored in the file: a retry after an upgrade must still match its first request.
    fp = idempotency.fingerprint("post", f"{BL}/bookings/add", "", b'{"currency": "EUR"}')
    assert fp == "51c7bf55d2e2a6dcc8f43bfda975a86de0cdd4d3b59fae76b44dc3895bc432e4"


#: The tables as earlier versions created them (rowid tables, AUTOINCREMENT, one more index).
_EARLIER_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE idempotency (
    scope TEXT NOT NULL, key TEXT NOT NULL, fingerprint TEXT NOT NULL, state TEXT NOT NULL,
    status INTEGER, headers TEXT, body BLOB, created_at REAL NOT NULL,
    PRIMARY KEY (scope, key)
);
CREATE TABLE bl_carts (
    id TEXT PRIMARY KEY, status TEXT NOT NULL, currency TEXT NOT NULL,
    created_at REAL NOT NULL, expires_at REAL NOT NULL, booking_id INTEGER
);
CREATE TABLE bl_guests (
    id INTEGER PRIMARY KEY AUTOINCREMENT, cart_id TEXT NOT NULL REFERENCES bl_carts(id),
    data TEXT NOT NULL
);
CREATE INDEX bl_guests_cart ON bl_guests(cart_id);
CREATE TABLE bl_lines (
    id INTEGER PRIMARY KEY AUTOINCREMENT, cart_id TEXT NOT NULL REFERENCES bl_carts(id),
    guest_id INTEGER NOT NULL REFERENCES bl_guests(id), data TEXT NOT NULL, price TEXT NOT NULL
);
CREATE INDEX bl_lines_cart ON bl_lines(cart_id);
CREATE TABLE bl_reservations (
    cart_id TEXT NOT NULL REFERENCES bl_carts(id), product_id INTEGER NOT NULL,
    day TEXT NOT NULL, slot TEXT NOT NULL, units INTEGER NOT NULL
);
CREATE INDEX bl_reservations_day ON bl_reservations(product_id, day, slot);
CREATE INDEX bl_reservations_cart ON bl_reservations(cart_id);
CREATE TABLE bl_bookings (
    id INTEGER PRIMARY KEY AUTOINCREMENT, cart_id TEXT NOT NULL UNIQUE REFERENCES bl_carts(id),
    data TEXT NOT NULL
);
"""


def test_a_file_made_by_an_earlier_version_books_and_replays(db_path: Path) -> None:
    with sqlite3.connect(db_path) as conn:
        conn.executescript(_EARLIER_SCHEMA)
    conn.close()
    with TestClient(create_app(db_path, providers=["bookinglayer"]), headers=AUTH) as client:
        body = _body(client)
        added = client.post(f"{BL}/bookings/add", json=body, headers={"Idempotency-Key": "a"})
        cart = added.json()["cart_id"]
        path = f"{BL}/carts/{cart}/checkout"
        done = client.post(path, json=checkout_body(), headers={"Idempotency-Key": "c"})
        again = client.post(path, json=checkout_body(), headers={"Idempotency-Key": "c"})
        assert (added.status_code, done.status_code, again.status_code) == (201, 200, 200)
        assert again.content == done.content and again.headers["idempotent-replayed"] == "true"
        assert done.json()["booking"]["id"] == 1
        assert client.get(f"{BL}/carts/{cart}").json()["status"] == "checked_out"
        assert client.post("/_sandbox/reset").status_code == 200
        stats = client.get("/_sandbox/stats").json()["bookinglayer"]
        assert stats["carts"] == stats["bookings"] == 0
