"""``bookctl products`` and ``bookctl product show``: the catalogue."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from bookctl.cli.context import get_app
from bookctl.cli.options import PRODUCT_TYPES, Language
from bookctl.core import validate
from bookctl.core.errors import UsageError
from bookctl.core.output import Amount, TableSpec

if TYPE_CHECKING:
    from bookctl.core.models import Product

product_group = typer.Typer(
    help="""One product in detail.

    Example:

      bookctl product show 384
    """,
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    app.command("products")(products)
    app.add_typer(product_group, name="product")


def _filters(type_: str | None, location: str | None, language: str | None) -> dict[str, Any]:
    if type_ is not None:
        validate.check_choice(type_, "--type", PRODUCT_TYPES)
    if location is not None and not location.isdigit():
        raise UsageError(f"--location: {location!r} is not a location id")
    if language is not None:
        validate.check_language(language)
    return {"type": type_, "location": location, "language": language}


def _price(product: Product) -> Amount | None:
    if product.price_from is None:
        return None
    return Amount(product.price_from.amount, product.price_from.currency)


def products(
    type_: Annotated[
        str | None,
        typer.Option("--type", help=f"Only this type: {', '.join(PRODUCT_TYPES)}.", metavar="T"),
    ] = None,
    location: Annotated[
        str | None, typer.Option("--location", help="Only this location id.", metavar="ID")
    ] = None,
    language: Language = None,
    service: Annotated[
        str | None,
        typer.Option("--service", help="(rundl) Products of this service.", metavar="ID"),
    ] = None,
) -> None:
    """List the products of the active profile's provider.

    Example:

      bookctl products --type package
    """
    app = get_app()
    filters = _filters(type_, location, language)
    filters["service"] = service
    provider = app.provider("products", {k: v for k, v in filters.items() if v is not None})
    items, raw = provider.list_products(filters)
    payload = [p.model_dump(mode="json") for p in items]
    columns = ["ID", "TYPE", "TITLE", "LOCATION", "FROM"]
    rows: list[list[Any]] = [[p.id, p.type, p.title, p.location, _price(p)] for p in items]
    if any("when" in p.details for p in items):  # dated products (events) show their time
        columns.insert(3, "WHEN")
        for row, product in zip(rows, items, strict=True):
            row.insert(3, product.details.get("when"))
    table = TableSpec(title=f"{provider.key} products", columns=columns, rows=rows)
    if any("status" in p.details for p in items):  # e.g. Guest Manager's sale status
        table.columns = [*table.columns, "STATUS"]
        table.rows = [
            [*row, p.details.get("status")] for row, p in zip(table.rows, items, strict=True)
        ]
    if app.options.raw:
        app.emit({"products": payload}, table, raw=raw)
    else:
        app.emit(payload, table)


@product_group.command("show")
def show(
    product_id: Annotated[str, typer.Argument(help="Product id.", metavar="ID")],
    language: Language = None,
) -> None:
    """Show one product in detail.

    Example:

      bookctl product show 384
    """
    app = get_app()
    if language is not None:
        validate.check_language(language)
    provider = app.provider()
    product, raw = provider.get_product(product_id, {"language": language})
    payload = product.model_dump(mode="json")
    rows: list[list[Any]] = [
        ["id", product.id],
        ["type", product.type],
        ["title", product.title],
        ["location", product.location],
        ["from", str(_price(product) or "-")],
        ["description", product.description],
    ]
    for key, value in product.details.items():
        if isinstance(value, dict):
            value = ", ".join(f"{k}={v}" for k, v in value.items())
        rows.append([key.replace("_", " "), value])
    app.emit(
        payload, TableSpec(title=product.title, columns=["FIELD", "VALUE"], rows=rows), raw=raw
    )
