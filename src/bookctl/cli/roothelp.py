"""``bookctl --help``: the root's help in the layout of Typer's rich help, without rich.

Typer's formatter imports rich's markdown, syntax and traceback modules (and pygments) to
print any help page; the root's page is printed on every bare ``bookctl`` and is kept light:
plain strings, box-drawing characters and, on a colour terminal, ANSI styles close to Typer's.
Subcommands keep Typer's own help.
"""

from __future__ import annotations

import os
import shutil
import sys
import textwrap
from collections.abc import Iterable, Sequence

import click

_RESET = "\x1b[0m"
_STYLES = {
    "option": "\x1b[1;36m",  # Typer: bold cyan
    "switch": "\x1b[1;32m",  # bold green
    "metavar": "\x1b[1;33m",  # bold yellow
    "usage": "\x1b[33m",  # yellow
    "bold": "\x1b[1m",
    "dim": "\x1b[2m",
}


def _use_color() -> bool:
    from bookctl.cli.options import early_flags
    from bookctl.core.output import color_disabled

    if color_disabled(early_flags().no_color):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    try:
        return sys.stdout.isatty()
    except (AttributeError, ValueError):
        return False


class _Painter:
    def __init__(self, color: bool) -> None:
        self.color = color

    def __call__(self, style: str, text: str) -> str:
        if not self.color or not text or not style:
            return text
        return f"{_STYLES[style]}{text}{_RESET}"


def _paragraphs(text: str, width: int) -> list[str]:
    """Help text as Typer prints it in "rich" mode: prose re-wrapped, indented lines as is."""
    lines: list[str] = []
    for block in textwrap.dedent(text).strip().split("\n\n"):
        if lines:
            lines.append("")
        rows = block.split("\n")
        if any(r.startswith(" ") for r in rows):
            lines.extend(r.strip() for r in rows)
        else:
            lines.extend(textwrap.wrap(" ".join(r.strip() for r in rows), width) or [""])
    return lines


def _panel(
    title: str, rows: Sequence[Sequence[tuple[str, str]]], width: int, paint: _Painter
) -> list[str]:
    """A titled box of rows; each row is cells of ``(text, style)``, the last cell wraps."""
    inner = width - 4
    ncols = max(len(r) for r in rows)
    widths = [max((len(r[i][0]) for r in rows if i < len(r)), default=0) for i in range(ncols)]
    lead = sum(w + 2 for w in widths[:-1])
    text_width = max(inner - lead, 10)
    dashes = "─" * max(width - len(title) - 5, 0)
    out = [paint("dim", "╭─ ") + title + paint("dim", f" {dashes}╮")]
    for row in rows:
        cells = list(row) + [("", "")] * (ncols - len(row))
        wrapped = [
            chunk
            for part in cells[-1][0].split("\n")
            for chunk in (textwrap.wrap(part, text_width) or [""])
        ]
        for n, chunk in enumerate(wrapped):
            parts = []
            for (text, style), w in zip(cells[:-1], widths[:-1], strict=True):
                shown = text if n == 0 else ""
                parts.append(paint(style, shown) + " " * (w - len(shown) + 2))
            line = "".join(parts) + paint(cells[-1][1], chunk)
            visible = lead + len(chunk)
            out.append(
                paint("dim", "│")
                + " "
                + line
                + " " * max(inner - visible, 0)
                + " "
                + paint("dim", "│")
            )
    out.append(paint("dim", "╰" + "─" * (width - 2) + "╯"))
    return out


def _option_row(param: click.Option) -> list[tuple[str, str]]:
    longs = [o for o in [*param.opts, *param.secondary_opts] if o.startswith("--")]
    shorts = [o for o in [*param.opts, *param.secondary_opts] if not o.startswith("--")]
    metavar = ""
    if not param.is_flag:
        metavar = param.metavar or param.type.name.upper()
        if isinstance(param.type, click.FloatRange | click.IntRange):
            metavar += f" [{param.type._describe_range()}]"
    help_text = " ".join((param.help or "").split())
    if param.show_envvar and param.envvar:
        envvar = param.envvar if isinstance(param.envvar, str) else ", ".join(param.envvar)
        help_text += f"\n[env var: {envvar}]"
    return [
        (",".join(longs), "option"),
        (",".join(shorts), "switch"),
        (metavar, "metavar"),
        (help_text, ""),
    ]


def render(
    group: click.Group,
    ctx: click.Context,
    commands: Iterable[tuple[str, str]],
    *,
    color: bool | None = None,
) -> str:
    """The root's help page; ``commands`` are ``(name, one-line help)`` in display order."""
    paint = _Painter(_use_color() if color is None else color)
    width = shutil.get_terminal_size((80, 24)).columns
    lines = [""]
    pieces = group.collect_usage_pieces(ctx)
    lines.append(
        " "
        + paint("usage", "Usage:")
        + " "
        + paint("bold", f"{ctx.command_path} {' '.join(pieces)}")
    )
    lines.append("")
    lines += [" " + line if line else "" for line in _paragraphs(group.help or "", width - 2)]
    lines.append("")
    panels: dict[str, list[list[tuple[str, str]]]] = {}
    for param in group.get_params(ctx):
        if isinstance(param, click.Option) and not param.hidden:
            panel = getattr(param, "rich_help_panel", None) or "Options"
            panels.setdefault(panel, []).append(_option_row(param))
    # Typer's order: its default panel first, then the named ones as they come.
    for title in sorted(panels, key=lambda t: t != "Options"):
        rows = panels[title]
        lines += _panel(title, rows, width, paint)
    command_rows = [[(name, "option"), (text, "")] for name, text in commands]
    lines += _panel("Commands", command_rows, width, paint)
    return "\n".join(lines) + "\n"
