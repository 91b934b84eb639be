"""The Engine.IO layer under Socket.IO: a bounded send queue per client, compression as a setting.

python-engineio queues every packet for a client in an unbounded queue that a
writer task drains into the connection. A client that stops reading (a phone
asleep in a pocket, a stalled process) stops that writer once the kernel's
buffers are full, and every later broadcast piles up in the server's memory
until the ping timeout notices, 45 s later. Past `ARSNOVA_SOCKET_QUEUE_LIMIT`
packets the client is disconnected and its TCP connection aborted, which also
frees the writer stuck on it; the client reconnects and re-joins as after any
drop. Broadcasts never wait for any one client: queueing does not block.

WebSocket per-message compression is a setting (`ARSNOVA_WS_COMPRESSION`):
browsers and the Node client ask for it, aiohttp accepts it by default, and
python-engineio has no switch for it. For the small realtime events it costs far
more than it saves: a deflate context per connection (about 124 KiB of server
memory per socket instead of about 31 KiB) and a quarter or more of the
delivery throughput.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import engineio
import socketio
from aiohttp.web import WebSocketResponse
from engineio import packet
from engineio.async_drivers import aiohttp as aiohttp_driver

log = logging.getLogger(__name__)


class EngineServer(engineio.AsyncServer):
    def __init__(self, *, queue_limit: int, ws_compression: bool, **options: Any) -> None:
        super().__init__(**options)
        self.queue_limit = queue_limit
        self.ws_compression = ws_compression
        self.tcp_transports: dict[str, asyncio.BaseTransport] = {}
        self._async = {**self._async, "websocket": WebSocket}

    async def send_packet(self, sid: str, pkt: packet.Packet) -> None:
        socket = self.sockets.get(sid)
        if socket is not None and socket.queue.qsize() >= self.queue_limit:
            if not socket.closed:
                await self.drop_slow_client(sid, socket)
            return
        await super().send_packet(sid, pkt)

    async def drop_slow_client(self, sid: str, socket: Any) -> None:
        log.warning(
            "disconnecting a client that stopped reading: %d packets queued", socket.queue.qsize()
        )
        await socket.close(wait=False, abort=True, reason=self.reason.TRANSPORT_ERROR)
        transport = self.tcp_transports.pop(sid, None)
        if transport is not None:
            transport.abort()


class WebSocket(aiohttp_driver.WebSocket):
    """python-engineio's aiohttp driver; compression as the server says, the transport noted."""

    server: EngineServer

    async def __call__(self, environ: dict[str, Any]) -> WebSocketResponse:
        request = environ["aiohttp.request"]
        self._sock = WebSocketResponse(
            max_msg_size=self.server.max_http_buffer_size, compress=self.server.ws_compression
        )
        await self._sock.prepare(request)
        self.environ = environ
        sid = self.handler.__self__.sid  # the handler is a method of the Engine.IO socket
        self.server.tcp_transports[sid] = request.transport
        try:
            await self.handler(self)
        finally:
            self.server.tcp_transports.pop(sid, None)
        return self._sock


class SocketServer(socketio.AsyncServer):
    """python-socketio's server on `EngineServer`; takes its `queue_limit` and `ws_compression`."""

    def _engineio_server_class(self) -> type[EngineServer]:
        return EngineServer
