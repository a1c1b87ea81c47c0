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
    """The business' seasons and their segments, in date order (both dates inclusive).

    Example:

      bookctl seasons
    """
    import datetime as dt

    app = get_app()
    items, raw = bookinglayer(app, "seasons").seasons()
    payload = [
        {
            "id": str(s.id),
            "title": s.title,
            "segments": [
                {"id": str(seg.id), "start_date": seg.start_date, "end_date": seg.end_date}
                for seg in s.segments
            ],
        }
        for s in items
    ]
    segments = sorted(
        ((seg.start_date, seg.end_date, s.title, seg.id) for s in items for seg in s.segments),
    )
    rows: list[list[Any]] = []
    for start, end, title, seg_id in segments:
        try:
            days: Any = (dt.date.fromisoformat(end) - dt.date.fromisoformat(start)).days + 1
        except ValueError:
            days = "-"
        rows.append([start, end, days, title, seg_id])
    table = TableSpec(
        title="seasons", columns=["FROM", "TO (INCL.)", "DAYS", "SEASON", "SEGMENT"], rows=rows
    )
    app.emit({"seasons": payload} if app.options.raw else payload, table, raw=raw)


def _entries(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**e, "id": None if e.get("id") is None else str(e["id"])} for e in entries]


def settings() -> None:
    """Business settings: currencies, languages, diets, levels, guest and customer fields, terms.

    The terms are what 'checkout --accept-terms' accepts. Field rules say which guest and
    customer details the business asks for ("asked") or needs ("required").

    Example:

      bookctl settings --json
    """
    app = get_app()
    wire, raw = bookinglayer(app, "settings").settings()
    extra = wire.model_extra or {}
    payload = {
        "id": str(wire.id),
        "title": wire.title,
        "company_name": extra.get("company_name"),
        "business_domain": extra.get("business_domain"),
        "website_url": extra.get("website_url"),
        "currencies": _entries(wire.currencies),
        "languages": wire.languages,
        "diets": _entries(wire.diets),
        "levels": _entries(wire.levels),
        "guest_fields": wire.settings.get("guest_fields") or {},
        "customer_fields": wire.settings.get("customer_fields") or {},
        "terms": wire.terms,
    }
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
    app.emit(
        payload,
        TableSpec(title="business settings", columns=["SETTING", "VALUE"], rows=rows),
        raw=raw,
    )


def deeplink(
    product_id: Annotated[str, typer.Argument(help="Product id.", metavar="ID")],
    start_date: StartDate = None,
    end_date: EndDate = None,
    duration: Annotated[
        int | None,
        typer.Option("--duration", help="Duration in the product's own unit.", metavar="N"),
    ] = None,
    males: Annotated[
        int | None, typer.Option("--males", help="Number of males.", metavar="N")
    ] = None,
    females: Annotated[
        int | None, typer.Option("--females", help="Number of females.", metavar="N")
    ] = None,
    couples: Annotated[
        int | None, typer.Option("--couples", help="Number of couples.", metavar="N")
    ] = None,
    language: Language = None,
    currency: Currency = None,
) -> None:
    """A link straight to the product in the business' own booking form.

    Dates, party, language and currency are optional; the form opens with what is given.

    Example:

      bookctl deeplink 384 --start-date next-mon --duration 7 --males 2
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
            validate.check_count(value, name, minimum=1 if name == "--duration" else 0)
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
        {"product_id": product_id.strip(), "url": url},
        TableSpec(title=f"deeplink to product {product_id.strip()}", columns=["URL"], rows=[[url]]),
        raw=raw,
    )
