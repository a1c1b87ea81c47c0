"""The one place that turns exceptions into a message, a hint and an exit code.

Every failure becomes a :class:`BookctlError` (:func:`_as_error`); :func:`report` is the one
way its ``error: <what> (<hint>)`` line (and, under ``--json``, its error object) reaches the
user, and the error's ``exit_code`` (the table in :mod:`bookctl.core.errors`) is the exit code.
"""

from __future__ import annotations

import difflib
import os
import sys
import traceback
from typing import NoReturn

import click

from bookctl.cli import hints
from bookctl.cli.options import scan_argv
from bookctl.core.errors import EXIT_OK, EXIT_USAGE, BookctlError, Interrupted, UsageError
from bookctl.core.output import Output

__all__ = ["Interrupted", "exit_after_data", "report", "run"]

REPORT_URL = "https://github.com/bookctl/bookctl/issues"


def report(err: BookctlError, *, as_json: bool) -> None:
    """Tell the user about ``err``: its hint fitted to the situation (:func:`hints.fit`), then
    its line on stderr and, when ``as_json``, its error object on stdout."""
    hints.fit(err)
    Output(fmt="json" if as_json else "table").error(err)


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


#: Failures that are the user's doing, never shown with a traceback.
_QUIET = (click.exceptions.ClickException, click.exceptions.Abort)

#: Set when a command already printed its error line after its data (:func:`exit_after_data`).
_reported: list[bool] = [False]


def _as_error(exc: BaseException) -> BookctlError:
    """Any exception as the BookctlError that says it (and so carries its exit code)."""
    if isinstance(exc, BookctlError):
        return exc
    if isinstance(exc, KeyboardInterrupt):
        return Interrupted("interrupted", hint="what was done is saved; run the command again")
    if isinstance(exc, click.exceptions.Abort):
        return Interrupted("aborted")
    if isinstance(exc, click.ClickException):
        ctx = getattr(exc, "ctx", None)
        hint = f"see '{ctx.command_path} --help'" if ctx is not None else None
        return UsageError(_usage_message(exc), hint=hint)
    return BookctlError(
        f"unexpected {type(exc).__name__}: {exc}",
        hint=f"this is a bug in bookctl; rerun with BOOKCTL_DEBUG=1 and report it at {REPORT_URL}",
    )


def run(command: click.Command, argv: list[str]) -> NoReturn:
    """Run the command tree on ``argv`` and exit with the code of what happened."""
    _reported[0] = False
    args = list(argv)
    flags = scan_argv(args)
    debug = flags.verbose or os.environ.get("BOOKCTL_DEBUG") == "1"
    hints.start(command)

    def fail(exc: BaseException) -> NoReturn:
        err = _as_error(exc)
        if debug and isinstance(exc, Exception) and not isinstance(exc, _QUIET):
            traceback.print_exc(file=sys.stderr)
        report(err, as_json=flags.json)
        sys.exit(err.exit_code)

    try:
        result = command.main(args=args, prog_name="bookctl", standalone_mode=False)
    except click.exceptions.Exit as done:
        if done.exit_code == Interrupted.exit_code and not _reported[0]:
            fail(KeyboardInterrupt())
        sys.exit(done.exit_code)
    except click.exceptions.NoArgsIsHelpError as shown:
        # A group given no command prints its help, and no empty 'error:' line after it.
        if shown.message:
            sys.stdout.write(shown.message + "\n")
        sys.exit(EXIT_USAGE)
    except BrokenPipeError:
        sys.exit(EXIT_OK)
    except (Exception, KeyboardInterrupt) as exc:
        fail(exc)
    if result == Interrupted.exit_code and not _reported[0]:
        # Typer turns Ctrl-C into a silent exit 130; say what happened.
        fail(KeyboardInterrupt())
    sys.exit(result if isinstance(result, int) else EXIT_OK)


def exit_after_data(err: BookctlError) -> NoReturn:
    """Fail with ``err``'s line on stderr and exit code, when the data was already printed.

    Under ``--json`` stdout then holds one document (the result), not a second error object.
    """
    import typer

    report(err, as_json=False)
    _reported[0] = True
    raise typer.Exit(err.exit_code)
