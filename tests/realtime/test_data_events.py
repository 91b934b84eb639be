"""Data-available events: fired by the REST calls, heard only by the right sockets.

Every test has an owner socket and a participant socket in the owner's session,
and two sockets (owner and participant) of another session, which must hear
none of these events.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

import pytest

from tests.conftest import ADMIN_NAME
from tests.events.conftest import EventsClient, socket_token
from tests.helpers import (
    ask_audience_question,
    create_lecture,
    create_question,
    give_answer,
    publish,
    question_path,
)
from tests.realtime.conftest import WAIT, Socket

DATA_EVENTS = (
    "lecQuestionAvail",
    "lecQuestionLocked",
    "audQuestionAvail",
    "answersToLecQuestionAvail",
    "setSessionActive",
    "presentedQuestion",
)
BROADCAST_INTERVAL = 0.1  # the default ARSNOVA_BROADCAST_INTERVAL_MS


@dataclass
class Room:
    keyword: str
    lecturer: Socket  # the owner's socket in the session
    student: Socket  # the participant's socket in the session
    outsiders: list[Socket]  # owner and participant of another session


@pytest.fixture
async def room(owner, participant, keyword, login, joined) -> Room:
    other_owner = await login()
    other_keyword = await create_lecture(other_owner, "Chemistry", shortName="CH")
    other_student = await login()
    assert (await other_student.get(f"/session/{other_keyword}")).status == 200
    outsiders = [
        await joined(other_owner, other_keyword),
        await joined(other_student, other_keyword),
    ]
    lecturer = await joined(owner, keyword)
    return Room(keyword, lecturer, await joined(participant, keyword), outsiders)


async def arrivals(socket: Socket, name: str, count: int) -> list[Any]:
    """The payloads of `name` once at least `count` arrived (waiting up to 5 s)."""
    async with asyncio.timeout(WAIT):
        while len(socket.events(name)) < count:
            socket.arrived.clear()
            await socket.arrived.wait()
    return socket.events(name)


def data_events(socket: Socket) -> list[tuple[str, Any]]:
    return [(event, data) for event, data in socket.received if event in DATA_EVENTS]


async def assert_outsiders_heard_nothing(room: Room) -> None:
    for socket in room.outsiders:
        await socket.caught_up()
        assert data_events(socket) == []


# --- REST helpers ----------------------------------------------------------------------


async def change_question(owner, question_id: str, body: dict) -> None:
    response = await owner.put(question_path(question_id, owner.lecture["keyword"]), json=body)
    assert response.status == 204, await response.text()


async def delete_question(owner, question_id: str) -> None:
    response = await owner.delete(question_path(question_id))
    assert response.status == 204, await response.text()


async def change_answer(client, question_id: str, answer_id: str, text: str) -> None:
    response = await client.put(
        f"{question_path(question_id)}/answer/{answer_id}", json={"answerText": text}
    )
    assert response.status == 200, await response.text()


async def delete_answer(client, question_id: str, answer_id: str) -> None:
    response = await client.delete(f"{question_path(question_id)}/answer/{answer_id}")
    assert response.status == 204, await response.text()


async def set_lock(owner, **params: str) -> None:
    response = await owner.post(f"/session/{owner.lecture['keyword']}/lock", params=params)
    assert response.status == 204, await response.text()


async def change_session(owner, body: dict) -> None:
    response = await owner.put(f"/session/{owner.lecture['keyword']}", json=body)
    assert response.status == 200, await response.text()


# --- lecQuestionAvail ------------------------------------------------------------------


async def test_question_created_published_is_announced_to_the_session(owner, room):
    question_id = (await create_question(owner, active=True))["_id"]
    for socket in (room.lecturer, room.student):
        assert await arrivals(socket, "lecQuestionAvail", 1) == [question_id]
    await assert_outsiders_heard_nothing(room)


async def test_question_created_unpublished_is_not_announced(owner, room):
    hidden = (await create_question(owner))["_id"]
    marker = (await create_question(owner, active=True))["_id"]
    # Emits reach a socket in order: had the first been announced, it would be here already.
    assert await arrivals(room.student, "lecQuestionAvail", 1) == [marker]
    await room.student.caught_up()
    assert data_events(room.student) == [("lecQuestionAvail", marker)]
    assert hidden != marker
    await assert_outsiders_heard_nothing(room)


@pytest.mark.parametrize(
    ("prefixed", "params"),
    [(False, {}), (False, {"publish": "true"}), (True, {})],
    ids=["default", "publish-true", "session-prefix"],
)
async def test_publishing_announces_the_question(owner, keyword, room, prefixed, params):
    question_id = (await create_question(owner))["_id"]
    path = question_path(question_id, keyword if prefixed else None) + "/publish"
    response = await owner.post(path, params=params)
    assert response.status == 204, await response.text()
    for socket in (room.lecturer, room.student):
        assert await arrivals(socket, "lecQuestionAvail", 1) == [question_id]
        assert socket.events("lecQuestionLocked") == []
    await assert_outsiders_heard_nothing(room)


async def test_publishing_through_put_announces_the_question(owner, room):
    question_id = (await create_question(owner))["_id"]
    await change_question(owner, question_id, {"active": True})
    for socket in (room.lecturer, room.student):
        assert await arrivals(socket, "lecQuestionAvail", 1) == [question_id]
    await assert_outsiders_heard_nothing(room)


async def test_changing_a_published_question_announces_it_again(owner, room):
    question_id = (await create_question(owner, active=True))["_id"]
    await arrivals(room.student, "lecQuestionAvail", 1)
    await change_question(owner, question_id, {"subject": "Forces", "showStatistic": True})
    for socket in (room.lecturer, room.student):
        assert await arrivals(socket, "lecQuestionAvail", 2) == [question_id, question_id]
        assert socket.events("lecQuestionLocked") == []
    await assert_outsiders_heard_nothing(room)


async def test_changing_an_unpublished_question_sends_nothing_to_participants(owner, room):
    question_id = (await create_question(owner))["_id"]
    await change_question(owner, question_id, {"subject": "Forces"})
    await change_question(owner, question_id, {"text": "Which unit?", "active": False})
    await publish(owner, question_id)  # the first event the participant may hear
    assert await arrivals(room.student, "lecQuestionAvail", 1) == [question_id]
    await room.student.caught_up()
    assert data_events(room.student) == [("lecQuestionAvail", question_id)]
    await assert_outsiders_heard_nothing(room)


# --- lecQuestionLocked -----------------------------------------------------------------


@pytest.mark.parametrize("how", ["publish-false", "put-inactive", "delete"])
async def test_withdrawing_a_published_question_locks_it_for_everyone(owner, room, how):
    question_id = (await create_question(owner, active=True))["_id"]
    for socket in (room.lecturer, room.student):
        await arrivals(socket, "lecQuestionAvail", 1)
    if how == "publish-false":
        await publish(owner, question_id, publish="false")
    elif how == "put-inactive":
        await change_question(owner, question_id, {"active": False})
    else:
        await delete_question(owner, question_id)
    for socket in (room.lecturer, room.student):
        assert await arrivals(socket, "lecQuestionLocked", 1) == [question_id]
    await room.student.caught_up()
    for socket in (room.lecturer, room.student):
        assert data_events(socket) == [
            ("lecQuestionAvail", question_id),
            ("lecQuestionLocked", question_id),
        ]
    await assert_outsiders_heard_nothing(room)


async def test_withdrawing_an_unpublished_question_sends_nothing(owner, room):
    unpublished = (await create_question(owner))["_id"]
    await publish(owner, unpublished, publish="false")
    await change_question(owner, unpublished, {"active": False})
    await delete_question(owner, unpublished)
    marker = (await create_question(owner, active=True))["_id"]
    for socket in (room.lecturer, room.student):
        assert await arrivals(socket, "lecQuestionAvail", 1) == [marker]
    await room.student.caught_up()
    for socket in (room.lecturer, room.student):
        assert data_events(socket) == [("lecQuestionAvail", marker)]
    await assert_outsiders_heard_nothing(room)


# --- audQuestionAvail ------------------------------------------------------------------


async def test_interposed_question_reaches_only_the_owners_sockets(
    owner, participant, keyword, room, joined, login
):
    second_tab = await joined(owner, keyword)
    other_student = await login()
    onlooker = await joined(other_student, keyword)
    question_id = (await ask_audience_question(participant, keyword))["_id"]
    for socket in (room.lecturer, second_tab):
        assert await arrivals(socket, "audQuestionAvail", 1) == [question_id]
    for socket in (room.student, onlooker):
        await socket.caught_up()
    for socket in (room.student, onlooker):  # the author's own socket and another participant
        assert socket.events("audQuestionAvail") == []
    assert room.lecturer.events("audQuestionAvail") == [question_id]
    await assert_outsiders_heard_nothing(room)


async def test_the_presented_question_reaches_only_the_owners_sockets(
    owner, admin, keyword, room, joined
):
    """The presenter page and the control page follow it; students never hear it."""
    second_tab = await joined(owner, keyword)
    overseer = await joined(admin, keyword)
    question_id = (await create_question(owner, active=True))["_id"]
    for body in ({"questionId": question_id}, {"questionId": None}):
        response = await owner.put(f"/session/{keyword}/presented", json=body)
        assert response.status == 200, await response.text()
    for socket in (room.lecturer, second_tab, overseer):
        assert await arrivals(socket, "presentedQuestion", 2) == [question_id, None]
    await room.student.caught_up()
    assert room.student.events("presentedQuestion") == []
    await assert_outsiders_heard_nothing(room)


async def test_admin_in_the_session_is_staff(admin, participant, keyword, room, joined):
    assert admin.username == ADMIN_NAME
    admin_socket = await joined(admin, keyword)
    question_id = (await ask_audience_question(participant, keyword))["_id"]
    assert await arrivals(admin_socket, "audQuestionAvail", 1) == [question_id]
    assert await arrivals(room.lecturer, "audQuestionAvail", 1) == [question_id]
    await room.student.caught_up()
    assert room.student.events("audQuestionAvail") == []
    await assert_outsiders_heard_nothing(room)


async def test_a_socket_that_moved_to_another_session_hears_only_the_new_one(
    owner, participant, keyword, login, room
):
    """The owner's socket joins another lecturer's session: no longer staff, nor in the first."""
    other_owner = await login()
    other_keyword = await create_lecture(other_owner, "Biology", shortName="BIO")
    other_student = await login()
    assert (await other_student.get(f"/session/{other_keyword}")).status == 200
    moved = await room.lecturer.call("setSession", {"keyword": other_keyword})
    assert moved["keyword"] == other_keyword, moved
    await ask_audience_question(participant, keyword)  # in the session it left
    await create_question(owner, active=True)
    await ask_audience_question(other_student, other_keyword)  # where it is a participant now
    other_owner.lecture = {"keyword": other_keyword}
    there = (await create_question(other_owner, active=True))["_id"]
    assert await arrivals(room.lecturer, "lecQuestionAvail", 1) == [there]
    await room.lecturer.caught_up()
    assert data_events(room.lecturer) == [("lecQuestionAvail", there)]
    await assert_outsiders_heard_nothing(room)


# --- answersToLecQuestionAvail ---------------------------------------------------------


async def test_answers_reach_only_the_owner_without_statistics(owner, participant, room):
    question_id = (await create_question(owner, active=True, allowAnswerChange=True))["_id"]
    answer_id = (await give_answer(participant, question_id, text="Joule"))["_id"]
    assert await arrivals(room.lecturer, "answersToLecQuestionAvail", 1) == [question_id]
    await change_answer(participant, question_id, answer_id, "Newton")
    assert await arrivals(room.lecturer, "answersToLecQuestionAvail", 2) == [question_id] * 2
    await delete_answer(participant, question_id, answer_id)
    assert await arrivals(room.lecturer, "answersToLecQuestionAvail", 3) == [question_id] * 3
    await room.student.caught_up()
    assert room.student.events("answersToLecQuestionAvail") == []
    await assert_outsiders_heard_nothing(room)


async def test_answers_reach_participants_while_statistics_show(owner, participant, room):
    question = await create_question(owner, active=True, showStatistic=True, allowAnswerChange=True)
    question_id = question["_id"]
    answer_id = (await give_answer(participant, question_id, text="Joule"))["_id"]
    for socket in (room.lecturer, room.student):
        assert await arrivals(socket, "answersToLecQuestionAvail", 1) == [question_id]
    await change_answer(participant, question_id, answer_id, "Watt")
    for socket in (room.lecturer, room.student):
        assert await arrivals(socket, "answersToLecQuestionAvail", 2) == [question_id] * 2
    await delete_answer(owner, question_id, answer_id)  # the owner may delete any answer
    for socket in (room.lecturer, room.student):
        assert await arrivals(socket, "answersToLecQuestionAvail", 3) == [question_id] * 3
    await assert_outsiders_heard_nothing(room)


async def test_statistics_shown_later_opens_answer_events_to_participants(
    owner, participant, login, keyword, room
):
    question_id = (await create_question(owner, active=True))["_id"]
    await give_answer(participant, question_id, text="Joule")
    await arrivals(room.lecturer, "answersToLecQuestionAvail", 1)
    await change_question(owner, question_id, {"showStatistic": True})
    latecomer = await login()
    assert (await latecomer.get(f"/session/{keyword}")).status == 200
    await give_answer(latecomer, question_id, text="Watt")
    assert await arrivals(room.student, "answersToLecQuestionAvail", 1) == [question_id]
    assert await arrivals(room.lecturer, "answersToLecQuestionAvail", 2) == [question_id] * 2
    await assert_outsiders_heard_nothing(room)


async def test_statistics_of_an_unpublished_question_reach_only_the_owner_on_both_channels(
    server, owner, participant, room
):
    """Published and showStatistic, or participants hear nothing (the owner always)."""
    question_id = (await create_question(owner, active=True))["_id"]
    answer_id = (await give_answer(participant, question_id, text="Joule"))["_id"]
    await arrivals(room.lecturer, "answersToLecQuestionAvail", 1)
    streams = [EventsClient(), EventsClient()]
    try:
        for stream, http in zip(streams, (owner, participant), strict=True):
            await stream.connect(server, token=await socket_token(http))
            ack = await stream.request("SessionSubscriptionMessage", keyword=room.keyword)
            assert "errorInfo" not in ack, ack
        lecturer_stream, student_stream = streams
        await change_question(owner, question_id, {"active": False, "showStatistic": True})
        await delete_answer(owner, question_id, answer_id)  # the answers change while unpublished
        assert await arrivals(room.lecturer, "answersToLecQuestionAvail", 2) == [question_id] * 2
        await lecturer_stream.wait_for_event("AnswersChangedEvent")
        # Sent after the statistics, so it arrives after them on both channels.
        await set_lock(owner)
        await room.student.wait_for("setSessionActive")
        await student_stream.wait_for_event("SessionLockedEvent")
        assert room.student.events("answersToLecQuestionAvail") == []
        assert "AnswersChangedEvent" not in student_stream.event_types()
    finally:
        for stream in streams:
            await stream.close()


async def test_answer_events_are_coalesced_per_question_without_dropping_the_last(
    owner, keyword, login, room
):
    students = await asyncio.gather(*(login() for _ in range(20)))
    for student in students:
        assert (await student.get(f"/session/{keyword}")).status == 200
    question_id = (await create_question(owner, active=True))["_id"]
    other_id = (await create_question(owner, active=True))["_id"]
    # The owner's answer events with their wall-clock arrival time (in ms, as answers' timestamps).
    heard: list[tuple[float, str]] = []
    news = asyncio.Event()

    def on_answers(data: str) -> None:
        heard.append((time.time() * 1000, data))
        news.set()

    room.lecturer.client.on("answersToLecQuestionAvail", on_answers)

    async def heard_after(moment: float, question: str) -> None:
        async with asyncio.timeout(WAIT):
            while not any(at >= moment and data == question for at, data in heard):
                news.clear()
                await news.wait()

    async def post(student) -> int:
        response = await student.post(
            question_path(question_id) + "/answer/", json={"answerText": "Watt"}
        )
        assert response.status == 201, await response.text()
        return (await response.json())["timestamp"]

    started = time.monotonic()
    stamps = await asyncio.gather(*(post(student) for student in students))
    burst = time.monotonic() - started
    # The last answer was stored at or after its timestamp: an event must follow it.
    await heard_after(max(stamps), question_id)
    await give_answer(students[0], other_id)  # another question is not folded into the first's
    await heard_after(max(stamps), other_id)
    await room.lecturer.caught_up()

    sent = [data for _, data in heard]
    assert sent.count(other_id) == 1
    assert set(sent) == {question_id, other_id}
    bound = min(8, burst / BROADCAST_INTERVAL + 2)  # far fewer than 20
    assert 1 <= sent.count(question_id) <= bound, (sent.count(question_id), burst)
    await assert_outsiders_heard_nothing(room)


# --- setSessionActive ------------------------------------------------------------------


async def test_locking_and_unlocking_the_session(owner, room):
    await set_lock(owner)
    for socket in (room.lecturer, room.student):
        assert await arrivals(socket, "setSessionActive", 1) == [False]
    await set_lock(owner, lock="false")
    for socket in (room.lecturer, room.student):
        assert await arrivals(socket, "setSessionActive", 2) == [False, True]
    await assert_outsiders_heard_nothing(room)


async def test_putting_active_locks_and_unlocks_the_session(owner, room):
    await change_session(owner, {"active": False})
    for socket in (room.lecturer, room.student):
        assert await arrivals(socket, "setSessionActive", 1) == [False]
    await change_session(owner, {"name": "Physics II", "active": True})
    for socket in (room.lecturer, room.student):
        assert await arrivals(socket, "setSessionActive", 2) == [False, True]
    await assert_outsiders_heard_nothing(room)


async def test_session_active_is_not_sent_when_it_does_not_change(owner, room):
    await set_lock(owner, lock="false")  # already open
    await change_session(owner, {"active": True})
    await change_session(owner, {"name": "Physics II"})
    await set_lock(owner)  # the first change
    await set_lock(owner)
    await change_session(owner, {"active": False, "shortName": "PHY2"})
    await set_lock(owner, lock="false")  # the second change
    for socket in (room.lecturer, room.student):
        assert await arrivals(socket, "setSessionActive", 2) == [False, True]
    await room.student.caught_up()
    for socket in (room.lecturer, room.student):
        assert socket.events("setSessionActive") == [False, True]
    await assert_outsiders_heard_nothing(room)
