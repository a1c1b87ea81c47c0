"""The cart session: which cart a profile is working on, kept in ``sessions/<profile>.json``.

The file is versioned, private (0600), written atomically under a lock, and never silently
replaced when it cannot be read. A successful checkout moves it to ``<profile>.history.jsonl``.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bookctl.core import fs, paths
from bookctl.core.errors import LocalFileError, NotFoundError

SESSION_VERSION = 1


@dataclass
class CartSession:
    """What bookctl remembers about the open cart of one profile."""

    profile: str
    provider: str
    cart_id: str
    created_at: str
    expires_at: str | None = None
    state: str | None = None
    currency: str | None = None
    total: str | None = None
    tokens: dict[str, str] = field(default_factory=dict)
    lines: list[dict[str, Any]] = field(default_factory=list)
    order_id: str | None = None
    updated_at: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"version": SESSION_VERSION, **asdict(self)}


def _migrate(data: dict[str, Any], path: Path) -> dict[str, Any]:
    version = data.get("version")
    if version == SESSION_VERSION:
        return data
    raise LocalFileError(
        f"{path} has session format version {version!r}, this bookctl reads {SESSION_VERSION}",
        hint=f"upgrade bookctl, or remove {path} to forget that cart",
    )


class SessionStore:
    """Load, save and retire cart sessions per profile."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory or paths.sessions_dir()

    def path(self, profile: str) -> Path:
        return self.directory / f"{profile}.json"

    def history_path(self, profile: str) -> Path:
        return self.directory / f"{profile}.history.jsonl"

    def load(self, profile: str) -> CartSession | None:
        path = self.path(profile)
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as err:
            raise LocalFileError(f"cannot read {path}: {err.strerror}") from err
        try:
            data = json.loads(raw)
            if not isinstance(data, dict):
                raise TypeError("not a JSON object")
            data = _migrate(data, path)
            data.pop("version")
            return CartSession(**data)
        except LocalFileError:
            raise
        except (ValueError, TypeError) as err:
            raise LocalFileError(
                f"{path} is corrupt ({err})",
                hint=f"remove {path} to forget that cart (bookctl will not overwrite it)",
            ) from err

    def require(self, profile: str) -> CartSession:
        session = self.load(profile)
        if session is None:
            raise NotFoundError(
                f"profile {profile!r} has no open cart",
                hint="start one with 'bookctl basket add ...', or pass --cart ID",
            )
        return session

    def save(self, session: CartSession) -> None:
        path = self.path(session.profile)
        with fs.locked(path):
            self._check_readable(path)
            fs.write_atomic(path, _dumps(session.to_json()))

    def clear(self, profile: str, *, cart_id: str | None = None) -> None:
        """Forget the session (only if it still points at ``cart_id`` when one is given)."""
        path = self.path(profile)
        with fs.locked(path):
            current = self.load(profile)
            if current is None or (cart_id is not None and current.cart_id != cart_id):
                return
            path.unlink()
            fs.ensure_private_dir(path.parent)

    def retire(self, profile: str, cart_id: str, outcome: dict[str, Any]) -> None:
        """Move the session of ``cart_id`` to the history file with its outcome."""
        path = self.path(profile)
        with fs.locked(path):
            current = self.load(profile)
            record: dict[str, Any] = {"cart_id": cart_id, "outcome": outcome}
            if current is not None and current.cart_id == cart_id:
                record["session"] = current.to_json()
            fs.append_durable(
                self.history_path(profile), (json.dumps(record, sort_keys=True) + "\n").encode()
            )
            if current is not None and current.cart_id == cart_id:
                path.unlink()

    def _check_readable(self, path: Path) -> None:
        # A corrupt file is the user's to repair; never overwrite it.
        if path.exists():
            self.load(path.stem)


def _dumps(data: dict[str, Any]) -> bytes:
    return (json.dumps(data, indent=2, sort_keys=True) + "\n").encode()
