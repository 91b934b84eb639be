"""Q&A events (issue 21) on `/events` and Socket.IO `/`: who receives which.

The moderation queue (pending questions) reaches the owner and the
session's co-moderators, never a student; a co-moderator gets no other
staff event (an unpublished lecturer question). No event names an author.
"""

from __future__ import annotations

import json

from arsnova.keys import broadcaster_key
from tests.events.conftest import subscribe
from tests.realtime.conftest import connect_socket, joined  # noqa: F401 (fixtures)

QUESTION = {"questionType": "abcd", "subject": "s", "text": "t",
            "possibleAnswers": [{"text": "A"}, {"text": "B"}]}  # fmt: skip


async def put_settings(owner, keyword: str, **fields) -> None:
    response = await owner.put(f"/session/{keyword}/qa/settings", json=fields)
    assert response.status == 200, await response.text()


async def ask(client, keyword: str, text: str) -> dict:
    response = await client.post(f"/session/{keyword}/qa/questions", json={"text": text})
    assert response.status == 201, await response.text()
    return await response.json()


async def patch(client, keyword: str, question_id: str, **fields) -> None:
    response = await client.patch(f"/session/{keyword}/qa/questions/{question_id}", json=fields)
    assert response.status == 200, await response.text()


async def moderator_of(login, owner, keyword: str):
    moderator = await login()
    assert (await moderator.get(f"/session/{keyword}")).status == 200
    await put_settings(owner, keyword, moderation="pre", moderators=[moderator.username])
    return moderator


async def test_events_stream_filters_qa_by_role(owner, keyword, participant, login, events_client):
    moderator = await moderator_of(login, owner, keyword)
    student = await login()
    assert (await student.get(f"/session/{keyword}")).status == 200
    streams = {}
    for name, http in (("owner", owner), ("moderator", moderator), ("student", student)):
        streams[name] = await events_client(http)
        await subscribe(streams[name], keyword)

    waiting = await ask(participant, keyword, "Pending question")
    qid = waiting["_id"]
    created = {"questionId": qid, "status": "pending"}
    for name in ("owner", "moderator"):
        event = await streams[name].wait_for_event("QaQuestionCreatedEvent")
        assert event["data"] == created
        await streams[name].wait_for_event("InterposedQuestionCreatedEvent")
    # An unpublished lecturer question: the owner's only.
    response = await owner.post(f"/session/{keyword}/lecturerquestion/", json=QUESTION)
    assert response.status == 201
    await streams["owner"].wait_for_event("LecturerQuestionCreatedEvent")
    # Approval reaches everyone: the marker after which nothing earlier can still come.
    await patch(moderator, keyword, qid, status="approved")
    for stream in streams.values():
        await stream.wait_for_event(
            "QaQuestionApprovedEvent", lambda e: e["data"]["questionId"] == qid
        )
    assert "QaQuestionCreatedEvent" not in streams["student"].event_types()
    assert "InterposedQuestionCreatedEvent" not in streams["student"].event_types()
    assert "LecturerQuestionCreatedEvent" not in streams["moderator"].event_types()

    await patch(owner, keyword, qid, answered=True, highlighted=True, reply="Yes")
    response = await student.put(f"/session/{keyword}/qa/questions/{qid}/vote", json={"value": 1})
    assert response.status == 200
    for stream in streams.values():
        await stream.wait_for_event("QaQuestionAnsweredEvent")
        await stream.wait_for_event("QaQuestionHighlightedEvent")
        await stream.wait_for_event("QaQuestionChangedEvent")
        voted = await stream.wait_for_event("QaVotesChangedEvent")
        assert voted["data"] == {"questionId": qid, "upvotes": 1, "downvotes": 0, "score": 1}
    response = await owner.delete(f"/session/{keyword}/qa/questions/{qid}")
    assert response.status == 204
    for stream in streams.values():
        await stream.wait_for_event("QaQuestionDeletedEvent")
        assert participant.username not in json.dumps(stream.events())


async def test_dropped_moderator_no_longer_gets_the_queue(owner, keyword, participant, login,
                                                          events_client):  # fmt: skip
    moderator = await moderator_of(login, owner, keyword)
    stream = await events_client(moderator)
    await subscribe(stream, keyword)
    await put_settings(owner, keyword, moderators=[])
    await ask(participant, keyword, "Pending, not for you")
    await put_settings(owner, keyword, open=True)  # an event for everyone after it: the marker
    await stream.wait_for_event("QaSettingsChangedEvent", lambda e: e["data"]["open"] is True)
    assert "QaQuestionCreatedEvent" not in stream.event_types()


async def test_socketio_sends_qa_events_to_the_right_rooms(
    owner,
    keyword,
    participant,
    login,
    joined,  # noqa: F811 (the fixture imported above)
):
    moderator = await moderator_of(login, owner, keyword)
    student = await login()
    assert (await student.get(f"/session/{keyword}")).status == 200
    sockets = {name: await joined(http, keyword)
               for name, http in (("owner", owner), ("moderator", moderator),
                                  ("student", student))}  # fmt: skip
    waiting = await ask(participant, keyword, "Queue")
    qid = waiting["_id"]
    for name in ("owner", "moderator"):
        created = await sockets[name].wait_for("qaQuestionCreated")
        assert created == {"questionId": qid, "status": "pending"}
        assert await sockets[name].wait_for("audQuestionAvail") == qid
    response = await owner.post(f"/session/{keyword}/lecturerquestion/", json=QUESTION)
    assert response.status == 201
    await patch(owner, keyword, qid, status="approved")
    for socket in sockets.values():
        assert await socket.wait_for("qaQuestionApproved") == {"questionId": qid}
    response = await student.put(f"/session/{keyword}/qa/questions/{qid}/vote", json={"value": 1})
    assert response.status == 200
    for socket in sockets.values():
        votes = await socket.wait_for("qaVotesChanged")
        assert votes == {"questionId": qid, "upvotes": 1, "downvotes": 0, "score": 1}
        await socket.caught_up()
    assert sockets["student"].events("qaQuestionCreated") == []
    assert sockets["student"].events("audQuestionAvail") == []
    # A published lecturer question's legacy event goes to the session; this one was unpublished.
    assert sockets["moderator"].events("lecQuestionAvail") == []
    assert participant.username not in json.dumps(sockets["owner"].received)


async def test_naming_and_dropping_a_co_moderator_moves_their_sockets_at_once(
    owner,
    keyword,
    participant,
    login,
    joined,  # noqa: F811 (the fixture imported above)
):
    """Named while joined: the queue reaches the socket without a new join; dropped: it
    stops at once (legacy rooms were only set at the join)."""
    await put_settings(owner, keyword, moderation="pre")
    helper = await login()
    assert (await helper.get(f"/session/{keyword}")).status == 200
    socket = await joined(helper, keyword)

    await put_settings(owner, keyword, moderators=[helper.username])
    assert await socket.wait_for("qaStaffChanged") == {"moderator": True}
    first = await ask(participant, keyword, "For the new moderator")
    created = await socket.wait_for("qaQuestionCreated")
    assert created == {"questionId": first["_id"], "status": "pending"}

    await put_settings(owner, keyword, moderators=[])
    await socket.wait_for("qaStaffChanged", lambda data: data["moderator"] is False)
    await ask(participant, keyword, "Not for a former moderator")
    await put_settings(owner, keyword, open=True)  # for everyone, after it: the marker
    await socket.wait_for("qaSettingsChanged", lambda data: data["open"] is True)
    assert [e["questionId"] for e in socket.events("qaQuestionCreated")] == [first["_id"]]
    assert len(socket.events("audQuestionAvail")) == 1


async def test_an_owner_dropped_from_the_co_moderators_keeps_the_queue(
    owner,
    keyword,
    participant,
    joined,  # noqa: F811 (the fixture imported above)
):
    """Naming the owner among the co-moderators and dropping them again changes nothing:
    `moderates_qa` decides, and the owner moderates anyway."""
    socket = await joined(owner, keyword)
    await put_settings(owner, keyword, moderation="pre", moderators=[owner.username])
    await put_settings(owner, keyword, moderators=[])
    await socket.caught_up()
    assert socket.events("qaStaffChanged") == [{"moderator": True}, {"moderator": True}]
    waiting = await ask(participant, keyword, "Still for the owner")
    created = await socket.wait_for("qaQuestionCreated")
    assert created == {"questionId": waiting["_id"], "status": "pending"}


async def test_a_socket_gone_before_its_move_fails_nothing(app, keyword):
    """The registry named a socket that left meanwhile: the settings change still succeeds."""
    for moderator in (True, False):
        await app[broadcaster_key].qa_staff_changed(keyword, "left-meanwhile", moderator)
