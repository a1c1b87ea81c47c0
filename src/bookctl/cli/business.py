"""``bookctl seasons``, ``settings`` and ``deeplink``: business data (Bookinglayer)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from bookctl.cli._bookinglayer import bookinglayer
from bookctl.cli.context import get_app
from bookctl.cli.options import Currency, EndDate, Language, StartDate
from bookctl.core import validate
from bookctl.core.output import TableSpec


def register(app: typer.Typer) -> None:
    app.command("seasons")(seasons)
    app.command("settings")(settings)
    app.command("deeplink")(deeplink)


def seasons() -> None:
    """The business' seasons and their segments (start and end dates are inclusive).

    Example:

      bookctl seasons
    """
    app = get_app()
    items, raw = bookinglayer(app, "seasons").seasons()
    payload = [s.model_dump(mode="json") for s in items]
    rows = [
        [s.id, s.title, seg.id, seg.start_date, seg.end_date] for s in items for seg in s.segments
    ]
    table = TableSpec(columns=["SEASON", "TITLE", "SEGMENT", "FROM", "TO (INCL.)"], rows=rows)
    app.emit(payload if not app.options.raw else {"seasons": payload}, table, raw=raw)


def settings() -> None:
    """Business settings: currencies, diets, levels, languages, field rules, terms.

    Example:

      bookctl settings --json
    """
    app = get_app()
    wire, raw = bookinglayer(app, "settings").settings()
    payload = wire.model_dump(mode="json")
    rows: list[list[Any]] = [
        ["business", f"{wire.title} ({wire.id})"],
        ["currencies", [c.get("iso_code") for c in wire.currencies]],
        ["languages", wire.languages],
        ["diets", [d.get("title") for d in wire.diets]],
        ["levels", [lv.get("title") for lv in wire.levels]],
    ]
    for scope in ("guest_fields", "customer_fields"):
        for name, rule in (wire.settings.get(scope) or {}).items():
            if isinstance(rule, dict):
                state = (
                    "required"
                    if rule.get("required")
                    else ("asked" if rule.get("request") else "-")
                )
                rows.append([f"{scope.split('_')[0]} {name}", state])
            else:
                rows.append([f"{scope.split('_')[0]} {name}", rule])
    rows.append(["terms", wire.terms])
    app.emit(payload, TableSpec(columns=["SETTING", "VALUE"], rows=rows), raw=raw)


def deeplink(
    product_id: Annotated[str, typer.Argument(help="Product id.", metavar="ID")],
    start_date: StartDate = None,
    end_date: EndDate = None,
    duration: Annotated[int | None, typer.Option("--duration", help="Duration.")] = None,
    males: Annotated[int | None, typer.Option("--males")] = None,
    females: Annotated[int | None, typer.Option("--females")] = None,
    couples: Annotated[int | None, typer.Option("--couples")] = None,
    language: Language = None,
    currency: Currency = None,
) -> None:
    """A link straight to the product in the business' booking form.

    Example:

      bookctl deeplink 384 --start-date 2026-12-02 --duration 7 --males 2
    """
    app = get_app()
    start, end = validate.parse_date_range(
        start_date, end_date, start_param="--start-date", end_param="--end-date", allow_past=False
    )
    for name, value in (
        ("--duration", duration),
        ("--males", males),
        ("--females", females),
        ("--couples", couples),
    ):
        if value is not None:
            validate.check_count(value, name)
    params = {
        "start_date": start.isoformat() if start else None,
        "end_date": end.isoformat() if end else None,
        "duration": duration,
        "males": males,
        "females": females,
        "couples": couples,
        "language": validate.check_language(language) if language else None,
        "currency": validate.check_currency(currency) if currency else None,
    }
    url, raw = bookinglayer(app, "deeplink").deeplink(product_id, params)
    app.emit(
        {"product_id": product_id, "url": url}, TableSpec(columns=["URL"], rows=[[url]]), raw=raw
    )
