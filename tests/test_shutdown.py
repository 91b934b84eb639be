"""SIGTERM with a lecture hall connected: sockets are closed first, then the server exits 0.

The server tells every socket itself (an Engine.IO CLOSE: clients reconnect to
another node or wait), drains its requests, and only then closes the database,
so no disconnect handler meets a closed client (no ERROR line). The time to
exit is measured (`SHUTDOWN_SECONDS` in the output), not asserted: the goal is
under 5 s with 300 sockets.
"""

from __future__ import annotations

import asyncio
import time

import aiohttp
import pytest
import socketio

from arsnova.auth import COOKIE_NAME
from tests.serve import Serve, serve_env

SOCKETS = 300
BATCH = 50


class Student:
    """A logged-in guest in the lecture, its socket joined (like a student's page)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
        self.socket = socketio.AsyncClient(reconnection=False)
        self.reasons: list[str] = []
        self.socket.on("disconnect", self.reasons.append)

    async def join(self, keyword: str) -> None:
        async with self.http.get(f"{self.url}/auth/login", params={"type": "guest"}) as response:
            assert response.status == 200
        async with self.http.get(f"{self.url}/session/{keyword}") as response:
            assert response.status == 200
        cookie = next(c.value for c in self.http.cookie_jar if c.key == COOKIE_NAME)
        await self.socket.connect(
            self.url, transports=["websocket"], headers={"Cookie": f"{COOKIE_NAME}={cookie}"}
        )
        joined = await self.socket.call("setSession", {"keyword": keyword}, timeout=30)
        assert "feedbackData" in joined, joined


@pytest.mark.timeout(300)
async def test_sigterm_closes_300_sockets_first_and_exits_cleanly(tmp_path):
    env = serve_env("", "arsnova", tmp_path / "data", ARSNOVA_LOG_LEVEL="INFO")
    del env["MONGODB_URI"]  # the embedded database: what `make serve` runs
    serve = Serve(env, tmp_path / "serve.log")
    await serve.start()
    students: list[Student] = []
    try:
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as owner:
            await owner.get(f"{serve.url}/auth/login", params={"type": "guest"})
            async with owner.post(f"{serve.url}/session/", json={"name": "Hall"}) as response:
                keyword = (await response.json())["keyword"]
        students = [Student(serve.url) for _ in range(SOCKETS)]
        for first in range(0, SOCKETS, BATCH):
            await asyncio.gather(*(s.join(keyword) for s in students[first : first + BATCH]))

        started = time.monotonic()
        serve.process.terminate()
        code = await asyncio.wait_for(serve.process.wait(), 120)
        print(f"SHUTDOWN_SECONDS={time.monotonic() - started:.2f} with {SOCKETS} sockets")
        assert code == 0
        await asyncio.sleep(0.5)  # the last disconnect events reach their handlers
        # Every socket was told by the server (not cut off when its connection died).
        assert [s.reasons for s in students] == [["server disconnect"]] * SOCKETS
        errors = [line for line in serve.log.read_text().splitlines() if "ERROR" in line]
        assert errors == []
    finally:
        await serve.kill()
        for student in students:
            await student.socket.disconnect()
            await student.http.close()
