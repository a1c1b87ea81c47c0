"""``bookctl packages``: a package's items and its accommodation options (Bookinglayer)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from bookctl.cli._bookinglayer import bookinglayer
from bookctl.cli.context import get_app
from bookctl.cli.options import Currency, Language
from bookctl.core import validate
from bookctl.core.errors import UsageError
from bookctl.core.money import money
from bookctl.core.output import TableSpec

if TYPE_CHECKING:
    from bookctl.providers.bookinglayer import WirePackageItem

group = typer.Typer(help="Package items and accommodations (bookinglayer).", no_args_is_help=True)

Start = Annotated[str, typer.Option("--start-date", help="Start date, YYYY-MM-DD.", metavar="DATE")]
Duration = Annotated[int, typer.Option("--duration", help="Nights.", metavar="N")]


def register(app: typer.Typer) -> None:
    app.add_typer(group, name="packages")


def _item_row(group_no: str, item: WirePackageItem) -> list[Any]:
    price = item.product.price
    shown = "-"
    if price is not None:
        shown = f"{'from ' if price.from_price else ''}{money(price.value)} {price.currency}"
        if price.type:
            shown += f" /{price.type}"
    free = [d.date for d in item.dates if d.available not in (0, None) or d.timeslots]
    qty = item.qty or {}
    return [
        group_no,
        item.package_item_id,
        item.role,
        item.product.id,
        item.product.title,
        f"{qty.get('min', '-')}..{qty.get('max', '-')} ({qty.get('default', '-')})" if qty else "-",
        shown,
        "yes" if item.is_configurable_dates else "no",
        f"{len(free)} dates" + (" (timeslots)" if item.product.is_on_timeslots else ""),
    ]


def _item_json(item: WirePackageItem) -> dict[str, Any]:
    price = item.product.price
    return {
        "package_item_id": item.package_item_id,
        "role": item.role,
        "qty": item.qty,
        "is_configurable_dates": item.is_configurable_dates,
        "product_id": str(item.product.id),
        "title": item.product.title,
        "is_on_timeslots": item.product.is_on_timeslots,
        "price": None
        if price is None
        else {
            "amount": money(price.value),
            "currency": price.currency,
            "type": price.type,
            "from_price": price.from_price,
        },
        "dates": [d.model_dump(mode="json") for d in item.dates],
    }


@group.command("show")
def show(
    package_id: Annotated[str, typer.Argument(help="Package id.", metavar="ID")],
    start_date: Start,
    duration: Duration,
    currency: Currency = None,
    language: Language = None,
) -> None:
    """Show a package's single items and groups (role, qty, price, dates, timeslots).

    Example:

      bookctl packages show 384 --start-date 2026-12-02 --duration 7
    """
    app = get_app()
    start = validate.parse_date(start_date, "--start-date")
    validate.check_count(duration, "--duration", minimum=1)
    params = {
        "start_date": start.isoformat(),
        "duration": duration,
        "currency": validate.check_currency(currency) if currency else None,
        "language": validate.check_language(language) if language else None,
    }
    package, raw = bookinglayer(app, "packages show").package(package_id, params)
    rows = [_item_row("single", i) for i in package.single_items]
    for number, grp in enumerate(package.groups, 1):
        rows += [_item_row(f"group {number}", i) for i in grp.items]
    payload = {
        "id": package_id,
        "start_date": package.start_date,
        "end_date": package.end_date,
        "single_items": [_item_json(i) for i in package.single_items],
        "groups": [
            {
                "is_configurable_dates": g.is_configurable_dates,
                "items": [_item_json(i) for i in g.items],
            }
            for g in package.groups
        ],
    }
    table = TableSpec(
        title=f"package {package_id}: {package.start_date} to {package.end_date}",
        columns=[
            "GROUP",
            "ITEM",
            "ROLE",
            "PRODUCT",
            "TITLE",
            "QTY",
            "PRICE",
            "PICK DATES",
            "DATES",
        ],
        rows=rows,
    )
    app.emit(payload, table, raw=raw)


@group.command("accommodations")
def accommodations(
    package_id: Annotated[str, typer.Argument(help="Package id.", metavar="ID")],
    start_date: Start,
    duration: Duration,
    males: Annotated[int, typer.Option("--males", help="Number of males.")] = 0,
    females: Annotated[int, typer.Option("--females", help="Number of females.")] = 0,
    couples: Annotated[int, typer.Option("--couples", help="Number of couples.")] = 0,
    currency: Currency = None,
) -> None:
    """Show the accommodation options of a package for a party.

    Example:

      bookctl packages accommodations 384 --start-date 2026-12-02 --duration 7 --males 1
    """
    app = get_app()
    start = validate.parse_date(start_date, "--start-date")
    validate.check_count(duration, "--duration", minimum=1)
    for name, value in (("--males", males), ("--females", females), ("--couples", couples)):
        validate.check_count(value, name)
    if males + females + couples == 0:
        raise UsageError("give the party: --males, --females and/or --couples")
    params = {
        "start_date": start.isoformat(),
        "duration": duration,
        "males": males,
        "females": females,
        "couples": couples,
        "currency": validate.check_currency(currency) if currency else None,
    }
    options, raw = bookinglayer(app, "packages accommodations").accommodations(package_id, params)
    payload: list[dict[str, Any]] = [
        {
            "product_id": str(o.product.id),
            "title": o.product.title,
            "start_date": o.start_date,
            "end_date": o.end_date,
            "available": o.available,
            "price": None
            if o.price is None
            else {
                "amount": money(o.price.value),
                "currency": o.price.currency,
                "type": o.price.type,
            },
        }
        for o in options
    ]
    table = TableSpec(
        title=f"accommodations for package {package_id}",
        columns=["ID", "TITLE", "FROM", "TO", "AVAILABLE", "PRICE"],
        rows=[
            [
                p["product_id"],
                p["title"],
                p["start_date"],
                p["end_date"],
                p["available"],
                "-" if p["price"] is None else f"{p['price']['amount']} {p['price']['currency']}",
            ]
            for p in payload
        ],
    )
    app.emit(payload, table, raw=raw)
