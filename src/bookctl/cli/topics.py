"""``bookctl help [TOPIC]``: what every page shares, said once (as ``gh help environment``)."""

from __future__ import annotations

from typing import Annotated

import click
import typer

from bookctl.cli.context import get_app
from bookctl.core.errors import UsageError
from bookctl.core.output import TableSpec

TOPICS = {
    "options": "the global options, accepted before the command or on it",
    "environment": "the environment variables bookctl reads",
}

ENVIRONMENT = [
    ("BOOKCTL_PROFILE", "the profile to use (like -p)"),
    ("BOOKCTL_OUTPUT", "table, json or csv (like -o)"),
    ("BOOKCTL_API_KEY", "the API key, overriding the profile's"),
    ("BOOKCTL_CONNECT_TIMEOUT", "connect timeout in seconds"),
    ("BOOKCTL_READ_TIMEOUT", "read timeout in seconds"),
    ("BOOKCTL_CONFIG_DIR", "where config.toml and credentials.toml live"),
    ("BOOKCTL_STATE_DIR", "where cart sessions, history and the sandbox database live"),
    ("BOOKCTL_SANDBOX_KEY", "the key a served sandbox accepts (default sandbox-key)"),
    ("BOOKCTL_SANDBOX_DAEMON", "0: keep the embedded sandbox in-process (no background server)"),
    ("BOOKCTL_SANDBOX_IDLE", "seconds the background sandbox waits idle before it stops (300)"),
    ("BOOKCTL_DEBUG", "1: tracebacks on errors"),
    ("NO_COLOR", "no colour or other styles"),
    ("CI", "true: never prompt, and no background sandbox unless BOOKCTL_SANDBOX_DAEMON=1"),
]


def register(app: typer.Typer) -> None:
    app.command("help")(help_topic)


def help_topic(
    topic: Annotated[
        str | None, typer.Argument(help=f"One of: {', '.join(TOPICS)}.", metavar="TOPIC")
    ] = None,
) -> None:
    """Help on what every command shares: options, environment.

    Example:

      bookctl help options
      bookctl help environment
    """
    app = get_app()
    if topic is None:
        root = click.get_current_context().find_root()
        click.echo(root.get_help())
        return
    if topic == "options":
        root_command = click.get_current_context().find_root().command
        rows = [
            [", ".join(p.opts), getattr(p, "envvar", None), p.help]
            for p in root_command.params
            if isinstance(p, click.Option)
            and p.name not in ("help",)
            and not p.hidden
            and p.opts[0] != "--help"
        ]
        app.emit(
            [{"option": r[0], "env": r[1], "help": r[2]} for r in rows],
            TableSpec(columns=["OPTION", "ENV", "WHAT"], rows=rows, title="global options"),
        )
        return
    if topic == "environment":
        app.emit(
            [{"name": n, "help": h} for n, h in ENVIRONMENT],
            TableSpec(columns=["VARIABLE", "WHAT"], rows=[list(e) for e in ENVIRONMENT]),
        )
        return
    raise UsageError(
        f"no help topic {topic!r}",
        hint="topics: " + ", ".join(f"{name} ({what})" for name, what in TOPICS.items()),
    )
