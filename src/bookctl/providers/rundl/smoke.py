"""Rundl's smoke plan: what ``bookctl smoke`` books on it, found through the catalogue."""

from __future__ import annotations

from pathlib import Path

from bookctl.core.bulk import Options, SmokeSteps, no_call, price_text
from bookctl.core.errors import RefusedError

#: The sandbox service that takes manual payment (smoke has no card token).
SERVICE = "30798101"


def plan(run: SmokeSteps, workdir: Path) -> tuple[Options, Options]:
    provider = run.provider
    no_call(run, "settings", "settings call")
    products = run.step(
        "products",
        lambda: provider.list_products({"service": SERVICE})[0],
        lambda ps: f"{len(ps)} products of service {SERVICE}",
    )
    priced = [p for p in products if p.price_from and p.price_from.amount != "0.00"]
    if not priced:
        raise RefusedError(
            f"service {SERVICE} has no priced product",
            hint="the Rundl smoke flow buys from the sandbox's Conveyancing - Purchase service",
        )
    no_call(run, "availability", "availability call (a checkout holds nothing)")
    no_call(run, "price", f"price call; the catalogue says {price_text(priced[0])} before tax")
    return {"service": SERVICE, "product": [priced[0].id], "qty": 1}, {}
