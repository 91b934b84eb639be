"""WebSocket connections without per-message compression (`ARSNOVA_WS_COMPRESSION=false`).

Browsers and the Node client ask for permessage-deflate, aiohttp accepts it
by default, and python-engineio has no switch for it. For the small realtime
events it costs far more than it saves: a deflate context per connection
(about 124 KiB of server memory per socket instead of about 31 KiB) and a
quarter or more of the delivery throughput. This driver class is
python-engineio's aiohttp one with `compress=False`.
"""

from __future__ import annotations

from typing import Any

from aiohttp.web import WebSocketResponse
from engineio.async_drivers.aiohttp import WebSocket


class UncompressedWebSocket(WebSocket):
    async def __call__(self, environ: dict[str, Any]) -> WebSocketResponse:
        request = environ["aiohttp.request"]
        self._sock = WebSocketResponse(
            max_msg_size=self.server.max_http_buffer_size, compress=False
        )
        await self._sock.prepare(request)
        self.environ = environ
        await self.handler(self)
        return self._sock
