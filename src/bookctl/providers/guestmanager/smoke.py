"""Guest Manager's smoke plan: what ``bookctl smoke`` books on it, found through the catalogue."""

from __future__ import annotations

import json
from pathlib import Path

from bookctl.core.bulk import Options, SmokeSteps, no_call, price_text, smoke_email
from bookctl.core.errors import RefusedError

#: The sandbox takes any token but ``tok_declined``.
TOKEN = "tok_visa"
ADDRESS = {
    "address1": "1 Smoke Street",
    "city": "Anytown",
    "zipcode": "92109",
    "state_code": "WA",
    "country_code": "AU",
}


def plan(run: SmokeSteps, workdir: Path) -> tuple[Options, Options]:
    provider = run.provider
    no_call(run, "settings", "settings call")
    products = run.step(
        "products", lambda: provider.list_products({})[0], lambda ps: f"{len(ps)} ticket types"
    )
    # A ticket type on sale whose checkout needs nothing beyond guest, address and payment.
    ticket = next(
        (
            p
            for p in products
            if p.details.get("status") == "on sale"
            and not p.details.get("restrictions")
            and p.details.get("available") not in (0, None)
        ),
        None,
    )
    if ticket is None:
        raise RefusedError("no Guest Manager ticket type is on sale without restrictions")
    no_call(run, "availability", f"availability call; products shows {ticket.id} on sale")
    no_call(run, "price", f"price call; the catalogue says {price_text(ticket)}")
    answers = workdir / "answers.json"
    answers.write_text(json.dumps({"bill_address": ADDRESS}), encoding="utf-8")
    checkout: Options = {
        "email": smoke_email(),
        "first_name": "Smoke",
        "last_name": "Test",
        "answers_file": str(answers),
        "payment_token": TOKEN,
    }
    return {"ticket_type": ticket.id, "qty": 1}, checkout
