"""`serve()` really serves on loopback, refuses other hosts, and resets sockets on fault."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest

from bookctl.sandbox.server import is_loopback, serve


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def _served(tmp_path: Path, faults: str = "") -> Iterator[str]:
    """`serve()` in a child process on a free loopback port; its base URL once it answers."""
    port = _free_port()
    code = (
        "from pathlib import Path; from bookctl.sandbox.server import serve; "
        f"serve(host='127.0.0.1', port={port}, db_path=Path({str(tmp_path / 's.db')!r}), "
        f"api_key='served-key', faults={faults!r}, seed=0)"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    proc = subprocess.Popen(
        [sys.executable, "-c", code], env=env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 15
        while True:
            try:
                health = httpx.get(f"{base}/_sandbox/health", timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.1)
        assert health.status_code == 200
        assert health.json()["ok"] is True
        yield base
    finally:
        proc.kill()
        proc.wait(timeout=10)
        if proc.stderr is not None:
            proc.stderr.close()


def test_serve_answers_over_loopback(tmp_path: Path) -> None:
    with _served(tmp_path, faults="reset=1") as base:
        # fault `reset`: the socket is closed mid-response
        with pytest.raises(httpx.TransportError):
            httpx.get(
                f"{base}/bookinglayer/api/pub/v2/settings",
                headers={"Authorization": "Bearer served-key"},
                timeout=5,
            )
        httpx.put(f"{base}/_sandbox/faults", json={"spec": ""}, timeout=5)
        settings = httpx.get(
            f"{base}/bookinglayer/api/pub/v2/settings",
            headers={"Authorization": "Bearer served-key"},
            timeout=5,
        )
        assert settings.status_code == 200


def test_serve_answers_concurrent_writers_exactly(tmp_path: Path) -> None:
    # Concurrent requests, each one unit of work on the kept writer: 24 bookings and 8 sends
    # of one key give exact counts, one cart for the key.
    with _served(tmp_path) as base:
        api = f"{base}/bookinglayer/api/pub/v2"
        day = date.fromisoformat(httpx.get(f"{base}/_sandbox/clock").json()["now"][:10])
        stay = [(day + timedelta(days=d)).isoformat() for d in (3, 4)]

        def body(n: int) -> dict[str, object]:
            package = {"id": 450, "start_date": stay[0], "end_date": stay[1], "items": []}
            guest = {
                "first_name": "Ann",
                "last_name": f"Lee{n}",
                "gender": "f",
                "email": f"ann{n}@example.com",
                "package": package,
            }
            return {"currency": "EUR", "guests": [guest]}

        async def main() -> list[httpx.Response]:
            headers = {"Authorization": "Bearer served-key"}
            async with httpx.AsyncClient(base_url=api, headers=headers, timeout=60) as client:
                sends = [
                    client.post("bookings/add", json=body(n), headers={"Idempotency-Key": f"k{n}"})
                    for n in range(24)
                ] + [
                    client.post("bookings/add", json=body(99), headers={"Idempotency-Key": "one"})
                    for _ in range(8)
                ]
                return list(await asyncio.gather(*sends))

        answers = asyncio.run(main())
        assert [r.status_code for r in answers] == [201] * 32
        assert len({r.json()["cart_id"] for r in answers[24:]}) == 1
        stats = httpx.get(f"{base}/_sandbox/stats").json()
        assert stats["requests"] == 32
        assert stats["bookinglayer"]["carts"] == 25
        assert stats["bookinglayer"]["idempotent_replays"] == 7


def test_serve_refuses_non_loopback_hosts(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="non-loopback"):
        serve(host="0.0.0.0", port=1, db_path=tmp_path / "s.db", api_key="k", faults=None, seed=0)
    assert not (tmp_path / "s.db").exists()


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.1.2.3", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("192.168.1.5", False),
        ("example.com", False),
    ],
)
def test_is_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback
