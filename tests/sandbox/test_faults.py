"""Fault injection: spec parsing, deterministic decisions, and each fault's effect."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from bookctl.sandbox.app import create_app
from bookctl.sandbox.faults import Fault, FaultInjector, parse_spec
from bookctl.sandbox.middleware import SandboxConnectionReset

from .helpers import AUTH, BL, add, free_monday, simple_guest


def test_parse_spec() -> None:
    assert parse_spec(None) == ()
    assert parse_spec("  ") == ()
    assert parse_spec("503=0.1,drop-after-commit=0.2,latency=1@50") == (
        Fault("503", 0.1),
        Fault("drop-after-commit", 0.2),
        Fault("latency", 1.0, 50),
    )
    assert parse_spec("timeout=0.5@2000, 429=1") == (Fault("timeout", 0.5, 2000), Fault("429", 1.0))


@pytest.mark.parametrize(
    ("spec", "names"),
    [
        ("teapot=1", "teapot"),
        ("503", "503"),
        ("503=2", "503=2"),
        ("503=x", "x"),
        ("latency=1", "latency=1"),
        ("latency=1@soon", "soon"),
        ("500=1@5", "500=1@5"),
        ("503=1,,500=1", "empty"),
        ("503=1,503=0.5", "503"),
    ],
)
def test_bad_specs_name_the_bad_part(spec: str, names: str) -> None:
    with pytest.raises(ValueError, match=names):
        parse_spec(spec)
    with pytest.raises(ValueError):
        create_app(Path("/nonexistent/never-created.db"), faults=spec)


def test_same_seed_same_decisions() -> None:
    def decisions(seed: int) -> list[tuple[int | None, bool]]:
        injector = FaultInjector(spec="503=0.3,drop-after-commit=0.3", seed=seed)
        plans = [injector.plan() for _ in range(200)]
        return [(p.status, p.drop_after_commit) for p in plans]

    first = decisions(7)
    assert first == decisions(7)
    assert first != decisions(8)
    failures = sum(1 for status, _ in first if status == 503)
    assert 30 < failures < 90


def test_503_always(db_path: Path) -> None:
    client = TestClient(create_app(db_path, faults="503=1.0"), headers=AUTH)
    for _ in range(5):
        response = client.get(f"{BL}/settings")
        assert response.status_code == 503
        assert response.json()["code"] == "service_unavailable"
    assert client.get("/_sandbox/stats").json()["requests"] == 5


def test_429_has_retry_after(db_path: Path) -> None:
    client = TestClient(create_app(db_path, faults="429=1"), headers=AUTH)
    response = client.get(f"{BL}/settings")
    assert response.status_code == 429
    assert response.headers["retry-after"] == "1"
    assert response.json()["code"] == "rate_limited"


def test_500_and_rate_zero(db_path: Path) -> None:
    client = TestClient(create_app(db_path, faults="500=1,503=0"), headers=AUTH)
    assert client.get(f"{BL}/settings").status_code == 500
    client.put("/_sandbox/faults", json={"spec": "500=0"})
    assert client.get(f"{BL}/settings").status_code == 200


def test_reset_raises_in_process(db_path: Path) -> None:
    client = TestClient(create_app(db_path, faults="reset=1"), headers=AUTH)
    with pytest.raises(SandboxConnectionReset):
        client.get(f"{BL}/settings")
    assert issubclass(SandboxConnectionReset, ConnectionResetError)


def test_latency_and_timeout_delay_then_answer(db_path: Path) -> None:
    client = TestClient(create_app(db_path, faults="latency=1@150,timeout=1@100"), headers=AUTH)
    began = time.monotonic()
    assert client.get(f"{BL}/settings").status_code == 200
    assert time.monotonic() - began >= 0.25


def test_drop_after_commit_commits_and_a_keyed_retry_gets_the_answer(db_path: Path) -> None:
    client = TestClient(create_app(db_path, faults="drop-after-commit=1.0"), headers=AUTH)
    start = free_monday(client)
    key = {"Idempotency-Key": "drop-1"}
    body = {"currency": "EUR", "guests": [simple_guest(start, "a@example.com")]}
    lost = client.post(f"{BL}/bookings/add", json=body, headers=key)
    assert lost.status_code == 503
    stats = client.get("/_sandbox/stats").json()["bookinglayer"]
    assert stats["carts"] == 1  # the work was done
    client.put("/_sandbox/faults", json={"spec": ""})
    retry = client.post(f"{BL}/bookings/add", json=body, headers=key)
    assert retry.status_code == 201
    assert retry.headers["idempotent-replayed"] == "true"
    stats = client.get("/_sandbox/stats").json()["bookinglayer"]
    assert stats["carts"] == 1
    assert stats["idempotent_replays"] == 1


def test_seeded_faults_through_the_app_are_reproducible(tmp_path: Path) -> None:
    def statuses(name: str) -> list[int]:
        app = create_app(tmp_path / name, faults="503=0.5", seed=42)
        client = TestClient(app, headers=AUTH)
        return [client.get(f"{BL}/settings").status_code for _ in range(30)]

    first = statuses("a.db")
    assert first == statuses("b.db")
    assert set(first) == {200, 503}


def test_faulted_add_does_nothing(db_path: Path) -> None:
    client = TestClient(create_app(db_path, faults="503=1"), headers=AUTH)
    start = free_monday(client)
    assert add(client, [simple_guest(start, "a@example.com")]).status_code == 503
    assert client.get("/_sandbox/stats").json()["bookinglayer"]["carts"] == 0
