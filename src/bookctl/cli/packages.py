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
    from bookctl.providers.bookinglayer.client import WireAccommodation, WirePackageItem

group = typer.Typer(
    help="""Package items and accommodations (bookinglayer).

    Example:

      bookctl packages show 384 --start-date next-mon --duration 7
    """,
    no_args_is_help=True,
)

PackageId = Annotated[
    str, typer.Argument(help="Package id (a product of type package).", metavar="ID")
]
Start = Annotated[
    str,
    typer.Option(
        "--start-date",
        help="First day of the stay: YYYY-MM-DD or +7d, next-mon, ... (UTC).",
        metavar="DATE",
    ),
]
Duration = Annotated[
    int, typer.Option("--duration", help="Length of the stay in nights.", metavar="N")
]
ITEM_COLUMNS = ["ITEM", "ROLE", "PRODUCT", "TITLE", "QTY", "PRICE", "DATES", "PICK DATES", "FREE"]


def register(app: typer.Typer) -> None:
    app.add_typer(group, name="packages")


def _price_text(amount: str | None, currency: str, kind: str | None, from_price: bool) -> str:
    text = f"{'from ' if from_price else ''}{amount} {currency}"
    return f"{text} /{kind}" if kind else text


def _dates_text(item: WirePackageItem) -> str:
    days = [d.date for d in item.dates]
    if not days:
        return "-"
    text = days[0] if len(days) == 1 else f"{days[0]} to {days[-1]} ({len(days)} days)"
    times = sorted({t.time for d in item.dates for t in d.timeslots or []})
    return f"{text} at {' '.join(times)}" if times else text


def _free_text(item: WirePackageItem) -> str:
    """Places left over the item's dates (and timeslots): one number, or the lowest-highest."""
    counts: list[Any] = []
    for day in item.dates:
        counts += [t.available for t in day.timeslots] if day.timeslots else [day.available]
    numbers = [c for c in counts if isinstance(c, int)]
    if not numbers:
        return "unlimited" if "unlimited" in counts else "-"
    high: Any = "unlimited" if "unlimited" in counts else max(numbers)
    return str(min(numbers)) if high == min(numbers) else f"{min(numbers)}-{high}"


def _item_row(item: WirePackageItem) -> list[Any]:
    price = item.product.price
    qty = item.qty or {}
    return [
        item.package_item_id,
        item.role,
        item.product.id,
        item.product.title,
        f"{qty.get('min', 0)}-{qty.get('max', '?')} (default {qty.get('default', 0)})"
        if qty
        else "-",
        "-"
        if price is None
        else _price_text(money(price.value), price.currency, price.type, price.from_price),
        _dates_text(item),
        item.is_configurable_dates,
        _free_text(item),
    ]


def _item_json(item: WirePackageItem) -> dict[str, Any]:
    price = item.product.price
    return {
        "package_item_id": str(item.package_item_id),
        "role": item.role,
        "qty": item.qty,
        "is_configurable_dates": item.is_configurable_dates,
        "product_id": str(item.product.id),
        "type": item.product.type,
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
        "dates": [
            {
                "date": d.date,
                "available": d.available,
                "capacity": d.capacity,
                "timeslots": None
                if d.timeslots is None
                else [
                    {"time": t.time, "available": t.available, "capacity": t.capacity}
                    for t in d.timeslots
                ],
            }
            for d in item.dates
        ],
    }


def _group_title(number: int, items: list[WirePackageItem]) -> str:
    roles = {i.role for i in items}
    if "default" in roles:
        return f"group {number}: the default is included; pick one of the others instead"
    return f"group {number}: options, pick one or none"


@group.command("show")
def show(
    package_id: PackageId,
    start_date: Start,
    duration: Duration,
    currency: Currency = None,
    language: Language = None,
) -> None:
    """Show what a package is made of for a stay: single items and groups of items.

    Each item has a role (default, alternative, upgrade, option), a price, the dates it can be
    taken on (with timeslots for products on timeslots) and the places left. Items whose dates
    can be picked take a date list in 'basket add --item ITEM:DATE,...'; default items are added
    by the provider itself.

    Example:

      bookctl packages show 384 --start-date next-mon --duration 7
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
    payload = {
        "id": package_id.strip(),
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
    stay = f"package {payload['id']}: {package.start_date} to {package.end_date}"
    if app.output_format == "csv":
        rows = [["single", *_item_row(i)] for i in package.single_items]
        for number, grp in enumerate(package.groups, 1):
            rows += [[f"group {number}", *_item_row(i)] for i in grp.items]
        tables: list[TableSpec] = [TableSpec(columns=["GROUP", *ITEM_COLUMNS], rows=rows)]
    else:
        tables = [
            TableSpec(
                title=f"{stay}, single items",
                columns=ITEM_COLUMNS,
                rows=[_item_row(i) for i in package.single_items],
            )
        ]
        tables += [
            TableSpec(
                title=_group_title(number, grp.items),
                columns=ITEM_COLUMNS,
                rows=[_item_row(i) for i in grp.items],
            )
            for number, grp in enumerate(package.groups, 1)
        ]
    app.emit(payload, tables, raw=raw)


def _accommodation_json(option: WireAccommodation) -> dict[str, Any]:
    product = option.product
    return {
        "product_id": str(product.id),
        "title": product.title,
        "accommodation_type": product.accommodation_type.title
        if product.accommodation_type
        else None,
        "start_date": option.start_date,
        "end_date": option.end_date,
        "available": option.available,
        "pax": product.pax.model_dump() if product.pax else None,
        "price": None
        if option.price is None
        else {
            "amount": money(option.price.value),
            "currency": option.price.currency,
            "type": option.price.type,
        },
    }


def _party(males: int, females: int, couples: int) -> str:
    parts = [
        f"{count} {name if count == 1 else name + 's'}"
        for count, name in ((males, "male"), (females, "female"), (couples, "couple"))
        if count
    ]
    return ", ".join(parts)


@group.command("accommodations")
def accommodations(
    package_id: PackageId,
    start_date: Start,
    duration: Duration,
    males: Annotated[int, typer.Option("--males", help="Number of males.", metavar="N")] = 0,
    females: Annotated[int, typer.Option("--females", help="Number of females.", metavar="N")] = 0,
    couples: Annotated[int, typer.Option("--couples", help="Number of couples.", metavar="N")] = 0,
    currency: Currency = None,
) -> None:
    """Show the accommodation options of a package for a stay and a party.

    The party is --males, --females and --couples (at least one guest). Pass the chosen
    option's id to 'basket add --accommodation ID'.

    Example:

      bookctl packages accommodations 384 --start-date next-mon --duration 7 \\
          --males 1
    """
    app = get_app()
    start = validate.parse_date(start_date, "--start-date")
    validate.check_count(duration, "--duration", minimum=1)
    for name, value in (("--males", males), ("--females", females), ("--couples", couples)):
        validate.check_count(value, name)
    if males + females + couples == 0:
        raise UsageError(
            "packages accommodations needs a party",
            hint="give --males, --females and/or --couples, e.g. --males 1",
        )
    params = {
        "start_date": start.isoformat(),
        "duration": duration,
        "males": males,
        "females": females,
        "couples": couples,
        "currency": validate.check_currency(currency) if currency else None,
    }
    options, raw = bookinglayer(app, "packages accommodations").accommodations(package_id, params)
    payload = [_accommodation_json(o) for o in options]
    rows = []
    for p in payload:
        price = p["price"]
        rows.append(
            [
                p["product_id"],
                p["title"],
                p["accommodation_type"],
                (p["pax"] or {}).get("max"),
                p["available"],
                "-"
                if price is None
                else _price_text(price["amount"], price["currency"], price["type"], False),
            ]
        )
    table = TableSpec(
        title=f"accommodations of package {package_id.strip()}: {start} for {duration} nights, "
        f"{_party(males, females, couples)}",
        columns=["ID", "TITLE", "TYPE", "SLEEPS", "AVAILABLE", "PRICE"],
        rows=rows,
        caption=None if rows else "no accommodation option for this stay and party",
    )
    if app.options.raw:
        app.emit({"accommodations": payload}, table, raw=raw)
    else:
        app.emit(payload, table)
