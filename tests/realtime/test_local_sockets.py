"""One process without Redis keeps its socket registry in memory (`LocalSockets`): binding,
joining and counting work as with the database's (tests/realtime/test_binding.py), and a
lecture hall's connects and joins write no socket records."""

from __future__ import annotations

import asyncio

import pytest

from arsnova.keys import store_key
from arsnova.store.sockets import LocalSockets
from tests.conftest import expect_error
from tests.helpers import create_lecture


async def assign(http, sid: str):
    return await http.post("/socket/assign", json={"session": sid})


async def until_unregistered(app, sid: str) -> None:
    """Until the server handled the socket's disconnect (it left the registry)."""
    registry = app[store_key].sockets
    for _ in range(250):
        if sid not in registry.sockets:
            return
        await asyncio.sleep(0.02)
    pytest.fail(f"socket {sid} is still registered 5 s after it disconnected")


async def test_sockets_are_bound_joined_and_counted_without_socket_records(
    app, db, owner, login, connect_socket
):
    assert isinstance(app[store_key].sockets, LocalSockets)
    keyword = await create_lecture(owner)
    student = await login()
    tabs = [await connect_socket(), await connect_socket()]
    for tab in tabs:
        assert (await assign(student, tab.sid)).status == 204
    acks = [await tab.call("setSession", {"keyword": keyword}) for tab in tabs]
    assert [ack["keyword"] for ack in acks] == [keyword, keyword]
    assert acks[1]["activeUserCountData"] == 1  # two tabs of one user count once
    assert await app[store_key].sockets.active_users(keyword) == 1
    assert await db.sockets.count_documents({}) == 0


async def test_assign_refuses_unknown_foreign_and_disconnected_sockets(app, login, connect_socket):
    first, second = await login(), await login()
    await expect_error(await assign(first, "no-such-socket"), 404, "socket-not-found")
    socket = await connect_socket()
    assert (await assign(first, socket.sid)).status == 204
    await expect_error(await assign(second, socket.sid), 409, "socket-bound-elsewhere")
    assert (await assign(first, socket.sid)).status == 204
    sid = socket.sid
    await socket.disconnect()
    await until_unregistered(app, sid)
    await expect_error(await assign(first, sid), 404, "socket-not-found")


async def test_logout_disconnects_the_logins_sockets(app, owner, connect_socket):
    socket = await connect_socket(owner)
    assert await app[store_key].sockets.of_login(socket_login(app, socket.sid)) == [socket.sid]
    assert (await owner.get("/auth/logout")).status in (204, 302)
    await until_unregistered(app, socket.sid)


def socket_login(app, sid: str) -> str:
    login_id = app[store_key].sockets.sockets[sid].login_id
    assert login_id is not None
    return login_id
