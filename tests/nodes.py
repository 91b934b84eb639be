"""People on a cluster of real `arsnova serve` nodes (`tests/serve.py`'s `two_nodes`)."""

from __future__ import annotations

import aiohttp

from arsnova.auth import COOKIE_NAME
from tests.events.conftest import EventsClient
from tests.realtime.conftest import Socket, connect_url, join_session
from tests.serve import Serve


class User:
    """One login, usable on any node (the login lives in the shared database)."""

    def __init__(self) -> None:
        self.http = aiohttp.ClientSession(
            cookie_jar=aiohttp.CookieJar(unsafe=True), timeout=aiohttp.ClientTimeout(total=10)
        )
        self.sockets: list[Socket] = []
        self.streams: list[EventsClient] = []

    async def login(self, node: Serve) -> User:
        async with self.http.get(f"{node.url}/auth/login", params={"type": "guest"}) as response:
            assert response.status == 200
        return self

    @property
    def cookie(self) -> str:
        return next(c.value for c in self.http.cookie_jar if c.key == COOKIE_NAME)

    async def call(self, node: Serve, method: str, path: str, **kwargs) -> dict | None:
        async with self.http.request(method, node.url + path, **kwargs) as response:
            assert response.status < 300, await response.text()
            return None if response.status == 204 else await response.json()

    async def socket(self, node: Serve, keyword: str) -> Socket:
        """A legacy socket on `node`, bound by cookie, joined to the session."""
        socket = await connect_url(node.url, self.cookie, reconnection=True)
        self.sockets.append(socket)
        return await join_session(socket, keyword)

    async def events(self, node: Serve, keyword: str | None = None, **auth: str) -> EventsClient:
        """An `/events` connection on `node`, subscribed to the session unless reconnecting."""
        token = (await self.call(node, "POST", "/socket/token"))["token"]
        client = EventsClient()
        client.token = token
        self.streams.append(client)
        await client.client.connect(
            node.url,
            namespaces=["/events"],
            transports=["websocket"],
            auth={"token": token, **auth},
        )
        if keyword is not None:
            ack = await client.request("SessionSubscriptionMessage", keyword=keyword)
            assert "errorInfo" not in ack, ack
        return client

    async def close(self) -> None:
        for socket in self.sockets:
            await socket.disconnect()
        for stream in self.streams:
            await stream.close()
        await self.http.close()


async def lecture_across(a: Serve, b: Serve, users: list[User]) -> tuple[User, User, str]:
    """A lecturer on node B, a student on node A who joined the lecturer's new session."""
    lecturer = await User().login(b)
    student = await User().login(a)
    users += [lecturer, student]
    keyword = (await lecturer.call(b, "POST", "/session/", json={"name": "Cluster"}))["keyword"]
    await student.call(a, "GET", f"/session/{keyword}")
    return lecturer, student, keyword
