"""Socket.IO is served by the same app and port, with or without Redis."""

import asyncio

import pytest
import socketio

from arsnova.app import create_app
from arsnova.keys import sio_key
from tests.helpers import eventually

WEBSOCKET_HANDSHAKE = "/socket.io/?EIO=4&transport=websocket"


async def connected_client(server, **kwargs) -> socketio.AsyncClient:
    client = socketio.AsyncClient(reconnection=False)
    await client.connect(str(server.make_url("/")), transports=["websocket"], **kwargs)
    return client


async def test_socket_connects_on_the_api_port(aiohttp_server, app):
    server = await aiohttp_server(app)
    client = await connected_client(server)
    try:
        assert client.connected and client.sid
    finally:
        await client.disconnect()


async def test_polling_transport_works_too(aiohttp_server, app):
    server = await aiohttp_server(app)
    client = socketio.AsyncClient(reconnection=False)
    await client.connect(str(server.make_url("/")), transports=["polling"])
    try:
        assert client.connected
        assert client.transport() == "polling"
    finally:
        # A graceful client disconnect waits for the pending long-poll (25 s).
        await client.eio.disconnect(abort=True)


async def test_foreign_origin_refused_unless_configured(aiohttp_server, settings_with):
    allowed = "https://lms.example"
    settings = settings_with(cors_origins=(allowed,))
    server = await aiohttp_server(create_app(settings))
    client = await connected_client(server, headers={"Origin": allowed})
    await client.disconnect()
    refused = socketio.AsyncClient(reconnection=False)
    try:
        with pytest.raises(socketio.exceptions.ConnectionError):
            await refused.connect(
                str(server.make_url("/")),
                transports=["websocket"],
                headers={"Origin": "https://evil.example"},
            )
    finally:
        await refused.eio.disconnect()  # closes the client's HTTP session


async def test_a_client_x_forwarded_proto_does_not_move_the_own_origin(aiohttp_server, app):
    """Without a trusted proxy our origin is http://host:port, whatever a client claims
    (python-engineio's own check took the scheme from any client's X-Forwarded-Proto)."""
    server = await aiohttp_server(app)
    own = f"http://{server.host}:{server.port}"
    client = await connected_client(server, headers={"Origin": own})
    await client.disconnect()
    refused = socketio.AsyncClient(reconnection=False)
    try:
        with pytest.raises(socketio.exceptions.ConnectionError):
            await refused.connect(
                str(server.make_url("/")),
                transports=["websocket"],
                headers={"Origin": own.replace("http:", "https:"), "X-Forwarded-Proto": "https"},
            )
    finally:
        await refused.eio.disconnect()


async def test_emits_cross_processes_through_redis(aiohttp_server, settings_with, redis_url):
    """With REDIS_URL, an emit on one node reaches a socket connected to another."""
    settings = settings_with(redis_url=redis_url)
    nodes = [await aiohttp_server(create_app(settings)) for _ in range(2)]
    received = asyncio.get_running_loop().create_future()
    client = await connected_client(nodes[0])
    client.on("probe", lambda data: received.set_result(data))
    try:
        await asyncio.sleep(0.5)  # let both nodes' pub/sub listeners subscribe
        await nodes[1].app[sio_key].emit("probe", {"from": "node-b"})
        assert await asyncio.wait_for(received, 10) == {"from": "node-b"}
    finally:
        await client.disconnect()


@pytest.mark.parametrize("compression", [False, True])
async def test_websocket_compression_is_a_setting(
    aiohttp_server, aiohttp_client, settings_with, compression
):
    """Off by default: a client asking for permessage-deflate gets plain frames."""
    app = create_app(settings_with(ws_compression=compression))
    client = await aiohttp_client(await aiohttp_server(app))
    async with client.ws_connect(WEBSOCKET_HANDSHAKE, compress=15) as ws:
        assert bool(ws.compress) is compression
        assert (await ws.receive_str()).startswith("0{")  # engine.io's open packet


async def test_polling_can_be_switched_off(aiohttp_server, aiohttp_client, settings_with):
    """For nodes without sticky sessions (`arsnova serve --workers N`)."""
    app = create_app(settings_with(socket_transports=("websocket",)))
    client = await aiohttp_client(await aiohttp_server(app))
    response = await client.get("/socket.io/", params={"EIO": "4", "transport": "polling"})
    assert response.status == 400
    async with client.ws_connect(WEBSOCKET_HANDSHAKE) as ws:
        assert (await ws.receive_str()).startswith("0{")


async def test_a_socket_that_leaves_is_in_no_room_and_the_others_stay(
    app, keyword, login, participant, joined
):
    """The rooms' index (`adapters/managers.RoomIndex`) agrees with python-socketio's rooms
    after joins, a room left and a disconnect: the leaver in none, the stayer where it was."""
    manager = app[sio_key].manager
    leaver = await joined(await login(), keyword)
    stayer = await joined(participant, keyword)

    def rooms_holding(sid: str) -> set:
        return {room for room, sids in manager.rooms.get("/", {}).items() if sid in sids}

    for socket in (leaver, stayer):
        assert set(manager.get_rooms(socket.sid, "/")) | {None} == rooms_holding(socket.sid)
        assert f"session:{keyword}" in manager.get_rooms(socket.sid, "/")
    before = rooms_holding(stayer.sid)
    sid = leaver.sid
    await leaver.disconnect()
    await eventually(lambda: ("/", sid) not in manager.rooms_of, what="the leaver's rooms gone")
    assert rooms_holding(sid) == set()
    assert rooms_holding(stayer.sid) == before
    assert set(manager.get_rooms(stayer.sid, "/")) | {None} == before
