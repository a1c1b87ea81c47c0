"""``bookctl login``: log in to BookingBug for an Auth-Token kept with the profile's key."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from bookctl.cli.context import get_app
from bookctl.core import validate
from bookctl.core.errors import ApiAuthError, AuthError, UsageError


def register(app: typer.Typer) -> None:
    app.command("login")(login)


def login(
    email: Annotated[
        str | None,
        typer.Option(
            "--email", help="The login's email (asked for when left out).", metavar="EMAIL"
        ),
    ] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
) -> None:
    """Log in to BookingBug (POST login) and keep the Auth-Token for the profile.

    The password comes from a hidden prompt or from standard input, never from a flag. The
    token is kept in credentials.toml (mode 0600) beside the profile's key, and sent as the
    Auth-Token header on the calls that act for someone: clients (members), the first add to
    a basket and the read-back of a purchase.

    Example:

      printf '%s\\n' "$BB_PASSWORD" | bookctl -p sandbox-bookingbug login \\
          --email admin@oldmill.example --password-stdin
    """
    from bookctl.providers.bookingbug.client import BookingBug

    app = get_app()
    if app.profile.provider != "bookingbug":
        raise UsageError(
            f"'login' is a BookingBug command; profile {app.profile_name!r} is "
            f"{app.profile.provider}",
            hint="use -p sandbox-bookingbug or another bookingbug profile",
        )
    if email is None:
        if not app.interactive:
            raise UsageError("login needs --email", hint=app.no_prompt_hint("pass --email"))
        email = typer.prompt("Email", err=True)
    address = validate.check_email(email, "--email")
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    elif app.interactive:
        password = typer.prompt("Password", hide_input=True, err=True)
    else:
        raise UsageError(
            "login needs a password", hint=app.no_prompt_hint("pipe it in with --password-stdin")
        )
    if not password:
        raise UsageError("the password is empty")
    provider = app.provider()
    assert isinstance(provider, BookingBug)
    try:
        token = provider.login(address, password)
    except ApiAuthError as err:
        raise AuthError(
            f"BookingBug refused the login of {address}",
            hint="check the email and password, and the profile's App-Id and App-Key",
        ) from err
    app.config.set_login_token(app.profile_name, token)
    app.output.success(f"logged in to {app.profile_name!r} as {address}")
    if app.output.is_json:
        app.emit({"profile": app.profile_name, "provider": "bookingbug", "email": address})
