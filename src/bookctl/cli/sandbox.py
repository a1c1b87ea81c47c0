"""``bookctl sandbox``: serve, reset and move the clock of the built-in emulator."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

from bookctl.cli.context import get_app
from bookctl.cli.embedded import open_sandbox
from bookctl.core import paths
from bookctl.core.config import EMBEDDED_HOST, Profile, sandbox_key, validate_base_url
from bookctl.core.errors import LocalFileError, UsageError
from bookctl.core.output import TableSpec

if TYPE_CHECKING:
    from bookctl.core.http import ApiClient

group = typer.Typer(
    help="""The built-in sandbox that emulates all five APIs.

    Example:

      bookctl sandbox serve --port 8765
      bookctl sandbox clock advance 11m
    """,
    no_args_is_help=True,
)
clock_group = typer.Typer(
    help="""The sandbox clock.

    Example:

      bookctl sandbox clock advance 1m
    """,
    no_args_is_help=True,
)
group.add_typer(clock_group, name="clock")

_DURATION = re.compile(r"(\d+(?:\.\d+)?)([smhd])")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}

T = TypeVar("T")

Url = Annotated[
    str | None,
    typer.Option(
        "--url",
        help="A served sandbox, e.g. http://127.0.0.1:8765 (default: the embedded one).",
        metavar="URL",
    ),
]


def register(app: typer.Typer) -> None:
    app.add_typer(group, name="sandbox")


def parse_duration(text: str) -> float:
    """``90s``, ``15m``, ``2h``, ``1d``, ``1h30m`` or plain seconds."""
    cleaned = text.strip().lower()
    try:
        seconds = float(cleaned)
    except ValueError:
        pass
    else:
        if not math.isfinite(seconds):
            raise UsageError(f"{text!r} is not a duration", hint="e.g. 90s, 15m, 2h, 1d or 1h30m")
        return seconds
    parts = _DURATION.findall(cleaned)
    if not parts or "".join(n + u for n, u in parts) != cleaned:
        raise UsageError(f"{text!r} is not a duration", hint="e.g. 90s, 15m, 2h, 1d or 1h30m")
    return sum(float(n) * _UNIT_SECONDS[u] for n, u in parts)


def _free_port(host: str, port: int) -> int:
    """``port`` if it can be bound on ``host`` (0: a free one), else a usage error."""
    import socket

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        try:
            sock.bind((host, port))
        except OSError as err:
            raise UsageError(
                f"cannot serve on {host}:{port}: {err.strerror}",
                hint="another process holds that port; pass --port 0 to pick a free one",
            ) from err
        return int(sock.getsockname()[1])


def _admin(url: str | None) -> ApiClient:
    app = get_app()
    base = f"http://{EMBEDDED_HOST}" if url is None else validate_base_url(url, insecure_http=False)
    profile = Profile(name="sandbox-admin", provider="sandbox", base_url=base, builtin=True)
    return app.client_for(profile, {}, "")


@group.command("serve")
def serve(
    host: Annotated[str, typer.Option("--host", help="Loopback address to bind.")] = "127.0.0.1",
    port: Annotated[
        int, typer.Option("--port", help="Port; 0 picks a free one and prints it.")
    ] = 8765,
    db: Annotated[
        Path | None,
        typer.Option("--db", help="SQLite file (default: the embedded sandbox's).", metavar="PATH"),
    ] = None,
    faults: Annotated[
        str | None,
        typer.Option("--faults", help="Fault spec, e.g. '503=0.1,latency=1@50'.", metavar="SPEC"),
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the fault generator.")] = 0,
    api_key: Annotated[
        str | None,
        typer.Option(
            "--api-key",
            help="Key clients must send (default BOOKCTL_SANDBOX_KEY or 'sandbox-key').",
            metavar="KEY",
        ),
    ] = None,
) -> None:
    """Serve the sandbox on loopback for other clients and for tests.

    Example:

      bookctl sandbox serve --port 8765
    """
    from bookctl.core.fs import ensure_private_dir
    from bookctl.sandbox.faults import parse_spec
    from bookctl.sandbox.server import is_loopback
    from bookctl.sandbox.server import serve as run_server

    app = get_app()
    if not 0 <= port <= 65535:
        raise UsageError(f"--port {port} is not a port number")
    if not is_loopback(host):
        raise UsageError(
            f"--host {host} is not a loopback address",
            hint="the sandbox serves this machine only: use 127.0.0.1 or ::1",
        )
    try:
        parse_spec(faults)
    except ValueError as err:
        raise UsageError(f"--faults: {err}", hint="e.g. '503=0.1,latency=1@50'") from err
    port = _free_port(host, port)
    path = db or paths.embedded_sandbox_db()
    try:
        ensure_private_dir(path.parent)
    except OSError as err:
        raise LocalFileError(f"cannot create {path.parent}: {err.strerror}") from err
    from bookctl.sandbox.store import check_database

    open_sandbox(path, check_database)
    app.output.info(f"sandbox serving on http://{host}:{port} (db {path}); Ctrl-C stops it")
    try:
        run_server(
            host=host,
            port=port,
            db_path=path,
            api_key=api_key or sandbox_key(),
            faults=faults,
            seed=seed,
        )
    except ValueError as err:
        raise UsageError(str(err)) from err


@group.command("reset")
def reset(url: Url = None) -> None:
    """Wipe the sandbox's carts, orders and clock, and reseed its catalogues.

    Example:

      bookctl sandbox reset
    """
    app = get_app()
    if url is None:
        _discard_ifdamaged(app.output.warn)
    client = _admin(url)
    client.request("POST", "_sandbox/reset")
    app.output.success("sandbox reset")
    app.emit(
        {"ok": True}, TableSpec(columns=["SANDBOX", "STATE"], rows=[[url or "embedded", "reset"]])
    )


def _discard_ifdamaged(warn: Callable[[str], None]) -> None:
    """A damaged embedded database is removed: resetting it is what the user asked for."""
    from bookctl.core.fs import ensure_private_dir
    from bookctl.sandbox.store import DamagedStore, check_database, remove_database

    db = paths.embedded_sandbox_db()
    ensure_private_dir(db.parent)
    try:
        check_database(db)
    except DamagedStore as err:
        remove_database(db)
        warn(f"removed the damaged sandbox database {db} ({err.detail})")


@clock_group.command("advance")
def advance(
    duration: Annotated[str, typer.Argument(help="How far: 90s, 15m, 2h, 1d.")],
    url: Url = None,
) -> None:
    """Move the sandbox clock forward (expire carts, finish payments).

    Example:

      bookctl sandbox clock advance 11m
    """
    app = get_app()
    seconds = parse_duration(duration)
    if seconds <= 0:
        raise UsageError("the clock only moves forward", hint="give a positive duration")
    client = _admin(url)
    data = client.request("POST", "_sandbox/clock", json_body={"advance_seconds": seconds}).json()
    app.output.success(f"sandbox clock is now {data.get('now')}")
    app.emit(data, TableSpec(columns=["NOW"], rows=[[data.get("now")]]))
