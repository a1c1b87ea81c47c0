"""Wires the command modules into one Typer app and runs it behind the one error handler."""

from __future__ import annotations

import contextlib
import functools
import gc
import importlib
import os
import sys
from collections.abc import Iterator, MutableMapping
from typing import Any

import click
from typer.core import TyperGroup

HELP = """\
bookctl: book trips, tickets and classes on five booking platforms from one command line.

With no setup it talks to the built-in sandbox (profile 'sandbox'). Try:

  bookctl demo
  bookctl products
  bookctl availability 384 --start-date tomorrow
"""

# name -> (modules whose ``register(app)`` builds it, one-line help), in the order of the help.
# The root lists these without importing a command module; tests/cli/test_startup.py checks
# that each line matches the command's own help. A new command is one line here.
COMMANDS: dict[str, tuple[tuple[str, ...], str]] = {
    "products": (("products",), "List the products of the active profile's provider."),
    "availability": (
        ("availability",),
        "Show availability: one product, several, or all of a type or category.",
    ),
    "prices": (
        ("prices",),
        "Total price of one or more products, or a package's price breakdown per guest.",
    ),
    "seasons": (
        ("business",),
        "The business' seasons and their segments, in date order (both dates inclusive).",
    ),
    "settings": (
        ("business",),
        "Business settings: currencies, languages, diets, levels, guest and customer fields, "
        "terms.",
    ),
    "deeplink": (
        ("business",),
        "A link straight to the product in the business' own booking form.",
    ),
    "checkout": (("checkout",), "Check out the cart and print the order."),
    "login": (
        ("login",),
        "Log in to BookingBug (POST login) and keep the Auth-Token for the profile.",
    ),
    "poll": (
        ("poll",),
        "Follow an order until it settles: exit 0 as asked, 4 otherwise, 8 on timeout.",
    ),
    "smoke": (
        ("smoke",),
        "Run one full booking flow on the active profile and time each step.",
    ),
    "demo": (
        ("demo",),
        "Book the surf camp on the built-in sandbox, one narrated step at a time.",
    ),
    "completion": (("completion",), "Print a completion script for SHELL (bash, zsh or fish)."),
    "profile": (("profile",), "Manage profiles (provider, base URL, key)."),
    "product": (("products",), "One product in detail."),
    "packages": (("packages",), "Package items and accommodations (bookinglayer)."),
    "basket": (("basket",), "Add items to the cart (basket)."),
    # ``cart add`` is ``basket add``: the basket module registers it on the cart group.
    "cart": (("cart", "basket"), "The current cart: show, extend, abandon; list the open ones."),
    "member": (("member",), "BookingBug clients (members) and their wallets."),
    "batch": (("batch",), "Book in bulk from a file: one booking per row (see docs/batch.md)."),
    "sandbox": (("sandbox",), "The built-in sandbox that emulates all five APIs."),
    "orders": (("orders",), "List the profile's orders, newest first: state, total and when."),
    "order": (("orders",), "One order of the profile, read back."),
    "help": (("topics",), "Help on what every command shares: options, environment."),
}


class LazyGroup(TyperGroup):
    """The root group: knows every command's name and one-line help, imports a command's
    module only when that command is run (or its own help, or completion, asks for it)."""

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        self._loaded: dict[str, click.Command] = {}

    @property  # type: ignore[override]
    def commands(self) -> dict[str, click.Command]:
        """Every command, loaded (for code that walks the whole tree)."""
        for name in COMMANDS:
            self._load(name)
        return dict(self._loaded)

    @commands.setter
    def commands(self, value: Any) -> None:
        if value:
            raise TypeError("the root's commands come from COMMANDS")

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        return self._load(cmd_name)

    def format_help(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # Typer's rich formatter imports rich's markdown, syntax and pygments; the root's page
        # is drawn in the same layout by a light path (see bookctl.cli.roothelp).
        from bookctl.cli import roothelp

        listing = [(name, help_line) for name, (_, help_line) in COMMANDS.items()]
        # Printed as Typer prints its help (straight to stdout), so a bare ``bookctl`` shows it
        # the same way: the page on stdout, the usage error on stderr.
        sys.stdout.write(roothelp.render(self, ctx, listing))
        sys.stdout.flush()

    def _main_shell_completion(
        self, ctx_args: MutableMapping[str, Any], prog_name: str, complete_var: str | None = None
    ) -> None:
        # Click's own protocol (Typer's needs the completion command Typer would add): the
        # scripts of 'bookctl completion' ask it for values known only at TAB time.
        click.Command._main_shell_completion(self, ctx_args, prog_name, complete_var)

    def _load(self, name: str) -> click.Command:
        command = self._loaded.get(name)
        if command is None:
            with loading_code():
                command = _build_command(name)
                _attach_globals(command, _shared_globals())
            self._loaded[name] = command
        return command


@contextlib.contextmanager
def loading_code() -> Iterator[None]:
    """No garbage collection while modules load and commands are built.

    Loading code makes tens of thousands of objects that live as long as the process, and the
    collector would walk them again and again while they are made: a quarter of the run time
    of a one-request command. When the block loaded modules, what exists is moved out of the
    collector's sight (``gc.freeze``) before collection is turned back on, so a long run
    (batch, sandbox serve) collects its own garbage as usual; a block that loaded nothing
    (a provider asked for again) freezes nothing.
    """
    if not gc.isenabled():
        yield
        return
    modules = len(sys.modules)
    gc.disable()
    try:
        yield
    finally:
        if len(sys.modules) != modules:
            gc.freeze()
        gc.enable()


def _build_command(name: str) -> click.Command:
    import typer

    from bookctl.cli.options import GLOBALS_EPILOG, plain_when_asked

    holder = typer.Typer(add_completion=False, rich_markup_mode="rich")
    for module in COMMANDS[name][0]:
        importlib.import_module(f"bookctl.cli.{module}").register(holder)
    # A module may register several commands (``products`` and ``product``): build this one.
    holder.registered_commands = [c for c in holder.registered_commands if c.name in (name, None)]
    holder.registered_groups = [g for g in holder.registered_groups if g.name in (name, None)]
    group = typer.main.get_group(holder)
    command = group.commands[name]
    command.params.extend(_shared_globals())
    command.epilog = command.epilog or GLOBALS_EPILOG
    plain_when_asked(command)
    return command


@functools.cache
def _shared_globals() -> list[click.Parameter]:
    from bookctl.cli.options import make_global_options

    # Click parameters hold no per-invocation state, so every subcommand can share one set.
    return make_global_options(root=False)


@functools.cache
def build_cli() -> click.Command:
    """The click command tree with the global options attached to every command."""
    from bookctl.cli.options import make_global_options

    command = LazyGroup(
        name="bookctl",
        help=HELP,
        no_args_is_help=True,
        rich_markup_mode="rich",
        context_settings={"help_option_names": ["-h", "--help"]},
    )
    command.params.extend(make_global_options(root=True))
    return command


def _attach_globals(command: click.Command, shared: list[click.Parameter]) -> None:
    from bookctl.cli.options import GLOBALS_EPILOG, plain_when_asked

    if isinstance(command, click.Group):
        for sub in command.commands.values():
            sub.params.extend(shared)
            sub.epilog = sub.epilog or GLOBALS_EPILOG
            plain_when_asked(sub)
            _attach_globals(sub, shared)


def _defer_httpx_cli() -> None:
    """Keep ``import httpx`` from importing httpx's own command line (rich, pygments, click).

    httpx's ``__init__`` imports ``httpx._main`` only to expose ``httpx.main``. A stand-in
    module is registered first; ``httpx.main()`` still works: it loads the real one then.
    """
    if "httpx" in sys.modules or "httpx._main" in sys.modules:
        return
    import types

    def httpx_main(*args: Any, **kwargs: Any) -> Any:
        del sys.modules["httpx._main"]
        real = importlib.import_module("httpx._main")
        return real.main(*args, **kwargs)

    stand_in = types.ModuleType("httpx._main")
    stand_in.main = httpx_main  # type: ignore[attr-defined]
    sys.modules["httpx._main"] = stand_in


def _skip_pydantic_plugin_scan() -> None:
    """Keep pydantic from reading every installed package's entry points on its first model.

    Building a validator calls ``pydantic.plugin._loader.get_plugins()``, which imports
    ``importlib.metadata`` and scans the metadata of every installed distribution for
    ``pydantic`` plugins: about a fifth of what ``products --json`` spends once its modules
    are loaded, for plugins bookctl never uses. A stand-in answers "no plugins" unless
    ``PYDANTIC_DISABLE_PLUGINS`` is set, in which case pydantic's own loader (and its rules for
    that variable) takes over.
    """
    name = "pydantic.plugin._loader"
    if name in sys.modules or "PYDANTIC_DISABLE_PLUGINS" in os.environ:
        return
    import types

    def get_plugins() -> tuple[()]:
        return ()

    def real(attr: str) -> Any:
        # Anything else (a plugin's own code, pydantic's internals) gets the real module; the
        # import system's own probes (``__path__``, ...) must not load it.
        if attr.startswith("__"):
            raise AttributeError(attr)
        if sys.modules.get(name) is stand_in:
            del sys.modules[name]
        return getattr(importlib.import_module(name), attr)

    stand_in = types.ModuleType(name)
    stand_in.get_plugins = get_plugins  # type: ignore[attr-defined]
    stand_in.__getattr__ = real  # type: ignore[method-assign]
    sys.modules[name] = stand_in


def main(argv: list[str] | None = None) -> Any:
    """Entry point of the ``bookctl`` console script."""
    _defer_httpx_cli()
    _skip_pydantic_plugin_scan()
    with loading_code():
        from bookctl.cli.errors import run

        cli = build_cli()
    return run(cli, sys.argv[1:] if argv is None else argv)
