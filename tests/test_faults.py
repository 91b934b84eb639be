"""Faults under load: the database is SIGKILLed during a burst of 1,000 answers.

A real `arsnova serve` on its own embedded database process; students keep
answering while the database dies and comes back. Every answer that got a 2xx
is in the database afterwards, requests during the outage fail fast with 503
`database-unavailable`, and the server recovers without being restarted.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import signal
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from bson import ObjectId
from pymongo import AsyncMongoClient

from arsnova.embedded import EmbeddedServer
from arsnova.settings import default_embedded_command
from tests.helpers import eventually
from tests.serve import Serve, lecture_with_questions, serve_env

STUDENTS = 200
QUESTIONS = 5  # 1,000 answers
CONCURRENCY = 40
KILL_AFTER = 300  # acknowledged answers before the database dies
OUTAGE = 2.0  # seconds the database stays down
DB_TIMEOUT_MS = 1000
FAIL_FAST = 5.0  # seconds a request may take while the database is down


def process_state(pid: int) -> str:
    """The process's state letter from /proc (`T`: stopped by a signal)."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[EmbeddedServer]:
    server = EmbeddedServer(tmp_path / "db", default_embedded_command())
    await asyncio.to_thread(server.start)
    try:
        yield server
    finally:
        await asyncio.to_thread(server.stop)


@pytest.fixture
async def serve(database: EmbeddedServer, tmp_path: Path, start_serve) -> Serve:
    """`arsnova serve` on the database of its own that the test kills."""
    env = serve_env(
        database.uri, "faults", tmp_path / "data", ARSNOVA_DB_TIMEOUT_MS=str(DB_TIMEOUT_MS)
    )
    return await start_serve(env)


async def logged_in(http: aiohttp.ClientSession, url: str) -> None:
    async with http.get(f"{url}/auth/login", params={"type": "guest"}) as response:
        assert response.status == 200


@pytest.mark.timeout(300)
async def test_killing_the_database_during_an_answer_burst_loses_nothing_acknowledged(
    serve: Serve, database: EmbeddedServer
):
    url = serve.url
    keyword, questions = await lecture_with_questions(url, QUESTIONS, "yesno")

    students = [
        aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) for _ in range(STUDENTS)
    ]
    acknowledged: dict[tuple[int, str], str] = {}  # (student, question) → answer id
    outage_statuses: list[int] = []
    slow: list[float] = []
    database_down = asyncio.Event()
    enough = asyncio.Event()
    try:
        for student in students:
            await logged_in(student, url)
            async with student.get(f"{url}/session/{keyword}") as response:
                assert response.status == 200
        work = itertools.product(range(STUDENTS), questions)

        async def answer_all() -> None:
            for index, question in work:
                while (index, question) not in acknowledged:
                    started = time.monotonic()
                    try:
                        async with students[index].post(
                            f"{url}/lecturerquestion/{question}/answer/", json={"answerText": "yes"}
                        ) as response:
                            body = await response.json()
                            if response.status == 201:
                                acknowledged[index, question] = body["_id"]
                                if len(acknowledged) >= KILL_AFTER:
                                    enough.set()
                            elif response.status == 409:  # written before its 503: already there
                                acknowledged[index, question] = ""
                            else:
                                assert response.status == 503, body
                                assert body["code"] == "database-unavailable"
                                outage_statuses.append(response.status)
                                await asyncio.sleep(0.2)
                    finally:
                        if database_down.is_set():
                            slow.append(time.monotonic() - started)

        workers = [asyncio.create_task(answer_all()) for _ in range(CONCURRENCY)]
        await asyncio.wait_for(enough.wait(), 120)
        killed = database.process
        killed.kill()  # SIGKILL
        database_down.set()
        await asyncio.to_thread(killed.wait)
        await asyncio.sleep(OUTAGE)
        await database.restart()  # same port, same files
        database_down.clear()
        await asyncio.wait_for(asyncio.gather(*workers), 180)
    finally:
        for student in students:
            await student.close()

    print(f"{len(acknowledged)} acknowledged, {len(outage_statuses)} got 503 in the outage, "
          f"slowest request while down {max(slow):.2f} s")  # fmt: skip
    assert serve.process.returncode is None  # recovered by itself, never restarted
    assert outage_statuses, "no request saw the outage"
    assert max(slow) < FAIL_FAST, max(slow)
    client: AsyncMongoClient = AsyncMongoClient(database.uri)
    try:
        answers = client["faults"]["answers"]
        stored = {str(doc["_id"]) async for doc in answers.find({}, {"_id": 1})}
        created = {answer_id for answer_id in acknowledged.values() if answer_id}
        assert created <= stored  # every 201 is in the database
        assert len(stored) == STUDENTS * QUESTIONS  # and exactly one answer per student
        assert all(ObjectId.is_valid(answer_id) for answer_id in created)
    finally:
        await client.close()


HUNG_DB_TIMEOUT_MS = 3000  # generous: the bound below leaves 1.5 s for a loaded machine


@pytest.mark.timeout(120)
async def test_a_hung_database_costs_a_request_its_timeout_not_twice(
    database: EmbeddedServer, tmp_path: Path, start_serve
):
    """With the database stopped (SIGSTOP: connections open, no answers), a request fails
    with 503 after ARSNOVA_DB_TIMEOUT_MS; the driver's own timeout was twice that."""
    env = serve_env(
        database.uri, "hung", tmp_path / "hung", ARSNOVA_DB_TIMEOUT_MS=str(HUNG_DB_TIMEOUT_MS)
    )
    serve = await start_serve(env, name="hung")
    keyword, _ = await lecture_with_questions(serve.url, 1, "yesno")
    bound = 1.5 * HUNG_DB_TIMEOUT_MS / 1000
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        await logged_in(http, serve.url)
        os.kill(database.process.pid, signal.SIGSTOP)
        await eventually(lambda: process_state(database.process.pid) == "T", what="stopped")
        try:
            # Reads on connections the driver had open (not /readyz: it answers from its
            # last probe, so as not to flap).
            for path in (f"/session/{keyword}", f"/session/{keyword}/lecturerquestion/"):
                started = time.monotonic()
                async with http.get(serve.url + path) as response:
                    body = await response.json()
                took = time.monotonic() - started
                print(f"{path}: {response.status} after {took:.2f} s")
                assert response.status == 503, (path, response.status, body, took)
                assert body["code"] == "database-unavailable", (path, body, took)
                assert took < bound, f"{path} failed after {took:.2f} s, not within {bound} s"
        finally:
            os.kill(database.process.pid, signal.SIGCONT)
    await serve.wait_ready()
