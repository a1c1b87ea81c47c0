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
from bookctl.core.output import TableSpec


def register(app: typer.Typer) -> None:
    app.command("prices")(prices)


def prices(
    product_ids: Annotated[
        list[str] | None, typer.Argument(help="Product id(s).", metavar="ID...")
    ] = None,
    start_date: Annotated[
        str | None, typer.Option("--start-date", help="Start date, YYYY-MM-DD.", metavar="DATE")
    ] = None,
    pax: Annotated[int | None, typer.Option("--pax", help="Number of guests.")] = None,
    duration: Annotated[int | None, typer.Option("--duration", help="Duration.")] = None,
    unit: Annotated[
        str | None, typer.Option("--unit", help="Duration unit: day, night, hour.", metavar="U")
    ] = None,
    qty: Annotated[int | None, typer.Option("--qty", help="Quantity (several products).")] = None,
    currency: Currency = None,
    file: Annotated[
        Path | None,
        typer.Option(
            "--file", "-f", help="For 'prices package': bookings/add body, guests with unique_id."
        ),
    ] = None,
) -> None:
    """Total price of one or more products, or a package's per-guest breakdown.

    Examples:

      bookctl prices 3337 --start-date 2026-12-03 --pax 2
      bookctl prices 3337 3338 --start-date 2026-12-03 --pax 2 --duration 1
      bookctl prices package --file guests.json
    """
    app = get_app()
    ids = list(product_ids or [])
    if ids[:1] == ["package"]:
        if len(ids) > 1 or file is None:
            raise UsageError("usage: bookctl prices package --file FILE")
        package_breakdown(file)
        return
    if file is not None:
        raise UsageError("--file is for 'bookctl prices package --file FILE'")
    if not ids:
        raise UsageError("prices needs a product id", hint="e.g. bookctl prices 3337 --pax 2 ...")
    if start_date is None or pax is None:
        raise UsageError("prices needs --start-date and --pax")
    start = validate.parse_date(start_date, "--start-date")
    validate.check_count(pax, "--pax", minimum=1)
    if duration is not None:
        validate.check_count(duration, "--duration", minimum=1)
    if qty is not None:
        validate.check_count(qty, "--qty", minimum=1)
    if unit is not None:
        validate.check_choice(unit, "--unit", ("day", "night", "hour", "minute", "week"))
    params: dict[str, Any] = {
        "start_date": start.isoformat(),
        "pax": pax,
        "duration": duration,
        "duration_unit": unit,
        "currency": validate.check_currency(currency) if currency else None,
    }
    provider = bookinglayer(app, "prices")
    cur = params["currency"] or "default currency"
    if len(ids) == 1 and qty is None:
        total, raw = provider.price(ids[0], params)
        payload = [{"product_id": ids[0], "total": total, "currency": params["currency"]}]
    else:
        if duration is None:
            raise UsageError("prices for several products needs --duration")
        params["qty"] = qty
        totals, raw = provider.prices(ids, params)
        payload = [
            {"product_id": pid, "total": total, "currency": params["currency"]}
            for pid, total in totals.items()
        ]
    table = TableSpec(
        title=f"prices from {start} for {pax} ({cur})",
        columns=["PRODUCT", "TOTAL"],
        rows=[[p["product_id"], p["total"]] for p in payload],
    )
    app.emit(payload if not app.options.raw else {"prices": payload}, table, raw=raw)


def package_breakdown(file: Path) -> None:
    """Per-guest, per-item price breakdown of a package configuration."""
    app = get_app()
    body = validate.read_json_file(file, "--file")
    guests = body.get("guests") if isinstance(body, dict) else None
    if not isinstance(guests, list) or not guests:
        raise UsageError("--file: the body needs a non-empty 'guests' array")
    ids = [g.get("unique_id") if isinstance(g, dict) else None for g in guests]
    if not all(isinstance(i, str) and i for i in ids):
        raise UsageError("--file: every guest needs a 'unique_id'", hint='e.g. "guest_1"')
    if len(set(ids)) != len(ids):
        raise UsageError("--file: guest unique_id values must differ")
    raw = bookinglayer(app, "prices package").package_prices(body)
    rows: list[list[Any]] = []
    payload: dict[str, Any] = {"guests": {}, "total": None}
    grand = Decimal(0)
    for guest_id, items in raw.items():
        lines = []
        for entry in items if isinstance(items, list) else []:
            amount = money(entry.get("price"))
            grand += Decimal(amount or 0)
            lines.append(
                {
                    "package_item_id": entry.get("package_item_id"),
                    "product_id": str(entry.get("product_id")),
                    "amount": amount,
                    "is_fixed": entry.get("is_fixed"),
                    "guest_to_charge": entry.get("guest_to_charge"),
                }
            )
            rows.append([guest_id, entry.get("package_item_id"), entry.get("product_id"), amount])
        payload["guests"][guest_id] = lines
    payload["total"] = money(grand)
    rows.append(["total", "", "", payload["total"]])
    table = TableSpec(columns=["GUEST", "ITEM", "PRODUCT", "AMOUNT"], rows=rows)
    app.emit(payload, table, raw=raw)
