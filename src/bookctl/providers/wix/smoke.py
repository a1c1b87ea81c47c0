"""Wix Bookings's smoke plan: what ``bookctl smoke`` books on it, found through the catalogue."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import TYPE_CHECKING

from bookctl.core import clock
from bookctl.core.bulk import Options, SmokeSteps, no_call, price_text, smoke_email
from bookctl.core.errors import RefusedError

if TYPE_CHECKING:
    from bookctl.core.models import Product


def plan(run: SmokeSteps, workdir: Path) -> tuple[Options, Options]:
    provider = run.provider
    no_call(run, "settings", "settings call")
    services = run.step(
        "products", lambda: provider.list_products({})[0], lambda ps: f"{len(ps)} services"
    )
    tomorrow = (clock.today() + dt.timedelta(days=1)).isoformat()

    def find_session() -> tuple[Product, str]:
        for service in services:
            rows, _ = provider.availability([service.id], {"start_date": tomorrow})
            for row in rows:
                for slot in row.timeslots or []:
                    if slot.session_id and not slot.locked and slot.available not in (0, None):
                        return service, slot.session_id
        raise RefusedError("no Wix session from tomorrow on has an open, unlocked spot")

    service, session_id = run.step(
        "availability", find_session, lambda found: f"session {found[1]} of {found[0].title}"
    )
    no_call(run, "price", f"price call; the catalogue says from {price_text(service)}")
    contact = workdir / "contact.json"
    contact.write_text(
        json.dumps({"firstName": "Smoke", "lastName": "Test", "email": smoke_email()}),
        encoding="utf-8",
    )
    add: Options = {
        "service_id": service.id,
        "session_id": session_id,
        "contact_file": str(contact),
        "participants": 1,
    }
    return add, {}
