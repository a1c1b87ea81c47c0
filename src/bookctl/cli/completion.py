"""``bookctl completion SHELL``: print the completion script for bash, zsh or fish.

A script is a template (``shells/bookctl.<shell>``, all of the shell logic) filled with tables
read off the click command tree: each command's subcommands and options, how its argument
completes, and how each option's value completes, as click's own parameter types say
(``Choice``, ``Path``). What is known in advance completes in the shell, so TAB does not start
Python for a command, an option or a fixed value. A value known only at TAB time (an option or
argument with a ``shell_complete`` callback, such as the profile names after ``-p``) is asked
of bookctl through click's completion protocol (``_BOOKCTL_COMPLETE=bash_complete``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from importlib import resources
from typing import TYPE_CHECKING, Annotated, NamedTuple

import click
import typer

from bookctl.cli.options import GLOBAL_NAMES, PRODUCT_TYPES
from bookctl.core.errors import UsageError

SHELLS = ("bash", "zsh", "fish")

_FILE_METAVARS = frozenset({"FILE", "PATH"})
_SAFE_WORD = r"[A-Za-z0-9_.+@-]+"
_PLACEHOLDER = re.compile(r"^@([A-Z]+)@$", re.MULTILINE)


class _Values(NamedTuple):
    """How a value completes: from a fixed list, as a file or directory name, by asking bookctl
    (the command path to ask) at TAB time, or not at all."""

    kind: str  # "choices" | "files" | "dirs" | "ask" | "free"
    words: tuple[str, ...] = ()

    @property
    def spec(self) -> str:
        """The value as the scripts' tables write it: the kind, then its words."""
        return " ".join((self.kind, *self.words))


_FREE = _Values("free")
_FILES = _Values("files")
_DIRS = _Values("dirs")


class _Option(NamedTuple):
    names: tuple[str, ...]
    help: str
    values: _Values | None  # None for a flag


class _Command(NamedTuple):
    path: tuple[str, ...]
    help: str
    options: tuple[_Option, ...]
    subcommands: tuple[_Command, ...]
    arguments: _Values | None

    @property
    def key(self) -> str:
        """The command path the scripts key their tables by: "bookctl", "bookctl cart", ..."""
        return " ".join(("bookctl", *self.path))

    def walk(self) -> Iterator[_Command]:
        yield self
        for sub in self.subcommands:
            yield from sub.walk()


if TYPE_CHECKING:
    _StaticValues = tuple[dict[str, tuple[str, ...]], dict[tuple[str, str], tuple[str, ...]]]


def _static_values() -> _StaticValues:
    """Fixed values that the options' types do not carry: per option name, per command option."""
    from bookctl.core.output import FORMATS
    from bookctl.providers import CATALOGUE

    by_option = {"--output": FORMATS, "--provider": CATALOGUE.keys()}
    by_command = {
        ("products", "--type"): PRODUCT_TYPES,
        ("availability", "--type"): PRODUCT_TYPES,
        ("completion", "SHELL"): SHELLS,
    }
    return by_option, by_command


def _param_values(
    param: click.Parameter,
    ctx: click.Context,
    path: tuple[str, ...],
    known: dict[str, tuple[str, ...]],
) -> _Values:
    for name in (*param.opts, param.metavar or ""):
        if name in known:
            return _Values("choices", tuple(sorted(known[name])))
    if getattr(param, "_custom_shell_complete", None) is not None:
        # Known only at TAB time. A global option is asked of the root, which answers
        # without loading any command module.
        return _Values("ask", ("bookctl",) if param.name in GLOBAL_NAMES else ("bookctl", *path))
    items = param.type.shell_complete(ctx, param, "")
    if items and all(item.type == "plain" for item in items):
        return _Values("choices", tuple(sorted(str(item.value) for item in items)))
    if items and items[0].type == "dir":
        return _DIRS
    if items or (param.metavar or "").upper() in _FILE_METAVARS:
        return _FILES
    return _FREE


def _one_line(text: str | None) -> str:
    return " ".join((text or "").split())


def _build(
    command: click.Command,
    path: tuple[str, ...],
    parent: click.Context | None,
    static: _StaticValues,
) -> _Command:
    by_option, by_command = static
    # A command's own context_settings (e.g. -h as a help option) apply as click applies them.
    ctx = click.Context(
        command,
        info_name=path[-1] if path else "bookctl",
        parent=parent,
        **command.context_settings,
    )
    key = " ".join(path)
    known = dict(by_option)
    known.update({o: v for (c, o), v in by_command.items() if c == key})
    options: list[_Option] = []
    arguments: _Values | None = None
    for param in command.get_params(ctx):
        if isinstance(param, click.Option):
            if param.hidden and param.name not in GLOBAL_NAMES:
                continue
            takes_value = not (param.is_flag or param.count)
            values = _param_values(param, ctx, path, known) if takes_value else None
            names = tuple(sorted([*param.opts, *param.secondary_opts]))
            options.append(_Option(names, _one_line(param.help), values))
        elif isinstance(param, click.Argument) and arguments is None:
            found = _param_values(param, ctx, path, known)
            arguments = None if found.kind == "free" else found
    subcommands: list[_Command] = []
    if isinstance(command, click.Group):
        for name in sorted(command.list_commands(ctx)):
            sub = command.get_command(ctx, name)
            if sub is not None and not sub.hidden:
                subcommands.append(_build(sub, (*path, name), ctx, static))
    return _Command(
        path=path,
        help=_one_line(command.get_short_help_str(limit=80)),
        options=tuple(sorted(options, key=lambda o: o.names)),
        subcommands=tuple(subcommands),
        arguments=arguments,
    )


def _tree() -> _Command:
    from bookctl.cli.app import build_cli

    return _build(build_cli(), (), None, _static_values())


def _check_words(root: _Command) -> None:
    """Names, choices and command paths are words of the tables, so they must be plain."""
    for command in root.walk():
        words = [*command.path]
        for option in command.options:
            words += option.names
            if option.values is not None:
                words += option.values.words
        if command.arguments is not None:
            words += command.arguments.words
        for word in words:
            if not re.fullmatch(_SAFE_WORD, word):
                raise ValueError(f"cannot put {word!r} in a completion script")


def _value_table(root: _Command) -> list[tuple[str, str]]:
    """``("path|option" or "*|option", spec)`` for every option that takes a value.

    An option that completes the same way on every command that has it gets one wildcard
    entry instead of one entry per command, which keeps the scripts short.
    """
    seen: dict[str, dict[str, _Values | None]] = {}
    for command in root.walk():
        for option in command.options:
            for name in option.names:
                seen.setdefault(name, {})[command.key] = option.values
    table: list[tuple[str, str]] = []
    for name, per_command in sorted(seen.items()):
        specs = set(per_command.values())
        only = next(iter(specs))
        if len(specs) == 1 and only is not None:
            table.append((f"*|{name}", only.spec))
            continue
        table += [(f"{key}|{name}", v.spec) for key, v in sorted(per_command.items()) if v]
    return table


class _Tables(NamedTuple):
    """The tables that fill a template, as ``(key, entries)``: an entry is a name and its help
    text for subcommands and options, a spec (and no help) for arguments and values."""

    subcommands: list[tuple[str, list[tuple[str, str]]]]
    options: list[tuple[str, list[tuple[str, str]]]]
    arguments: list[tuple[str, str]]
    values: list[tuple[str, str]]


def _tables(root: _Command) -> _Tables:
    commands = list(root.walk())
    return _Tables(
        subcommands=[
            (c.key, [(s.path[-1], s.help) for s in c.subcommands])
            for c in commands
            if c.subcommands
        ],
        options=[
            (c.key, sorted((name, o.help) for o in c.options for name in o.names)) for c in commands
        ],
        arguments=[(c.key, c.arguments.spec) for c in commands if c.arguments is not None],
        values=_value_table(root),
    )


# Each shell writes a table in its own syntax: bash and zsh as associative arrays, fish as a
# list of "key|entry" strings.


def _sh_quote(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


def _bash(tables: _Tables) -> dict[str, list[str]]:
    def pair(key: str, value: str) -> str:
        return f"    [{_sh_quote(key)}]={_sh_quote(value)}"

    return {
        "SUBCOMMANDS": [pair(k, " ".join(n for n, _ in e)) for k, e in tables.subcommands],
        "OPTIONS": [pair(k, " ".join(n for n, _ in e)) for k, e in tables.options],
        "ARGUMENTS": [pair(k, spec) for k, spec in tables.arguments],
        "VALUES": [pair(k, spec) for k, spec in tables.values],
    }


def _zsh_lines(text: str) -> str:
    """``text`` as one zsh word, its newlines written ``\\n``."""
    escaped = text.replace("\\", "\\\\").replace("'", "\\'").replace("\n", "\\n")
    return f"$'{escaped}'"


def _zsh(tables: _Tables) -> dict[str, list[str]]:
    def pair(key: str, value: str) -> str:
        return f"    {_sh_quote(key)} {_zsh_lines(value)}"

    def described(entries: list[tuple[str, str]]) -> str:
        return "\n".join(name + (f":{help_}" if help_ else "") for name, help_ in entries)

    return {
        "SUBCOMMANDS": [pair(k, described(e)) for k, e in tables.subcommands],
        "OPTIONS": [pair(k, described(e)) for k, e in tables.options],
        "ARGUMENTS": [pair(k, spec) for k, spec in tables.arguments],
        "VALUES": [pair(k, spec) for k, spec in tables.values],
    }


def _fish_quote(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _fish(tables: _Tables) -> dict[str, list[str]]:
    def entries(words: list[str]) -> list[str]:
        # One list element a line; the blank line after the table in the template ends it.
        return [f"    {_fish_quote(word)} \\" for word in words]

    return {
        "SUBCOMMANDS": entries([f"{k}|{n}|{h}" for k, e in tables.subcommands for n, h in e]),
        "OPTIONS": entries([f"{k}|{n}|{h}" for k, e in tables.options for n, h in e]),
        "ARGUMENTS": entries([f"{k}|{spec}" for k, spec in tables.arguments]),
        "VALUES": entries([f"{k}|{spec}" for k, spec in tables.values]),
    }


_RENDERERS: dict[str, Callable[[_Tables], dict[str, list[str]]]] = {
    "bash": _bash,
    "zsh": _zsh,
    "fish": _fish,
}


def _template(shell: str) -> str:
    return resources.files("bookctl.cli").joinpath(f"shells/bookctl.{shell}").read_text("utf-8")


def _fill(template: str, tables: dict[str, list[str]]) -> str:
    """``template`` with each ``@NAME@`` line replaced by the lines of table NAME."""

    def table(match: re.Match[str]) -> str:
        return "\n".join(tables[match.group(1)])

    return _PLACEHOLDER.sub(table, template)


def completion_script(shell: str) -> str:
    """The completion script for ``shell`` (bash, zsh or fish), generated from the command tree."""
    render = _RENDERERS.get(shell)
    if render is None:
        raise UsageError(f"unknown shell {shell!r}", hint=f"choose one of: {', '.join(SHELLS)}")
    root = _tree()
    _check_words(root)
    return _fill(_template(shell), render(_tables(root)))


def completion(
    shell: Annotated[str, typer.Argument(help="bash, zsh or fish.", metavar="SHELL")],
) -> None:
    """Print a completion script for SHELL (bash, zsh or fish).

    Commands, options and fixed values complete in the shell; bookctl itself is asked only for
    values it alone knows (profile names). Regenerate the script after upgrading bookctl.

    Example:

      bookctl completion bash > ~/.local/share/bash-completion/completions/bookctl

      bookctl completion zsh > ~/.zfunc/_bookctl

      bookctl completion fish > ~/.config/fish/completions/bookctl.fish
    """
    click.echo(completion_script(shell), nl=False)


def register(app: typer.Typer) -> None:
    """Register the completion command on ``app``."""
    app.command("completion")(completion)
