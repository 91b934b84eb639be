"""`arsnova serve --workers N`: several processes on one port, talking through Redis.

How the set heals (killed workers, database, supervisor): tests/test_supervisor.py.
"""

from __future__ import annotations

import asyncio
import signal
import sys

import aiohttp
import pytest

from arsnova.auth import COOKIE_NAME
from tests.realtime.conftest import Socket, connect_url, join_session
from tests.serve import Serve, serve_env

WORKERS = 2
SOCKETS = 24


@pytest.fixture
def env(mongo_uri, db_name, db, redis_url, tmp_path) -> dict[str, str]:
    return serve_env(mongo_uri, db_name, tmp_path / "data", REDIS_URL=redis_url)


@pytest.fixture
async def workers(env, start_serve) -> Serve:
    return await start_serve(env, "--workers", str(WORKERS))


async def test_workers_share_the_port_and_reach_each_others_sockets(workers, db):
    url = workers.url
    sockets: list[Socket] = []
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        try:
            async with http.get(f"{url}/auth/login", params={"type": "guest"}) as response:
                assert response.status == 200
            async with http.post(f"{url}/session/", json={"name": "Workers"}) as response:
                keyword = (await response.json())["keyword"]
            cookie = next(c.value for c in http.cookie_jar if c.key == COOKIE_NAME)
            for _ in range(SOCKETS):
                socket = await connect_url(url, cookie)
                sockets.append(socket)
                await join_session(socket, keyword)
            nodes = await db.sockets.distinct("node")
            assert len(nodes) == WORKERS  # the kernel spread the connections

            await sockets[0].call("setFeedback", {"sessionkey": keyword, "feedback": 1})
            for socket in sockets:  # on both workers
                assert await socket.wait_for("feedbackData") == [0, 1, 0, 0]

            # Polling would need sticky sessions: workers refuse it.
            params = {"EIO": "4", "transport": "polling"}
            async with http.get(f"{url}/socket.io/", params=params) as response:
                assert response.status == 400
        finally:
            for socket in sockets:
                await socket.disconnect()
    workers.process.send_signal(signal.SIGTERM)
    assert await asyncio.wait_for(workers.process.wait(), 30) == 0
    assert await db.sockets.count_documents({}) == 0  # each worker cleaned up after itself


async def test_workers_need_redis(env, tmp_path):
    del env["REDIS_URL"]
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "arsnova", "serve", "--workers", "2",
        env=env, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    _, stderr = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 2
    assert b"needs REDIS_URL" in stderr
