"""Rundl checkouts emulation, mounted under `/rundl/api`.

The document (seed 004) gives `POST /checkouts?account=` and the checkout object; the rest
follows Rundl's public conventions: `Authorization: OAuth <Base64-Encoded-User-Access-Token>`
(the sandbox key is the user access token), amounts as strings,
`/Date(ms+0000)/` dates. Completing a purchase creates a product order that settles
asynchronously by the sandbox clock (`processing`, then `complete`, `invoiced` or `failed`).
`routes` reads the requests and answers Rundl's shapes; `backend` holds the state (SQL);
`seed` is the catalogue.
"""

from bookctl.sandbox.rundl.backend import NAME, SCHEMA, STATE_TABLES, stats
from bookctl.sandbox.rundl.routes import PREFIX, router

__all__ = ["NAME", "PREFIX", "SCHEMA", "STATE_TABLES", "router", "stats"]
