"""Live feedback: votes over sockets and REST, locks, reset, persistence, expiry, coalescing."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from arsnova.keys import settings_key
from tests.conftest import ADMIN_NAME, expect_error, guest_login
from tests.helpers import assert_joined, create_lecture
from tests.realtime.conftest import Socket, connect_to, join_session

FEEDBACK_EVENTS = ("feedbackData", "updateFeedback", "feedbackDataRoundedAverage")


async def vote(socket: Socket, keyword: str, value: Any) -> Any:
    return await socket.call("setFeedback", {"sessionkey": keyword, "feedback": value})


async def summary(http: TestClient, keyword: str) -> dict[str, Any]:
    response = await http.get(f"/session/{keyword}/feedback")
    assert response.status == 200, await response.text()
    return await response.json()


async def my_feedback(http: TestClient, keyword: str) -> int | None:
    response = await http.get(f"/session/{keyword}/myfeedback")
    assert response.status == 200, await response.text()
    body = await response.json()
    assert set(body) == {"value"}
    return body["value"]


def error_code(ack: Any) -> str:
    assert isinstance(ack, dict) and set(ack) == {"error"}, ack
    return ack["error"]["code"]


class Node:
    """An app of our own settings, served, with logins and sockets of its own."""

    def __init__(self, server: TestServer, aiohttp_client) -> None:
        self.server = server
        self.aiohttp_client = aiohttp_client
        self.sockets: list[Socket] = []

    async def login(self, like: TestClient | None = None) -> TestClient:
        """A new guest, or `like`'s guest resumed with the key its browser holds."""
        return await guest_login(await self.aiohttp_client(self.server), like=like)

    async def connect(self, http: TestClient) -> Socket:
        socket = await connect_to(self.server, http)
        self.sockets.append(socket)
        return socket

    async def joined(self, http: TestClient, keyword: str) -> Socket:
        return await join_session(await self.connect(http), keyword)


@pytest.fixture
async def start_node(start_server, aiohttp_client) -> AsyncIterator:
    """`await start_node(**overrides)`: a Node on a server with some settings changed."""
    nodes: list[Node] = []

    async def start(**overrides: Any) -> Node:
        node = Node(await start_server(**overrides), aiohttp_client)
        nodes.append(node)
        return node

    yield start
    for node in nodes:
        for socket in node.sockets:
            await socket.disconnect()


# Voting over the socket


async def test_vote_is_acked_and_every_socket_of_the_session_gets_the_counts(
    owner, participant, keyword, stranger, joined
):
    lecturer = await joined(owner, keyword)
    student = await joined(participant, keyword)
    elsewhere = await joined(stranger, await create_lecture(stranger, "Chemistry"))

    assert await vote(student, keyword, 2) == {"feedback": 2}

    for socket in (lecturer, student):
        assert await socket.wait_for("feedbackData") == [0, 0, 1, 0]
        assert await socket.wait_for("updateFeedback") == [0, 0, 1, 0]
        assert await socket.wait_for("feedbackDataRoundedAverage") == 2
    await elsewhere.caught_up()
    assert not any(elsewhere.events(name) for name in FEEDBACK_EVENTS)


async def test_joining_shows_the_current_feedback(owner, participant, keyword, joined):
    student = await joined(participant, keyword)
    assert student.joined["feedbackData"] == [0, 0, 0, 0]
    assert student.joined["feedbackDataRoundedAverage"] is None
    assert student.joined["myFeedback"] is None
    assert student.joined["feedbackLock"] is False
    assert await vote(student, keyword, 1) == {"feedback": 1}

    again = await joined(participant, keyword)
    assert again.joined["feedbackData"] == [0, 1, 0, 0]
    assert again.joined["feedbackDataRoundedAverage"] == 1
    assert again.joined["myFeedback"] == 1


async def test_counts_and_rounded_average_of_several_users(owner, keyword, login, joined, db):
    lecturer = await joined(owner, keyword)
    students = [await joined(await login(), keyword) for _ in range(4)]

    for student, value in zip(students, (0, 1, 1, 3), strict=True):
        assert await vote(student, keyword, value) == {"feedback": value}
    # (0 + 1 + 1 + 3) / 4 = 1.25
    assert await lecturer.wait_for("feedbackData", lambda d: d == [1, 2, 0, 1])
    assert await lecturer.wait_for("feedbackDataRoundedAverage", lambda a: a == 1)
    assert await summary(owner, keyword) == {
        "values": [1, 2, 0, 1], "count": 4, "roundedAverage": 1, "feedbackLock": False
    }  # fmt: skip

    assert await vote(students[0], keyword, 2) == {"feedback": 2}
    # (2 + 1 + 1 + 3) / 4 = 1.75
    assert await lecturer.wait_for("feedbackData", lambda d: d == [0, 2, 1, 1])
    assert await lecturer.wait_for("updateFeedback", lambda d: d == [0, 2, 1, 1])
    assert await lecturer.wait_for("feedbackDataRoundedAverage", lambda a: a == 2)
    assert (await summary(owner, keyword))["roundedAverage"] == 2
    assert await db.feedback.count_documents({"keyword": keyword}) == 4


async def test_rounded_average_rounds_half_up(owner, keyword, login, joined):
    lecturer = await joined(owner, keyword)
    first, second = [await joined(await login(), keyword) for _ in range(2)]
    await vote(first, keyword, 0)
    await vote(second, keyword, 1)
    assert await lecturer.wait_for("feedbackData", lambda d: d == [1, 1, 0, 0])
    await lecturer.caught_up()
    assert lecturer.events("feedbackDataRoundedAverage")[-1] == 1  # 0.5 rounds up
    assert (await summary(owner, keyword))["roundedAverage"] == 1


async def test_a_flooding_user_counts_once_and_the_last_vote_wins(
    owner, participant, keyword, joined, db
):
    lecturer = await joined(owner, keyword)
    student = await joined(participant, keyword)
    values = [n % 4 for n in range(39)] + [1]
    for value in values:
        assert await vote(student, keyword, value) == {"feedback": value}

    await lecturer.wait_for("feedbackData", lambda d: d == [0, 1, 0, 0])
    await lecturer.caught_up()
    assert lecturer.events("feedbackData")[-1] == [0, 1, 0, 0]
    assert all(sum(counts) == 1 for counts in lecturer.events("feedbackData"))
    assert len(lecturer.events("feedbackData")) < len(values)
    assert await my_feedback(participant, keyword) == 1
    assert await db.feedback.count_documents({"keyword": keyword}) == 1


async def test_concurrent_flood_from_one_user_counts_once(owner, participant, keyword, joined, db):
    lecturer = await joined(owner, keyword)
    student = await joined(participant, keyword)
    acks = await asyncio.gather(*(vote(student, keyword, 2) for _ in range(30)))
    assert acks == [{"feedback": 2}] * 30
    await lecturer.wait_for("feedbackData", lambda d: d == [0, 0, 1, 0])
    await lecturer.caught_up()
    assert all(counts == [0, 0, 1, 0] for counts in lecturer.events("feedbackData"))
    assert await db.feedback.count_documents({"keyword": keyword}) == 1


async def test_two_tabs_of_one_user_count_once(owner, participant, keyword, joined, db):
    lecturer = await joined(owner, keyword)
    tab1 = await joined(participant, keyword)
    tab2 = await joined(participant, keyword)

    assert await vote(tab1, keyword, 0) == {"feedback": 0}
    assert await vote(tab2, keyword, 2) == {"feedback": 2}
    for socket in (lecturer, tab1, tab2):
        assert await socket.wait_for("feedbackData", lambda d: d == [0, 0, 1, 0])
    await lecturer.caught_up()
    assert lecturer.events("feedbackData")[-1] == [0, 0, 1, 0]
    assert await my_feedback(participant, keyword) == 2
    assert (await summary(owner, keyword))["count"] == 1
    assert await db.feedback.count_documents({"keyword": keyword}) == 1


async def test_first_votes_from_two_tabs_at_once_count_once(owner, login, keyword, joined, db):
    """Both tabs upsert the user's first vote at the same moment: one document, no error."""
    lecturer = await joined(owner, keyword)
    for _ in range(5):
        user = await login()
        tabs = [await joined(user, keyword) for _ in range(3)]
        acks = await asyncio.gather(*(vote(tab, keyword, 1) for tab in tabs))
        assert acks == [{"feedback": 1}] * 3
    assert await db.feedback.count_documents({"keyword": keyword}) == 5
    assert await lecturer.wait_for("feedbackData", lambda d: d == [0, 5, 0, 0])


# Refusals


async def test_a_socket_must_have_joined_the_session_it_votes_in(
    owner, participant, keyword, joined, connect_socket, db
):
    lecturer = await joined(owner, keyword)
    unjoined = await connect_socket(participant)
    assert error_code(await vote(unjoined, keyword, 1)) == "not-in-session"

    other_keyword = await create_lecture(participant, "Biology")
    elsewhere = await joined(participant, other_keyword)
    assert error_code(await vote(elsewhere, keyword, 1)) == "not-in-session"

    not_bound = await connect_socket()
    assert error_code(await vote(not_bound, keyword, 1)) == "socket-not-bound"

    moved = await joined(participant, keyword)
    assert_joined(await moved.call("setSession", {"keyword": other_keyword}), other_keyword)
    assert error_code(await vote(moved, keyword, 1)) == "not-in-session"

    await lecturer.caught_up()
    assert lecturer.events("feedbackData") == []
    assert (await summary(owner, keyword))["values"] == [0, 0, 0, 0]
    assert await db.feedback.count_documents({}) == 0


@pytest.mark.parametrize("value", [4, -1, "2", True, None, 1.5])
async def test_invalid_socket_votes_are_refused(owner, participant, keyword, joined, value, db):
    student = await joined(participant, keyword)
    assert error_code(await vote(student, keyword, value)) == "validation-failed"
    assert (await summary(owner, keyword))["values"] == [0, 0, 0, 0]
    assert await db.feedback.count_documents({}) == 0


async def test_votes_refused_while_the_session_is_locked(owner, participant, keyword, joined):
    lecturer = await joined(owner, keyword)
    student = await joined(participant, keyword)
    assert await vote(student, keyword, 0) == {"feedback": 0}
    await lecturer.wait_for("feedbackData", lambda d: d == [1, 0, 0, 0])

    assert (await owner.post(f"/session/{keyword}/lock")).status == 204
    assert error_code(await vote(student, keyword, 2)) == "session-locked"
    response = await participant.post(f"/session/{keyword}/feedback", json={"value": 2})
    await expect_error(response, 409, "session-locked")
    assert (await summary(owner, keyword))["values"] == [1, 0, 0, 0]
    assert await my_feedback(participant, keyword) == 0

    assert (await owner.post(f"/session/{keyword}/lock", params={"lock": "false"})).status == 204
    assert await vote(student, keyword, 2) == {"feedback": 2}
    assert await lecturer.wait_for("feedbackData", lambda d: d == [0, 0, 1, 0])


async def test_feedback_lock_refuses_votes_until_unlocked(owner, participant, keyword, joined, db):
    lecturer = await joined(owner, keyword)
    student = await joined(participant, keyword)
    assert await vote(student, keyword, 1) == {"feedback": 1}
    await lecturer.wait_for("feedbackData", lambda d: d == [0, 1, 0, 0])

    response = await participant.post(f"/session/{keyword}/lockfeedbackinput?lock=true")
    await expect_error(response, 403, "owner-only")
    response = await owner.post(f"/session/{keyword}/lockfeedbackinput?lock=true")
    assert response.status == 200
    body = await response.json()
    assert body["feedbackLock"] is True and body["keyword"] == keyword
    for socket in (lecturer, student):
        assert await socket.wait_for("lockFeedback") is True

    assert error_code(await vote(student, keyword, 2)) == "feedback-locked"
    response = await participant.post(f"/session/{keyword}/feedback", json=2)
    await expect_error(response, 409, "feedback-locked")
    assert await summary(participant, keyword) == {
        "values": [0, 1, 0, 0], "count": 1, "roundedAverage": 1, "feedbackLock": True
    }  # fmt: skip
    late = await joined(participant, keyword)
    assert late.joined["feedbackLock"] is True
    assert (await db.feedback.find_one({"keyword": keyword}))["value"] == 1

    response = await owner.post(f"/session/{keyword}/lockfeedbackinput?lock=false")
    assert response.status == 200
    assert (await response.json())["feedbackLock"] is False
    assert await student.wait_for("lockFeedback", lambda locked: locked is False) is False
    assert await vote(student, keyword, 2) == {"feedback": 2}
    assert await lecturer.wait_for("feedbackData", lambda d: d == [0, 0, 1, 0])
    assert (await summary(owner, keyword))["feedbackLock"] is False


# REST


async def test_get_feedback_is_for_participants_and_the_owner(
    owner, participant, stranger, anonymous, keyword
):
    empty = {"values": [0, 0, 0, 0], "count": 0, "roundedAverage": None, "feedbackLock": False}
    assert await summary(owner, keyword) == empty
    assert await summary(participant, keyword) == empty
    await expect_error(await stranger.get(f"/session/{keyword}/feedback"), 403, "not-a-participant")
    await expect_error(await anonymous.get(f"/session/{keyword}/feedback"), 401, "login-required")
    await expect_error(
        await stranger.get(f"/session/{keyword}/myfeedback"), 403, "not-a-participant"
    )
    await expect_error(
        await stranger.post(f"/session/{keyword}/feedback", json=1), 403, "not-a-participant"
    )
    await expect_error(
        await anonymous.post(f"/session/{keyword}/feedback", json=1), 401, "login-required"
    )
    assert await summary(owner, keyword) == empty


async def test_post_feedback_as_object_or_bare_number(
    owner, participant, login, keyword, joined, db
):
    lecturer = await joined(owner, keyword)
    response = await participant.post(f"/session/{keyword}/feedback", json={"value": 2})
    assert response.status == 201
    assert await response.json() == {
        "values": [0, 0, 1, 0], "count": 1, "roundedAverage": 2, "feedbackLock": False
    }  # fmt: skip
    assert await lecturer.wait_for("feedbackData", lambda d: d == [0, 0, 1, 0])

    other = await login()
    assert (await other.get(f"/session/{keyword}")).status == 200
    response = await other.post(f"/session/{keyword}/feedback", json=0)
    assert response.status == 201
    assert await response.json() == {
        "values": [1, 0, 1, 0], "count": 2, "roundedAverage": 1, "feedbackLock": False
    }  # fmt: skip
    assert await lecturer.wait_for("feedbackData", lambda d: d == [1, 0, 1, 0])
    assert await lecturer.wait_for("updateFeedback", lambda d: d == [1, 0, 1, 0])
    assert await my_feedback(other, keyword) == 0
    assert await my_feedback(participant, keyword) == 2
    assert await db.feedback.count_documents({"keyword": keyword}) == 2


@pytest.mark.parametrize(
    "body", ["4", "-1", '"2"', "true", "{}", '{"value": 4}', '{"value": "1"}', "null", "1.5"]
)
async def test_invalid_rest_votes_are_refused(owner, participant, keyword, body, db):
    response = await participant.post(
        f"/session/{keyword}/feedback", data=body, headers={"Content-Type": "application/json"}
    )
    await expect_error(response, 400, "validation-failed")
    assert (await summary(owner, keyword))["values"] == [0, 0, 0, 0]
    assert await my_feedback(participant, keyword) is None
    assert await db.feedback.count_documents({}) == 0


async def test_my_feedback_follows_the_callers_vote(owner, participant, keyword):
    assert await my_feedback(participant, keyword) is None
    assert await my_feedback(owner, keyword) is None
    assert (await participant.post(f"/session/{keyword}/feedback", json=3)).status == 201
    assert await my_feedback(participant, keyword) == 3
    assert await my_feedback(owner, keyword) is None
    assert (await participant.post(f"/session/{keyword}/feedback", json={"value": 0})).status == 201
    assert await my_feedback(participant, keyword) == 0


async def test_owner_resets_the_feedback(owner, participant, login, keyword, joined, db):
    lecturer = await joined(owner, keyword)
    student = await joined(participant, keyword)
    other = await login()
    other_socket = await joined(other, keyword)
    assert await vote(student, keyword, 2) == {"feedback": 2}
    assert await vote(other_socket, keyword, 3) == {"feedback": 3}
    await lecturer.wait_for("feedbackData", lambda d: d == [0, 0, 1, 1])
    await lecturer.caught_up()

    response = await participant.delete(f"/session/{keyword}/feedback")
    await expect_error(response, 403, "owner-only")
    assert (await summary(owner, keyword))["count"] == 2

    response = await owner.delete(f"/session/{keyword}/feedback")
    assert response.status == 204
    for socket in (lecturer, student, other_socket):
        assert await socket.wait_for("feedbackReset") == keyword
        assert await socket.wait_for("feedbackData", lambda d: d == [0, 0, 0, 0])
    assert await lecturer.wait_for("feedbackDataRoundedAverage", lambda a: a is None) is None
    assert await summary(owner, keyword) == {
        "values": [0, 0, 0, 0], "count": 0, "roundedAverage": None, "feedbackLock": False
    }  # fmt: skip
    assert await my_feedback(participant, keyword) is None
    assert await db.feedback.count_documents({}) == 0

    assert await vote(student, keyword, 1) == {"feedback": 1}
    assert await lecturer.wait_for("feedbackData", lambda d: d == [0, 1, 0, 0])


async def test_reset_leaves_other_sessions_alone(owner, keyword, stranger, joined, db):
    other_keyword = await create_lecture(stranger, "Biology")
    bystander = await joined(stranger, other_keyword)
    assert await vote(bystander, other_keyword, 0) == {"feedback": 0}
    assert (await owner.post(f"/session/{keyword}/feedback", json=1)).status == 201

    assert (await owner.delete(f"/session/{keyword}/feedback")).status == 204
    assert (await summary(stranger, other_keyword))["values"] == [1, 0, 0, 0]
    assert await db.feedback.count_documents({"keyword": other_keyword}) == 1
    await bystander.caught_up()
    assert bystander.events("feedbackReset") == []


# Persistence


async def test_votes_are_stored_one_document_per_user_and_session(
    owner, participant, keyword, stranger, joined, db
):
    student = await joined(participant, keyword)
    for value in (0, 2, 1):
        assert await vote(student, keyword, value) == {"feedback": value}
    other_keyword = await create_lecture(stranger, "Biology")
    assert (await participant.get(f"/session/{other_keyword}")).status == 200
    assert (await participant.post(f"/session/{other_keyword}/feedback", json=3)).status == 201

    documents = await db.feedback.find({"user": participant.username}).to_list()
    assert sorted((d["keyword"], d["value"]) for d in documents) == sorted(
        [(keyword, 1), (other_keyword, 3)]
    )
    assert (
        str(next(d for d in documents if d["keyword"] == keyword)["session_id"])
        == (owner.lecture["_id"])
    )
    assert (await summary(owner, keyword))["values"] == [0, 1, 0, 0]
    assert (await summary(stranger, other_keyword))["values"] == [0, 0, 0, 1]


async def test_votes_survive_a_restart(server, owner, participant, keyword, login, start_node):
    assert (await participant.post(f"/session/{keyword}/feedback", json=2)).status == 201
    voter = await login()
    assert (await voter.get(f"/session/{keyword}")).status == 200
    assert (await voter.post(f"/session/{keyword}/feedback", json=3)).status == 201
    await server.close()

    node = await start_node(admins=frozenset({ADMIN_NAME}))
    lecturer = await node.login(like=owner)
    assert await summary(lecturer, keyword) == {
        "values": [0, 0, 1, 1], "count": 2, "roundedAverage": 3, "feedbackLock": False
    }  # fmt: skip
    student = await node.login(like=participant)
    assert await my_feedback(student, keyword) == 2
    socket = await node.joined(student, keyword)
    assert socket.joined["feedbackData"] == [0, 0, 1, 1]
    assert socket.joined["myFeedback"] == 2


# Expiry


async def test_expired_votes_reset_only_their_voter(start_node, db, clock):
    node = await start_node(
        feedback_ttl=60, feedback_sweep_interval=0.1, admins=frozenset({ADMIN_NAME})
    )
    owner = await node.login()
    keyword = await create_lecture(owner, "Physics")
    lecturer = await node.joined(owner, keyword)
    fleeting, renewing, away = [await node.login() for _ in range(3)]
    fleeting_tabs = [await node.joined(fleeting, keyword) for _ in range(2)]
    renewing_socket = await node.joined(renewing, keyword)
    away_socket = await node.joined(away, keyword)

    assert await vote(fleeting_tabs[0], keyword, 0) == {"feedback": 0}
    assert await vote(renewing_socket, keyword, 1) == {"feedback": 1}
    assert await vote(away_socket, keyword, 0) == {"feedback": 0}
    assert await vote(away_socket, keyword, 3) == {"feedback": 3}  # changed to away
    assert await my_feedback(fleeting, keyword) == 0
    assert await lecturer.wait_for("feedbackData", lambda d: d == [1, 1, 0, 1])

    clock.advance(40)
    assert await vote(renewing_socket, keyword, 1) == {"feedback": 1}  # renewed: 60 s from now
    clock.advance(30)  # past the first votes' lifetime, within the renewed one's
    for tab in fleeting_tabs:
        assert await tab.wait_for("feedbackReset") == keyword
    # The reset's new counts reach the whole session after any other reset of that sweep.
    for socket in (lecturer, renewing_socket, away_socket):
        assert await socket.wait_for("feedbackData", lambda d: d == [0, 1, 0, 1])
    assert await my_feedback(fleeting, keyword) is None
    assert renewing_socket.events("feedbackReset") == []
    assert away_socket.events("feedbackReset") == []
    assert lecturer.events("feedbackReset") == []

    clock.advance(40)  # past the renewed vote's lifetime
    assert await renewing_socket.wait_for("feedbackReset") == keyword
    for socket in (lecturer, away_socket):
        assert await socket.wait_for("feedbackData", lambda d: d == [0, 0, 0, 1])
    assert await my_feedback(renewing, keyword) is None
    assert len(fleeting_tabs[0].events("feedbackReset")) == 1

    # "away" (3) never expires: by now it is older than the lifetime.
    assert away_socket.events("feedbackReset") == []
    assert await my_feedback(away, keyword) == 3
    assert (await summary(owner, keyword))["values"] == [0, 0, 0, 1]
    assert await db.feedback.count_documents({"keyword": keyword}) == 1


async def test_an_expired_voter_can_vote_again(start_node, clock):
    node = await start_node(feedback_ttl=60, feedback_sweep_interval=0.1)
    owner = await node.login()
    keyword = await create_lecture(owner, "Physics")
    student = await node.login()
    socket = await node.joined(student, keyword)
    assert await vote(socket, keyword, 2) == {"feedback": 2}
    assert await socket.wait_for("feedbackData", lambda d: d == [0, 0, 1, 0])
    clock.advance(61)
    assert await socket.wait_for("feedbackReset") == keyword
    assert await socket.wait_for("feedbackData", lambda d: d == [0, 0, 0, 0])

    assert await vote(socket, keyword, 3) == {"feedback": 3}
    assert await socket.wait_for("feedbackData", lambda d: d == [0, 0, 0, 1])
    assert await my_feedback(student, keyword) == 3


# Coalescing


async def test_a_burst_of_votes_is_coalesced_and_ends_with_the_exact_counts(
    owner, keyword, login, joined, connect_socket, server
):
    lecturer = await joined(owner, keyword)
    users = await asyncio.gather(*(login() for _ in range(50)))
    # 50 handshakes at once can take longer than the client's default wait of 1 s.
    sockets = await asyncio.gather(*(connect_socket(user) for user in users))
    acks = await asyncio.gather(*(s.call("setSession", {"keyword": keyword}) for s in sockets))
    assert all(ack["keyword"] == keyword for ack in acks), acks
    await lecturer.caught_up()
    assert lecturer.events("feedbackData") == []

    async def flood(index: int, socket: Socket) -> None:
        for step in range(10):
            value = (index + step) % 4
            assert await vote(socket, keyword, value) == {"feedback": value}

    started = time.monotonic()
    await asyncio.gather(*(flood(index, socket) for index, socket in enumerate(sockets)))
    duration = time.monotonic() - started
    await lecturer.caught_up()

    expected = [0] * 4
    for index in range(50):
        expected[(index + 9) % 4] += 1
    assert (await summary(owner, keyword))["values"] == expected
    received = lecturer.events("feedbackData")
    assert received[-1] == expected
    assert lecturer.events("updateFeedback")[-1] == expected
    interval = server.app[settings_key].broadcast_interval
    assert len(received) < 500
    assert len(received) <= duration / interval + 3, (len(received), duration)
    await asyncio.gather(*(socket.disconnect() for socket in sockets))
