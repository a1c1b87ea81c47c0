"""``bookctl orders`` and ``bookctl order show``: find the profile's orders again.

A checkout moves the cart session to ``sessions/<profile>.history.jsonl``; ``orders`` lists what
that file holds, newest first, and ``order show`` reads one order back from the provider.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from bookctl.cli.carts import CART_STATE, read_history
from bookctl.cli.context import Application, get_app
from bookctl.cli.tables import order_table
from bookctl.core.errors import NotFoundError
from bookctl.core.output import Amount, TableSpec
from bookctl.core.provider import order_states

order_group = typer.Typer(
    help="""One order of the profile, read back.

    Example:

      bookctl -p sandbox-guestmanager order show 1042
    """,
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    app.command("orders")(orders)
    app.add_typer(order_group, name="order")


def history_orders(app: Application) -> list[dict[str, Any]]:
    """The profile's orders, newest first: the one in progress, then those in the history."""
    seen: set[str] = set()
    found: list[dict[str, Any]] = []
    session = app.sessions.load(app.profile_name)
    if session is not None and session.order_id:
        found.append(
            {
                "id": session.order_id,
                "cart_id": session.cart_id,
                "provider": session.provider,
                "state": session.state,
                "payment_state": None,
                "total": session.total,
                "currency": session.currency,
                "completed_at": None,
            }
        )
        seen.add(session.order_id)
    for record in reversed(read_history(app)):
        outcome = record["outcome"]
        order_id = outcome.get("id")
        if CART_STATE in outcome or order_id is None or str(order_id) in seen:
            continue
        seen.add(str(order_id))
        found.append(outcome)
    return found


def _total(order: dict[str, Any]) -> Amount:
    return Amount(order.get("total"), order.get("currency"))


def orders() -> None:
    """List the profile's orders, newest first: state, total and when.

    They come from the profile's history (every checkout made with bookctl); read one back
    from the provider with 'bookctl order show ID'.

    Example:

      bookctl orders
      bookctl -p sandbox-rundl orders --json
    """
    app = get_app()
    found = history_orders(app)
    table = TableSpec(
        columns=["ORDER", "STATE", "TOTAL", "WHEN", "CART"],
        rows=[
            [o.get("id"), o.get("state"), _total(o), o.get("completed_at"), o.get("cart_id")]
            for o in found
        ],
    )
    if not found:
        app.output.info(f"profile {app.profile_name!r} has no orders yet")
    app.emit(found, table)


@order_group.command("show")
def show(order_id: Annotated[str, typer.Argument(help="Order id.", metavar="ID")]) -> None:
    """Read one order back from the provider (from the history where it has no read-back).

    Bookinglayer and BookingBug confirm at checkout and have no order to read back: their
    orders are shown as checkout answered them.

    Example:

      bookctl -p sandbox-guestmanager order show 1042
    """
    app = get_app()
    provider = app.provider()
    pending, success = order_states(provider)
    if pending or success:
        session = app.sessions.load(app.profile_name)
        if session is not None and order_id not in (session.cart_id, session.order_id):
            session = None
        order, raw = provider.get_order(order_id, session)
        app.emit(order.model_dump(mode="json"), order_table(order), raw=raw)
        return
    for record in history_orders(app):
        if str(record.get("id")) == order_id:
            app.output.info(
                f"{provider.key} has no order to read back; this is what checkout answered"
            )
            details = record.get("details") or {}
            fields = {k: v for k, v in record.items() if k != "details"}
            table = TableSpec(
                title=f"order {order_id}",
                columns=["FIELD", "VALUE"],
                rows=[[k, v] for k, v in fields.items()]
                + [[k.replace("_", " "), v] for k, v in details.items()],
            )
            app.emit(record, table)
            return
    raise NotFoundError(
        f"profile {app.profile_name!r} has no order {order_id!r}",
        hint="this profile's orders: 'bookctl orders'",
    )
