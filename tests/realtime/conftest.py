"""Real python-socketio clients connected to the test server, logged in by cookie or not."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
import socketio
from aiohttp.test_utils import TestClient, TestServer

from arsnova.auth import COOKIE_NAME

SOCKET_TIMEOUT = 10
WAIT_TIMEOUT = 5


class Socket:
    """A connected client that records every event it receives, in order."""

    def __init__(self, client: socketio.AsyncClient) -> None:
        self.client = client
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
        async with asyncio.timeout(WAIT_TIMEOUT):
            while True:
                for data in self.events(name):
                    if matches(data):
                        return data
                self.arrived.clear()
                await self.arrived.wait()

    async def quiet(self, seconds: float = 0.5) -> None:
        """Lets pending broadcasts arrive (for asserting that something did *not* come)."""
        await asyncio.sleep(seconds)

    async def disconnect(self) -> None:
        if self.client.connected:
            await self.client.disconnect()


@pytest.fixture
async def connect_socket(server: TestServer) -> AsyncIterator:
    """Connects a socket; with an HTTP client, it sends that client's `JSESSIONID` cookie."""
    sockets: list[Socket] = []

    async def connect(http: TestClient | None = None, **kwargs: Any) -> Socket:
        headers = dict(kwargs.pop("headers", {}))
        if http is not None:
            cookie = http.session.cookie_jar.filter_cookies(server.make_url("/")).get(COOKIE_NAME)
            headers["Cookie"] = f"{COOKIE_NAME}={cookie.value}"
        client = socketio.AsyncClient(reconnection=False)
        socket = Socket(client)
        await client.connect(
            str(server.make_url("/")), transports=["websocket"], headers=headers, **kwargs
        )
        sockets.append(socket)
        return socket

    yield connect
    for socket in sockets:
        await socket.disconnect()


@pytest.fixture
def joined(connect_socket) -> Callable:
    """A socket of `http`'s login that joined the session `keyword` (the ack is `.joined`)."""

    async def join(http: TestClient, keyword: str) -> Socket:
        socket = await connect_socket(http)
        socket.joined = await socket.call("setSession", {"keyword": keyword})
        assert "error" not in socket.joined, socket.joined
        return socket

    return join
