"""Abuse limits: 429 with Retry-After past a rule's limit, per caller, in memory or in Redis."""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from limits import parse

from arsnova import ratelimit
from arsnova.app import create_app
from arsnova.auth import hash_token
from arsnova.identity import COOKIE_NAME
from arsnova.keys import rate_limiter_key
from tests.conftest import expect_error
from tests.events.conftest import events_client, events_to  # noqa: F401 (fixtures)
from tests.helpers import assert_joined
from tests.realtime.conftest import Socket, connect_socket  # noqa: F401 (a fixture)

LOGINS = 8  # the role fixtures log in a few users from one address first


SMALL = {"login": f"{LOGINS}/minute", "ask-session": "5/minute", "ask-address": "7/minute"}


def smaller(rule: ratelimit.Rule, limit: str) -> ratelimit.Rule:
    return replace(rule, limit=parse(limit))


@pytest.fixture
def small_limits(monkeypatch):
    """Small limits, so a test reaches them in a few requests (same rules, same routes)."""
    for key, rules in list(ratelimit.HTTP_RULES.items()):
        small = tuple(smaller(rule, SMALL.get(rule.name, "3/minute")) for rule in rules)
        monkeypatch.setitem(ratelimit.HTTP_RULES, key, small)
    for name, limit in (("KEYWORD_MISS", "4/minute"), ("KEYWORD_MISS_ADDRESS", "6/minute")):
        monkeypatch.setattr(ratelimit, name, smaller(getattr(ratelimit, name), limit))
    monkeypatch.setattr(ratelimit, "VOTE", (smaller(ratelimit.VOTE[0], "3/minute"),))
    flood = ratelimit.Rule("socket-event", parse("5/minute"))
    monkeypatch.setattr("arsnova.realtime.namespaces.legacy.SOCKET_EVENTS", flood)
    monkeypatch.setattr("arsnova.realtime.namespaces.events.SOCKET_EVENTS", flood)


@pytest.fixture(params=["memory", "redis"])
def settings(request, settings_with, small_limits):
    if request.param == "memory":
        return settings_with(rate_limits=True)
    return settings_with(rate_limits=True, redis_url=request.getfixturevalue("redis_url"))


@pytest.fixture
async def app(settings):
    """The app, with no counts left in Redis by an earlier test on a reused database."""
    app = create_app(settings)
    await app[rate_limiter_key].storage.reset()
    return app


async def test_guest_logins_are_limited_per_address(client):
    for _ in range(LOGINS):
        assert (await client.get("/auth/login", params={"type": "guest"})).status == 200
    response = await client.get("/auth/login", params={"type": "guest"})
    await expect_error(response, 429, "too-many-requests")
    assert 1 <= int(response.headers["Retry-After"]) <= 60


async def test_audience_questions_are_limited_per_login(participant, login, keyword):
    path = f"/session/{keyword}/interposed/"
    for n in range(3):
        response = await participant.post(path, json={"subject": "s", "text": f"t{n}"})
        assert response.status == 201
    await expect_error(await participant.post(path, json={"subject": "s", "text": "x"}), 429,
                       "too-many-requests")  # fmt: skip
    other = await login()  # another login is not affected
    await other.get(f"/session/{keyword}")
    assert (await other.post(path, json={"subject": "s", "text": "y"})).status == 201


async def test_audience_questions_are_limited_per_session_and_per_address(owner, login, keyword):
    """Many logins from one address: 5 questions a session, 7 from the address (small limits)."""
    second = (await (await owner.post("/session/", json={"name": "Second"})).json())["keyword"]

    async def ask(session: str, n: int) -> int:
        asker = await login()
        assert (await asker.get(f"/session/{session}")).status == 200
        path = f"/session/{session}/interposed/"
        return [(await asker.post(path, json={"subject": "s", "text": "t"})).status
                for _ in range(n)]  # fmt: skip

    # Three per login would be allowed; the session's fifth question is its last.
    assert [await ask(keyword, n) for n in (2, 2, 2)] == [[201, 201], [201, 201], [201, 429]]
    # Another session, but the same address: two more, then the address is refused.
    assert await ask(second, 3) == [201, 201, 429]


async def test_qa_questions_share_the_audience_limits_and_qa_votes_are_limited(
    participant, owner, keyword
):
    legacy, qa = f"/session/{keyword}/interposed/", f"/session/{keyword}/qa/questions"
    asked = [(await participant.post(legacy, json={"subject": "s", "text": "a"})).status]
    asked += [(await participant.post(qa, json={"text": t})).status for t in "bcd"]
    assert asked == [201, 201, 201, 429]  # 3 a minute (small limits) over both routes
    question = (await (await owner.post(qa, json={"text": "Vote on me"})).json())["_id"]
    vote = f"{qa}/{question}/vote"
    calls = [
        participant.put(vote, json={"value": 1}),
        participant.delete(vote),
        participant.put(vote, json={"value": 1}),
        participant.put(vote, json={"value": 1}),
    ]
    assert [(await call).status for call in calls] == [200, 200, 200, 429]  # fmt: skip


async def test_answers_and_votes_are_limited(participant, owner, keyword):
    question = await (await owner.post(f"/session/{keyword}/lecturerquestion/", json={
        "questionType": "yesno", "subject": "s", "text": "t", "active": True})).json()  # fmt: skip
    path = f"/lecturerquestion/{question['_id']}/answer/"
    statuses = [(await participant.post(path, json={"answerText": "yes"})).status for _ in range(4)]
    assert statuses == [201, 409, 409, 429]
    votes = [
        (await participant.post(f"/session/{keyword}/feedback", json={"value": 1})).status
        for _ in range(4)
    ]
    assert votes[-1] == 429 and 429 not in votes[:3]


async def test_socket_event_floods_get_error_acknowledgements(
    participant,
    keyword,
    connect_socket,  # noqa: F811 (the fixture imported above)
):
    socket: Socket = await connect_socket(participant)
    acks = [await socket.call("setSession", {"keyword": keyword}) for _ in range(7)]
    for ack in acks[:5]:
        assert_joined(ack, keyword)
    assert acks[5]["error"]["code"] == "too-many-requests"
    assert acks[6]["error"]["code"] == "too-many-requests"


async def test_limits_can_be_switched_off(aiohttp_client, settings_with, small_limits):
    client = await aiohttp_client(create_app(settings_with(rate_limits=False)))
    for _ in range(5):
        assert (await client.get("/auth/login", params={"type": "guest"})).status == 200


async def test_made_up_credentials_do_not_escape_the_per_caller_limits(client):
    """Without a valid login or token the caller is the address, whatever cookie it sends."""
    for n in range(3):
        made_up = {"Authorization": f"Bearer {secrets.token_urlsafe(32)}"} if n % 2 else {}
        response = await client.post(
            "/session/", json={"name": "x"}, headers=made_up,
            cookies={COOKIE_NAME: secrets.token_urlsafe(32)},
        )  # fmt: skip
        assert response.status == 401
    response = await client.post(
        "/session/", json={"name": "x"}, cookies={COOKIE_NAME: secrets.token_urlsafe(32)}
    )
    await expect_error(response, 429, "too-many-requests")


def unknown_keyword() -> str:
    return str(secrets.randbelow(10**8)).zfill(8)


async def test_keyword_probing_is_limited_per_caller_and_per_address(login, keyword):
    prober = await login()
    for _ in range(4):
        await expect_error(await prober.get(f"/session/{unknown_keyword()}"), 404,
                           "session-not-found")  # fmt: skip
    # Refused before the lookup: a hit looks like a miss.
    for path in (f"/session/{unknown_keyword()}", f"/session/{keyword}"):
        await expect_error(await prober.get(path), 429, "too-many-requests")
    student = await login()  # another caller at the same address still joins
    assert (await student.get(f"/session/{keyword}")).status == 200
    for _ in range(2):
        await expect_error(await student.get(f"/session/{unknown_keyword()}"), 404,
                           "session-not-found")  # fmt: skip
    # Six misses from the address: its other callers' lookups wait too.
    await expect_error(await student.get(f"/session/{unknown_keyword()}"), 429,
                       "too-many-requests")  # fmt: skip
    other = await login()
    await expect_error(await other.get(f"/integration/session/{unknown_keyword()}/join/"), 429,
                       "too-many-requests")  # fmt: skip


async def test_keyword_probing_over_sockets_is_limited(
    participant,
    keyword,
    connect_socket,  # noqa: F811 (the fixture imported above)
    events_client,  # noqa: F811 (the fixture imported above)
):
    socket: Socket = await connect_socket(participant)
    codes = [
        (await socket.call("setSession", {"keyword": unknown_keyword()}))["error"]["code"]
        for _ in range(5)
    ]
    assert codes == ["session-not-found"] * 4 + ["too-many-requests"]
    # The same caller on /events (and its right keyword) is refused as well.
    events = await events_client(participant)
    for wanted in (unknown_keyword(), keyword):
        ack = await events.request("SessionSubscriptionMessage", keyword=wanted)
        assert ack["errorInfo"]["code"] == "too-many-requests", ack


async def test_keyword_probing_on_events_is_limited(login, events_client):  # noqa: F811
    events = await events_client(await login())
    codes = []
    for _ in range(5):
        ack = await events.request("SessionSubscriptionMessage", keyword=unknown_keyword())
        codes.append(ack["errorInfo"]["code"])
    assert codes == ["session-not-found"] * 4 + ["too-many-requests"]


async def test_a_lecture_hall_behind_one_address_joins_within_the_limits(
    aiohttp_client, settings_with, db
):
    """1,000 logins join the right keyword from one address at once; real limits, all 200."""
    app = create_app(settings_with(rate_limits=True))
    lecturer = await aiohttp_client(app)
    await lecturer.get("/auth/login", params={"type": "guest"})
    keyword = (await (await lecturer.post("/session/", json={"name": "Hall"})).json())["keyword"]
    tokens = [secrets.token_urlsafe(32) for _ in range(1000)]
    moment = datetime.now(UTC)
    await db.logins.insert_many([
        {"token_hash": hash_token(token), "username": f"Guest{n:020x}", "type": "guest",
         "created_at": moment, "last_seen": moment, "expires_at": moment + timedelta(hours=1)}
        for n, token in enumerate(tokens)
    ])  # fmt: skip
    hall = await aiohttp_client(lecturer.server)  # no cookie jar of its own: one per request

    async def join(token: str) -> int:
        response = await hall.get(f"/session/{keyword}", cookies={COOKIE_NAME: token})
        return response.status

    statuses = []
    for start in range(0, len(tokens), 100):
        statuses += await asyncio.gather(*map(join, tokens[start : start + 100]))
    assert statuses == [200] * len(tokens)
    assert await db.session_visits.count_documents({"keyword": keyword}) == len(tokens)


async def test_socket_votes_count_per_login_with_the_rest_votes(
    participant,
    keyword,
    connect_socket,  # noqa: F811 (the fixture imported above)
):
    """Two sockets of one login share its vote limit (3 here), and so does a REST vote."""
    first, second = [await connect_socket(participant) for _ in range(2)]
    for socket in (first, second):
        assert_joined(await socket.call("setSession", {"keyword": keyword}), keyword)
    assert (await participant.post(f"/session/{keyword}/feedback", json=1)).status == 201
    assert await first.call("setFeedback", {"sessionkey": keyword, "feedback": 2}) == {
        "feedback": 2
    }
    assert await second.call("setFeedback", {"sessionkey": keyword, "feedback": 3}) == {
        "feedback": 3
    }
    refused = await second.call("setFeedback", {"sessionkey": keyword, "feedback": 0})
    assert refused["error"]["code"] == "too-many-requests"
