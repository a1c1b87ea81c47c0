"""Options written once: the global options (attached to every command) and shared aliases."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import click
import typer

GLOBAL_PANEL = "Global options"
#: The values of ``--type`` (products, availability).
PRODUCT_TYPES = ("package", "accommodation", "activity", "rental", "service", "bundle", "item")


@dataclass
class GlobalOptions:
    """Values of the global options, whether given before the command or on it."""

    profile: str | None = None
    output: str | None = None
    json: bool = False
    raw: bool = False
    verbose: bool = False
    quiet: bool = False
    no_input: bool = False
    no_color: bool = False
    insecure_http: bool = False
    connect_timeout: float | None = None
    read_timeout: float | None = None


def global_options(ctx: click.Context) -> GlobalOptions:
    root = ctx.find_root()
    if not isinstance(root.obj, GlobalOptions):
        root.obj = GlobalOptions()
    return root.obj


def _store(name: str) -> Any:
    def callback(ctx: typer.Context, param: typer.CallbackParam, value: Any) -> Any:
        if value is None or value is False:
            return value
        source = ctx.get_parameter_source(param.name or name)
        # On a subcommand only what was typed counts; the root already applied the environment.
        if ctx.parent is not None and source is not click.core.ParameterSource.COMMANDLINE:
            return value
        setattr(global_options(ctx), name, value)
        return value

    return callback


@dataclass(frozen=True)
class EarlyFlags:
    """What is read from the command line before click parses it: the error handler needs the
    output format and --verbose even when parsing fails, and help is printed while options are
    being parsed, before --no-color's own callback runs."""

    json: bool = False
    verbose: bool = False
    no_color: bool = False


_early: list[EarlyFlags] = [EarlyFlags()]


def scan_argv(argv: list[str]) -> EarlyFlags:
    """The one reading of the raw command line (up to ``--``); :func:`early_flags` keeps it.

    JSON output is ``--json``, else the last ``-o/--output``, else ``BOOKCTL_OUTPUT``.
    """
    import os

    output: str | None = None
    flags: set[str] = set()
    args = argv[: argv.index("--")] if "--" in argv else argv
    for index, arg in enumerate(args):
        if arg in ("-o", "--output"):
            output = args[index + 1] if index + 1 < len(args) else None
        elif arg.startswith("--output="):
            output = arg.removeprefix("--output=")
        elif arg.startswith("-o") and not arg.startswith("--"):
            output = arg.removeprefix("-o")
        else:
            flags.add(arg)
    if output is None:
        output = os.environ.get("BOOKCTL_OUTPUT")
    early = EarlyFlags(
        json="--json" in flags or output == "json",
        verbose=bool(flags & {"-v", "--verbose"}),
        no_color="--no-color" in flags,
    )
    _early[0] = early
    return early


def early_flags() -> EarlyFlags:
    """What :func:`scan_argv` read from this invocation's command line."""
    return _early[0]


def plain_when_asked(command: click.Command) -> None:
    """Make ``command``'s help drop every style under --no-color, NO_COLOR or TERM=dumb."""
    render = command.format_help

    def format_help(ctx: click.Context, formatter: click.HelpFormatter) -> None:
        import typer.rich_utils

        from bookctl.core.output import color_disabled

        plain = color_disabled(early_flags().no_color)
        typer.rich_utils.COLOR_SYSTEM = None if plain else "auto"
        render(ctx, formatter)

    setattr(command, "format_help", format_help)  # noqa: B010 (an instance override)


def _print_version(ctx: typer.Context, value: bool) -> None:
    if not value or ctx.resilient_parsing:
        return
    from bookctl import __version__

    click.echo(f"bookctl {__version__}")
    raise typer.Exit(0)


def _complete_profiles(incomplete: str) -> list[str]:
    """The profile names that start with ``incomplete``: what TAB offers after ``-p``.

    An unreadable config file offers none; the command itself will report it.
    """
    from bookctl.core.config import ConfigStore
    from bookctl.core.errors import BookctlError
    from bookctl.providers import CATALOGUE

    try:
        names = list(ConfigStore(catalogue=CATALOGUE).profiles())
    except BookctlError:
        return []
    return [name for name in names if name.startswith(incomplete)]


_GLOBALS: list[tuple[str, Any, tuple[str, ...], dict[str, Any]]] = [
    (
        "profile",
        str | None,
        ("--profile", "-p"),
        {
            "help": "Profile to use.",
            "envvar": "BOOKCTL_PROFILE",
            "metavar": "NAME",
            "autocompletion": _complete_profiles,
        },
    ),
    (
        "output",
        str | None,
        ("--output", "-o"),
        {
            "help": "Output format: table, json or csv.",
            "envvar": "BOOKCTL_OUTPUT",
            "metavar": "FORMAT",
        },
    ),
    ("json", bool, ("--json",), {"help": "Same as -o json."}),
    ("raw", bool, ("--raw",), {"help": "Add the provider's own payload under 'raw'."}),
    ("verbose", bool, ("--verbose", "-v"), {"help": "HTTP trace on stderr (secrets redacted)."}),
    ("quiet", bool, ("--quiet", "-q"), {"help": "Only data and errors."}),
    ("no_input", bool, ("--no-input",), {"help": "Never prompt."}),
    ("no_color", bool, ("--no-color",), {"help": "No colour (also NO_COLOR, TERM=dumb)."}),
    (
        "insecure_http",
        bool,
        ("--insecure-http",),
        {"help": "Allow plain http:// to a non-loopback host."},
    ),
    (
        "connect_timeout",
        float | None,
        ("--connect-timeout",),
        {
            "help": "Connect timeout in seconds (default 5).",
            "envvar": "BOOKCTL_CONNECT_TIMEOUT",
            "min": 0.1,
            "metavar": "S",
        },
    ),
    (
        "read_timeout",
        float | None,
        ("--read-timeout",),
        {
            "help": "Read timeout in seconds (default 30).",
            "envvar": "BOOKCTL_READ_TIMEOUT",
            "min": 0.1,
            "metavar": "S",
        },
    ),
]


def make_global_options(*, root: bool) -> list[click.Parameter]:
    """Fresh global option objects for one command; env vars are read on the root only.

    They are built by Typer from a synthetic signature so that help renders them like any
    other option, under their own panel.
    """
    import inspect

    params = []
    for name, annotation, decls, extra in _GLOBALS:
        kw = dict(extra)
        envvar = kw.pop("envvar", None)
        info = typer.Option(
            *decls,
            expose_value=False,
            callback=_store(name),
            envvar=envvar if root else None,
            show_envvar=root,
            rich_help_panel=GLOBAL_PANEL,
            show_default=False,
            # Shown once, on the root page and by 'bookctl help options' (as gh does).
            hidden=not root,
            **kw,
        )
        default = False if annotation is bool else None
        params.append(
            inspect.Parameter(
                name,
                inspect.Parameter.KEYWORD_ONLY,
                default=default,
                annotation=Annotated[annotation, info],
            )
        )
    version_info = typer.Option(
        "--version",
        expose_value=False,
        is_eager=True,
        callback=_print_version,
        help="Show the version and exit.",
        rich_help_panel=GLOBAL_PANEL,
        hidden=not root,
    )
    params.append(
        inspect.Parameter(
            "version",
            inspect.Parameter.KEYWORD_ONLY,
            default=False,
            annotation=Annotated[bool, version_info],
        )
    )

    def template(**_: Any) -> None:
        """Carrier of the global options."""

    template.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    carrier = typer.Typer(add_completion=False)
    carrier.command()(template)
    return list(typer.main.get_command(carrier).params)


#: The names of the global options (completion offers them on every command, hidden or not).
GLOBAL_NAMES = frozenset([name for name, *_ in _GLOBALS] + ["version"])
#: Every command page says where the global options are described.
GLOBALS_EPILOG = "Global options (-p, -o, --json, -q, -v, ...): see 'bookctl help options'."


# -- shared command options ------------------------------------------------------------------

CartId = Annotated[
    str | None,
    typer.Option("--cart", help="Cart id (default: the profile's cart session).", metavar="ID"),
]
Yes = Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")]
StartDate = Annotated[
    str | None,
    typer.Option(
        "--start-date",
        help="Start date: YYYY-MM-DD, today, tomorrow, +7d, +2w, next-wed, next-wed+1w (UTC).",
        metavar="DATE",
    ),
]
EndDate = Annotated[
    str | None,
    typer.Option("--end-date", help="End date, in the same forms as --start-date.", metavar="DATE"),
]
Language = Annotated[
    str | None, typer.Option("--language", help="Two-letter language code.", metavar="LANG")
]
Currency = Annotated[
    str | None, typer.Option("--currency", help="ISO 4217 currency code.", metavar="CODE")
]
BodyFile = Annotated[
    Path | None,
    typer.Option("--file", "-f", help="The documented JSON request body.", metavar="FILE"),
]
