"""BookingBug (JRNI) REST API v1 emulation, mounted under `/bookingbug/api/v1/{company_id}`.

The document (seed 000) gives `basket/add_item` with nine optional ids, view basket and
`basket/checkout?member_id,take_from_wallet`; the rest follows BookingBug's public conventions:
`App-Id`/`App-Key` headers, an `Auth-Token` answered by `add_item` and required on the later
calls of the same basket, held items that expire, HAL-style lists, amounts in pence.
`routes` reads the requests and answers BookingBug's HAL shapes (and `/_sandbox/bookingbug`);
`backend` holds the state (SQL) and the basket rules; `seed` is the events venue.
"""

from bookctl.sandbox.bookingbug.backend import NAME, SCHEMA, STATE_TABLES, stats
from bookctl.sandbox.bookingbug.routes import PREFIX, router

__all__ = ["NAME", "PREFIX", "SCHEMA", "STATE_TABLES", "router", "stats"]
