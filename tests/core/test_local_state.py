"""Local files: atomic writes, locks across processes, versioned sessions, private modes."""

from __future__ import annotations

import json
import multiprocessing
import stat
from pathlib import Path

import pytest

from bookctl.core import fs
from bookctl.core.errors import LocalFileError, NotFoundError
from bookctl.core.session import CartSession, SessionStore


def session(cart: str, profile: str = "p") -> CartSession:
    return CartSession(
        profile=profile,
        provider="bookinglayer",
        cart_id=cart,
        created_at="2026-11-23T00:00:00+00:00",
    )


def test_write_atomic_replaces_and_is_private(tmp_path: Path) -> None:
    target = tmp_path / "d" / "f.json"
    fs.write_atomic(target, b"one")
    fs.write_atomic(target, b"two")
    assert target.read_bytes() == b"two"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert stat.S_IMODE(target.parent.stat().st_mode) == 0o700
    assert [p.name for p in target.parent.iterdir() if p.name.endswith(".tmp")] == []


def test_session_round_trip_and_retire(tmp_path: Path) -> None:
    store = SessionStore(tmp_path)
    assert store.load("p") is None
    with pytest.raises(NotFoundError):
        store.require("p")
    store.save(session("c1"))
    loaded = store.load("p")
    assert loaded is not None and loaded.cart_id == "c1"
    assert json.loads(store.path("p").read_text())["version"] == 1
    store.retire("p", "c1", {"id": "o1"})
    assert store.load("p") is None
    record = json.loads(store.history_path("p").read_text().splitlines()[0])
    assert record["outcome"] == {"id": "o1"} and record["session"]["cart_id"] == "c1"


def test_clear_only_forgets_the_named_cart(tmp_path: Path) -> None:
    store = SessionStore(tmp_path)
    store.save(session("c2"))
    store.clear("p", cart_id="other")
    assert store.load("p") is not None
    store.clear("p", cart_id="c2")
    assert store.load("p") is None


def test_corrupt_session_is_not_overwritten(tmp_path: Path) -> None:
    store = SessionStore(tmp_path)
    store.path("p").write_text("[1, 2")
    with pytest.raises(LocalFileError) as caught:
        store.save(session("c3"))
    assert str(store.path("p")) in caught.value.message
    assert store.path("p").read_text() == "[1, 2"


def _writer(directory: str, worker: int, rounds: int) -> None:
    store = SessionStore(Path(directory))
    for n in range(rounds):
        store.save(session(f"w{worker}-{n}"))
        loaded = store.load("p")
        assert loaded is not None  # never a torn file


def test_concurrent_writers_never_tear_the_file(tmp_path: Path) -> None:
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(str(tmp_path), w, 40)) for w in range(3)]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(60)
    assert [p.exitcode for p in procs] == [0, 0, 0]
    final = SessionStore(tmp_path).load("p")
    assert final is not None and final.cart_id.endswith("-39")
