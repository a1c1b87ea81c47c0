"""``bookctl demo``: a guided booking of the surf camp on the embedded sandbox."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import typer

from bookctl.cli.availability import availability_table
from bookctl.cli.cart import cart_tables, order_table
from bookctl.cli.context import Application, get_app
from bookctl.core.config import BUILTIN_PROFILES
from bookctl.core.errors import RefusedError
from bookctl.core.output import TableSpec

if TYPE_CHECKING:
    from bookctl.core.models import AvailabilityRow
    from bookctl.core.provider import Provider

PACKAGE = "384"
ACCOMMODATION = "392"
NIGHTS = 7
GUEST = "Oliver,Nicholson,m,ollie@example.com"
CUSTOMER = {
    "accept_terms": True,
    "first_name": "Oliver",
    "last_name": "Nicholson",
    "email": "ollie@example.com",
    "phone_countrycode": "61",
    "phone": "403 201 767",
}


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)


def _pick_start(rows: list[AvailabilityRow]) -> dt.date:
    by_date = {r.date: r for r in rows}
    for row in rows:
        start = dt.date.fromisoformat(row.date)
        end = (start + dt.timedelta(days=NIGHTS)).isoformat()
        nights_free = all(
            (n := by_date.get((start + dt.timedelta(days=i)).isoformat())) is not None
            and not n.blocked
            and n.available not in (0, None)
            for i in range(NIGHTS)
        )
        if row.checkin and nights_free and (by_date.get(end) is None or by_date[end].checkout):
            return start
    raise RefusedError(
        "the sandbox surf camp is fully booked for the next weeks",
        hint="run 'bookctl sandbox reset' and try again",
    )


def _step(app: Application, number: int, text: str, command: str) -> None:
    app.output.info("")
    app.output.info(f"Step {number}. {text}")
    app.output.info(f"  $ {command}")


def demo() -> None:
    """Book the surf camp on the built-in sandbox, one narrated step at a time.

    Nothing you configured is used or changed: the demo talks to the embedded sandbox and
    keeps no cart session.

    Example:

      bookctl demo
    """
    app = get_app()
    provider: Provider = app.provider(profile=BUILTIN_PROFILES["sandbox"])
    show = app.output.fmt != "json"
    summary: dict[str, Any] = {}

    _step(app, 1, "See what the surf school sells.", "bookctl products --type package")
    products, _ = provider.list_products({"type": "package"})
    if show:
        app.output.data(
            None,
            TableSpec(
                columns=["ID", "TYPE", "TITLE", "LOCATION", "FROM"],
                rows=[
                    [
                        p.id,
                        p.type,
                        p.title,
                        p.location,
                        p.price_from and f"{p.price_from.amount} {p.price_from.currency}",
                    ]
                    for p in products
                ],
            ),
        )

    first = dt.date.today() + dt.timedelta(days=7)
    _step(
        app,
        2,
        "Find a week with room, starting on an allowed check-in day.",
        f"bookctl availability {PACKAGE} --start-date {first}",
    )
    rows, _ = provider.availability([PACKAGE], {"start_date": first.isoformat()})
    if show:
        app.output.data(None, availability_table(rows[:10]))
    start = _pick_start(rows)
    end = start + dt.timedelta(days=NIGHTS)
    app.output.info(f"  -> {start:%A %d %B} is free for {NIGHTS} nights.")

    _step(
        app,
        3,
        "Put a guest in the cart, in the double room.",
        f"bookctl basket add --package {PACKAGE} --start-date {start} --end-date {end} "
        f'--accommodation {ACCOMMODATION} --guest "{GUEST}"',
    )
    cart, _ = provider.basket_add(
        {
            "package": PACKAGE,
            "start_date": start.isoformat(),
            "end_date": end.isoformat(),
            "accommodation": ACCOMMODATION,
            "guest": [GUEST],
        },
        None,
    )
    if show:
        for table in cart_tables(cart):
            app.output.data(None, table)
    app.output.info(f"  -> cart {cart.id} holds the room until {cart.expires_at}.")

    _step(app, 4, "Keep the cart alive while you think.", "bookctl cart extend")
    cart, _ = provider.cart_extend(cart.id, None)
    app.output.info(f"  -> held for 10 more minutes from now: until {cart.expires_at}.")

    _step(
        app,
        5,
        "Check out, accepting the terms.",
        "bookctl checkout --accept-terms --first-name Oliver --last-name Nicholson "
        '--email ollie@example.com --phone "403 201 767"',
    )
    order, _ = provider.checkout(cart.id, CUSTOMER, None)
    if show:
        app.output.data(None, order_table(order))
    app.output.success(
        f"Booked: order {order.id} ({order.reference}) is {order.state}, "
        f"{order.total} {order.currency}."
    )
    app.output.info("Next: 'bookctl --help', or serve the sandbox with 'bookctl sandbox serve'.")
    summary = {"cart": cart.model_dump(mode="json"), "order": order.model_dump(mode="json")}
    if not show:
        app.output.data(summary)
