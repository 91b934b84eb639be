"""Peer-instruction rounds live: `/events` (PiRoundStartedEvent, PiRoundResetEvent and the
statistics of every round) and ARSnova 2's legacy `startDelayedPiRound` / `resetPiRound`."""

from __future__ import annotations

import time

from tests.events.conftest import VOTING_OPEN, subscribe
from tests.helpers import create_question, give_answer, publish, question_path
from tests.realtime.conftest import connect_socket, joined  # noqa: F401 (fixtures)


def rounds_of(event: dict) -> list[int]:
    return [r["total"] for r in event["data"]["rounds"]]


async def test_a_new_round_and_a_reset_reach_everyone(
    owner,
    participant,
    keyword,
    events_client,
    joined,  # noqa: F811
):
    question = await create_question(owner, keyword, active=True, showStatistic=True)
    lecturer, student = await joined(owner, keyword), await joined(participant, keyword)
    lecturer_stream, student_stream = await events_client(owner), await events_client(participant)
    for stream in (lecturer_stream, student_stream):
        await subscribe(stream, keyword)
    await give_answer(participant, question, text="Joule")
    await lecturer_stream.wait_for_event("AnswersChangedEvent")

    before = int(time.time() * 1000)
    response = await owner.post(question_path(question["_id"]) + "/startnewpiround")
    assert response.status == 200, await response.text()
    for socket in (lecturer, student):
        started = await socket.wait_for("startDelayedPiRound")
        assert started.pop("startTime") >= before - 1000
        assert started == {"_id": question["_id"], "variant": "lecture", "round": 2, "endTime": 0}
    for stream in (lecturer_stream, student_stream):
        event = await stream.wait_for_event("PiRoundStartedEvent")
        assert event["data"] == {
            "questionId": question["_id"],
            "active": True,
            "piRound": 2,
            **VOTING_OPEN,
        }
        statistics = await stream.wait_for_event(
            "AnswersChangedEvent", lambda e: e["data"]["piRound"] == 2
        )
        assert rounds_of(statistics) == [1, 0] and statistics["data"]["total"] == 0
        assert statistics["sequence"] > event["sequence"]

    await give_answer(participant, question, text="Newton")
    statistics = await student_stream.wait_for_event(
        "AnswersChangedEvent", lambda e: rounds_of(e) == [1, 1]
    )
    assert statistics["data"]["rounds"][1]["answerCounts"] == [1, 0, 0]

    response = await owner.delete(question_path(question["_id"]) + "/answer/")
    assert response.status == 200, await response.text()
    for socket in (lecturer, student):
        assert await socket.wait_for("resetPiRound") == {
            "_id": question["_id"], "variant": "lecture",
        }  # fmt: skip
    for stream in (lecturer_stream, student_stream):
        event = await stream.wait_for_event("PiRoundResetEvent")
        assert event["data"] == {
            "questionId": question["_id"],
            "active": True,
            "piRound": 1,
            **VOTING_OPEN,
        }
        await stream.wait_for_event("AnswersChangedEvent", lambda e: rounds_of(e) == [0])


async def test_rounds_of_an_unpublished_question_reach_the_owner_only(
    owner,
    participant,
    keyword,
    events_client,
    joined,  # noqa: F811
):
    draft = await create_question(owner, keyword, active=False)
    lecturer, student = await joined(owner, keyword), await joined(participant, keyword)
    student_stream = await events_client(participant)
    await subscribe(student_stream, keyword)
    assert (await owner.post(question_path(draft["_id"]) + "/startnewpiround")).status == 200
    assert (await owner.delete(question_path(draft["_id"]) + "/answer/")).status == 200
    await lecturer.wait_for("startDelayedPiRound")
    await lecturer.wait_for("resetPiRound")
    await publish(owner, draft["_id"])  # the positive marker: later, and to everyone
    await student.wait_for("lecQuestionAvail")
    published = await student_stream.wait_for_event("LecturerQuestionPublishedEvent")
    assert published["data"]["piRound"] == 1
    assert student.events("startDelayedPiRound") == student.events("resetPiRound") == []
    types = student_stream.event_types()
    assert "PiRoundStartedEvent" not in types and "PiRoundResetEvent" not in types
