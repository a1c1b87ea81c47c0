"""``bookctl completion SHELL``: print a completion script (placeholder, being written)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Register the completion command on ``app``."""
