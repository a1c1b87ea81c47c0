"""``bookctl member``: create and find BookingBug clients (the ``member_id`` of basket/checkout)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from bookctl.cli.context import Application, get_app
from bookctl.core.errors import UsageError
from bookctl.core.output import Amount, TableSpec

if TYPE_CHECKING:
    from bookctl.providers.bookingbug.client import BookingBug, WireClient

group = typer.Typer(
    help="""BookingBug clients (members) and their wallets.

    Example:

      bookctl -p sandbox-bookingbug member show 1001
    """,
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    app.add_typer(group, name="member")


def _bookingbug(app: Application, command: str) -> BookingBug:
    from bookctl.providers.bookingbug.client import BookingBug

    provider = app.provider() if app.profile.provider == "bookingbug" else None
    if not isinstance(provider, BookingBug):
        raise UsageError(
            f"'{command}' is a BookingBug command; profile {app.profile_name!r} is "
            f"{app.profile.provider}",
            hint="use -p sandbox-bookingbug or another bookingbug profile",
        )
    return provider


def _emit(app: Application, client: WireClient, raw: Any) -> None:
    from bookctl.providers.bookingbug.client import pence

    wallet = None
    if client.wallet is not None:
        wallet = {"amount": pence(client.wallet.amount), "currency": client.wallet.currency}
    payload = {
        "id": str(client.id),
        "provider": "bookingbug",
        "first_name": client.first_name,
        "last_name": client.last_name,
        "email": client.email,
        "wallet": wallet,
    }
    balance = Amount(wallet["amount"], wallet["currency"]) if wallet else None
    table = TableSpec(
        title=f"member {client.id}",
        columns=["ID", "NAME", "EMAIL", "WALLET"],
        rows=[[client.id, f"{client.first_name} {client.last_name}", client.email, balance]],
    )
    app.emit(payload, table, raw=raw)


@group.command("add")
def add(
    first_name: Annotated[str, typer.Option("--first-name", metavar="NAME")],
    last_name: Annotated[str, typer.Option("--last-name", metavar="NAME")],
    email: Annotated[str, typer.Option("--email", metavar="EMAIL")],
) -> None:
    """Create a client (POST client); its id is the --member-id of basket add and checkout.

    Example:

      bookctl -p sandbox-bookingbug member add --first-name Ann --last-name Lee \\
          --email ann@example.com
    """
    app = get_app()
    for flag, value in (("--first-name", first_name), ("--last-name", last_name)):
        if not value.strip():
            raise UsageError(f"{flag} must not be empty")
    provider = _bookingbug(app, "member add")
    client, raw = provider.create_member(
        {"first_name": first_name.strip(), "last_name": last_name.strip(), "email": email}
    )
    app.output.success(f"member {client.id} created")
    _emit(app, client, raw)


@group.command("show")
def show(
    member: Annotated[str, typer.Argument(help="Member id or email.", metavar="ID|EMAIL")],
) -> None:
    """Show a client (GET client) with its wallet balance.

    Example:

      bookctl -p sandbox-bookingbug member show alice@example.com
    """
    app = get_app()
    client, raw = _bookingbug(app, "member show").get_member(member)
    _emit(app, client, raw)
