"""``bookctl batch validate`` / ``batch run``: bulk bookings from a CSV, JSONL or JSON file."""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from bookctl.cli.context import Application, get_app
from bookctl.cli.errors import Interrupted, exit_after_data
from bookctl.core.errors import BatchFailedError, UsageError
from bookctl.core.output import Amount, TableSpec

if TYPE_CHECKING:
    from collections.abc import Iterator

    from bookctl.batch.adapters import BatchAdapter, Invalid, Plan, Rules
    from bookctl.batch.journal import Journal
    from bookctl.batch.pacing import RunPacer
    from bookctl.batch.report import Tally
    from bookctl.batch.runner import RowResult
    from bookctl.batch.spool import Spool

group = typer.Typer(
    help="""Book in bulk from a file: one booking per row (see docs/batch.md).

    Example:

      bookctl batch validate examples/team.csv
      bookctl batch run examples/team.csv --dry-run
    """,
    no_args_is_help=True,
)

BatchFile = Annotated[
    Path, typer.Argument(help="CSV, JSONL or JSON file, one booking per row.", metavar="FILE")
]
Format = Annotated[
    str | None,
    typer.Option("--format", help="csv, jsonl or json (default: from the file's suffix)."),
]
MAX_CONCURRENCY = 64
PROGRESS_EVERY = 5.0


def register(app: typer.Typer) -> None:
    app.add_typer(group, name="batch")


def _adapter(app: Application) -> BatchAdapter:
    from bookctl.batch.adapters import adapter_for
    from bookctl.providers import CATALOGUE

    return adapter_for(CATALOGUE.spec(app.profile.provider))


def _invalid_table(invalid: list[Invalid]) -> TableSpec:
    return TableSpec(
        title="invalid rows",
        columns=["LINE", "ID", "REASON"],
        rows=[[i.line, i.row_id, i.reason] for i in invalid],
    )


@group.command("validate")
def validate(
    file: BatchFile,
    fmt: Format = None,
    jobs: Annotated[
        int | None,
        typer.Option(
            "--jobs",
            "-j",
            min=1,
            help="Processes that check a large CSV file's rows (default: the cores, up to 4).",
            metavar="N",
        ),
    ] = None,
) -> None:
    """Check every row of FILE without sending anything; list the invalid ones by line.

    Exits 2 when any row is invalid.

    Example:

      bookctl batch validate team-trip.csv
    """
    from bookctl.batch.adapters import Rules
    from bookctl.batch.reader import detect_format
    from bookctl.batch.shards import check_file, default_jobs

    app = get_app()
    fmt = detect_format(file, fmt)
    adapter = _adapter(app)
    rows, invalid = check_file(
        file, fmt, adapter, Rules(), jobs=default_jobs() if jobs is None else jobs
    )
    payload = {
        "file": str(file),
        "format": fmt,
        "provider": app.profile.provider,
        "rows": rows,
        "valid": rows - len(invalid),
        "invalid": [{"line": i.line, "id": i.row_id, "reason": i.reason} for i in invalid],
    }
    summary = TableSpec(
        columns=["FILE", "ROWS", "VALID", "INVALID"],
        rows=[[str(file), rows, rows - len(invalid), len(invalid)]],
    )
    app.emit(payload, [summary, _invalid_table(invalid)] if invalid else summary)
    if invalid:
        exit_after_data(
            UsageError(
                f"{len(invalid)} of {rows} rows are invalid",
                hint="fix them, or book the rest with 'bookctl batch run --skip-invalid'",
            )
        )
    app.output.success(f"all {rows} rows are valid")


@group.command("run")
def run(
    file: BatchFile,
    concurrency: Annotated[
        int, typer.Option("--concurrency", "-c", help="Rows booked at the same time.")
    ] = 4,
    rate: Annotated[
        float | None,
        typer.Option("--rate", help="At most this many requests per second.", metavar="R"),
    ] = None,
    journal_path: Annotated[
        Path | None,
        typer.Option(
            "--journal",
            help="Journal file (default: one per batch file in the state dir).",
            metavar="PATH",
        ),
    ] = None,
    resume: Annotated[
        bool, typer.Option("--resume", help="Continue a run; its journal must exist.")
    ] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Validate and price every row; book nothing.")
    ] = False,
    report: Annotated[
        Path | None,
        typer.Option("--report", help="Write a JSON record per row here.", metavar="PATH"),
    ] = None,
    skip_invalid: Annotated[
        bool, typer.Option("--skip-invalid", help="Book the valid rows even if some are not.")
    ] = False,
    wait_timeout: Annotated[
        float,
        typer.Option(
            "--wait-timeout",
            help="Seconds each row's order is followed to its final state, where the provider "
            "settles orders later (0: not followed).",
            metavar="S",
            min=0,
        ),
    ] = 300.0,
    fmt: Format = None,
) -> None:
    """Book every row of FILE, exactly once, with bounded concurrency and a rate limit.

    Every row is checked before anything is booked. Each row's idempotency key, cart and
    order are recorded in a journal; running again with the same journal (the default for
    the same file) skips booked rows and finishes interrupted ones without booking twice.
    Exits 7 when some rows failed.

    Example:

      bookctl batch run team-trip.csv --concurrency 8 --report booked.json
    """
    import contextlib

    from bookctl.batch import journal as journals
    from bookctl.batch.pacing import RunPacer
    from bookctl.batch.reader import detect_format
    from bookctl.batch.spool import Spool

    app = get_app()
    if not 1 <= concurrency <= MAX_CONCURRENCY:
        raise UsageError(f"--concurrency must be 1 to {MAX_CONCURRENCY}, not {concurrency}")
    if rate is not None and not (math.isfinite(rate) and rate > 0):
        raise UsageError(f"--rate must be a number above 0, not {rate}")
    fmt = detect_format(file, fmt)
    if not file.is_file():
        raise UsageError(f"batch file {file} does not exist")
    if report is not None and report.is_dir():
        raise UsageError(f"--report {report} is a directory", hint="give the path of a file")
    adapter = _adapter(app)
    path = journal_path or journals.default_path(file)
    if resume and not path.exists():
        raise UsageError(
            f"nothing to resume: {path} does not exist",
            hint="run without --resume to start, or pass the run's --journal",
        )
    pacer = RunPacer(rate, slots=concurrency)
    provider = app.provider(pacer=pacer)
    rules = adapter.preflight(provider)
    # The preflight sent from this thread: its send slot belongs to the workers.
    pacer.release()

    with contextlib.ExitStack() as stack:
        journal: Journal | None = None
        if not dry_run:
            journal = stack.enter_context(
                journals.Journal(
                    path, batch_file=file, provider=app.profile.provider, profile=app.profile_name
                )
            )
            if journal.repaired:
                app.output.warn(f"{path}: cut off a torn last record (the run was killed)")
            if journal.rows:
                done = sum(1 for s in journal.rows.values() if s.booked)
                app.output.info(f"resuming from {path}: {done} rows already booked")

        checked: Spool[Plan | Invalid] = stack.enter_context(Spool())
        valid, invalid = _check_all(file, fmt, adapter, rules, journal, checked)
        if invalid and not skip_invalid:
            for item in invalid:
                app.output.err.print(
                    f"line {item.line} ({item.row_id}): {item.reason}", markup=False
                )
            raise UsageError(
                f"{len(invalid)} of {valid + len(invalid)} rows are invalid; nothing was booked",
                hint="fix them, or pass --skip-invalid to book the valid rows",
            )

        tally, elapsed, interrupted = _book(
            app,
            provider,
            adapter,
            journal,
            iter(checked),
            total=checked.count,
            concurrency=concurrency,
            report=report,
            pacer=pacer,
            wait_timeout=wait_timeout,
            head={
                "file": str(file.resolve()),
                "journal": None if journal is None else str(path),
                "dry_run": dry_run,
            },
        )
    summary = {
        "file": str(file),
        "journal": None if dry_run else str(path),
        "dry_run": dry_run,
        "rows": tally.done,
        **tally.to_json(),
        "rate_limit_slowdowns": pacer.slowdowns,
        "elapsed_seconds": round(elapsed, 3),
        "report": str(report) if report else None,
    }
    if interrupted:
        summary["interrupted"] = True
    app.emit(summary, _summary_table(tally, dry_run))
    if interrupted:
        exit_after_data(
            Interrupted(
                "interrupted",
                hint=_resume_hint(app, file, None if dry_run else path, report, dry_run),
            )
        )
    if tally.failed:
        exit_after_data(
            BatchFailedError(
                f"{tally.failed} of {tally.done} rows failed",
                hint="see the summary (and --report); run the same command again to retry them",
            )
        )


def _resume_hint(
    app: Application, file: Path, journal: Path | None, report: Path | None, dry_run: bool
) -> str:
    import shlex

    parts = ["bookctl", "-p", app.profile_name, "batch", "run", str(file)]
    if journal is not None:
        parts += ["--journal", str(journal)]
    if report is not None:
        parts += ["--report", str(report)]
    if dry_run:
        parts.append("--dry-run")
    where = f"the report of the rows so far is in {report}; " if report is not None else ""
    command = " ".join(shlex.quote(p) for p in parts)
    if dry_run:
        return f"{where}run it again: {command}"
    return f"{where}booked rows are journalled; resume (nothing is booked twice): {command}"


def _check_all(
    file: Path,
    fmt: str,
    adapter: BatchAdapter,
    rules: Rules,
    journal: Journal | None,
    checked: Spool[Plan | Invalid],
) -> tuple[int, list[Invalid]]:
    """The one pass over FILE: every row parsed, checked and checked against the journal.

    Each row goes into ``checked`` as it was parsed, for the booking pass to read back.
    """
    from bookctl.batch.adapters import Invalid, iter_plans

    valid = 0
    invalid: list[Invalid] = []
    changed: list[Plan] = []
    for item in iter_plans(file, fmt, adapter, rules):
        checked.add(item)
        if isinstance(item, Invalid):
            invalid.append(item)
            continue
        valid += 1
        state = journal.rows.get(item.row_id) if journal is not None else None
        if state is not None and state.digest != item.digest:
            changed.append(item)
    if changed:
        lines = ", ".join(str(p.line) for p in changed[:10])
        raise UsageError(
            f"{len(changed)} row(s) changed since the journal recorded them (line(s) {lines})",
            hint="restore the file, or pass --journal with a new path for a new run "
            "(rows booked under the old journal would be booked again)",
        )
    return valid, invalid


def _book(
    app: Application,
    provider: Any,
    adapter: BatchAdapter,
    journal: Journal | None,
    items: Iterator[Plan | Invalid],
    *,
    total: int,
    concurrency: int,
    report: Path | None,
    pacer: RunPacer,
    wait_timeout: float,
    head: dict[str, Any],
) -> tuple[Tally, float, bool]:
    from bookctl.batch.report import ReportWriter, Tally
    from bookctl.batch.runner import BatchRunner
    from bookctl.core.follow import FollowPolicy

    tally = Tally()
    writer = ReportWriter(report, head) if report is not None else None
    follow = FollowPolicy(timeout=wait_timeout) if wait_timeout > 0 else None
    runner = BatchRunner(
        provider, adapter, journal, concurrency=concurrency, pacer=pacer, follow=follow
    )
    started = time.monotonic()
    progress = _Progress(app, total)
    interrupted = False
    try:
        with progress:
            for result in runner.run(items):
                tally.add(result)
                if writer is not None:
                    writer.add(result)
                progress.update(tally, result)
    except KeyboardInterrupt:
        # The runner let the rows in flight finish and journal; report what was done.
        interrupted = True
    except BaseException:
        if writer is not None:
            writer.discard()
        raise
    elapsed = time.monotonic() - started
    if writer is not None:
        writer.finish(
            {**tally.to_json(), "elapsed_seconds": round(elapsed, 3), "interrupted": interrupted}
        )
    return tally, elapsed, interrupted


class _Progress:
    """A Rich bar on a terminal; plain lines every few seconds otherwise; nothing if quiet."""

    def __init__(self, app: Application, total: int) -> None:
        self.app = app
        self.total = total
        self._bar: Any = None
        self._task: Any = None
        self._last = time.monotonic()

    def __enter__(self) -> _Progress:
        if self.app.output.interactive:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

            self._bar = Progress(
                "[progress.description]{task.description}",
                BarColumn(),
                MofNCompleteColumn(),
                TimeRemainingColumn(),
                console=self.app.output.err,
                transient=True,
            )
            self._bar.__enter__()
            self._task = self._bar.add_task("booking", total=self.total)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.__exit__(*exc)

    def update(self, tally: Tally, result: RowResult) -> None:
        if self._bar is not None:
            self._bar.update(
                self._task,
                advance=1,
                description=f"booked {tally.by_state['booked']}, failed {tally.failed}",
            )
            return
        now = time.monotonic()
        if now - self._last >= PROGRESS_EVERY:
            self._last = now
            self.app.output.info(
                f"batch: {tally.done}/{self.total} rows done "
                f"({tally.by_state['booked'] + tally.by_state['already_booked']} booked, "
                f"{tally.failed} failed)"
            )


def _summary_table(tally: Tally, dry_run: bool) -> list[TableSpec]:
    rows: list[list[Any]] = []
    if dry_run:
        rows.append(["priced", tally.by_state["priced"]])
    else:
        rows.append(["booked", tally.by_state["booked"]])
        rows.append(["already booked (earlier run)", tally.by_state["already_booked"]])
        rows += [[f"  order {state}", n] for state, n in sorted(tally.by_order_state.items())]
    rows.append(["failed", tally.failed])
    rows += [[f"  failed: {reason}", n] for reason, n in sorted(tally.failed_by_reason.items())]
    rows.append(["skipped (invalid)", tally.by_state["invalid"]])
    if tally.by_state["not_started"]:
        rows.append(["not started", tally.by_state["not_started"]])
    summed = tally.to_json()["amount_priced" if dry_run else "amount_booked"]
    label = "amount priced" if dry_run else "amount booked"
    rows += [[label, Amount(a["amount"], a["currency"])] for a in summed] or [[label, None]]
    summary = TableSpec(title="batch run", columns=["OUTCOME", "ROWS"], rows=rows)
    if not dry_run:
        return [summary]
    prices = TableSpec(
        title="prices",
        columns=["LINE", "ROW", "PRICE"],
        rows=[
            [r["line"], r["id"], Amount(r["amount"], r["currency"])]
            for r in tally.to_json()["priced_rows"]
        ],
    )
    return [prices, summary]
