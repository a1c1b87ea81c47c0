"""The one place that turns exceptions into a message, a hint and an exit code."""

from __future__ import annotations

import difflib
import json
import sys
import traceback
from typing import NoReturn

import click

from bookctl.cli import hints
from bookctl.cli.options import note_argv
from bookctl.core.errors import (
    EXIT_BUG,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    BookctlError,
    UsageError,
)

REPORT_URL = "https://github.com/bookctl/bookctl/issues"


class Interrupted(BookctlError):
    """Ctrl-C: what was done is on disk; the hint says how to go on."""

    exit_code = EXIT_INTERRUPTED
    code = "interrupted"


def _interrupted(as_json: bool) -> NoReturn:
    _report(
        Interrupted("interrupted", hint="what was done is saved; run the command again"),
        as_json=as_json,
    )
    sys.exit(EXIT_INTERRUPTED)


def _wants_json(argv: list[str]) -> bool:
    import os

    if "--json" in argv or os.environ.get("BOOKCTL_OUTPUT") == "json":
        return True
    for index, arg in enumerate(argv):
        if arg in ("-o", "--output") and index + 1 < len(argv):
            return argv[index + 1] == "json"
        if arg in ("-ojson", "--output=json"):
            return True
    return False


def _report(err: BookctlError, *, as_json: bool) -> None:
    hints.fit(err)
    line = f"error: {err.message}"
    if err.hint:
        line += f" ({err.hint})"
    sys.stderr.write(line + "\n")
    if as_json:
        sys.stdout.write(json.dumps(err.to_json()) + "\n")


#: How alike a typed option and a real one must be to suggest it (difflib ratio); click's 0.6
#: offers --verbose for --bogus.
_SUGGEST_CUTOFF = 0.7


def _usage_message(err: click.ClickException) -> str:
    """Click's message with one "Did you mean", and only for near misses."""
    if isinstance(err, click.NoSuchOption):
        close = [
            name
            for name in err.possibilities or ()
            if difflib.SequenceMatcher(None, err.option_name, name).ratio() >= _SUGGEST_CUTOFF
        ]
        message = f"No such option {err.option_name!r}."
        return message + (f" Did you mean {', '.join(map(repr, close))}?" if close else "")
    message = err.format_message()
    # Typer and Click each add a suggestion to an unknown command: keep the first.
    head, found, rest = message.partition(" Did you mean ")
    if not found:
        return message
    return f"{head} Did you mean {rest.split('?')[0]}?"


#: Set when a command already printed its error line after its data (:func:`exit_after_data`).
_reported: list[bool] = [False]


def run(command: click.Command, argv: list[str] | None, *, debug: bool) -> NoReturn:
    _reported[0] = False
    args = list(sys.argv[1:] if argv is None else argv)
    as_json = _wants_json(args)
    hints.start(command)
    note_argv(args)
    try:
        result = command.main(args=args, prog_name="bookctl", standalone_mode=False)
    except click.exceptions.Exit as done:
        if done.exit_code == EXIT_INTERRUPTED and not _reported[0]:
            _interrupted(as_json)
        sys.exit(done.exit_code)
    except click.exceptions.NoArgsIsHelpError as shown:
        # A group given no command prints its help, and no empty 'error:' line after it.
        if shown.message:
            sys.stdout.write(shown.message + "\n")
        sys.exit(EXIT_USAGE)
    except click.exceptions.Abort:
        sys.stderr.write("error: aborted\n")
        sys.exit(EXIT_INTERRUPTED)
    except click.ClickException as err:
        hint = None
        ctx = getattr(err, "ctx", None)
        if ctx is not None:
            hint = f"see '{ctx.command_path} --help'"
        _report(UsageError(_usage_message(err), hint=hint), as_json=as_json)
        sys.exit(EXIT_USAGE)
    except BookctlError as err:
        if debug:
            traceback.print_exc(file=sys.stderr)
        _report(err, as_json=as_json)
        sys.exit(err.exit_code)
    except KeyboardInterrupt:
        _interrupted(as_json)
    except BrokenPipeError:
        sys.exit(result if isinstance(result, int) else EXIT_OK)
    except Exception as err:  # the last resort: a bug, reported as one
        if debug:
            traceback.print_exc(file=sys.stderr)
        bug = BookctlError(
            f"unexpected {type(err).__name__}: {err}",
            hint=f"this is a bug in bookctl; rerun with BOOKCTL_DEBUG=1 and report it at "
            f"{REPORT_URL}",
        )
        _report(bug, as_json=as_json)
        sys.exit(EXIT_BUG)
    if result == EXIT_INTERRUPTED and not _reported[0]:
        # Typer turns Ctrl-C into a silent exit 130; say what happened.
        _interrupted(as_json)
    sys.exit(result if isinstance(result, int) else EXIT_OK)


def exit_after_data(err: BookctlError) -> NoReturn:
    """Fail with ``err``'s line on stderr and exit code, when the data was already printed.

    Under ``--json`` stdout then holds one document (the result), not a second error object.
    """
    import typer

    _report(err, as_json=False)
    _reported[0] = True
    raise typer.Exit(err.exit_code)
