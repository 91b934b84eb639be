"""Abuse limits: 429 with Retry-After past a rule's limit, per caller, in memory or in Redis."""

from __future__ import annotations

import pytest
from limits import parse

from arsnova import ratelimit
from arsnova.app import create_app
from arsnova.keys import rate_limiter_key
from tests.conftest import expect_error
from tests.realtime.conftest import Socket, connect_socket  # noqa: F401 (a fixture)

LOGINS = 8  # the role fixtures log in a few users from one address first


@pytest.fixture
def small_limits(monkeypatch):
    """Small limits, so a test reaches them in a few requests (same rules, same routes)."""
    for key, rule in list(ratelimit.HTTP_RULES.items()):
        limit = f"{LOGINS}/minute" if rule is ratelimit.LOGIN else "3/minute"
        monkeypatch.setitem(ratelimit.HTTP_RULES, key, ratelimit.Rule(rule.name, parse(limit)))
    monkeypatch.setattr(ratelimit, "LOGIN", ratelimit.HTTP_RULES[("GET", "/auth/login")])
    flood = ratelimit.Rule("socket-event", parse("5/minute"))
    monkeypatch.setattr("arsnova.realtime.legacy.SOCKET_EVENTS", flood)
    monkeypatch.setattr("arsnova.realtime.events.SOCKET_EVENTS", flood)


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
    assert all("error" not in ack for ack in acks[:5])
    assert acks[5]["error"]["code"] == "too-many-requests"
    assert acks[6]["error"]["code"] == "too-many-requests"


async def test_limits_can_be_switched_off(aiohttp_client, settings_with, small_limits):
    client = await aiohttp_client(create_app(settings_with(rate_limits=False)))
    for _ in range(5):
        assert (await client.get("/auth/login", params={"type": "guest"})).status == 200
