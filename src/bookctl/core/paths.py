"""Where bookctl keeps its files: the one place that knows the directories."""

from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "bookctl"


def config_dir() -> Path:
    """Profiles and credentials; ``BOOKCTL_CONFIG_DIR`` overrides the platform's default."""
    env = os.environ.get("BOOKCTL_CONFIG_DIR")
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def state_dir() -> Path:
    """Cart sessions, journals and the embedded sandbox; ``BOOKCTL_STATE_DIR`` overrides."""
    env = os.environ.get("BOOKCTL_STATE_DIR")
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_state_dir(APP_NAME, appauthor=False))


def sessions_dir() -> Path:
    return state_dir() / "sessions"


def embedded_sandbox_db() -> Path:
    return state_dir() / "sandbox.db"


def sandbox_server_lock() -> Path:
    """Held by the background sandbox of this state dir for its life; says what it is."""
    return state_dir() / "sandbox-server.lock"


def sandbox_server_log() -> Path:
    """The background sandbox's stderr (its last run only)."""
    return state_dir() / "sandbox-server.log"
