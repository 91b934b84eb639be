"""Crafted Engine.IO / Socket.IO frames from a raw WebSocket client.

Binary packets (which may announce any number of attachments that the server
would buffer) drop their client before anything is held; frames that do not
parse cost one warning line per client per minute, never an ERROR traceback.
"""

from __future__ import annotations

import asyncio
import json
import logging

import aiohttp
from aiohttp.test_utils import TestClient

from arsnova.keys import sio_key
from tests.realtime.conftest import WAIT_TIMEOUT

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


async def next_frame(ws: aiohttp.ClientWebSocketResponse) -> aiohttp.WSMessage:
    async with asyncio.timeout(WAIT_TIMEOUT):
        return await ws.receive()


async def test_many_announced_attachments_drop_the_socket_before_anything_is_held(server, client):
    sio = server.app[sio_key]
    ws, eio_sid = await open_socket(client)
    await ws.send_str('45100000-["setSession",{"_placeholder":true,"num":0}]')
    # Buffered, this event would be taken for the first attachment instead of being answered.
    await ws.send_str('421["setSession",{"keyword":"12345678"}]')
    frame = await next_frame(ws)
    assert frame.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED), frame
    socket = sio.eio.sockets.get(eio_sid)
    assert socket is None or socket.closed
    assert not sio._binary_packet  # python-socketio's buffer of incomplete binary packets


async def test_a_bound_socket_sending_an_attachment_is_dropped_too(
    owner, participant, keyword, joined
):
    student = await joined(participant, keyword)
    lecturer = await joined(owner, keyword)
    gone = asyncio.Event()
    lecturer.client.on("disconnect", lambda *_: gone.set())
    await lecturer.client.emit("setFeedback", {"sessionkey": keyword, "feedback": b"\x00" * 10})
    async with asyncio.timeout(WAIT_TIMEOUT):
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

    errors = [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert errors == [], [record.getMessage() for record in errors]
    warnings = [
        record
        for record in caplog.records
        if record.levelno == logging.WARNING and eio_sid in record.getMessage()
    ]
    assert len(warnings) == 1, [record.getMessage() for record in warnings]
    assert warnings[0].exc_info is None
    await ws.close()
