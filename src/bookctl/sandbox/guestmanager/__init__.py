"""Guest Manager order checkout emulation, mounted under `/guestmanager`.

The checkout state machine follows the document (seed 002): `cart` → the order's
`checkout_steps` → `processing` → `complete` (or back to `payment` when a token is declined),
or `requested` / `reserved`; any other state becomes `expired` 15 minutes after `expires_at`
was set. Expiry and payment processing are judged against the sandbox clock whenever an order
is touched, so no background job is needed. Errors answer `{"error": {"type", "message"}}`.
`routes` reads the requests and answers Guest Manager's shapes; `backend` holds the state (SQL)
and the state machine; `seed` is the catalogue.
"""

from bookctl.sandbox.guestmanager.backend import NAME, SCHEMA, STATE_TABLES, stats
from bookctl.sandbox.guestmanager.routes import PREFIX, router

__all__ = ["NAME", "PREFIX", "SCHEMA", "STATE_TABLES", "router", "stats"]
