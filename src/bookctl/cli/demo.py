"""``bookctl demo``: a guided booking of the surf camp on the embedded sandbox."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from typing import TYPE_CHECKING

import typer

from bookctl.cli.context import Application, get_app
from bookctl.cli.tables import availability_table, cart_tables, order_table
from bookctl.core import clock
from bookctl.core.errors import BookctlError, RefusedError
from bookctl.core.output import TableSpec

if TYPE_CHECKING:
    from bookctl.core.models import AvailabilityRow, Cart, Order
    from bookctl.core.provider import Provider

PACKAGE = "384"
ACCOMMODATION = "392"
NIGHTS = 7
#: The first check-in day looked at is this many days ahead; the search ends SEARCH_DAYS ahead.
LEAD_DAYS = 7
SEARCH_DAYS = 49
#: Weeks tried in turn when the provider refuses one that looked free.
WEEKS_TRIED = 4
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


def _free(row: AvailabilityRow | None) -> bool:
    return row is not None and not row.blocked and row.available not in (0, None)


def candidate_weeks(
    package_rows: list[AvailabilityRow], room_rows: list[AvailabilityRow], nights: int
) -> list[dt.date]:
    """Start days, in order, on which the package allows check-in, the room is free every
    night of the stay and the package allows check-out at its end."""
    package = {r.date: r for r in package_rows}
    room = {r.date: r for r in room_rows}
    starts = []
    for row in sorted(package_rows, key=lambda r: r.date):
        start = dt.date.fromisoformat(row.date)
        end = package.get((start + dt.timedelta(days=nights)).isoformat())
        if (
            row.checkin
            and all(
                _free(room.get((start + dt.timedelta(days=n)).isoformat())) for n in range(nights)
            )
            and (end is None or end.checkout)
        ):
            starts.append(start)
    return starts


@contextlib.contextmanager
def abandoned_on_failure(app: Application, provider: Provider, cart_id: str) -> Iterator[None]:
    """Give the cart's inventory back if anything after its creation fails (or is interrupted)."""
    try:
        yield
    except BaseException:
        try:
            provider.cart_abandon(cart_id, None)
        except BookctlError as err:
            app.output.warn(f"could not abandon cart {cart_id}: {err.message}")
        else:
            app.output.info(f"  -> stopped early: cart {cart_id} was abandoned, it holds nothing.")
        raise


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
    provider: Provider = app.provider(profile=app.config.builtins["sandbox"])
    show = app.output.fmt != "json"

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

    today = clock.today()
    first, last = today + dt.timedelta(days=LEAD_DAYS), today + dt.timedelta(days=SEARCH_DAYS)
    _step(
        app,
        2,
        "Find a week with the double room free every night, starting on an allowed check-in day.",
        f"bookctl availability {PACKAGE} {ACCOMMODATION} --start-date +{LEAD_DAYS}d "
        f"--end-date +{SEARCH_DAYS}d",
    )
    rows, _ = provider.availability(
        [PACKAGE, ACCOMMODATION], {"start_date": first.isoformat(), "end_date": last.isoformat()}
    )
    if show:
        app.output.data(None, availability_table(rows[:10]))
    starts = candidate_weeks(
        [r for r in rows if r.product_id == PACKAGE],
        [r for r in rows if r.product_id == ACCOMMODATION],
        NIGHTS,
    )
    cart = None
    for start in starts[:WEEKS_TRIED]:
        end = start + dt.timedelta(days=NIGHTS)
        app.output.info(f"  -> {start:%A %d %B} is free for {NIGHTS} nights.")
        _step(
            app,
            3,
            "Put a guest in the cart, in the double room.",
            f"bookctl basket add --package {PACKAGE} --start-date {start} --end-date {end} "
            f'--accommodation {ACCOMMODATION} --guest "{GUEST}"',
        )
        try:
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
        except RefusedError as err:
            app.output.info(f"  -> the surf camp said no ({err.message}); trying the next week.")
            continue
        break
    if cart is None:
        raise RefusedError(
            f"the sandbox surf camp has no bookable week between {first} and {last}",
            hint="run 'bookctl sandbox reset' to empty the sandbox, then try again",
        )
    with abandoned_on_failure(app, provider, cart.id):
        cart, order = _keep_and_check_out(app, provider, cart, show)
    app.output.success(
        f"Booked: order {order.id} ({order.reference}) is {order.state}, "
        f"{order.total} {order.currency}."
    )
    app.output.info("Next: 'bookctl --help', or serve the sandbox with 'bookctl sandbox serve'.")
    if not show:
        app.output.data(
            {"cart": cart.model_dump(mode="json"), "order": order.model_dump(mode="json")}
        )


def _keep_and_check_out(
    app: Application, provider: Provider, cart: Cart, show: bool
) -> tuple[Cart, Order]:
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
    return cart, order
