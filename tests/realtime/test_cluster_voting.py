"""A voting countdown on real servers (issue 18): on two `arsnova serve` processes, each running
the close job, the countdown ends once and the clients of both nodes see it; it survives a
restart."""

from __future__ import annotations

from tests.helpers import eventually
from tests.nodes import lecture_across

QUESTION = {"questionType": "yesno", "subject": "s", "text": "t", "active": True}


async def test_a_countdown_closes_voting_once_for_both_nodes(
    two_nodes,
    users,
    db,
):
    a, b = two_nodes
    lecturer, student, keyword = await lecture_across(a, b, users)
    lecturer_socket = await lecturer.socket(b, keyword)
    student_socket = await student.socket(a, keyword)
    student_events = await student.events(a, keyword)
    path = f"/session/{keyword}/lecturerquestion/"
    first = await lecturer.call(b, "POST", path, json=QUESTION)
    later = await lecturer.call(b, "POST", path, json=QUESTION)

    countdown = "/lecturerquestion/{}/countdown?seconds={}"
    started = await lecturer.call(b, "POST", countdown.format(first["_id"], 1))
    assert started["votingEndsAt"] - started["serverTime"] <= 1000
    # The later countdown ends 2 s after the first: by then both nodes' jobs (every second)
    # have run again since the first one closed, so its close is the marker that all is told.
    await lecturer.call(b, "POST", countdown.format(later["_id"], 3))
    for socket in (student_socket, lecturer_socket):
        locked = await socket.wait_for("lockVote", lambda data: data["_id"] == first["_id"])
        assert locked["votingDisabled"] is True and locked["votingEndsAt"] is None
    closed = await student_events.wait_for_event(
        "LecturerQuestionUpdatedEvent",
        lambda e: e["data"]["questionId"] == first["_id"] and e["data"]["votingDisabled"],
    )
    assert closed["data"]["votingEndsAt"] is None
    await student_socket.wait_for("lockVote", lambda data: data["_id"] == later["_id"])

    refused = await student.http.post(
        f"{a.url}/lecturerquestion/{first['_id']}/answer/", json={"answerText": "yes"}
    )
    assert refused.status == 409 and (await refused.json())["code"] == "voting-closed"
    assert len([d for d in student_socket.events("lockVote") if d["_id"] == first["_id"]]) == 1
    logged = db.events.find({
        "type": "LecturerQuestionUpdatedEvent", "data.questionId": first["_id"],
        "data.votingDisabled": True,
    })  # fmt: skip
    assert len([event async for event in logged]) == 1


async def test_a_countdown_survives_a_restart(
    serve,
    users,
):
    lecturer, student, keyword = await lecture_across(serve, serve, users)
    question = await lecturer.call(
        serve, "POST", f"/session/{keyword}/lecturerquestion/", json=QUESTION
    )
    path = f"/lecturerquestion/{question['_id']}"
    started = await lecturer.call(serve, "POST", path + "/countdown?seconds=1")
    await serve.kill()  # before its job could close it
    await serve.start()

    async def closed() -> bool:
        shown = await student.call(serve, "GET", path)
        return shown["votingDisabled"] is True and shown["votingEndsAt"] is None

    await eventually(closed, what="the restarted server closed the countdown")
    assert started["votingEndsAt"] is not None
    refused = await student.http.post(f"{serve.url}{path}/answer/", json={"answerText": "yes"})
    assert refused.status == 409 and (await refused.json())["code"] == "voting-closed"
