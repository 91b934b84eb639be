"""Voting opening and closing on the sockets (issue 18): ARSnova 2's `lockVote`/`unlockVote` on
`/`, the question-updated event on `/events`; a countdown's end announced once."""

from __future__ import annotations

from arsnova.services.questions import close_expired_voting
from tests.events.conftest import subscribe
from tests.helpers import create_question, question_path
from tests.realtime.conftest import connect_socket, joined  # noqa: F401 (fixtures)


async def post(owner, path: str, status: int = 204) -> None:
    response = await owner.post(path)
    assert response.status == status, await response.text()


async def test_closing_and_opening_reach_the_session_as_lock_and_unlock_vote(
    owner,
    participant,
    keyword,
    joined,  # noqa: F811 (the fixture imported above)
):
    question = await create_question(owner, active=True)
    student = await joined(participant, keyword)
    base = question_path(question["_id"])
    await post(owner, base + "/disablevote?disable=true")
    locked = await student.wait_for("lockVote")
    assert locked == {
        "_id": question["_id"], "variant": "lecture", "votingDisabled": True,
        "votingEndsAt": None, "allowAnswerChange": False,
    }  # fmt: skip
    await post(owner, base + "/countdown?seconds=30", 200)
    unlocked = await student.wait_for("unlockVote")
    assert unlocked["votingDisabled"] is False and isinstance(unlocked["votingEndsAt"], int)
    # A change that leaves voting as it was says nothing about voting.
    response = await owner.put(base, json={"subject": "Renamed"})
    assert response.status == 204
    await student.caught_up()
    assert len(student.events("lockVote")) == 1 and len(student.events("unlockVote")) == 1


async def test_an_unpublished_questions_voting_reaches_only_the_owner(
    owner,
    participant,
    keyword,
    joined,  # noqa: F811 (the fixture imported above)
):
    question = await create_question(owner)
    lecturer = await joined(owner, keyword)
    student = await joined(participant, keyword)
    await post(owner, question_path(question["_id"]) + "/disablevote")
    assert (await lecturer.wait_for("lockVote"))["_id"] == question["_id"]
    await student.caught_up()
    assert student.events("lockVote") == []


async def test_a_countdown_ends_once_on_both_namespaces(
    app,
    owner,
    participant,
    keyword,
    joined,  # noqa: F811 (the fixture imported above)
    events_client,
    clock,
    db,
):
    question = await create_question(owner, active=True)
    student = await joined(participant, keyword)
    stream = await events_client(participant)
    await subscribe(stream, keyword)
    await post(owner, question_path(question["_id"]) + "/countdown?seconds=3", 200)
    started = await stream.wait_for_event(
        "LecturerQuestionUpdatedEvent", lambda e: e["data"]["votingEndsAt"] is not None
    )
    assert started["data"]["questionId"] == question["_id"]
    assert started["data"]["votingDisabled"] is False
    clock.advance(3)
    await close_expired_voting(app)
    await close_expired_voting(app)  # as a second node's job would: nothing left to close
    closed = await stream.wait_for_event(
        "LecturerQuestionUpdatedEvent", lambda e: e["data"]["votingDisabled"]
    )
    assert closed["data"]["votingEndsAt"] is None
    assert (await student.wait_for("lockVote"))["_id"] == question["_id"]
    await student.caught_up()
    assert len(student.events("lockVote")) == 1
    logged = db.events.find({"type": "LecturerQuestionUpdatedEvent"}).sort("sequence", 1)
    assert [event["data"]["votingDisabled"] async for event in logged] == [False, True]
