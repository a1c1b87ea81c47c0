"""``bookctl smoke``: one full booking flow on the active profile, as a CI check."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bookctl.cli.context import get_app
from bookctl.cli.errors import exit_after_data
from bookctl.core.errors import LocalFileError
from bookctl.core.output import TableSpec


def register(app: typer.Typer) -> None:
    app.command("smoke")(smoke)


def smoke(
    junit: Annotated[
        Path | None,
        typer.Option("--junit", help="Write JUnit XML (one test case per step).", metavar="PATH"),
    ] = None,
    no_checkout: Annotated[
        bool, typer.Option("--no-checkout", help="Abandon the cart instead of checking out.")
    ] = False,
) -> None:
    """Run one full booking flow on the active profile and time each step.

    Steps: settings, products, availability, price, basket add, cart show, cart extend,
    checkout (or abandon with --no-checkout), poll (up to 60 s). Steps the provider has no
    call for are skipped with the reason. The cart it creates is abandoned if a step fails
    (where the provider can); the profile's own cart session is never touched. Exits
    non-zero naming the first failing step.

    Example:

      bookctl -p staging smoke --junit smoke.xml
    """
    from bookctl.batch.smoke import junit_xml, run_smoke

    app = get_app()
    provider = app.provider()
    from bookctl.providers import CATALOGUE

    run = run_smoke(provider, CATALOGUE.spec(provider.key), checkout=not no_checkout)
    if junit is not None:
        try:
            junit.write_bytes(junit_xml(run, suite=f"bookctl smoke ({app.profile_name})"))
        except OSError as err:
            raise LocalFileError(f"cannot write --junit {junit}: {err.strerror}") from err
    failure = run.first_failure
    payload = {
        "profile": app.profile_name,
        "provider": provider.key,
        "ok": failure is None,
        "failed_step": failure.name if failure else None,
        "steps": [s.to_json() for s in run.steps],
    }
    table = TableSpec(
        title=f"smoke: {app.profile_name} ({provider.key})",
        columns=["STEP", "STATUS", "MS", "DETAIL"],
        rows=[[s.name, s.status, f"{s.seconds * 1000:.0f}", s.detail] for s in run.steps],
    )
    app.emit(payload, table)
    if run.failed is not None and failure is not None:
        error = run.failed
        error.message = f"smoke failed at step '{failure.name}': {error.message}"
        exit_after_data(error)
    app.output.success("smoke passed")
