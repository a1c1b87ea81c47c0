"""The bookctl sandbox: a local, stateful emulator of the five booking APIs.

`bookctl.sandbox.app.create_app` builds the ASGI app (used in-process by the embedded
transport and by the tests); `bookctl.sandbox.server.serve` exposes it on loopback.
"""
