"""Clients that stop reading or trickle their bodies in hold no one else up, and are cut off."""

import asyncio
import json

import pytest
import socketio

from arsnova.auth import COOKIE_NAME
from arsnova.keys import sio_key

QUEUE_LIMIT = 8
BODY_TIMEOUT = 0.5
PAYLOAD = "x" * 64 * 1024
BROADCASTS = 400  # 25 MiB: more than the kernel buffers a stalled loopback connection absorbs


@pytest.fixture
def settings(settings_with):
    return settings_with(socket_queue_limit=QUEUE_LIMIT, body_timeout=BODY_TIMEOUT)


async def stalled_socket(client):
    """A socket in the namespace "/" that reads nothing from now on."""
    stalled = await client.ws_connect("/socket.io/?EIO=4&transport=websocket")
    assert (await stalled.receive_str()).startswith("0{")
    await stalled.send_str("40")  # join the namespace "/"
    assert (await stalled.receive_str()).startswith("40")
    stalled._conn.transport.pause_reading()
    return stalled


async def test_a_socket_that_stops_reading_is_dropped_and_holds_up_no_one(server, client):
    sio = server.app[sio_key]
    stalled = await stalled_socket(client)

    received: list[int] = []
    caught_up = asyncio.Condition()

    async def on_bulk(data: dict) -> None:
        received.append(data["n"])
        async with caught_up:
            caught_up.notify_all()

    reader = socketio.AsyncClient(reconnection=False)
    reader.on("bulk", on_bulk)
    await reader.connect(str(server.make_url("/")), transports=["websocket"])
    sids = {sid for sid, _ in sio.manager.get_participants("/", None)}
    (stalled_sid,) = sids - {reader.get_sid("/")}
    try:
        for n in range(BROADCASTS):
            await sio.emit("bulk", {"n": n, "filler": PAYLOAD})
            async with caught_up:  # a client that keeps up, though it runs in this process
                await asyncio.wait_for(caught_up.wait_for(lambda n=n: len(received) >= n - 2), 10)
        # The stalled socket left the namespace (its disconnect handler ran) ...
        assert not sio.manager.is_connected(stalled_sid, "/")
        queues = [socket.queue.qsize() for socket in sio.eio.sockets.values()]
        assert max(queues, default=0) <= QUEUE_LIMIT + 1  # + the engine.io close packet
        # ... while the reading client got every broadcast, in order.
        async with caught_up:
            await asyncio.wait_for(caught_up.wait_for(lambda: len(received) == BROADCASTS), 10)
        assert received == list(range(BROADCASTS))
    finally:
        await reader.disconnect()
    # Its TCP connection was aborted, not left open: reading on finds the end of it.
    if stalled._conn is not None:
        stalled._conn.transport.resume_reading()
    while not stalled.closed:
        await asyncio.wait_for(stalled.receive(), 10)


async def test_a_dropped_socket_disconnects_after_the_broadcast_not_inside_it(
    server, client, monkeypatch
):
    sio = server.app[sio_key]
    await stalled_socket(client)
    (stalled_sid,) = {sid for sid, _ in sio.manager.get_participants("/", None)}
    await sio.enter_room(stalled_sid, "hall")
    legacy = sio.namespace_handlers["/"]
    broadcast_done = asyncio.Event()
    disconnected = asyncio.Event()
    real_disconnect = legacy.on_disconnect

    async def slow_disconnect(sid: str, reason: str | None = None) -> None:
        await broadcast_done.wait()  # its database work finishes only after the broadcasts
        await real_disconnect(sid, reason)
        disconnected.set()

    monkeypatch.setattr(legacy, "on_disconnect", slow_disconnect)
    for n in range(BROADCASTS):  # one of them drops the stalled socket
        await asyncio.wait_for(sio.emit("bulk", {"n": n, "filler": PAYLOAD}, to="hall"), 10)
    broadcast_done.set()
    await asyncio.wait_for(disconnected.wait(), 10)
    assert not sio.manager.is_connected(stalled_sid, "/")


async def test_a_body_trickling_in_gets_408_and_holds_up_no_one(server, login):
    lecturer = await login()
    cookie = next(c.value for c in lecturer.session.cookie_jar if c.key == COOKIE_NAME)
    reader, writer = await asyncio.open_connection(server.host, server.port)
    writer.write(
        b"POST /session/ HTTP/1.1\r\n"
        b"Host: localhost\r\n"
        b"Content-Type: application/json\r\n"
        b"Content-Length: 100\r\n"
        + f"Cookie: {COOKIE_NAME}={cookie}\r\n\r\n".encode()
        + b'{"name": '
    )
    await writer.drain()
    # Meanwhile another lecturer's request is served at once.
    response = await lecturer.post("/session/", json={"name": "Chemistry", "shortName": "CH"})
    assert response.status == 201
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
    assert head.startswith(b"HTTP/1.1 408 ")
    headers = dict(line.split(b": ", 1) for line in head.strip().split(b"\r\n")[1:])
    body = json.loads(await reader.readexactly(int(headers[b"Content-Length"])))
    assert body["code"] == "request-timeout"
    writer.close()
    sessions = await (await lecturer.get("/session/", params={"ownedonly": "true"})).json()
    assert [s["name"] for s in sessions] == ["Chemistry"]  # the trickled one was not created


async def test_body_timeout_is_documented_in_the_errors(client):
    response = await client.get("/openapi.json")
    operation = (await response.json())["paths"]["/session/"]["post"]
    assert "408" in operation["responses"]
