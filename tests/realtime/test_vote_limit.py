"""The per-login vote limit (`ratelimit.VOTE`, 120 a minute) holds on every channel at once.

Real limits, in memory and in Redis: one login with 20 sockets flooding `setFeedback`
gets refusals with the time to wait (`retryAfterMs`), its REST votes too, and the counts
stay one vote; a hall of 1,000 students who each vote once is never refused.
"""

from __future__ import annotations

import asyncio
import secrets
from datetime import UTC, datetime, timedelta

import pytest

from arsnova import ratelimit
from arsnova.app import create_app
from arsnova.auth import hash_token
from arsnova.identity import COOKIE_NAME
from arsnova.keys import rate_limiter_key
from tests.helpers import assert_joined
from tests.realtime.conftest import Socket

SOCKETS = 20
VOTES = 300
LIMIT = ratelimit.VOTE[0].limit.amount  # 120 a minute, the real rule
STUDENTS = 1000


@pytest.fixture(params=["memory", "redis"])
def settings(request, settings_with):
    if request.param == "memory":
        return settings_with(rate_limits=True)
    return settings_with(rate_limits=True, redis_url=request.getfixturevalue("redis_url"))


@pytest.fixture
async def app(settings):
    """The app, with no counts left in Redis by an earlier test."""
    app = create_app(settings)
    await app[rate_limiter_key].storage.reset()
    return app


async def test_one_login_with_20_sockets_gets_120_votes_then_a_retry_time(
    participant, keyword, connect_socket, login
):
    sockets: list[Socket] = [await connect_socket(participant) for _ in range(SOCKETS)]
    for socket in sockets:
        assert_joined(await socket.call("setSession", {"keyword": keyword}), keyword)
    vote = {"sessionkey": keyword, "feedback": 2}

    async def flood(socket: Socket) -> list[dict]:
        return [await socket.call("setFeedback", vote) for _ in range(VOTES // SOCKETS)]

    acks = [ack for acks in await asyncio.gather(*map(flood, sockets)) for ack in acks]
    assert len(acks) == VOTES
    accepted = [ack for ack in acks if ack == {"feedback": 2}]
    refused = [ack["error"] for ack in acks if "error" in ack]
    assert len(accepted) == LIMIT and len(refused) == VOTES - LIMIT
    assert {error["code"] for error in refused} == {"too-many-requests"}
    assert all(0 < error["retryAfterMs"] <= 60_000 for error in refused), refused[:3]

    # REST shares the limit: the same login's vote is refused there too.
    response = await participant.post(f"/session/{keyword}/feedback", json=0)
    assert response.status == 429
    assert 1 <= int(response.headers["Retry-After"]) <= 60

    # One login, one vote: the flood counted once; another student still votes.
    other = await login()
    assert (await other.get(f"/session/{keyword}")).status == 200
    assert (await other.post(f"/session/{keyword}/feedback", json=0)).status == 201
    counts = await (await participant.get(f"/session/{keyword}/feedback")).json()
    assert counts["values"] == [1, 0, 1, 0] and counts["count"] == 2


@pytest.mark.parametrize("settings", ["memory"], indirect=True)  # the same rule in Redis
async def test_a_hall_of_1000_students_voting_once_is_never_refused(
    aiohttp_client, owner, keyword, db
):
    """1,000 logins (made in the database), all from one address, join and vote at once over
    REST: the same `give_feedback` rule as `setFeedback`; none refused, every vote counted."""
    tokens = [secrets.token_urlsafe(32) for _ in range(STUDENTS)]
    moment = datetime.now(UTC)
    await db.logins.insert_many([
        {"token_hash": hash_token(token), "username": f"Guest{n:020x}", "type": "guest",
         "created_at": moment, "last_seen": moment, "expires_at": moment + timedelta(hours=1)}
        for n, token in enumerate(tokens)
    ])  # fmt: skip
    hall = await aiohttp_client(owner.server)  # no cookie jar of its own: one per request

    async def vote(n: int) -> int:
        cookies = {COOKIE_NAME: tokens[n]}
        joined = await hall.get(f"/session/{keyword}", cookies=cookies)
        assert joined.status == 200
        response = await hall.post(f"/session/{keyword}/feedback", json=n % 4, cookies=cookies)
        return response.status

    statuses: list[int] = []
    for start in range(0, STUDENTS, 100):
        statuses += await asyncio.gather(*map(vote, range(start, start + 100)))
    assert statuses == [201] * STUDENTS
    counts = await (await owner.get(f"/session/{keyword}/feedback")).json()
    assert counts["values"] == [STUDENTS // 4] * 4
