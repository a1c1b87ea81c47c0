"""``bookctl availability``: dates, capacity, check-in/out, blocked days and timeslots."""

from __future__ import annotations

from typing import Annotated

import typer

from bookctl.cli.context import get_app
from bookctl.cli.options import PRODUCT_TYPES, EndDate, StartDate
from bookctl.cli.tables import availability_table
from bookctl.core import validate
from bookctl.core.errors import UsageError


def register(app: typer.Typer) -> None:
    app.command("availability")(availability)


def availability(
    product_ids: Annotated[
        list[str] | None, typer.Argument(help="Product id(s).", metavar="ID...")
    ] = None,
    start_date: StartDate = None,
    end_date: EndDate = None,
    type_: Annotated[
        str | None, typer.Option("--type", help="All products of this type.", metavar="T")
    ] = None,
    category: Annotated[
        str | None,
        typer.Option("--category", help="All products of this backoffice category.", metavar="ID"),
    ] = None,
) -> None:
    """Show availability: one product, several, or all of a type or category.

    Without --end-date the provider answers 30 days from the start (today by default).

    Example:

      bookctl availability 384 --start-date tomorrow
    """
    app = get_app()
    ids = list(product_ids or [])
    if not ids and type_ is None and category is None:
        raise UsageError(
            "availability needs a product id, --type or --category",
            hint="e.g. bookctl availability 384",
        )
    if type_ is not None:
        validate.check_choice(type_, "--type", PRODUCT_TYPES)
    if category is not None and not category.isdigit():
        raise UsageError(f"--category: {category!r} is not a category id")
    start, end = validate.parse_date_range(
        start_date, end_date, start_param="--start-date", end_param="--end-date", allow_past=False
    )
    filters = {
        "start_date": start.isoformat() if start else None,
        "end_date": end.isoformat() if end else None,
        "type": type_,
        "category": category,
    }
    provider = app.provider("availability", {k: v for k, v in filters.items() if v is not None})
    rows, raw = provider.availability(ids, filters)
    payload = [r.model_dump(mode="json") for r in rows]
    if app.options.raw:
        app.emit({"availability": payload}, availability_table(rows), raw=raw)
    else:
        app.emit(payload, availability_table(rows))
