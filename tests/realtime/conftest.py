"""Real python-socketio clients connected to the test server, logged in by cookie or not."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
import socketio
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from arsnova.auth import COOKIE_NAME
from arsnova.keys import broadcaster_key
from tests.helpers import WAIT, assert_joined

SOCKET_TIMEOUT = 10


# No such event: the server answers it with an `unknown-event` error ack and does nothing else.
MARKER_EVENT = "testMarker"


async def broadcasts_done(app: web.Application) -> None:
    """Returns once the server's coalescing broadcasts (feedback, user counts, answers, Q&A votes)
    have sent everything requested so far: their send tasks have ended."""
    broadcaster = app[broadcaster_key]
    throttles = (
        broadcaster.feedback,
        broadcaster.active_users,
        broadcaster.answers,
        broadcaster.qa_votes,
    )
    while tasks := [task for throttle in throttles for task in throttle.running.values()]:
        await asyncio.gather(*tasks)


class Socket:
    """A connected client that records every event it receives, in order.

    `app` is the application it is connected to (in this process), for `caught_up`.
    """

    def __init__(self, client: socketio.AsyncClient, app: web.Application | None = None) -> None:
        self.client = client
        self.app = app
        self.received: list[tuple[str, Any]] = []
        self.arrived = asyncio.Event()
        client.on("*", self._record)

    async def _record(self, event: str, data: Any = None) -> None:
        self.received.append((event, data))
        self.arrived.set()

    @property
    def sid(self) -> str:
        return self.client.get_sid("/")

    async def call(self, event: str, data: Any = None) -> Any:
        """Emits and returns the server's acknowledgement."""
        return await self.client.call(event, data, timeout=SOCKET_TIMEOUT)

    def events(self, name: str) -> list[Any]:
        return [data for event, data in self.received if event == name]

    async def wait_for(self, name: str, matches: Callable[[Any], bool] = lambda data: True) -> Any:
        """The first payload of event `name` that `matches`, waiting up to 5 s for it."""
        async with asyncio.timeout(WAIT):
            while True:
                for data in self.events(name):
                    if matches(data):
                        return data
                self.arrived.clear()
                await self.arrived.wait()

    async def caught_up(self) -> None:
        """Returns once every event the server sent this socket so far has arrived.

        The positive end of a check that something did *not* come, instead of
        sleeping: the server's pending coalesced broadcasts are awaited to their
        end, then the ack of a later call on this socket is the marker. Socket.IO
        delivers one socket's packets in order, and the client records an event
        before it handles the next packet (each packet's handler is a task,
        started in order), so whatever the server emitted to this socket before
        it answered the call is in `received` by now.
        """
        if self.app is not None:
            await broadcasts_done(self.app)
        ack = await self.call(MARKER_EVENT)
        assert ack["error"]["code"] == "unknown-event", ack

    async def disconnect(self) -> None:
        if self.client.connected:
            await self.client.disconnect()


async def connect_url(
    url: str,
    cookie: str | None = None,
    *,
    app: web.Application | None = None,
    reconnection: bool = False,
    **kwargs: Any,
) -> Socket:
    """A WebSocket socket connected to the server at `url`, with the login `cookie` if given.

    For servers in other processes (`arsnova serve`) too; `app`, when it is in
    this process, lets `Socket.caught_up` wait for its broadcasts. The caller
    disconnects it.
    """
    headers = dict(kwargs.pop("headers", {}))
    if cookie is not None:
        headers["Cookie"] = f"{COOKIE_NAME}={cookie}"
    # python-socketio waits 1 s for the namespace's CONNECT by default: too short on a
    # loaded 2-core machine; a server that refuses still answers at once.
    kwargs.setdefault("wait_timeout", WAIT)
    socket = Socket(socketio.AsyncClient(reconnection=reconnection), app)
    await socket.client.connect(url, transports=["websocket"], headers=headers, **kwargs)
    return socket


async def connect_to(server: TestServer, http: TestClient | None = None, **kwargs: Any) -> Socket:
    """A socket connected to `server`; with an HTTP client, it sends that client's cookie.

    The caller disconnects it (the fixtures below do for theirs).
    """
    cookie = None
    if http is not None:
        cookie = http.session.cookie_jar.filter_cookies(server.make_url("/"))[COOKIE_NAME].value
    return await connect_url(str(server.make_url("/")), cookie, app=server.app, **kwargs)


async def join_session(socket: Socket, keyword: str) -> Socket:
    """`socket` after joining `keyword` (the ack is `socket.joined`)."""
    socket.joined = assert_joined(await socket.call("setSession", {"keyword": keyword}), keyword)
    return socket


@pytest.fixture
async def connect_socket(server: TestServer) -> AsyncIterator:
    """Connects a socket; with an HTTP client, it sends that client's `JSESSIONID` cookie."""
    sockets: list[Socket] = []

    async def connect(http: TestClient | None = None, **kwargs: Any) -> Socket:
        socket = await connect_to(server, http, **kwargs)
        sockets.append(socket)
        return socket

    yield connect
    for socket in sockets:
        await socket.disconnect()


@pytest.fixture
def joined(connect_socket) -> Callable:
    """A socket of `http`'s login that joined the session `keyword` (the ack is `.joined`)."""

    async def join(http: TestClient, keyword: str) -> Socket:
        return await join_session(await connect_socket(http), keyword)

    return join


@pytest.fixture
async def users() -> AsyncIterator[list]:
    """The `tests.nodes.User`s a test made (`lecture_across` adds two); closed after it."""
    made: list = []
    yield made
    for user in made:
        await user.close()
