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

Client garbage is the client's problem, not the server's: python-engineio and
python-socketio log every frame they cannot parse as an ERROR with a
traceback. Here it is one warning line per client per minute, over WebSocket
and over long polling alike; a polling POST whose body does not decode is
answered 400 (python-engineio answers 200) and its session goes on. Such a body
is also read whole first: python-engineio decodes whatever part of it has
arrived when it reads.

Nothing in this product sends binary Socket.IO packets, while one packet may
announce any number of attachments, which python-socketio buffers until they
all arrived: a binary frame or packet drops its client (a polling client's
waiting GET gets the Engine.IO CLOSE at once).

The hooks (`EngineServer` with its `_translate_request` and `_make_response`,
`PollingBody`, `WebSocket.wait`, `SocketServer._handle_eio_message`,
`aiohttp_request`) are written against python-engineio 4.15.1 and
python-socketio 5.18.1; each says which internals it touches.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import engineio
import socketio
from aiohttp.web import Request, WebSocketResponse
from engineio import packet, payload
from engineio.async_drivers import aiohttp as aiohttp_driver

log = logging.getLogger(__name__)

WARNING_INTERVAL = 60.0  # seconds between two malformed-frame warnings for one client
ENGINEIO_TYPES = frozenset("0123456")  # first character of a text Engine.IO packet ("b": binary)
SOCKETIO_BINARY = frozenset("56")  # BINARY_EVENT, BINARY_ACK
MALFORMED_BODY = "arsnova.malformed_body"  # in the environ of a polling POST that did not decode


def aiohttp_request(environ: dict[str, Any]) -> Request:
    """The aiohttp request a socket connected with (its environ hard-codes REMOTE_ADDR).

    Hook, python-engineio 4.15.1: its aiohttp driver puts the request in the
    environ as `aiohttp.request`.
    """
    request: Request = environ["aiohttp.request"]
    return request


class EngineServer(engineio.AsyncServer):
    """python-engineio's server with bounded queues, frame checks and a close for shutdown.

    Hooks, python-engineio 4.15.1: the `_async` table (the `websocket` class and
    `translate_request`), `send_packet`, `_make_response` and `_bad_request`, and
    of its sockets `queue`, `closed`, `upgraded` and `close(wait, abort, reason)`.
    """

    _async: dict[str, Any]  # python-engineio's table of its async drivers

    def __init__(self, *, queue_limit: int, ws_compression: bool, **options: Any) -> None:
        super().__init__(**options)
        self.queue_limit = queue_limit
        self.ws_compression = ws_compression
        self.tcp_transports: dict[str, asyncio.Transport] = {}
        self.warned: dict[str, float] = {}  # client -> time of its last malformed-frame warning
        self.dropping: dict[str, asyncio.Task] = {}  # client -> its disconnect, running
        self._async = {
            **self._async,
            "websocket": WebSocket,
            "translate_request": self._translate_request,
        }

    async def send_packet(self, sid: str, pkt: packet.Packet) -> None:
        socket = self.sockets.get(sid)
        if socket is not None and socket.queue.qsize() >= self.queue_limit:
            if not socket.closed and sid not in self.dropping:
                log.warning(
                    "disconnecting a client that stopped reading: %d packets queued",
                    socket.queue.qsize(),
                )
                self.drop(sid)
            return
        await super().send_packet(sid, pkt)

    def drop(self, sid: str) -> None:
        """Disconnects a client at once and aborts its TCP connection (and a writer stuck on it).

        Its disconnect handlers (database and Redis calls) run in a task of their
        own: a broadcast that drops a client goes on to the next one at once.
        """
        socket = self.sockets.get(sid)
        if socket is not None and not socket.closed and sid not in self.dropping:
            self.dropping[sid] = asyncio.create_task(self._close_dropped(socket))
            self.dropping[sid].add_done_callback(lambda _: self.dropping.pop(sid, None))
        transport = self.tcp_transports.pop(sid, None)
        if transport is not None:
            transport.abort()

    def drop_binary_sender(self, sid: str) -> None:
        """Nothing here sends binary, while one binary packet may announce any number of
        attachments to buffer: its sender is dropped before anything is held."""
        log.warning("disconnecting client %s: it sent a binary packet", sid)
        self.drop(sid)

    async def _close_dropped(self, socket: Any) -> None:
        await socket.close(wait=False, abort=True, reason=self.reason.TRANSPORT_ERROR)
        if not socket.upgraded:  # long polling: its pending GET answers at once, not in 45 s
            socket.queue.put_nowait(packet.Packet(packet.CLOSE))

    async def close_all(self) -> None:
        """At shutdown, before the database closes: every client gets an Engine.IO CLOSE.

        Clients see the disconnect at once and reconnect (to another node, or
        here once it is back) instead of hanging on until aiohttp's shutdown
        timeout cuts them off; their disconnect handlers run now, concurrently,
        while the database is still there. Each writer then ends its WebSocket
        itself: aiohttp ignores what clients send once it is shutting down, so
        their closing handshake would never arrive.
        """
        sockets = list(self.sockets.values())
        closing = [socket.close(wait=False) for socket in sockets]
        await asyncio.gather(*closing, *self.dropping.values())
        for socket in sockets:
            socket.queue.put_nowait(None)  # the writer's end, after the CLOSE

    def _translate_request(self, request: Request) -> dict[str, Any]:
        environ = aiohttp_driver.translate_request(request)
        if request.method == "POST":
            environ["wsgi.input"] = PollingBody(self, request, environ)
        return environ

    async def _make_response(self, response_dict: dict[str, Any], environ: dict[str, Any]) -> Any:
        """A polling POST whose body did not decode (read as empty by `PollingBody`) is a 400."""
        if MALFORMED_BODY in environ:
            response_dict = self._bad_request("Malformed payload")
        return await super()._make_response(response_dict, environ)

    def warn_malformed(self, sid: str, problem: object) -> None:
        """One warning line per client per `WARNING_INTERVAL`; the ones before it are forgotten."""
        clock = asyncio.get_running_loop().time()
        self.warned = {s: t for s, t in self.warned.items() if clock - t < WARNING_INTERVAL}
        if sid not in self.warned:
            self.warned[sid] = clock
            log.warning(
                "client %s sent a malformed frame (%.200s); more within a minute are not logged",
                sid,
                problem,
            )


class PollingBody:
    """A long-polling POST's body as python-engineio reads it: whole, and checked first.

    python-engineio takes what aiohttp's `read(length)` returns for the whole body, which
    is what has arrived so far, and logs a body it cannot decode (not UTF-8, an unknown
    packet type, garbled base64, ...) as an ERROR with a traceback, then answers 200. A body
    that does not decode, or that the client does not send in full, is read as empty
    instead and answered 400 (`EngineServer._make_response`).
    """

    def __init__(self, server: EngineServer, request: Request, environ: dict[str, Any]) -> None:
        self.server = server
        self.request = request
        self.environ = environ

    async def read(self, length: int) -> bytes:
        """Hook, python-engineio 4.15.1: its polling handler reads `wsgi.input` with
        `read(length)` and decodes with `payload.Payload` as here."""
        try:
            body = await self.request.content.readexactly(length)
        except asyncio.CancelledError:
            # python-engineio's bare `except:` would swallow it, with an ERROR traceback:
            # it is passed on to the handler's next await instead.
            task = asyncio.current_task()
            if task is not None:
                task.cancel()
            return self.refuse()
        except (asyncio.IncompleteReadError, ConnectionError):
            return self.refuse()  # the client went away: nothing to log
        try:
            for pkt in payload.Payload(encoded_payload=body.decode("utf-8")).packets:
                if not 0 <= pkt.packet_type < len(packet.packet_names):
                    raise ValueError(f"unknown Engine.IO packet type {pkt.packet_type}")
        except (ValueError, LookupError) as exc:
            self.server.warn_malformed(self.request.query["sid"], exc)
            return self.refuse()
        return body

    def refuse(self) -> bytes:
        self.environ[MALFORMED_BODY] = True
        return b""


class WebSocket(aiohttp_driver.WebSocket):
    """python-engineio's aiohttp driver; compression as the server says, the transport noted.

    Hook, python-engineio 4.15.1: overrides the driver's `__call__` (it sets `_sock`
    and `environ`; the handler is a method of the Engine.IO socket) and `wait`.
    """

    server: EngineServer

    async def __call__(self, environ: dict[str, Any]) -> WebSocketResponse:
        request = aiohttp_request(environ)
        self._sock = WebSocketResponse(
            max_msg_size=self.server.max_http_buffer_size, compress=self.server.ws_compression
        )
        await self._sock.prepare(request)
        self.environ = environ
        self.sid = self.handler.__self__.sid  # the handler is a method of the Engine.IO socket
        if request.transport is not None:
            self.server.tcp_transports[self.sid] = request.transport
        try:
            await self.handler(self)
        finally:
            self.server.tcp_transports.pop(self.sid, None)
        return self._sock

    async def wait(self) -> str | bytes:
        """The next frame that may be an Engine.IO packet; python-engineio fails the connection
        on any other (an empty one, say) with an ERROR traceback."""
        while True:
            frame = await super().wait()
            if isinstance(frame, str) and frame[:1] == "b":
                # Engine.IO's base64 form of binary: dropped like any binary, before python-engineio
                # decodes it (bad base64 failed the whole request with an ERROR).
                self.server.drop_binary_sender(self.sid)
            elif not isinstance(frame, str) or frame[:1] in ENGINEIO_TYPES:
                return frame
            else:
                self.server.warn_malformed(self.sid, "not an Engine.IO packet")


class SocketServer(socketio.AsyncServer):
    """python-socketio's server on `EngineServer`; takes its `queue_limit` and `ws_compression`.

    Hooks, python-socketio 5.18.1: `_engineio_server_class` and `_handle_eio_message`.
    """

    eio: EngineServer

    def _engineio_server_class(self) -> type[EngineServer]:
        return EngineServer

    async def _handle_eio_message(self, eio_sid: str, data: str | bytes) -> None:
        """Drops a client that sends a binary frame or packet (before anything is buffered);
        a packet that does not parse gets a warning instead of an ERROR traceback."""
        if not isinstance(data, str) or data[:1] in SOCKETIO_BINARY:
            self.eio.drop_binary_sender(eio_sid)
            return
        try:
            await super()._handle_eio_message(eio_sid, data)
        except (ValueError, TypeError, LookupError) as exc:
            self.eio.warn_malformed(eio_sid, exc)
