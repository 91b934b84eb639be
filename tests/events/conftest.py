"""Clients of the reliable event stream `/events`: real python-socketio clients."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
import socketio
from aiohttp.test_utils import TestClient, TestServer

from tests.helpers import WAIT

NAMESPACE = "/events"
# A question's voting in its events while nothing closed it: no countdown, one answer each.
VOTING_OPEN = {"votingDisabled": False, "votingEndsAt": None, "allowAnswerChange": False}


async def socket_token(http: TestClient) -> str:
    response = await http.post("/socket/token")
    assert response.status == 201, await response.text()
    body = await response.json()
    assert body["expiresIn"] > 0
    return body["token"]


class EventsClient:
    """An `/events` connection that records messages and (unless told not to) acknowledges them."""

    def __init__(self, auto_ack: bool = True) -> None:
        self.client = socketio.AsyncClient(reconnection=False)
        self.auto_ack = auto_ack
        self.messages: list[tuple[str, dict]] = []
        self.arrived = asyncio.Event()
        self.refusal: Any = None
        self.token: str | None = None
        for name in ("EventsMessage", "HeartbeatMessage", "AcknowledgementMessage"):
            self.client.on(name, self._handler(name), namespace=NAMESPACE)
        self.client.on("connect_error", self._refused, namespace=NAMESPACE)

    def _handler(self, name: str) -> Callable:
        async def record(data: dict) -> None:
            self.messages.append((name, data))
            self.arrived.set()
            if self.auto_ack and name != "AcknowledgementMessage":
                await self.ack(data["id"])

        return record

    async def _refused(self, data: Any) -> None:
        self.refusal = data

    async def connect(self, server: TestServer, **auth: str) -> None:
        self.token = auth.get("token")
        # python-socketio waits 1 s for the namespace's CONNECT by default: too short on a
        # loaded 2-core machine; a server that refuses still answers at once.
        await self.client.connect(
            str(server.make_url("/")),
            namespaces=[NAMESPACE],
            transports=["websocket"],
            auth=auth,
            wait_timeout=WAIT,
        )

    async def send(self, message_type: str, **fields: Any) -> str:
        message_id = str(uuid.uuid4())
        await self.client.emit(message_type, {"type": message_type, "id": message_id, **fields},
                               namespace=NAMESPACE)  # fmt: skip
        return message_id

    async def ack(self, message_id: str, **fields: Any) -> None:
        await self.client.emit("AcknowledgementMessage",
                               {"type": "AcknowledgementMessage", "id": message_id, **fields},
                               namespace=NAMESPACE)  # fmt: skip

    async def request(self, message_type: str, **fields: Any) -> dict:
        """Sends a message and returns the server's AcknowledgementMessage for it."""
        message_id = await self.send(message_type, **fields)
        return await self.wait_for(
            "AcknowledgementMessage", lambda data: data.get("id") == message_id
        )

    def of(self, name: str) -> list[dict]:
        return [data for kind, data in self.messages if kind == name]

    def events(self) -> list[dict]:
        """Every event received so far, in order."""
        return [event for message in self.of("EventsMessage") for event in message["events"]]

    def event_types(self) -> list[str]:
        return [event["type"] for event in self.events()]

    async def wait_for(self, name: str, matches: Callable[[dict], bool] = lambda d: True) -> dict:
        async with asyncio.timeout(WAIT):
            while True:
                for data in self.of(name):
                    if matches(data):
                        return data
                self.arrived.clear()
                await self.arrived.wait()

    async def wait_for_event(
        self, event_type: str, matches: Callable[[dict], bool] = lambda e: True
    ) -> dict:
        async with asyncio.timeout(WAIT):
            while True:
                for event in self.events():
                    if event["type"] == event_type and matches(event):
                        return event
                self.arrived.clear()
                await self.arrived.wait()

    async def close(self) -> None:
        if self.client.connected:
            await self.client.disconnect()
        else:
            await self.client.eio.disconnect()


@pytest.fixture
async def events_to() -> AsyncIterator:
    """Connects an `/events` client for an HTTP login to a given server (a fresh token each time).

    `client` connects a ready-made one (a subclass of EventsClient, say). All are
    closed afterwards.
    """
    clients: list[EventsClient] = []

    async def connect(
        server: TestServer,
        http: TestClient,
        auto_ack: bool = True,
        client: EventsClient | None = None,
        **auth: str,
    ) -> EventsClient:
        client = client or EventsClient(auto_ack)
        clients.append(client)
        await client.connect(server, token=await socket_token(http), **auth)
        return client

    yield connect
    for client in clients:
        await client.close()


@pytest.fixture
def events_client(server: TestServer, events_to) -> Callable[..., Awaitable[EventsClient]]:
    """`events_to` for the test's `server`."""

    async def connect(http: TestClient, auto_ack: bool = True, **auth: str) -> EventsClient:
        return await events_to(server, http, auto_ack, **auth)

    return connect


async def subscribe(client: EventsClient, keyword: str) -> None:
    """Subscribes an `/events` client to a session; the acknowledgement must be no error."""
    ack = await client.request("SessionSubscriptionMessage", keyword=keyword)
    assert ack["type"] == "AcknowledgementMessage" and "errorInfo" not in ack, ack
