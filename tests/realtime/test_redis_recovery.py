"""Two `arsnova serve` nodes on a Redis of the test's own, which is restarted or paused
mid-lecture: every socket's counts are right again within a few seconds, and nothing
waits for a Redis that does not answer (`arsnova/redisguard.py`,
`arsnova/realtime/delivery/recovery.py`).
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from limits import parse

from arsnova.ratelimit import RateLimiter, Rule, TooManyRequests
from tests.conftest import free_port, make_settings, port_open
from tests.helpers import eventually
from tests.nodes import User
from tests.realtime.conftest import Socket
from tests.serve import Serve, start_two

RECOVERY_WAIT = 20  # seconds the right value may take to arrive (generous: a shared machine)
PAUSE_WAIT = 8  # seconds requests may take while Redis is stopped (else they waited for it)


class RedisServer:
    """`redis-server` on a fixed port, so that a restart comes back at the same URL."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.workdir = workdir
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        self.process = await asyncio.create_subprocess_exec(
            "redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
            "--appendonly", "no", "--dir", str(self.workdir),
            stdout=asyncio.subprocess.DEVNULL,
        )  # fmt: skip
        async with asyncio.timeout(10):
            while not port_open(self.port):
                assert self.process.returncode is None, "redis-server did not start"
                await asyncio.sleep(0.05)

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.returncode is None

    async def kill(self) -> None:
        """SIGKILL: gone at once, with everything it held."""
        assert self.process is not None
        self.process.kill()
        await self.process.wait()

    def signal(self, number: int) -> None:
        assert self.process is not None
        self.process.send_signal(number)


@pytest.fixture
async def redis_server(tmp_path: Path) -> AsyncIterator[RedisServer]:
    server = RedisServer(tmp_path)
    await server.start()
    yield server
    if server.running:
        server.signal(signal.SIGCONT)
        await server.kill()


@pytest.fixture
async def nodes(mongo_uri, db_name, db, redis_server, tmp_path: Path, start_serve) -> list[Serve]:
    """Two nodes on the test's database and its own Redis, rate limits on (in Redis)."""
    return await start_two(
        start_serve, mongo_uri, db_name, tmp_path,
        REDIS_URL=redis_server.url,
        ARSNOVA_BROADCAST_INTERVAL_MS="200",
        ARSNOVA_RATE_LIMITS="true",
        # `/events` deliveries across nodes come from the announcements (or the resync's
        # catch-up), not from the heartbeat's.
        ARSNOVA_HEARTBEAT_INTERVAL="600",
    )  # fmt: skip


async def latest(socket: Socket, event: str, expected: Any, within: float = RECOVERY_WAIT) -> None:
    """Until the newest `event` the socket received is `expected` (a positive marker)."""

    def right() -> bool:
        values = socket.events(event)
        return bool(values) and values[-1] == expected

    try:
        async with asyncio.timeout(within):
            while not right():
                socket.arrived.clear()
                await socket.arrived.wait()
    except TimeoutError:
        raise AssertionError(f"{event}: {socket.events(event)[-3:]}, not {expected}") from None


async def everywhere(sockets: list[Socket], event: str, expected: Any) -> None:
    await asyncio.gather(*(latest(socket, event, expected) for socket in sockets))


async def lecture(nodes: list[Serve], users: list[User], students: int) -> tuple[str, list]:
    """A lecturer on node B and `students` students, every other one on node A: the keyword,
    the students' `(user, node, socket)` and the lecturer's socket last."""
    a, b = nodes
    lecturer = await User().login(b)
    users.append(lecturer)
    keyword = (await lecturer.call(b, "POST", "/session/", json={"name": "Redis"}))["keyword"]
    people = []
    for n in range(students):
        node = (a, b)[n % 2]
        student = await User().login(node)
        users.append(student)
        people.append((student, node, await student.socket(node, keyword)))
    people.append((lecturer, b, await lecturer.socket(b, keyword)))
    await everywhere([socket for *_, socket in people], "activeUserCountData", students + 1)
    return keyword, people


async def vote(socket: Socket, keyword: str, value: int) -> None:
    ack = await socket.call("setFeedback", {"sessionkey": keyword, "feedback": value})
    assert ack == {"feedback": value}, ack


async def test_a_redis_restart_then_a_pause_mid_lecture(nodes, redis_server: RedisServer, users):
    """One lecture through both (starting two nodes costs more than each phase)."""
    a, b = nodes
    keyword, people = await lecture(nodes, users, 4)
    sockets: list[Socket] = [socket for *_, socket in people]
    stream = await people[-1][0].events(b, keyword)  # the lecturer's `/events`, on B
    await vote(sockets[0], keyword, 0)  # on A
    await everywhere(sockets, "feedbackData", [1, 0, 0, 0])

    # A restart (SIGKILL, then a new Redis on the same port, with nothing in it).
    await redis_server.kill()
    # While Redis is down: votes on both nodes, and a student joins on A.
    await vote(sockets[1], keyword, 1)  # on B
    await vote(sockets[2], keyword, 2)  # on A
    late = await User().login(a)
    users.append(late)
    sockets.append(await late.socket(a, keyword))
    body = {"questionType": "yesno", "subject": "s", "text": "t", "active": True}
    path = f"/session/{keyword}/lecturerquestion/"
    question = await people[-1][0].call(b, "POST", path, json=body)  # on B
    await redis_server.start()
    # Counts sent while Redis was away reached only their own node: they are resent,
    # and the active users are counted again (a restarted Redis had no presence).
    await everywhere(sockets, "feedbackData", [1, 1, 1, 0])
    await everywhere(sockets, "activeUserCountData", 6)
    # A's sockets hear of the question published meanwhile (their pages reload the list).
    await asyncio.gather(*(
        socket.wait_for("lecQuestionAvail", lambda q: q == question["_id"]) for socket in sockets
    ))  # fmt: skip
    # The `/events` connection on B catches up with what A appended meanwhile.
    await stream.wait_for_event("ActiveUsersChangedEvent", lambda e: e["data"] == {"count": 6})
    # The nodes talk again at once: a vote on B reaches A's sockets, a join on B all.
    await vote(sockets[4], keyword, 3)  # the lecturer, on B
    await everywhere(sockets, "feedbackData", [1, 1, 1, 1])
    joined = await User().login(b)
    users.append(joined)
    sockets.append(await joined.socket(b, keyword))
    await everywhere(sockets, "activeUserCountData", 7)

    # A pause (SIGSTOP): Redis accepts connections but answers nothing.
    redis_server.signal(signal.SIGSTOP)
    try:
        # A socket event (a vote: rate-limited, broadcast), a rate-limited REST request
        # (a socket token), a new login and its join all answer while Redis is stopped.
        async with asyncio.timeout(PAUSE_WAIT):
            await vote(sockets[0], keyword, 3)  # on A
            await people[0][0].call(a, "POST", "/socket/token")
            newcomer = await User().login(b)
            users.append(newcomer)
            sockets.append(await newcomer.socket(b, keyword))
            await vote(sockets[-1], keyword, 3)  # on B
        assert redis_server.running
    finally:
        redis_server.signal(signal.SIGCONT)
    await everywhere(sockets, "feedbackData", [0, 1, 1, 3])
    await everywhere(sockets, "activeUserCountData", 8)
    await vote(sockets[1], keyword, 0)  # on B, after: across nodes as before
    await everywhere(sockets, "feedbackData", [1, 0, 1, 3])


async def test_while_redis_is_stopped_rate_limits_count_in_memory(
    mongo_uri, db_name, redis_server: RedisServer, tmp_path: Path
):
    settings = make_settings(
        mongo_uri, db_name, tmp_path, rate_limits=True, redis_url=redis_server.url
    )
    limiter = RateLimiter.from_settings(settings)
    rule = Rule("recovery-test", parse("3/minute"))
    try:
        await limiter.hit(rule, "k")  # counted in Redis
        redis_server.signal(signal.SIGSTOP)
        try:
            async with asyncio.timeout(PAUSE_WAIT):
                await limiter.hit(rule, "k")  # times out: let through, Redis marked down
                for _ in range(3):  # this node's own count, in memory
                    await limiter.hit(rule, "k")
                with pytest.raises(TooManyRequests):
                    await limiter.hit(rule, "k")
            assert redis_server.running
        finally:
            redis_server.signal(signal.SIGCONT)
        await eventually(lambda: limiter.guard.up, RECOVERY_WAIT, "Redis up again")
        # Back in Redis, which counted the hit before and maybe the one that timed out
        # (sent before Redis stopped reading): the memory's full count is left behind.
        await limiter.hit(rule, "k")
        with pytest.raises(TooManyRequests):
            for _ in range(2):
                await limiter.hit(rule, "k")
    finally:
        await limiter.close()
