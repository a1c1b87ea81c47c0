"""Wires the command modules into one Typer app and runs it behind the one error handler."""

from __future__ import annotations

import os
import sys
from typing import Any

import click
import typer

from bookctl.cli import (
    availability,
    basket,
    business,
    cart,
    checkout,
    completion,
    demo,
    packages,
    prices,
    products,
    profile,
    sandbox,
)
from bookctl.cli.options import make_global_options

HELP = """\
bookctl: book trips, tickets and classes on five booking platforms from one command line.

With no setup it talks to the built-in sandbox (profile 'sandbox'). Try:

  bookctl demo
  bookctl products
  bookctl availability 384 --start-date 2026-12-01
"""

app = typer.Typer(
    name="bookctl",
    help=HELP,
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
    pretty_exceptions_enable=False,
)

profile.register(app)
products.register(app)
packages.register(app)
availability.register(app)
prices.register(app)
business.register(app)
basket.register(app)
cart.register(app)
checkout.register(app)
sandbox.register(app)
demo.register(app)
completion.register(app)


def build_cli() -> click.Command:
    """The click command tree with the global options attached to every command."""
    command = typer.main.get_command(app)
    _attach_globals(command, root=True)
    return command


def _attach_globals(command: click.Command, *, root: bool) -> None:
    command.params.extend(make_global_options(root=root))
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            _attach_globals(sub, root=False)


def _debug() -> bool:
    return os.environ.get("BOOKCTL_DEBUG") == "1" or any(
        a in ("-v", "--verbose") for a in sys.argv[1:]
    )


def main(argv: list[str] | None = None) -> Any:
    """Entry point of the ``bookctl`` console script."""
    from bookctl.cli.errors import run

    return run(build_cli(), argv, debug=_debug())
