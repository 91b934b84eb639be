"""Crafted Engine.IO / Socket.IO frames from raw WebSocket and long-polling clients.

Binary packets (which may announce any number of attachments that the server
would buffer) drop their client before anything is held; frames that do not
parse cost one warning line per client per minute, never an ERROR traceback,
and a polling body that does not decode is a 400.
"""

from __future__ import annotations

import asyncio
import json
import logging

import aiohttp
import pytest
from aiohttp.test_utils import TestClient

from arsnova.keys import sio_key
from tests.realtime.conftest import WAIT

HANDSHAKE = "/socket.io/?EIO=4&transport=websocket"
MALFORMED = [
    "", "x", "9", "4", "4x", "42null", '42{"a": 1}', "42[]", "44", "49", "4/nope,",
    '42["setSession"', '421["setSession"', "4" + "9" * 20,
]  # fmt: skip


async def open_socket(client: TestClient) -> tuple[aiohttp.ClientWebSocketResponse, str]:
    """A raw WebSocket in namespace `/`, and its Engine.IO session id."""
    ws = await client.ws_connect(HANDSHAKE)
    opening = await ws.receive_str()
    assert opening.startswith("0{"), opening
    await ws.send_str("40")
    assert (await ws.receive_str()).startswith("40{")
    return ws, json.loads(opening[1:])["sid"]


def assert_one_warning_no_error(caplog: pytest.LogCaptureFixture, eio_sid: str) -> None:
    """Nothing at ERROR, and exactly one warning line (without a traceback) for the client."""
    errors = [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert errors == [], [record.getMessage() for record in errors]
    warnings = [
        record
        for record in caplog.records
        if record.levelno == logging.WARNING and eio_sid in record.getMessage()
    ]
    assert len(warnings) == 1, [record.getMessage() for record in warnings]
    assert warnings[0].exc_info is None


async def next_frame(ws: aiohttp.ClientWebSocketResponse) -> aiohttp.WSMessage:
    async with asyncio.timeout(WAIT):
        return await ws.receive()


async def test_many_announced_attachments_drop_the_socket_before_anything_is_held(server, client):
    sio = server.app[sio_key]
    ws, eio_sid = await open_socket(client)
    await ws.send_str('45100000-["setSession",{"_placeholder":true,"num":0}]')
    # Buffered, this event would be taken for the first attachment instead of being answered.
    await ws.send_str('421["setSession",{"keyword":"12345678"}]')
    frame = await next_frame(ws)
    assert frame.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED), frame
    await asyncio.gather(*sio.eio.dropping.values())  # its disconnect, run in the background
    socket = sio.eio.sockets.get(eio_sid)
    assert socket is None or socket.closed
    assert not sio._binary_packet  # python-socketio's buffer of incomplete binary packets


@pytest.mark.parametrize("frame", ["bAAE=", "bA", "b!!"])
async def test_a_base64_binary_frame_drops_the_socket_without_an_error(client, caplog, frame):
    """Engine.IO's base64 form of binary (valid or not): dropped like any binary, never an ERROR."""
    caplog.set_level(logging.INFO)
    ws, eio_sid = await open_socket(client)
    await ws.send_str(frame)
    closed = await next_frame(ws)
    assert closed.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED), closed
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
    assert any(eio_sid in r.getMessage() for r in caplog.records if r.levelno == logging.WARNING)


async def test_a_bound_socket_sending_an_attachment_is_dropped_too(
    owner, participant, keyword, joined
):
    student = await joined(participant, keyword)
    lecturer = await joined(owner, keyword)
    gone = asyncio.Event()
    lecturer.client.on("disconnect", lambda *_: gone.set())
    await lecturer.client.emit("setFeedback", {"sessionkey": keyword, "feedback": b"\x00" * 10})
    async with asyncio.timeout(WAIT):
        await gone.wait()
    ack = await student.call("setFeedback", {"sessionkey": keyword, "feedback": 1})
    assert ack == {"feedback": 1}


async def test_malformed_frames_log_one_warning_per_socket_and_no_error(client, caplog):
    caplog.set_level(logging.INFO)
    ws, eio_sid = await open_socket(client)
    for number in range(50):
        await ws.send_str(MALFORMED[number % len(MALFORMED)])
    await ws.send_str('427["nonsense"]')  # answered after all 50: the marker
    frame = await next_frame(ws)
    assert frame.type == aiohttp.WSMsgType.TEXT and frame.data.startswith("437["), frame
    assert json.loads(frame.data[3:])[0]["error"]["code"] == "unknown-event"

    assert_one_warning_no_error(caplog, eio_sid)
    await ws.close()


POLLING = "/socket.io/?EIO=4&transport=polling"
UNDECODABLE = [
    b"\xff\xfe42",  # not UTF-8
    "9", "7x", "x", "\x1e", "4\x1e",  # not an Engine.IO packet (type, empty)
    "bA", "d=", "\x1e".join(["3"] * 17),  # bad base64, empty JSONP form, too many packets
    "4x", "42null", '42["setSession"', "4" + "9" * 20,  # an Engine.IO message, Socket.IO garbage
]  # fmt: skip


async def open_polling(client: TestClient) -> str:
    """A raw long-polling session in namespace `/`; its Engine.IO session id."""
    response = await client.get(POLLING)
    assert response.status == 200
    opening = await response.text()
    assert opening.startswith("0{"), opening
    eio_sid = json.loads(opening[1:])["sid"]
    assert await post(client, eio_sid, "40") == 200
    assert (await poll(client, eio_sid)).startswith("40{")
    return eio_sid


async def post(client: TestClient, eio_sid: str, body: str | bytes) -> int:
    response = await client.post(f"{POLLING}&sid={eio_sid}", data=body)
    await response.read()
    return response.status


async def poll(client: TestClient, eio_sid: str) -> str:
    async with asyncio.timeout(WAIT):
        response = await client.get(f"{POLLING}&sid={eio_sid}")
        assert response.status == 200, await response.text()
        return await response.text()


async def post_cut_short(client: TestClient, eio_sid: str) -> None:
    """A POST whose Content-Length promises more than the client sends before closing."""
    reader, writer = await asyncio.open_connection(client.host, client.port)
    writer.write(
        f"POST {POLLING}&sid={eio_sid} HTTP/1.1\r\nHost: {client.host}\r\n"
        'Content-Length: 100\r\n\r\n42["nonsense"]'.encode()
    )
    await writer.drain()
    writer.write_eof()
    async with asyncio.timeout(WAIT):
        await reader.read()
    writer.close()


async def test_undecodable_polling_bodies_get_400_and_one_warning_and_no_error(client, caplog):
    caplog.set_level(logging.INFO)
    eio_sid = await open_polling(client)
    statuses = set()
    for number in range(50):
        body = UNDECODABLE[number % len(UNDECODABLE)]
        status = await post(client, eio_sid, body)
        statuses.add((body, status))
    await post_cut_short(client, eio_sid)
    decodable = {
        body for body in UNDECODABLE if isinstance(body, str) and body[:2] in ("4x", "42", "49")
    }
    assert {status for body, status in statuses if body not in decodable} == {400}, statuses
    assert {status for body, status in statuses if body in decodable} == {200}, statuses

    assert await post(client, eio_sid, '427["nonsense"]') == 200  # the session still works
    answer = await poll(client, eio_sid)
    assert answer.startswith("437["), answer
    assert json.loads(answer[3:])[0]["error"]["code"] == "unknown-event"

    assert_one_warning_no_error(caplog, eio_sid)

    other = await open_polling(client)  # a well-behaved client is served as before
    assert await post(client, other, '421["nonsense"]') == 200
    assert (await poll(client, other)).startswith("431[")


async def test_a_binary_packet_over_polling_drops_the_client_at_once(server, client):
    sio = server.app[sio_key]
    eio_sid = await open_polling(client)
    pending = asyncio.ensure_future(client.get(f"{POLLING}&sid={eio_sid}"))
    await asyncio.sleep(0.1)  # the long poll is waiting
    assert (
        await post(client, eio_sid, '45100000-["setSession",{"_placeholder":true,"num":0}]') == 200
    )
    async with asyncio.timeout(WAIT):
        response = await pending
    assert response.status == 200 and await response.text() == "1"  # Engine.IO CLOSE
    assert eio_sid not in sio.eio.sockets
    assert not sio._binary_packet
