"""``bookctl profile``: add, list, show, use and remove profiles."""

from __future__ import annotations

import os
import sys
from typing import Annotated

import typer

from bookctl.cli.context import get_app
from bookctl.cli.options import Yes
from bookctl.core.config import Profile, validate_base_url, validate_profile_name
from bookctl.core.errors import UsageError
from bookctl.core.output import TableSpec
from bookctl.providers import CATALOGUE


def _who_needs(setting: str) -> str:
    """The providers whose profiles take ``setting`` (``company_id``, ``account``, ...)."""
    return ", ".join(spec.key for spec in CATALOGUE.specs() if setting in spec.profile_fields)


def _check_settings(provider: str, settings: dict[str, str | None]) -> dict[str, str | None]:
    """The provider's profile settings: each it needs is there, none it lacks is given."""
    spec = CATALOGUE.spec(provider)
    for setting, value in settings.items():
        if value is not None and setting not in spec.profile_fields:
            flag = "--" + setting.replace("_", "-")
            raise UsageError(f"{flag} is for {_who_needs(setting)} profiles only")
    result = dict(settings)
    if "app_id" in spec.profile_fields:
        # Issued with the key, so it may come from the environment beside BOOKCTL_API_KEY.
        result["app_id"] = (settings["app_id"] or os.environ.get("BOOKCTL_APP_ID") or "").strip()
    for setting in spec.profile_fields:
        if not result.get(setting):
            flag = "--" + setting.replace("_", "-")
            hint = (
                f"{spec.title} issues an App-Id with every key; give it with --app-id or "
                "BOOKCTL_APP_ID"
                if setting == "app_id"
                else None
            )
            raise UsageError(f"a {provider} profile needs {flag}", hint=hint)
    return result


group = typer.Typer(
    help="""Manage profiles (provider, base URL, key).

    Example:

      bookctl profile list
      bookctl profile use sandbox-wix
    """,
    no_args_is_help=True,
)


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
        str,
        typer.Option("--provider", help=f"One of: {', '.join(CATALOGUE.keys())}.", metavar="P"),
    ],
    base_url: Annotated[str, typer.Option("--base-url", help="API root URL.", metavar="URL")],
    company_id: Annotated[
        str | None,
        typer.Option(
            "--company-id", help=f"Company id ({_who_needs('company_id')}).", metavar="ID"
        ),
    ] = None,
    account: Annotated[
        str | None,
        typer.Option("--account", help=f"Account id ({_who_needs('account')}).", metavar="ID"),
    ] = None,
    app_id: Annotated[
        str | None,
        typer.Option(
            "--app-id",
            help=f"App-Id issued with the key ({_who_needs('app_id')}; env BOOKCTL_APP_ID).",
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
    CATALOGUE.spec(provider)
    url = validate_base_url(base_url, insecure_http=app.options.insecure_http)
    settings = _check_settings(
        provider, {"company_id": company_id, "account": account, "app_id": app_id}
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
        company_id=settings["company_id"],
        account=settings["account"],
        app_id=settings["app_id"],
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
def remove(
    name: Annotated[str, typer.Argument(help="Profile to remove.")], yes: Yes = False
) -> None:
    """Remove a profile and its key (asks first unless --yes).

    Example:

      bookctl profile remove mine --yes
    """
    app = get_app()
    if name not in app.config.builtins:
        app.config.get(name)
        if not yes:
            app.confirm(
                f"Remove profile {name!r} and its key?",
                needs=f"removing profile {name!r} needs --yes",
            )
    app.config.remove(name)
    app.output.success(f"profile {name!r} removed")
