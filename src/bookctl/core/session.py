"""The cart session: which cart a profile is working on, kept in ``sessions/<profile>.json``.

The file is versioned, private (0600), written atomically under a lock, and never silently
replaced when it cannot be read. A successful checkout moves it to ``<profile>.history.jsonl``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import threading
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bookctl.core import clock, fs, jsonio, paths
from bookctl.core.errors import LocalFileError, NotFoundError

if TYPE_CHECKING:
    from bookctl.core.models import Cart

SESSION_VERSION = 1
#: How long a pending add's idempotency key is reused by a retry of the same command.
PENDING_TTL = dt.timedelta(hours=1)
#: How long ``basket add`` waits for another one on the same profile to finish.
EDIT_TIMEOUT = 120.0


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


def session_from_cart(profile: str, cart: Cart, previous: CartSession | None = None) -> CartSession:
    """The cart session of ``profile`` for ``cart``, as the provider just answered it.

    When ``previous`` is the session of the same cart, its creation time and provider tokens
    carry over (the answer's own tokens win).
    """
    same = previous is not None and previous.cart_id == cart.id
    now = clock.now_iso()
    return CartSession(
        profile=profile,
        provider=cart.provider,
        cart_id=cart.id,
        created_at=previous.created_at if previous is not None and same else now,
        expires_at=cart.expires_at,
        state=cart.state,
        currency=cart.currency,
        total=cart.total,
        tokens={
            **(previous.tokens if previous is not None and same else {}),
            **cart.session_tokens,
        },
        lines=[line.model_dump(mode="json") for line in cart.lines],
        updated_at=now,
    )


_TEXT = (str,)
_OPTIONAL_TEXT = (str, type(None))
_FIELD_TYPES: dict[str, tuple[type, ...]] = {
    "profile": _TEXT,
    "provider": _TEXT,
    "cart_id": _TEXT,
    "created_at": _TEXT,
    "expires_at": _OPTIONAL_TEXT,
    "state": _OPTIONAL_TEXT,
    "currency": _OPTIONAL_TEXT,
    "total": _OPTIONAL_TEXT,
    "tokens": (dict,),
    "lines": (list,),
    "order_id": _OPTIONAL_TEXT,
    "updated_at": _OPTIONAL_TEXT,
}


def _check_fields(data: dict[str, Any]) -> None:
    """Every field of the right type, so a damaged file fails here and not in a command."""
    for name, kinds in _FIELD_TYPES.items():
        if name in data and not isinstance(data[name], kinds):
            raise TypeError(f"{name!r} is not a {kinds[0].__name__}")
    tokens = data.get("tokens", {})
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in tokens.items()):
        raise TypeError("'tokens' must map names to text")
    if not all(isinstance(line, dict) for line in data.get("lines", [])):
        raise TypeError("'lines' must be a list of objects")


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
        self._held: set[str] = set()
        self._held_lock = threading.Lock()

    @contextlib.contextmanager
    def editing(self, profile: str, *, timeout: float = EDIT_TIMEOUT) -> Iterator[None]:
        """Hold the session lock of ``profile`` across a read, a request and a write.

        ``basket add`` runs under it, so parallel adds on one profile make one cart: the
        second one waits, then finds the cart the first one recorded.
        """
        with fs.locked(self.path(profile), timeout=timeout):
            with self._held_lock:
                self._held.add(profile)
            try:
                yield
            finally:
                with self._held_lock:
                    self._held.discard(profile)

    def _locked(self, profile: str) -> contextlib.AbstractContextManager[None]:
        # Inside editing() this process already holds the lock (flock is not re-entrant).
        with self._held_lock:
            held = profile in self._held
        return contextlib.nullcontext() if held else fs.locked(self.path(profile))

    def pending_path(self, profile: str) -> Path:
        return self.directory / f"{profile}.pending"

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
            raise LocalFileError(
                f"cannot read {path}: {err.strerror}",
                hint=f"fix its permissions, or remove {path} to forget that cart",
            ) from err
        try:
            data = jsonio.loads(raw)
            if not isinstance(data, dict):
                raise TypeError("not a JSON object")
            data = _migrate(data, path)
            data.pop("version")
            _check_fields(data)
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
        with self._locked(session.profile):
            self._check_readable(path)
            fs.write_atomic(path, _dumps(session.to_json()))

    def clear(self, profile: str, *, cart_id: str | None = None) -> None:
        """Forget the session (only if it still points at ``cart_id`` when one is given)."""
        path = self.path(profile)
        with self._locked(profile):
            current = self.load(profile)
            if current is None or (cart_id is not None and current.cart_id != cart_id):
                return
            path.unlink()
            fs.ensure_private_dir(path.parent)

    def retire(self, profile: str, cart_id: str, outcome: dict[str, Any]) -> None:
        """Move the session of ``cart_id`` to the history file with its outcome."""
        path = self.path(profile)
        with self._locked(profile):
            self._drop_pending(profile)
            current = self.load(profile)
            record: dict[str, Any] = {"cart_id": cart_id, "outcome": outcome}
            if current is not None and current.cart_id == cart_id:
                record["session"] = current.to_json()
            fs.append_durable(
                self.history_path(profile), (json.dumps(record, sort_keys=True) + "\n").encode()
            )
            if current is not None and current.cart_id == cart_id:
                path.unlink()

    # -- the pending add -----------------------------------------------------------------

    def pending_key(self, profile: str, fingerprint: str) -> str:
        """The idempotency key of the add ``fingerprint`` names, recorded before it is sent.

        A retry of the same add (same fingerprint, within :data:`PENDING_TTL`) gets the same
        key, so the provider answers it with the cart a lost answer made instead of a second
        one. Call it under :meth:`editing`.
        """
        path = self.pending_path(profile)
        now = clock.now()
        pending = self._read_pending(path)
        if pending is not None and pending.get("fingerprint") == fingerprint:
            try:
                since = dt.datetime.fromisoformat(str(pending.get("created_at")))
            except ValueError:
                since = None
            key = pending.get("key")
            if since is not None and now - since < PENDING_TTL and isinstance(key, str) and key:
                return key
        key = str(uuid.uuid4())
        record = {"key": key, "fingerprint": fingerprint, "created_at": now.isoformat()}
        fs.write_atomic(path, _dumps(record))
        return key

    def settle_pending(self, profile: str) -> None:
        """The add got its answer: its key is not to be reused."""
        with self._locked(profile):
            self._drop_pending(profile)

    def _drop_pending(self, profile: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.pending_path(profile).unlink()

    @staticmethod
    def _read_pending(path: Path) -> dict[str, Any] | None:
        # Only ever a hint for reusing a key: an unreadable one is replaced, never trusted.
        try:
            data = jsonio.loads(path.read_bytes())
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) else None

    def _check_readable(self, path: Path) -> None:
        # A corrupt file is the user's to repair; never overwrite it.
        if path.exists():
            self.load(path.stem)


def _dumps(data: dict[str, Any]) -> bytes:
    return (json.dumps(data, indent=2, sort_keys=True) + "\n").encode()


def fingerprint(provider: str, cart_id: str | None, options: Mapping[str, Any]) -> str:
    """What makes two ``basket add`` commands the same add: target, options, file contents."""
    given = {k: v for k, v in options.items() if v not in (None, False, [], ())}
    files: dict[str, str] = {}
    for name, value in given.items():
        if name.endswith("file") and isinstance(value, str):
            try:
                files[name] = hashlib.sha256(Path(value).read_bytes()).hexdigest()
            except OSError:
                files[name] = ""
    text = json.dumps([provider, cart_id, given, files], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()
