"""Bookinglayer's smoke plan: what ``bookctl smoke`` books on it, found through the catalogue."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from bookctl.core import clock
from bookctl.core.bulk import Options, SmokeSteps, smoke_email
from bookctl.core.errors import RefusedError, UsageError

DAY_PASS = "450"


def plan(run: SmokeSteps, workdir: Path) -> tuple[Options, Options]:
    from bookctl.providers.bookinglayer.client import Bookinglayer

    provider = run.provider
    if not isinstance(provider, Bookinglayer):  # pragma: no cover - the registry guarantees it
        raise UsageError("the bookinglayer smoke flow needs a Bookinglayer profile")
    run.step("settings", provider.settings, lambda s: f"{s[0].title}")
    products = run.step(
        "products",
        lambda: provider.list_products({"type": "package"})[0],
        lambda ps: f"{len(ps)} packages",
    )
    product = next((p for p in products if p.id == DAY_PASS), None)
    if product is None:
        raise RefusedError(
            f"package {DAY_PASS} (Surf Day Pass) is not on sale here",
            hint="the Bookinglayer smoke flow books the sandbox's day pass",
        )
    first = clock.today() + dt.timedelta(days=1)

    def find_date() -> dt.date:
        rows, _ = provider.availability([product.id], {"start_date": first.isoformat()})
        for row in rows:
            if row.checkin and not row.blocked and row.available not in (0, None):
                return dt.date.fromisoformat(row.date)
        raise RefusedError(f"package {product.id} has no free check-in day in the next month")

    start = run.step("availability", find_date, lambda d: f"{product.id} free on {d}")
    nights = int((product.details.get("duration") or {}).get("default") or 1)
    end = start + dt.timedelta(days=nights)
    run.step(
        "price",
        lambda: provider.price(
            product.id, {"start_date": start.isoformat(), "pax": 1, "duration": nights}
        )[0],
        lambda amount: f"{amount}",
    )
    email = smoke_email()
    add: Options = {
        "package": product.id,
        "start_date": start.isoformat(),
        "end_date": end.isoformat(),
        "guest": [f"Smoke,Test,m,{email}"],
    }
    checkout: Options = {
        "accept_terms": True,
        "first_name": "Smoke",
        "last_name": "Test",
        "email": email,
        "phone": "000 000 000",
    }
    return add, checkout
