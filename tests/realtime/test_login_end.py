"""Legacy `/` sockets follow their login: a logout or an expiry disconnects them on every node.

The login sweep runs every quarter of `inactivity_warning` (at most 5 s); these
servers set it to 1 s, so the sweep runs every 0.25 s and a test waits for the
disconnect itself, never for a fixed time.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from aiohttp.test_utils import TestClient, TestServer

from arsnova.app import create_app
from arsnova.auth import COOKIE_NAME
from arsnova.identity import GUEST_KEY_COOKIE
from arsnova.keys import sio_key
from arsnova.realtime.delivery.broadcaster import staff_room
from tests.conftest import ADMIN_NAME, guest_key
from tests.events.conftest import EventsClient, socket_token
from tests.helpers import assert_joined
from tests.realtime.conftest import WAIT, Socket, connect_url
from tests.realtime.test_binding import assign, error_code


@pytest.fixture
def settings(settings_with):
    return settings_with(admins=frozenset({ADMIN_NAME}), inactivity_warning=1)


def on_disconnect(socket: Socket) -> asyncio.Event:
    """Set once the server ends the socket's connection."""
    gone = asyncio.Event()
    socket.client.on("disconnect", lambda *_: gone.set())
    return gone


async def disconnected(*events: asyncio.Event) -> None:
    async with asyncio.timeout(WAIT):
        for event in events:
            await event.wait()


def staff_sids(server: TestServer, keyword: str) -> set[str]:
    rooms = server.app[sio_key].manager.rooms.get("/", {})
    return set(rooms.get(staff_room(keyword), {}))


def connected(server: TestServer, sid: str) -> bool:
    """Whether the server still counts the socket in (it leaves its rooms just after this)."""
    return server.app[sio_key].manager.is_connected(sid, "/")


async def test_expired_login_loses_its_legacy_sockets(
    server, owner, participant, keyword, joined, connect_socket, db
):
    by_cookie = await joined(owner, keyword)
    by_assign = await connect_socket()
    assert (await assign(owner, by_assign.sid)).status == 204
    assert (await by_assign.call("setSession", {"keyword": keyword}))["keyword"] == keyword
    student = await joined(participant, keyword)
    assert {by_cookie.sid, by_assign.sid} <= staff_sids(server, keyword)
    gone = [on_disconnect(by_cookie), on_disconnect(by_assign)]
    sids = [by_cookie.sid, by_assign.sid]

    await db.logins.update_one(
        {"username": owner.username},
        {"$set": {"expires_at": datetime.now(UTC) - timedelta(seconds=1)}},
    )
    await disconnected(*gone)
    assert not any(connected(server, sid) for sid in sids)
    # The other login keeps its socket.
    ack = await student.call("setFeedback", {"sessionkey": keyword, "feedback": 1})
    assert ack == {"feedback": 1}
    # The expired cookie binds nothing any more.
    again = await connect_socket(owner)
    assert error_code(await again.call("setSession", {"keyword": keyword})) == "socket-not-bound"


async def login_on(aiohttp_client, node: TestServer) -> TestClient:
    http = await aiohttp_client(node)
    assert (await http.get("/auth/login", params={"type": "guest"})).status == 200
    return http


async def socket_on(node: TestServer, cookie: str | None = None) -> Socket:
    return await connect_url(str(node.make_url("/")), cookie or None)


async def test_logout_on_one_node_drops_the_logins_sockets_on_every_node(
    aiohttp_server, aiohttp_client, settings_with, redis_url
):
    settings = settings_with(inactivity_warning=1, redis_url=redis_url)
    nodes = [await aiohttp_server(create_app(settings)) for _ in range(2)]
    lecturer = await login_on(aiohttp_client, nodes[0])
    response = await lecturer.post("/session/", json={"name": "Physics I"})
    keyword = (await response.json())["keyword"]
    cookie = lecturer.session.cookie_jar.filter_cookies(nodes[0].make_url("/"))[COOKIE_NAME].value
    student = await login_on(aiohttp_client, nodes[1])
    student_cookie = student.session.cookie_jar.filter_cookies(nodes[1].make_url("/"))
    sockets = [await socket_on(node, cookie) for node in nodes]
    bystander = await socket_on(nodes[1], student_cookie[COOKIE_NAME].value)
    not_picked_up = await socket_on(nodes[1])  # assigned, but no event yet on its node
    assert (await assign(lecturer, not_picked_up.sid)).status == 204
    try:
        for socket in (*sockets, bystander):
            assert_joined(await socket.call("setSession", {"keyword": keyword}), keyword)
        for node, socket in zip(nodes, sockets, strict=True):
            assert staff_sids(node, keyword) == {socket.sid}
        sids = [socket.sid for socket in sockets]
        gone = [on_disconnect(socket) for socket in (*sockets, not_picked_up)]

        assert (await lecturer.post("/auth/logout")).status == 204
        await disconnected(*gone)
        assert not any(connected(node, sid) for node, sid in zip(nodes, sids, strict=True))
        ack = await bystander.call("setFeedback", {"sessionkey": keyword, "feedback": 2})
        assert ack == {"feedback": 2}
    finally:
        for socket in (*sockets, bystander, not_picked_up):
            await socket.disconnect()


async def test_logout_drops_the_sockets_before_the_next_owner_event(
    aiohttp_server, aiohttp_client, settings_with, redis_url
):
    """At once, not at the next sweep: an owner-only event right after the logout misses them.

    The lecturer has a second login that stays: its socket getting the event
    is the marker that the logged-out ones would have had it by then.
    """
    settings = settings_with(redis_url=redis_url)  # the sweep every 5 s, far behind the marker
    nodes = [await aiohttp_server(create_app(settings)) for _ in range(2)]
    leaving = await login_on(aiohttp_client, nodes[0])
    keyword = (await (await leaving.post("/session/", json={"name": "P"})).json())["keyword"]
    staying = await aiohttp_client(nodes[1])
    staying.session.cookie_jar.update_cookies({GUEST_KEY_COOKIE: guest_key(leaving)})
    assert (await staying.get("/auth/login")).status == 200
    student = await login_on(aiohttp_client, nodes[1])
    assert (await student.get(f"/session/{keyword}")).status == 200
    gone_sockets = [await socket_on(node, cookie_of(leaving)) for node in nodes]
    marker = await socket_on(nodes[1], cookie_of(staying))
    try:
        for socket in (*gone_sockets, marker):
            assert_joined(await socket.call("setSession", {"keyword": keyword}), keyword)
        events = EventsClient()
        await events.connect(nodes[0], token=await socket_token(leaving))
        gone = [on_disconnect(socket) for socket in gone_sockets]
        gone.append(on_disconnect_events(events))

        assert (await leaving.post("/auth/logout")).status == 204
        asked = await student.post(
            f"/session/{keyword}/interposed/", json={"subject": "s", "text": "t"}
        )
        question_id = (await asked.json())["_id"]
        assert await marker.wait_for("audQuestionAvail") == question_id
        assert all(socket.events("audQuestionAvail") == [] for socket in gone_sockets)
        await disconnected(*gone)
    finally:
        for socket in (*gone_sockets, marker):
            await socket.disconnect()
        await events.close()


def cookie_of(http: TestClient) -> str:
    return http.session.cookie_jar.filter_cookies(http.make_url("/"))[COOKIE_NAME].value


def on_disconnect_events(client: EventsClient) -> asyncio.Event:
    gone = asyncio.Event()
    client.client.on("disconnect", lambda *_: gone.set(), namespace="/events")
    return gone
