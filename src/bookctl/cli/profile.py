"""``bookctl profile``: add, list, show, use and remove profiles."""

from __future__ import annotations

import os
import sys
from typing import Annotated

import typer

from bookctl.cli.context import get_app
from bookctl.core.config import (
    PROVIDERS,
    Profile,
    validate_base_url,
    validate_profile_name,
    validate_provider,
)
from bookctl.core.errors import UsageError
from bookctl.core.output import TableSpec

group = typer.Typer(help="Manage profiles (provider, base URL, key).", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(group, name="profile")


def _mask(key: str | None) -> str | None:
    if not key:
        return None
    return "****" + key[-4:] if len(key) > 8 else "****"


def _profile_json(profile: Profile, active: str, key: str | None) -> dict[str, object]:
    return {
        "name": profile.name,
        "provider": profile.provider,
        "base_url": "embedded sandbox" if profile.embedded else profile.base_url,
        "company_id": profile.company_id,
        "account": profile.account,
        "app_id": profile.app_id,
        "connect_timeout": profile.connect_timeout,
        "read_timeout": profile.read_timeout,
        "builtin": profile.builtin,
        "active": profile.name == active,
        "api_key": _mask(key),
    }


@group.command("add")
def add(
    name: Annotated[str, typer.Argument(help="Profile name.")],
    provider: Annotated[
        str, typer.Option("--provider", help=f"One of: {', '.join(PROVIDERS)}.", metavar="P")
    ],
    base_url: Annotated[str, typer.Option("--base-url", help="API root URL.", metavar="URL")],
    company_id: Annotated[
        str | None, typer.Option("--company-id", help="BookingBug company id.", metavar="ID")
    ] = None,
    account: Annotated[
        str | None, typer.Option("--account", help="Rundl account id.", metavar="ID")
    ] = None,
    app_id: Annotated[
        str | None,
        typer.Option(
            "--app-id",
            help="BookingBug App-Id (issued with the App-Key; env BOOKCTL_APP_ID).",
            metavar="ID",
        ),
    ] = None,
    api_key_stdin: Annotated[
        bool, typer.Option("--api-key-stdin", help="Read the API key from standard input.")
    ] = False,
    use: Annotated[bool, typer.Option("--use", help="Make it the active profile.")] = False,
) -> None:
    """Create a profile. The key comes from stdin or BOOKCTL_API_KEY, never from a flag.

    A bookingbug profile takes --company-id and --app-id (the App-Id BookingBug issues with
    the App-Key); its key is the App-Key.

    --connect-timeout and --read-timeout given here are kept as the profile's defaults.

    Rundl: give the user access token as issued; bookctl Base64-encodes it for the OAuth header.

    Example:

      echo "$KEY" | bookctl profile add mine --provider bookinglayer \\
          --base-url http://127.0.0.1:8765/bookinglayer/api/pub/v2 --api-key-stdin
    """
    app = get_app()
    validate_profile_name(name)
    validate_provider(provider)
    url = validate_base_url(base_url, insecure_http=app.options.insecure_http)
    if company_id is not None and provider != "bookingbug":
        raise UsageError("--company-id is for bookingbug profiles only")
    if account is not None and provider != "rundl":
        raise UsageError("--account is for rundl profiles only")
    if provider == "bookingbug" and not company_id:
        raise UsageError("a bookingbug profile needs --company-id")
    if provider == "rundl" and not account:
        raise UsageError("a rundl profile needs --account")
    if app_id is not None and provider != "bookingbug":
        raise UsageError("--app-id is for bookingbug profiles only")
    if provider == "bookingbug":
        app_id = (app_id or os.environ.get("BOOKCTL_APP_ID") or "").strip()
        if not app_id:
            raise UsageError(
                "a bookingbug profile needs --app-id",
                hint="BookingBug issues an App-Id with every App-Key; give it with --app-id "
                "or BOOKCTL_APP_ID",
            )
    key: str | None = None
    if api_key_stdin:
        key = sys.stdin.readline().strip()
        if not key:
            raise UsageError("--api-key-stdin: standard input held no key")
    elif os.environ.get("BOOKCTL_API_KEY"):
        key = os.environ["BOOKCTL_API_KEY"]
    profile = Profile(
        name=name,
        provider=provider,
        base_url=url,
        company_id=company_id,
        account=account,
        app_id=app_id,
        connect_timeout=app.options.connect_timeout,
        read_timeout=app.options.read_timeout,
    )
    app.config.add(profile, key)
    if use:
        app.config.use(name)
    if key is None:
        app.output.warn(f"profile {name!r} has no key; set BOOKCTL_API_KEY when you use it")
    app.output.success(f"profile {name!r} added" + (" and active" if use else ""))
    if app.output.is_json:
        app.emit(_profile_json(profile, app.config.active_name(), key))


@group.command("list")
def list_() -> None:
    """List profiles, built-in ones included; the active one is marked.

    Example:

      bookctl profile list --json
    """
    app = get_app()
    active = app.config.active_name()
    profiles = app.config.profiles()
    rows = [_profile_json(p, active, app.config.api_key(p)) for p in profiles.values()]
    table = TableSpec(
        columns=["", "NAME", "PROVIDER", "BASE URL", "KEY"],
        rows=[
            ["*" if r["active"] else "", r["name"], r["provider"], r["base_url"], r["api_key"]]
            for r in rows
        ],
    )
    app.emit(rows, table)


@group.command("show")
def show(
    name: Annotated[str | None, typer.Argument(help="Profile (default: active).")] = None,
) -> None:
    """Show one profile; the key is masked.

    Example:

      bookctl profile show mine
    """
    app = get_app()
    profile = app.config.get(name or app.profile_name)
    data = _profile_json(profile, app.config.active_name(), app.config.api_key(profile))
    table = TableSpec(columns=["FIELD", "VALUE"], rows=[[k, v] for k, v in data.items()])
    app.emit(data, table)


@group.command("use")
def use_(name: Annotated[str, typer.Argument(help="Profile to make active.")]) -> None:
    """Make a profile the active one.

    Example:

      bookctl profile use mine
    """
    app = get_app()
    app.config.use(name)
    app.output.success(f"profile {name!r} is active")


@group.command("remove")
def remove(name: Annotated[str, typer.Argument(help="Profile to remove.")]) -> None:
    """Remove a profile and its key.

    Example:

      bookctl profile remove mine
    """
    app = get_app()
    app.config.remove(name)
    app.output.success(f"profile {name!r} removed")
