"""BookingBug's smoke plan: what ``bookctl smoke`` books on it, found through the catalogue."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from bookctl.core.bulk import Options, SmokeSteps, no_call, price_text
from bookctl.core.errors import RefusedError

if TYPE_CHECKING:
    from bookctl.core.models import Product

#: The sandbox member who pays (Carol); she is charged without her wallet, so the flow
#: can run again and again.
MEMBER = "1003"


def plan(run: SmokeSteps, workdir: Path) -> tuple[Options, Options]:
    provider = run.provider
    no_call(run, "settings", "settings call")
    products = run.step(
        "products",
        lambda: provider.list_products({})[0],
        lambda ps: f"{len(ps)} events, services and products",
    )
    # Events anyone can book: not package-only (a package needs package_id).
    events = [p for p in products if p.type == "event" and not p.details.get("package_ids")]

    def find_event() -> Product:
        for event in events:
            rows, _ = provider.availability([event.id], {})
            if any(row.available not in (0, None) for row in rows):
                return event
        raise RefusedError("no BookingBug event that needs no package has places left")

    event = run.step("availability", find_event, lambda e: f"event {e.id} ({e.title}) has places")
    no_call(run, "price", f"price call; the catalogue says {price_text(event)}")
    add: Options = {"event_id": event.id, "member_id": MEMBER}
    checkout: Options = {"member_id": MEMBER, "take_from_wallet": False}
    return add, checkout
