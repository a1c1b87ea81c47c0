"""``bookctl sandbox``: serve, reset and move the clock of the built-in emulator, and see or
stop its background server."""

from __future__ import annotations

import contextlib
import math
import os
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from bookctl.cli.context import get_app
from bookctl.cli.embedded import open_sandbox
from bookctl.core import paths
from bookctl.core.config import EMBEDDED_HOST, Profile, sandbox_key, validate_base_url
from bookctl.core.errors import BookctlError, LocalFileError, UnreachableError, UsageError
from bookctl.core.output import TableSpec

if TYPE_CHECKING:
    from bookctl.core.http import ApiClient

group = typer.Typer(
    help="""The built-in sandbox that emulates all five APIs.

    Example:

      bookctl sandbox serve --port 8765
      bookctl sandbox clock advance 11m
      bookctl sandbox status
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
        _stop_background()  # it keeps the file open: it must not go on serving a removed one
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


_STATUS_COLUMNS = ["SANDBOX", "STATE", "PID", "VERSION", "IDLE LEFT", "SOCKET"]
#: How long ``sandbox stop`` waits for the server to go, after asking it and after SIGKILL.
_STOP_WAIT_SECONDS = 10.0


@group.command("status")
def status() -> None:
    """Show whether the background sandbox of this state dir runs.

    Commands on the embedded sandbox start it and then reach it over a Unix socket; it stops
    after BOOKCTL_SANDBOX_IDLE seconds (300) without a request. BOOKCTL_SANDBOX_DAEMON=0 keeps
    everything in-process (the default when CI is set).

    Example:

      bookctl sandbox status --json
    """
    from bookctl.cli import background
    from bookctl.sandbox.protocol import holder

    app = get_app()
    info = holder(paths.sandbox_server_lock())
    live: dict[str, Any] = {}
    if info and isinstance(info.get("socket"), str) and os.path.exists(info["socket"]):
        try:
            answer = _daemon_client(info["socket"]).get_json("_sandbox/daemon")
        except BookctlError:
            answer = None
        if isinstance(answer, dict):
            live = answer
    sock = background.socket_path() if background.enabled() else None
    data: dict[str, Any] = {
        "running": info is not None,
        "pid": info.get("pid") if info else None,
        "version": info.get("version") if info else None,
        "socket": info.get("socket") if info else None,
        "db": info.get("db") if info else None,
        "started_at": info.get("started_at") if info else None,
        "idle_seconds": info.get("idle_seconds") if info else None,
        "idle_left": live.get("idle_left"),
        "requests": live.get("requests"),
        "current": info is not None and sock is not None and info.get("socket") == str(sock),
        "autostart": background.enabled(),
    }
    if info is None:
        state = "stopped"
    elif not info.get("pid"):
        state = "starting"
    else:
        state = "running" if data["current"] else "running (not used by this shell)"
    idle_left = data["idle_left"]
    row = [
        "background",
        state,
        _cell(data["pid"]),
        _cell(data["version"]),
        "-" if idle_left is None else f"{idle_left:.0f}s",
        _cell(data["socket"]),
    ]
    app.emit(data, TableSpec(columns=_STATUS_COLUMNS, rows=[row]))


@group.command("stop")
def stop() -> None:
    """Stop the background sandbox of this state dir (exit 0 when none runs).

    The next command on the embedded sandbox runs in-process and starts it again.

    Example:

      bookctl sandbox stop
    """
    app = get_app()
    pid = _stop_background()
    if pid is None:
        app.output.info("no background sandbox was running")
    else:
        app.output.success(f"background sandbox stopped (pid {pid})")
    app.emit(
        {"stopped": pid is not None, "pid": pid},
        TableSpec(
            columns=["SANDBOX", "STATE", "PID"],
            rows=[["background", "stopped" if pid else "not running", _cell(pid)]],
        ),
    )


def _cell(value: object) -> str:
    return "-" if value is None else str(value)


def _daemon_client(sock: str) -> ApiClient:
    """A client of the background server listening on ``sock`` (whatever its version)."""
    from bookctl.core.http import UnixSocketTransport

    profile = Profile(
        name="sandbox-admin",
        provider="sandbox",
        base_url=f"http://{EMBEDDED_HOST}",
        builtin=True,
        connect_timeout=2.0,
        read_timeout=10.0,
    )
    return get_app().client_for(profile, {}, "", transport=UnixSocketTransport(sock))


def _stop_background() -> int | None:
    """Stop the background sandbox of this state dir and wait until it is gone; its pid, or
    None when none ran."""
    import signal

    lock = paths.sandbox_server_lock()
    info = _settled(lock)
    if info is None:
        return None
    pid = info.get("pid")
    pid = pid if isinstance(pid, int) and pid > 0 else None
    sock = info.get("socket")
    asked = False
    if isinstance(sock, str) and os.path.exists(sock):
        try:
            _daemon_client(sock).request("POST", "_sandbox/daemon/stop")
            asked = True
        except BookctlError:
            pass
    if pid is not None:
        if not asked:
            _signal(pid, signal.SIGTERM)
        if not _gone(lock, _STOP_WAIT_SECONDS):
            _signal(pid, signal.SIGKILL)
    if not _gone(lock, _STOP_WAIT_SECONDS):
        raise UnreachableError(
            f"the background sandbox{f' (pid {pid})' if pid else ''} did not stop",
            hint=f"stop it with 'kill {pid}'" if pid else "try again",
        )
    return pid


def _settled(lock: Path) -> dict[str, Any] | None:
    """What the server holding ``lock`` says it is, once it has said it (a server still
    starting has not yet), or None when none holds it."""
    from bookctl.sandbox.protocol import holder

    deadline = time.monotonic() + _STOP_WAIT_SECONDS
    while True:
        info = holder(lock)
        if info is None or info.get("pid") or time.monotonic() > deadline:
            return info
        time.sleep(0.05)


def _gone(lock: Path, seconds: float) -> bool:
    from bookctl.sandbox.protocol import holder

    deadline = time.monotonic() + seconds
    while holder(lock) is not None:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def _signal(pid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, sig)
