"""`arsnova serve` as a real subprocess, for tests that kill and restart the server."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import aiohttp
import pytest

from tests.conftest import TEST_SECRET, free_port

START_TIMEOUT = 60


async def until_ready(
    url: str, process: asyncio.subprocess.Process, log: Callable[[], str], within: float
) -> None:
    """Until `url`'s `/readyz` answers 200; fails with `log()` if `process` exits first."""
    async with aiohttp.ClientSession() as probe, asyncio.timeout(within):
        while True:
            assert process.returncode is None, log()
            try:
                async with probe.get(url + "/readyz") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.05)


def serve_env(mongo_uri: str, db_name: str, data_dir: Path, **settings: str) -> dict[str, str]:
    """The environment of a server on a free port of loopback, on the test's database."""
    return {
        **os.environ,
        "MONGODB_URI": mongo_uri,
        "ARSNOVA_DB_NAME": db_name,
        "ARSNOVA_PORT": str(free_port()),
        "ARSNOVA_HOST": "127.0.0.1",
        "ARSNOVA_SECRET": TEST_SECRET,
        "ARSNOVA_DATA_DIR": str(data_dir),
        "ARSNOVA_LOG_LEVEL": "WARNING",
        "ARSNOVA_RATE_LIMITS": "false",
        **settings,
    }


class Serve:
    """`arsnova serve` on a fixed port (so a restart comes back at the same URL)."""

    def __init__(self, env: dict[str, str], log: Path, *options: str) -> None:
        self.env = env
        self.options = options
        self.port = int(env["ARSNOVA_PORT"])
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        with self.log.open("a") as log:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "arsnova",
                "serve",
                *self.options,
                env=self.env,
                stdout=log,
                stderr=log,
            )
        await self.wait_ready()

    async def wait_ready(self) -> None:
        """Until `/readyz` answers 200 (the database answers)."""
        await until_ready(self.url, self.process, self.log.read_text, START_TIMEOUT)

    async def terminate(self) -> None:
        """SIGTERM, as a rolling restart stops a node; returns once it has exited."""
        if self.process is not None and self.process.returncode is None:
            self.process.terminate()
            await self.process.wait()

    async def kill(self) -> None:
        """SIGKILL: no clean shutdown, like a crash or a pulled plug."""
        if self.process is not None and self.process.returncode is None:
            self.process.kill()
            await self.process.wait()


@pytest.fixture
async def start_serve(tmp_path: Path) -> AsyncIterator[Callable[..., Awaitable[Serve]]]:
    """`await start_serve(env, *options, name="serve")`: a started `arsnova serve`.

    Its log is `<name>.log` in the test's tmp dir; every one started is killed
    at the end of the test.
    """
    started: list[Serve] = []

    async def start(env: dict[str, str], *options: str, name: str = "serve") -> Serve:
        serve = Serve(env, tmp_path / f"{name}.log", *options)
        started.append(serve)
        await serve.start()
        return serve

    yield start
    for serve in started:
        await serve.kill()


@pytest.fixture
async def serve(mongo_uri, db_name, db, tmp_path: Path, start_serve) -> Serve:
    """A real `arsnova serve` on the test's database, killed at the end (a plugin of conftest)."""
    return await start_serve(serve_env(mongo_uri, db_name, tmp_path / "data"))


TWO_NODES_INTERVAL_MS = 200  # the broadcast interval of `two_nodes`


@pytest.fixture
async def two_nodes(mongo_uri, db_name, db, redis_url, tmp_path: Path, start_serve) -> list[Serve]:
    """A cluster: two `arsnova serve` processes on the test's database and one Redis.

    A long heartbeat: `/events` deliveries across nodes must come from the Redis
    announcement, not from the heartbeat's catch-up.
    """
    return await start_two(
        start_serve, mongo_uri, db_name, tmp_path,
        REDIS_URL=redis_url,
        ARSNOVA_BROADCAST_INTERVAL_MS=str(TWO_NODES_INTERVAL_MS),
        ARSNOVA_HEARTBEAT_INTERVAL="600",
    )  # fmt: skip


async def start_two(
    start_serve, mongo_uri: str, db_name: str, tmp_path: Path, **settings: str
) -> list[Serve]:
    """Nodes `a` and `b` on one database, started together with the same `settings`."""
    return list(
        await asyncio.gather(*(
            start_serve(serve_env(mongo_uri, db_name, tmp_path / name, **settings), name=name)
            for name in ("a", "b")
        ))
    )  # fmt: skip


async def lecture_with_questions(url: str, count: int, question_type: str) -> tuple[str, list[str]]:
    """A guest lecturer's new session on `url` with `count` published questions: keyword, ids."""
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as owner:
        async with owner.get(f"{url}/auth/login", params={"type": "guest"}) as response:
            assert response.status == 200
        async with owner.post(f"{url}/session/", json={"name": "Lecture"}) as response:
            keyword = (await response.json())["keyword"]
        questions = []
        for n in range(count):
            body = {"questionType": question_type, "subject": f"q{n}", "text": "t", "active": True}
            path = f"{url}/session/{keyword}/lecturerquestion/"
            async with owner.post(path, json=body) as response:
                questions.append((await response.json())["_id"])
    return keyword, questions
