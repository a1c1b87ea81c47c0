"""Wix Bookings v1 emulation, mounted under `/wix/bookings/v1`.

The document (seed 001) documents only `POST /bookings/{bookingId}/checkout` and the booking
object. The catalogue, session and create calls follow Wix's public conventions (see
docs/providers.md, Wix). A booking is created `PENDING_CHECKOUT`; checkout validates the slot,
the locked-session key, coupon and plan, then charges: a paid booking is `PENDING` until its
payment completes `PAYMENT_SECONDS` of sandbox time later (`CONFIRMED`, or `DECLINED`).
`routes` reads the requests and answers Wix's shapes; `backend` holds the state (SQL) and the
booking's state machine; `seed` is the catalogue.
"""

from bookctl.sandbox.wix.backend import NAME, SCHEMA, STATE_TABLES, stats
from bookctl.sandbox.wix.routes import PREFIX, router

__all__ = ["NAME", "PREFIX", "SCHEMA", "STATE_TABLES", "router", "stats"]
