"""Admin endpoints under `/_sandbox/`: health, reset, clock, faults, stats. No auth, no faults."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Depends

from bookctl.sandbox import clock
from bookctl.sandbox.context import Sandbox, get_sandbox
from bookctl.sandbox.errors import ApiError, invalid
from bookctl.sandbox.store import read_counter

router = APIRouter(prefix="/_sandbox", tags=["sandbox"])


@router.get("/health")
def health(sandbox: Sandbox = Depends(get_sandbox)) -> dict[str, Any]:
    """Liveness check with the sandbox time."""
    with sandbox.store.read() as conn:
        return {"ok": True, "now": clock.iso(clock.now_ts(conn))}


@router.post("/reset")
def reset(sandbox: Sandbox = Depends(get_sandbox)) -> dict[str, Any]:
    """Wipe all state (carts, bookings, keys, counters, clock offset); the catalogue stays."""
    sandbox.store.reset()
    return {"ok": True}


@router.get("/clock")
def get_clock(sandbox: Sandbox = Depends(get_sandbox)) -> dict[str, Any]:
    """The sandbox time."""
    with sandbox.store.read() as conn:
        return {"now": clock.iso(clock.now_ts(conn))}


@router.post("/clock")
def advance_clock(
    payload: Any = Body(None), sandbox: Sandbox = Depends(get_sandbox)
) -> dict[str, Any]:
    """Move the sandbox time forward by `advance_seconds`."""
    seconds = payload.get("advance_seconds") if isinstance(payload, dict) else None
    if isinstance(seconds, bool) or not isinstance(seconds, int | float):
        raise invalid("advance_seconds", "advance_seconds must be a number of seconds.")
    if seconds < 0:
        raise invalid("advance_seconds", "The sandbox clock only moves forward.")
    with sandbox.store.write() as conn:
        clock.advance(conn, float(seconds))
        return {"now": clock.iso(clock.now_ts(conn))}


@router.get("/faults")
def get_faults(sandbox: Sandbox = Depends(get_sandbox)) -> dict[str, Any]:
    """The active fault spec of this app (faults are per process, not stored)."""
    return {"spec": sandbox.faults.spec, "seed": sandbox.faults.seed}


@router.put("/faults")
def put_faults(
    payload: Any = Body(None), sandbox: Sandbox = Depends(get_sandbox)
) -> dict[str, Any]:
    """Replace the active faults; an empty spec clears them."""
    spec = payload.get("spec") if isinstance(payload, dict) else None
    if spec is None:
        spec = ""
    if not isinstance(spec, str):
        raise invalid("spec", "spec must be a string such as '503=0.1,latency=1@50'.")
    try:
        sandbox.faults.configure(spec)
    except ValueError as err:
        raise ApiError(422, "invalid_fault_spec", str(err), {"spec": [str(err)]}) from None
    return {"spec": sandbox.faults.spec, "seed": sandbox.faults.seed}


@router.get("/stats")
def stats(sandbox: Sandbox = Depends(get_sandbox)) -> dict[str, Any]:
    """Exact counts of carts and bookings per provider, and of provider requests."""
    with sandbox.store.read() as conn:
        counts: dict[str, Any] = {m.NAME: m.stats(conn) for m in sandbox.providers}
        counts["requests"] = read_counter(conn, "requests")
        return counts
