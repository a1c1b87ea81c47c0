"""`Idempotency-Key` records in SQLite, so a retry from any process gets the first answer.

A key is claimed (state `in_flight`), the request runs, and its answer is stored, all in the
request's one write transaction (see `bookctl.sandbox.middleware`): another request with the
same key waits for that transaction and then finds the stored answer. A claim still
`in_flight` is one a unit of work recorded but never completed (a sandbox of an older
version mid-request, say): it answers 409 until it is `STALE_AFTER_SECONDS` old, after which
it is taken as left by a dead process and taken over.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
from dataclasses import dataclass

from bookctl.sandbox.store import increment_counter

STALE_AFTER_SECONDS = 120.0

# Answers never stored: auth failures and server errors are worth re-running on retry.
_NOT_STORED = frozenset({401, 403})


@dataclass(frozen=True)
class StoredResponse:
    """A response recorded for a key."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes


@dataclass(frozen=True)
class Claim:
    """Outcome of claiming a key: run it (`replay is None`), replay, or refuse."""

    replay: StoredResponse | None = None
    conflict: str | None = None  # "reused" or "in_flight"


def fingerprint(method: str, path: str, query: str, body: bytes) -> str:
    """Hash of what makes two requests "the same request"."""
    framed: list[bytes] = []
    for part in (method.upper().encode(), path.encode(), query.encode(), body):
        framed += (len(part).to_bytes(8, "big"), part)
    # One update of the framed parts: the digest of updating part by part, for less.
    return hashlib.sha256(b"".join(framed)).hexdigest()


def claim(conn: sqlite3.Connection, scope: str, key: str, fp: str) -> Claim:
    """Claim `key` for a new request, or report the stored answer / the conflict.

    Runs inside a write transaction (`conn`), as do `complete` and `release`.
    """
    now = time.time()
    # A new key (the usual case) is claimed in one statement; a known one is looked at.
    claimed = conn.execute(
        "INSERT INTO idempotency (scope, key, fingerprint, state, created_at) "
        "VALUES (?, ?, ?, 'in_flight', ?) ON CONFLICT (scope, key) DO NOTHING",
        (scope, key, fp, now),
    ).rowcount
    if claimed:
        return Claim()
    row = conn.execute(
        "SELECT fingerprint, state, status, headers, body, created_at FROM idempotency "
        "WHERE scope = ? AND key = ?",
        (scope, key),
    ).fetchone()
    if row["fingerprint"] != fp:
        return Claim(conflict="reused")
    if row["state"] == "done":
        increment_counter(conn, f"{scope}.idempotent_replays")
        headers = [(str(k), str(v)) for k, v in json.loads(row["headers"])]
        return Claim(replay=StoredResponse(int(row["status"]), headers, row["body"]))
    if now - float(row["created_at"]) < STALE_AFTER_SECONDS:
        return Claim(conflict="in_flight")
    conn.execute(
        "UPDATE idempotency SET created_at = ? WHERE scope = ? AND key = ?", (now, scope, key)
    )
    return Claim()


def complete(conn: sqlite3.Connection, scope: str, key: str, response: StoredResponse) -> None:
    """Record the answer of a claimed key, or release the claim if it should not be kept."""
    if response.status >= 500 or response.status in _NOT_STORED:
        release(conn, scope, key)
        return
    conn.execute(
        "UPDATE idempotency SET state = 'done', status = ?, headers = ?, body = ? "
        "WHERE scope = ? AND key = ?",
        (response.status, json.dumps(response.headers), response.body, scope, key),
    )


def release(conn: sqlite3.Connection, scope: str, key: str) -> None:
    """Forget a claim whose request failed before answering."""
    conn.execute(
        "DELETE FROM idempotency WHERE scope = ? AND key = ? AND state = 'in_flight'",
        (scope, key),
    )
