"""A synchronous httpx transport that serves requests from an ASGI app in this process.

The embedded sandbox plugs in here; kept apart from ``http`` so the network path never
imports asyncio.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import httpx


class ASGISyncTransport(httpx.BaseTransport):
    """Serve synchronous httpx requests from an ASGI app in this process (no port).

    One private event loop on a daemon thread runs the app, so many requests share it.
    """

    def __init__(self, app: Any) -> None:
        self._inner = httpx.ASGITransport(app=app)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="bookctl-embedded-sandbox", daemon=True
        )
        self._thread.start()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()

        async def _call() -> httpx.Response:
            response = await self._inner.handle_async_request(request)
            content = await response.aread()
            return httpx.Response(
                response.status_code, headers=response.headers, content=content, request=request
            )

        future = asyncio.run_coroutine_threadsafe(_call(), self._loop)
        try:
            return future.result()
        except ConnectionError as err:
            # The app dropped the connection (the sandbox's "reset" fault): what a socket says.
            raise httpx.ReadError(f"connection reset: {err}", request=request) from err

    def close(self) -> None:
        if self._loop.is_closed():
            return
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
        if not self._thread.is_alive():
            self._loop.close()
