"""`serve()` really serves on loopback, refuses other hosts, and resets sockets on fault."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from bookctl.sandbox.server import is_loopback, serve


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def test_serve_answers_over_loopback(tmp_path: Path) -> None:
    port = _free_port()
    code = (
        "from pathlib import Path; from bookctl.sandbox.server import serve; "
        f"serve(host='127.0.0.1', port={port}, db_path=Path({str(tmp_path / 's.db')!r}), "
        "api_key='served-key', faults='reset=1', seed=0)"
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
    finally:
        proc.kill()
        proc.wait(timeout=10)
        if proc.stderr is not None:
            proc.stderr.close()


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
