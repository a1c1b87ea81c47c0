"""``bookctl prices``: product prices and a package's per-guest breakdown (Bookinglayer)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

import typer

from bookctl.cli._bookinglayer import bookinglayer
from bookctl.cli.context import get_app
from bookctl.cli.options import Currency
from bookctl.core import validate
from bookctl.core.errors import UsageError
from bookctl.core.money import money
from bookctl.core.output import Amount, TableSpec

#: Prices are asked in this currency unless --currency says otherwise: the same default as
#: 'basket add', so a price and the cart it leads to are in one currency.
DEFAULT_CURRENCY = "EUR"
UNITS = ("hour", "day", "night", "week")


def register(app: typer.Typer) -> None:
    app.command("prices")(prices)


def prices(
    product_ids: Annotated[
        list[str] | None,
        typer.Argument(help="Product id(s), or the word 'package' with --file.", metavar="ID..."),
    ] = None,
    start_date: Annotated[
        str | None,
        typer.Option(
            "--start-date", help="Start date: YYYY-MM-DD, +7d, next-wed, ...", metavar="DATE"
        ),
    ] = None,
    pax: Annotated[
        int | None, typer.Option("--pax", help="Number of guests (1 or more).", metavar="N")
    ] = None,
    duration: Annotated[
        int | None,
        typer.Option(
            "--duration",
            help="Duration in --unit (one product: its default; several: required).",
            metavar="N",
        ),
    ] = None,
    unit: Annotated[
        str | None,
        typer.Option("--unit", help=f"Duration unit: {', '.join(UNITS)}.", metavar="U"),
    ] = None,
    qty: Annotated[
        int | None, typer.Option("--qty", help="Quantity of each product.", metavar="N")
    ] = None,
    currency: Currency = None,
    file: Annotated[
        Path | None,
        typer.Option(
            "--file",
            "-f",
            help="For 'prices package': the bookings/add body, each guest with a unique_id.",
            metavar="FILE",
        ),
    ] = None,
) -> None:
    """Total price of one or more products, or a package's price breakdown per guest.

    Prices are in --currency, EUR by default. 'prices package --file F' takes the documented
    package prices request (the 'basket add' body where every guest has a unique_id) and shows
    what each selected item costs, per guest and in total; nothing is reserved.

    Examples:

      bookctl prices 3337 --start-date +7d --pax 2
      bookctl prices 3337 3339 --start-date +7d --pax 2 --duration 1 \\
          --currency USD
      bookctl prices package --file guests.json
    """
    app = get_app()
    ids = [i.strip() for i in product_ids or []]
    if ids[:1] == ["package"]:
        if len(ids) > 1 or file is None:
            raise UsageError(
                "usage: bookctl prices package --file FILE",
                hint="FILE is the bookings/add body with a unique_id for every guest",
            )
        _package_breakdown(file, currency)
        return
    if file is not None:
        raise UsageError("--file is for 'bookctl prices package --file FILE'")
    if not ids:
        raise UsageError(
            "prices needs a product id", hint="e.g. bookctl prices 3337 --start-date ... --pax 2"
        )
    if start_date is None or pax is None:
        raise UsageError("prices needs --start-date and --pax", hint="see 'bookctl prices --help'")
    start = validate.parse_date(start_date, "--start-date")
    validate.check_count(pax, "--pax", minimum=1)
    if duration is not None:
        validate.check_count(duration, "--duration", minimum=1)
    if qty is not None:
        validate.check_count(qty, "--qty", minimum=1)
    if unit is not None:
        validate.check_choice(unit, "--unit", UNITS)
    code = validate.check_currency(currency) if currency else DEFAULT_CURRENCY
    several = len(ids) > 1 or qty is not None
    if several and duration is None:
        raise UsageError(
            "prices for several products (or with --qty) needs --duration",
            hint="e.g. --duration 1 --unit day",
        )
    params: dict[str, Any] = {
        "start_date": start.isoformat(),
        "pax": pax,
        "duration": duration,
        "duration_unit": unit,
        "currency": code,
    }
    provider = bookinglayer(app, "prices")
    if several:
        totals, raw = provider.prices(ids, {**params, "qty": qty})
    else:
        total, raw = provider.price(ids[0], params)
        totals = {ids[0]: total}
    payload = [
        {
            "product_id": pid,
            "start_date": start.isoformat(),
            "pax": pax,
            "duration": duration,
            "duration_unit": unit,
            "qty": qty,
            "total": total,
            "currency": code,
        }
        for pid, total in totals.items()
    ]
    length = "default" if duration is None else f"{duration} {unit or ''}".strip()
    caption = None
    if len(payload) > 1:
        caption = f"all together: {money(sum(Decimal(p['total'] or 0) for p in payload))} {code}"
    table = TableSpec(
        columns=["PRODUCT", "START", "PAX", "DURATION", "TOTAL"],
        rows=[
            [
                p["product_id"],
                p["start_date"],
                pax,
                length,
                Amount(str(p["total"]) if p["total"] is not None else None, code),
            ]
            for p in payload
        ],
        caption=caption,
    )
    if app.options.raw:
        app.emit({"prices": payload}, table, raw=raw)
    else:
        app.emit(payload, table)


def _label(product_id: Any, item_id: Any, package: dict[str, Any]) -> str:
    """What a breakdown line is, from the guest's own package object."""
    if item_id is not None:
        return f"item {item_id}"
    if str(product_id) == str(package.get("id")):
        return "package"
    if str(product_id) == str(package.get("accommodation_id")):
        return "accommodation"
    return "-"


def _package_breakdown(file: Path, currency: str | None) -> None:
    """Per-guest, per-item price breakdown of a package configuration."""
    from bookctl.providers.bookinglayer.client import build_add_body

    app = get_app()
    body = build_add_body({"file": file, "currency": currency}, None)
    guests = body["guests"]
    ids = [g.get("unique_id") for g in guests]
    for index, unique_id in enumerate(ids, 1):
        if not isinstance(unique_id, str) or not unique_id.strip():
            raise UsageError(
                f"--file: guest {index} has no unique_id",
                hint='every guest needs a unique_id of your choice, e.g. "guest_1"',
            )
    if len(set(ids)) != len(ids):
        raise UsageError("--file: two guests have the same unique_id")
    code = str(body["currency"])
    raw = bookinglayer(app, "prices package").package_prices(body)
    packages = {g["unique_id"]: g.get("package") or {} for g in guests}
    result: list[dict[str, Any]] = []
    rows: list[list[Any]] = []
    grand = Decimal(0)
    for guest_id, entries in raw.items():
        lines = []
        subtotal = Decimal(0)
        for entry in entries if isinstance(entries, list) else []:
            amount = money(entry.get("price"))
            subtotal += Decimal(amount or 0)
            item_id = entry.get("package_item_id")
            lines.append(
                {
                    "package_item_id": None if item_id is None else str(item_id),
                    "product_id": str(entry.get("product_id")),
                    "amount": amount,
                    "is_fixed": entry.get("is_fixed"),
                    "guest_to_charge": entry.get("guest_to_charge"),
                }
            )
            what = _label(entry.get("product_id"), item_id, packages.get(guest_id, {}))
            rows.append([guest_id, what, entry.get("product_id"), Amount(amount, code)])
        grand += subtotal
        result.append({"unique_id": guest_id, "total": money(subtotal), "lines": lines})
        if app.output_format != "csv":
            rows.append([guest_id, "subtotal", "", Amount(money(subtotal), code)])
    payload = {"currency": code, "total": money(grand), "guests": result}
    if app.output_format != "csv":
        rows.append(["TOTAL", "", "", Amount(money(grand), code)])
    table = TableSpec(
        title=f"package price breakdown ({len(result)} guest{'s' if len(result) != 1 else ''})",
        columns=["GUEST", "WHAT", "PRODUCT", "AMOUNT"],
        rows=rows,
    )
    app.emit(payload, table, raw=raw)
