"""Bookinglayer public API v2 emulation, mounted under `/bookinglayer/api/pub/v2`.

Endpoints, fields and example ids follow the document (seed 003). Carts hold inventory until
they expire (10 minutes, extendable), are abandoned, or are checked out into a booking.
`routes` reads the requests and answers the document's shapes; `backend` holds the state (SQL)
and `rules` the pricing, inventory and package rules; `seed` is the catalogue.
"""

from bookctl.sandbox.bookinglayer.backend import NAME, SCHEMA, STATE_TABLES, stats
from bookctl.sandbox.bookinglayer.routes import PREFIX, router

__all__ = ["NAME", "PREFIX", "SCHEMA", "STATE_TABLES", "router", "stats"]
