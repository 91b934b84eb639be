"""Admission control: joins wait their turn while the database is slow or the node is busy.

Only a database that is gone refuses a join with `database-unavailable`; a full
queue refuses with `server-busy` and a `retryAfterMs` hint, on connect and on
`setSession` alike.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from collections.abc import AsyncIterator
from typing import Any

import socketio
from aiohttp.test_utils import TestClient, TestServer

from arsnova.auth import COOKIE_NAME
from arsnova.embedded import EmbeddedServer
from arsnova.keys import load_key, metrics_key, sio_key
from arsnova.realtime.admission import Admission
from tests.conftest import guest_login
from tests.helpers import WAIT, assert_joined, command_counter, create_lecture, eventually
from tests.realtime.conftest import Socket, connect_to, join_session

STUDENTS = 30
PAUSE = 2.5  # seconds the database process is stopped: longer than the driver's timeout
DB_TIMEOUT_MS = 500  # the driver gives up on a command after this


@contextlib.asynccontextmanager
async def slots_taken(admission: Admission) -> AsyncIterator[None]:
    """Every turn of the node taken, as by a lecture hall's joins at work."""
    for _ in range(admission.concurrency):
        await admission.slots.acquire()
    try:
        yield
    finally:
        for _ in range(admission.concurrency):
            admission.slots.release()


def error_of(ack: Any) -> dict[str, Any]:
    assert isinstance(ack, dict) and set(ack) == {"error"}, ack
    return ack["error"]


async def test_a_full_queue_refuses_with_a_retry_hint_and_the_queued_join_goes_through(
    start_server, aiohttp_client, login_to
):
    server: TestServer = await start_server(join_queue=1)
    admission = server.app[load_key]
    keyword = await create_lecture(await login_to(server))
    first, second, third = [await login_to(server) for _ in range(3)]
    waiting = await connect_to(server, first)
    refused = await connect_to(server, second)
    try:
        async with slots_taken(admission):
            queued = asyncio.create_task(waiting.call("setSession", {"keyword": keyword}))
            await eventually(lambda: admission.queue_depth() == 1, what="the join queued")

            busy = error_of(await refused.call("setSession", {"keyword": keyword}))
            assert busy["code"] == "server-busy" and busy["retryAfterMs"] >= 1000, busy
            refusal = await refused_connect(server, third)
            assert refusal["code"] == "server-busy" and refusal["retryAfterMs"] >= 1000

            assert not queued.done()  # it waits its turn rather than fail
        assert_joined(await queued, keyword)
        assert admission.queue_depth() == 0
        await join_session(refused, keyword)  # trying again later is let in
    finally:
        await waiting.disconnect()
        await refused.disconnect()


async def refused_connect(server: TestServer, http: TestClient) -> dict[str, Any]:
    """The `connect_error` data of a socket of `http`'s login that the server refuses."""
    client = socketio.AsyncClient(reconnection=False)
    refusal: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
    client.on("connect_error", lambda data: refusal.set_result(data))
    cookie = http.session.cookie_jar.filter_cookies(server.make_url("/"))[COOKIE_NAME].value
    with contextlib.suppress(socketio.exceptions.ConnectionError):
        await client.connect(
            str(server.make_url("/")),
            transports=["websocket"],
            headers={"Cookie": f"{COOKIE_NAME}={cookie}"},
            wait_timeout=WAIT,
        )
    try:
        async with asyncio.timeout(WAIT):
            return await refusal
    finally:
        await client.disconnect()


async def test_joins_wait_for_a_paused_database_and_only_a_gone_one_refuses_them(
    own_database: EmbeddedServer, start_server, aiohttp_client, db_name: str
):
    server: TestServer = await start_server(
        mongodb_uri=own_database.uri, db_timeout_ms=DB_TIMEOUT_MS
    )
    keyword = await create_lecture(await guest_login(await aiohttp_client(server)))
    students = [await guest_login(await aiohttp_client(server)) for _ in range(STUDENTS)]
    sockets: list[Socket] = []

    async def join(student: TestClient) -> dict[str, Any]:
        socket = await connect_to(server, student)
        sockets.append(socket)
        return await socket.call("setSession", {"keyword": keyword})

    assert own_database.process is not None
    pid = own_database.process.pid
    try:
        with command_counter.counting(db_name):
            os.kill(pid, signal.SIGSTOP)
            try:
                joins = asyncio.gather(*(join(student) for student in students))
                await asyncio.sleep(PAUSE)  # the hall joins against a database that hangs
            finally:
                os.kill(pid, signal.SIGCONT)
            for ack in await joins:
                assert_joined(ack, keyword)
        assert command_counter.failures, "no command timed out: the database never hung"

        os.kill(pid, signal.SIGKILL)
        own_database.process.wait()
        ack = await sockets[0].call("setSession", {"keyword": keyword})
        assert error_of(ack)["code"] == "database-unavailable"
    finally:
        for socket in sockets:
            await socket.disconnect()


async def test_a_socket_that_leaves_while_its_join_waits_is_not_joined_and_is_no_error(
    start_server, login_to, caplog
):
    """A student who closes the page while the hall joins: their join, once its turn comes,
    finds the socket gone and stops there, with no ERROR and no internal-error."""
    server: TestServer = await start_server()
    admission = server.app[load_key]
    namespace = server.app[sio_key].namespace_handlers["/"]
    keyword = await create_lecture(await login_to(server))
    student = await connect_to(server, await login_to(server))
    sid = student.sid
    async with slots_taken(admission):
        student.client.start_background_task(
            student.client.emit, "setSession", {"keyword": keyword}, callback=lambda *_: None
        )
        await eventually(lambda: admission.queue_depth() == 1, what="the join queued")
        # Dropped by the server (a missed ping on a crowded network), which does not cancel
        # the events still in progress, unlike a client's own disconnect.
        await namespace.on_disconnect(sid, "ping timeout")
        await eventually(lambda: sid not in namespace.sockets, what="the server saw it leave")
    metrics = server.app[metrics_key]
    labels = {"namespace": "/", "event": "join", "code": "socket-disconnected"}
    await eventually(
        lambda: metrics.registry.get_sample_value("arsnova_refusals_total", labels) == 1,
        what="the join refused as disconnected",
    )
    assert (
        metrics.registry.get_sample_value(
            "arsnova_refusals_total", {**labels, "code": "internal-error"}
        )
        is None
    )
    assert [record for record in caplog.records if record.levelname == "ERROR"] == []
    assert server.app[sio_key].manager.rooms.get("/", {}).get(f"session:{keyword}") in (None, {})
