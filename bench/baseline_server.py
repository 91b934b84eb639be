"""The baseline: a bare python-socketio server on aiohttp, no application logic.

- Socket.IO `join` `{room}` → enters the room, ack `{"ok": true}`.
- Socket.IO `trigger` `{room, event, data}` → emits `event` with `data` to the room.
- `POST /answer` `{question, user, answerText}` → inserts one document into
  the same database the application uses (same write concern, same unique
  index), 201: the floor under the application's answer endpoint.
- `GET /readyz` → 200.

Configured by BASELINE_PORT, BASELINE_WS_COMPRESSION (true: accept
permessage-deflate, aiohttp's default), MONGODB_URI and BASELINE_DB_NAME.
"""

from __future__ import annotations

import functools
import os
import resource
from datetime import UTC, datetime
from typing import Any

import socketio
from aiohttp import web
from engineio.async_drivers import aiohttp as engineio_aiohttp
from pymongo import AsyncMongoClient, WriteConcern
from pymongo.errors import DuplicateKeyError


def create_app(compression: bool, mongodb_uri: str, db_name: str) -> web.Application:
    """The aiohttp app with Socket.IO at /socket.io/ and the answer route."""
    # python-engineio builds aiohttp's WebSocketResponse with its defaults
    # (compress=True); the application may change that, so the baseline can too.
    engineio_aiohttp.WebSocketResponse = functools.partial(
        web.WebSocketResponse, compress=compression
    )
    sio = socketio.AsyncServer(async_mode="aiohttp", async_handlers=False, cors_allowed_origins="*")
    app = web.Application()
    sio.attach(app)

    @sio.on("join")
    async def join(sid: str, data: dict[str, Any]) -> dict[str, Any]:
        await sio.enter_room(sid, data["room"])
        return {"ok": True}

    @sio.on("trigger")
    async def trigger(sid: str, data: dict[str, Any]) -> dict[str, Any]:
        await sio.emit(data["event"], data["data"], room=data["room"])
        return {"ok": True}

    async def ready(request: web.Request) -> web.Response:
        return web.Response(text="ok")

    app.router.add_get("/readyz", ready)
    if mongodb_uri:
        app.cleanup_ctx.append(functools.partial(database, uri=mongodb_uri, name=db_name))
        app.router.add_post("/answer", answer)
    return app


async def database(app: web.Application, *, uri: str, name: str) -> Any:
    client: AsyncMongoClient = AsyncMongoClient(uri, tz_aware=True)
    db = client.get_database(name, write_concern=WriteConcern(w="majority", j=True))
    await db["answers"].create_index([("question_id", 1), ("user", 1)], unique=True)
    app["answers"] = db["answers"]
    yield
    await client.close()


async def answer(request: web.Request) -> web.Response:
    body = await request.json()
    document = {
        "question_id": body["question"],
        "user": body["user"],
        "answer_text": body["answerText"],
        "timestamp": datetime.now(UTC),
    }
    try:
        result = await request.app["answers"].insert_one(document)
    except DuplicateKeyError:
        return web.json_response({"error": "already-answered"}, status=409)
    return web.json_response({"_id": str(result.inserted_id)}, status=201)


def main() -> None:
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    app = create_app(
        compression=os.environ.get("BASELINE_WS_COMPRESSION", "true") == "true",
        mongodb_uri=os.environ.get("MONGODB_URI", ""),
        db_name=os.environ.get("BASELINE_DB_NAME") or "bench_baseline",
    )
    port = int(os.environ.get("BASELINE_PORT", "8090"))
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)


if __name__ == "__main__":
    main()
