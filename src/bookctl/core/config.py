"""Profiles: ``config.toml`` (settings) and ``credentials.toml`` (keys), plus the built-ins.

Precedence for every setting is flag > environment > profile. The built-in sandbox profiles
need no file at all, and ``sandbox`` is active when nothing is configured.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from bookctl.core import fs, jsonio, paths
from bookctl.core.errors import LocalFileError, NotFoundError, UsageError

if TYPE_CHECKING:
    from bookctl.core.provider import Catalogue

CONFIG_VERSION = 1
EMBEDDED_HOST = "sandbox.embedded"
SANDBOX_DEFAULT_KEY = "sandbox-key"
#: The application id the embedded sandbox issues with its key (for providers that pair one).
SANDBOX_APP_ID = "bookctl-sandbox"
DEFAULT_PROFILE = "sandbox"
MAX_TIMEOUT = 3600.0


@dataclass(frozen=True)
class Profile:
    """A named target: which provider, where, and as whom."""

    name: str
    provider: str
    base_url: str
    company_id: str | None = None
    account: str | None = None
    #: The application id some platforms issue with each key (sent beside it; not a secret).
    app_id: str | None = None
    connect_timeout: float | None = None
    read_timeout: float | None = None
    defaults: dict[str, Any] = field(default_factory=dict)
    builtin: bool = False

    def __post_init__(self) -> None:
        check_timeout(self.connect_timeout, "connect timeout")
        check_timeout(self.read_timeout, "read timeout")

    @property
    def embedded(self) -> bool:
        """True when the profile reaches the in-process sandbox rather than the network."""
        return urlsplit(self.base_url).hostname == EMBEDDED_HOST

    def to_toml(self) -> dict[str, Any]:
        data: dict[str, Any] = {"provider": self.provider, "base_url": self.base_url}
        for key in ("company_id", "account", "app_id", "connect_timeout", "read_timeout"):
            value = getattr(self, key)
            if value is not None:
                data[key] = value
        if self.defaults:
            data["defaults"] = dict(self.defaults)
        return data


def check_timeout(value: float | None, what: str) -> float | None:
    """A timeout in seconds: finite, above 0, at most :data:`MAX_TIMEOUT` (None: the default)."""
    if value is None:
        return None
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or not 0 < value <= MAX_TIMEOUT
    ):
        raise UsageError(
            f"{what} {value!r} is not a number of seconds above 0 and at most {MAX_TIMEOUT:g}",
            hint="e.g. --read-timeout 60, or read_timeout = 60.0 in the profile",
        )
    return float(value)


def embedded_url(prefix: str) -> str:
    """The base URL of an emulator the embedded sandbox serves under ``prefix``."""
    return f"http://{EMBEDDED_HOST}{prefix}"


def validate_profile_name(name: str) -> None:
    if not name or not all(c.isalnum() or c in "-_." for c in name) or name.startswith("."):
        raise UsageError(
            f"invalid profile name {name!r}",
            hint="use letters, digits, '-', '_' and '.'",
        )


def is_loopback_host(host: str | None) -> bool:
    if host is None:
        return False
    if host in ("localhost", "::1") or host.endswith(".localhost"):
        return True
    import ipaddress

    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def validate_base_url(url: str, *, insecure_http: bool) -> str:
    """Check a base URL: http(s), a host, and plain http only on loopback unless allowed."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(
            f"invalid base URL {url!r}",
            hint="give a full URL such as https://api.example.com/v2",
        )
    if parts.username or parts.password or parts.query or parts.fragment:
        raise UsageError(
            "the base URL must not carry credentials, a query or a fragment",
            hint="keys go in credentials.toml via --api-key-stdin",
        )
    if (
        parts.scheme == "http"
        and not insecure_http
        and not is_loopback_host(parts.hostname)
        and parts.hostname != EMBEDDED_HOST
    ):
        raise UsageError(
            f"refusing plain http:// to {parts.hostname}: the API key would travel unencrypted",
            hint="use https://, or pass --insecure-http if you really mean it",
        )
    return url.rstrip("/")


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return {}
    except OSError as err:
        raise LocalFileError(
            f"cannot read {path}: {err.strerror}", hint="check its permissions and owner"
        ) from err
    repair = f"fix or remove {path} (bookctl will not overwrite it)"
    problem = jsonio.utf8_error(data)
    if problem is not None:
        raise LocalFileError(f"{path} is not UTF-8 text ({problem})", hint=repair)
    import tomllib  # only when there is a file to read: a fresh install has none

    try:
        return tomllib.loads(data.decode("utf-8"))
    except tomllib.TOMLDecodeError as err:
        raise LocalFileError(f"{path} is not valid TOML: {err}", hint=repair) from err
    except RecursionError as err:
        raise LocalFileError(
            f"{path} is nested too deeply to be a bookctl file", hint=repair
        ) from err


def _write_toml(path: Path, data: dict[str, Any]) -> None:
    import tomli_w

    fs.write_atomic(path, tomli_w.dumps(data).encode())


class ConfigStore:
    """Reads and writes ``config.toml`` and ``credentials.toml`` under one lock."""

    def __init__(self, directory: Path | None = None, catalogue: Catalogue | None = None) -> None:
        self.directory = directory or paths.config_dir()
        self._known = catalogue

    @property
    def catalogue(self) -> Catalogue:
        """The providers profiles may name (what the command line composed this store with)."""
        if self._known is None:
            raise RuntimeError("this ConfigStore was made without a provider catalogue")
        return self._known

    @property
    def builtins(self) -> dict[str, Profile]:
        return self.catalogue.builtin_profiles(embedded_url)

    @property
    def config_path(self) -> Path:
        return self.directory / "config.toml"

    @property
    def credentials_path(self) -> Path:
        return self.directory / "credentials.toml"

    def _load(self) -> dict[str, Any]:
        data = _read_toml(self.config_path)
        profiles = data.get("profiles", {})
        if not isinstance(profiles, dict) or not all(
            isinstance(v, dict) for v in profiles.values()
        ):
            raise LocalFileError(
                f"{self.config_path}: [profiles] must be a table of tables",
                hint=f"fix or remove {self.config_path}",
            )
        return data

    def _profile_from(self, name: str, raw: dict[str, Any]) -> Profile:
        try:
            profile = Profile(
                name=name,
                provider=str(raw["provider"]),
                base_url=str(raw["base_url"]),
                company_id=_opt_str(raw.get("company_id")),
                account=_opt_str(raw.get("account")),
                app_id=_opt_str(raw.get("app_id")),
                connect_timeout=_opt_float(raw.get("connect_timeout")),
                read_timeout=_opt_float(raw.get("read_timeout")),
                defaults=dict(raw.get("defaults", {})),
            )
        except (KeyError, TypeError, ValueError, UsageError) as err:
            raise LocalFileError(
                f"{self.config_path}: profile {name!r} is incomplete or malformed ({err})",
                hint=f"fix it, or run 'bookctl profile remove {name}' and add it again",
            ) from err
        if profile.provider not in self.catalogue:
            raise LocalFileError(
                f"{self.config_path}: profile {name!r} has unknown provider {profile.provider!r}",
                hint=f"use one of: {', '.join(self.catalogue.keys())}",
            )
        return profile

    def profiles(self) -> dict[str, Profile]:
        """Built-in profiles first, then the configured ones."""
        data = self._load()
        result = self.builtins
        for name, raw in data.get("profiles", {}).items():
            result[name] = self._profile_from(name, raw)
        return result

    def active_name(self) -> str:
        active = self._load().get("active")
        return str(active) if active else DEFAULT_PROFILE

    def get(self, name: str) -> Profile:
        profiles = self.profiles()
        if name not in profiles:
            known = ", ".join(sorted(profiles))
            raise NotFoundError(
                f"no profile named {name!r}",
                hint=f"known profiles: {known}; add one with 'bookctl profile add'",
            )
        return profiles[name]

    @contextmanager
    def _editing(self) -> Iterator[dict[str, Any]]:
        with fs.locked(self.config_path):
            data = self._load()
            yield data
            data["version"] = CONFIG_VERSION
            _write_toml(self.config_path, data)

    def add(self, profile: Profile, api_key: str | None) -> None:
        if profile.name in self.builtins:
            raise UsageError(
                f"{profile.name!r} is a built-in profile",
                hint="pick another name; built-ins cannot be replaced",
            )
        with fs.locked(self.config_path):
            data = self._load()
            profiles = data.setdefault("profiles", {})
            if profile.name in profiles:
                raise UsageError(
                    f"profile {profile.name!r} already exists",
                    hint=f"remove it first: bookctl profile remove {profile.name}",
                )
            creds = _read_toml(self.credentials_path) if api_key is not None else {}
            profiles[profile.name] = profile.to_toml()
            data["version"] = CONFIG_VERSION
            _write_toml(self.config_path, data)
            # The key only after its profile: a kill in between leaves a profile without a
            # key (re-add it), never a key without a profile.
            if api_key is not None:
                creds[profile.name] = {"api_key": api_key}
                _write_toml(self.credentials_path, creds)

    def remove(self, name: str) -> None:
        if name in self.builtins:
            raise UsageError(f"{name!r} is a built-in profile and cannot be removed")
        with self._editing() as data:
            profiles = data.get("profiles", {})
            if name not in profiles:
                raise NotFoundError(f"no profile named {name!r}", hint="see 'bookctl profile list'")
            # The key goes first: a kill in between never leaves a key without a profile.
            self._remove_key(name)
            del profiles[name]
            if data.get("active") == name:
                del data["active"]

    def use(self, name: str) -> None:
        self.get(name)
        with self._editing() as data:
            data["active"] = name

    def _remove_key(self, name: str) -> None:
        creds = _read_toml(self.credentials_path)
        if name in creds:
            creds.pop(name)
            _write_toml(self.credentials_path, creds)

    def set_login_token(self, name: str, token: str) -> None:
        """Keep the session token a login answered for profile ``name`` (credentials.toml)."""
        self.get(name)
        with fs.locked(self.config_path):
            creds = _read_toml(self.credentials_path)
            entry = creds.get(name)
            creds[name] = {**(entry if isinstance(entry, dict) else {}), "login_token": token}
            _write_toml(self.credentials_path, creds)

    def login_token(self, profile: Profile) -> str | None:
        """The session token of the profile's last login, if any."""
        entry = _read_toml(self.credentials_path).get(profile.name)
        if isinstance(entry, dict) and isinstance(entry.get("login_token"), str):
            return str(entry["login_token"])
        return None

    def api_key(self, profile: Profile) -> str | None:
        """The key for ``profile``: the sandbox's for embedded profiles, else ``BOOKCTL_API_KEY``,
        then credentials.toml."""
        if profile.embedded:
            # The in-process sandbox only knows its own key; a real key never goes there.
            return sandbox_key()
        env = os.environ.get("BOOKCTL_API_KEY")
        if env:
            return env
        entry = _read_toml(self.credentials_path).get(profile.name)
        if isinstance(entry, dict) and isinstance(entry.get("api_key"), str):
            return str(entry["api_key"])
        return None


def app_id(profile: Profile) -> str | None:
    """The profile's application id: the sandbox's for embedded profiles, else
    ``BOOKCTL_APP_ID``, then the profile's own."""
    if profile.embedded:
        return SANDBOX_APP_ID
    return os.environ.get("BOOKCTL_APP_ID") or profile.app_id


def sandbox_key() -> str:
    """The sandbox's key: ``BOOKCTL_SANDBOX_KEY`` or the default ``sandbox-key``."""
    return os.environ.get("BOOKCTL_SANDBOX_KEY") or SANDBOX_DEFAULT_KEY


def _opt_str(value: Any) -> str | None:
    return None if value is None else str(value)


def _opt_float(value: Any) -> float | None:
    return None if value is None else float(value)


def with_timeouts(profile: Profile, connect: float | None, read: float | None) -> Profile:
    return replace(
        profile,
        connect_timeout=connect if connect is not None else profile.connect_timeout,
        read_timeout=read if read is not None else profile.read_timeout,
    )
