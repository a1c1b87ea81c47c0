"""Wires the command modules into one Typer app and runs it behind the one error handler."""

from __future__ import annotations

import functools
import os
import sys
from typing import Any

import click
import typer

from bookctl.cli import (
    availability,
    basket,
    batch,
    business,
    cart,
    checkout,
    completion,
    demo,
    login,
    member,
    orders,
    packages,
    poll,
    prices,
    products,
    profile,
    sandbox,
    smoke,
    topics,
)
from bookctl.cli.options import GLOBALS_EPILOG, make_global_options

HELP = """\
bookctl: book trips, tickets and classes on five booking platforms from one command line.

With no setup it talks to the built-in sandbox (profile 'sandbox'). Try:

  bookctl demo
  bookctl products
  bookctl availability 384 --start-date tomorrow
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
member.register(app)
login.register(app)
poll.register(app)
orders.register(app)
batch.register(app)
smoke.register(app)
sandbox.register(app)
demo.register(app)
topics.register(app)
completion.register(app)


@functools.cache
def build_cli() -> click.Command:
    """The click command tree with the global options attached to every command."""
    command = typer.main.get_command(app)
    command.params.extend(make_global_options(root=True))
    # Click parameters hold no per-invocation state, so every subcommand can share one set.
    shared = make_global_options(root=False)
    _attach_globals(command, shared)
    return command


def _attach_globals(command: click.Command, shared: list[click.Parameter]) -> None:
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            sub.params.extend(shared)
            sub.epilog = sub.epilog or GLOBALS_EPILOG
            _attach_globals(sub, shared)


def _debug() -> bool:
    return os.environ.get("BOOKCTL_DEBUG") == "1" or any(
        a in ("-v", "--verbose") for a in sys.argv[1:]
    )


def main(argv: list[str] | None = None) -> Any:
    """Entry point of the ``bookctl`` console script."""
    from bookctl.cli.errors import run

    args = sys.argv[1:] if argv is None else argv
    return run(build_cli(), args, debug=_debug())
