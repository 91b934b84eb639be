"""Two `arsnova serve` processes on one database and one Redis, clients split between them.

A student on node A and a lecturer on node B: votes, answers, audience
questions and the `/events` stream cross between the nodes; when node A is
killed, its `/events` client reconnects to B and misses nothing.
"""

from __future__ import annotations

import asyncio

from tests.events.conftest import EventsClient
from tests.nodes import User, lecture_across
from tests.serve import TWO_NODES_INTERVAL_MS as INTERVAL_MS
from tests.serve import Serve

CREATED = "LecturerQuestionCreatedEvent"
VOTERS = 12


async def test_votes_answers_questions_and_events_cross_nodes(two_nodes, users, db):
    a, b = two_nodes
    lecturer, student, keyword = await lecture_across(a, b, users)
    lecturer_socket = await lecturer.socket(b, keyword)
    student_socket = await student.socket(a, keyword)
    lecturer_events = await lecturer.events(b, keyword)

    # Both sockets count, whichever node holds them (the registry is in MongoDB), and
    # the student's join on A reaches the lecturer on B live.
    await lecturer_socket.wait_for("activeUserCountData", lambda count: count == 2)
    await student_socket.call("setFeedback", {"sessionkey": keyword, "feedback": 2})
    assert await lecturer_socket.wait_for("feedbackData", lambda c: c == [0, 0, 1, 0])

    question = await lecturer.call(
        b,
        "POST",
        f"/session/{keyword}/lecturerquestion/",
        json={"questionType": "yesno", "subject": "s", "text": "t", "active": True},
    )
    assert await student_socket.wait_for("lecQuestionAvail") == question["_id"]
    await student.call(a, "POST", f"/lecturerquestion/{question['_id']}/answer/", json={
        "answerText": "yes"})  # fmt: skip
    assert await lecturer_socket.wait_for("answersToLecQuestionAvail") == question["_id"]

    asked = await student.call(
        a, "POST", f"/session/{keyword}/interposed/", json={"subject": "s", "text": "t"}
    )
    assert await lecturer_socket.wait_for("audQuestionAvail") == asked["_id"]
    # Appended on A, delivered on B's /events at once (the heartbeat is 10 min away).
    created = await lecturer_events.wait_for_event("InterposedQuestionCreatedEvent")
    assert created["data"]["interposedQuestionId"] == asked["_id"]
    answers = await lecturer_events.wait_for_event("AnswersChangedEvent")
    assert answers["data"]["answerCounts"] == [1, 0]


async def test_a_vote_burst_over_both_nodes_ends_with_exact_counts_everywhere(two_nodes, users):
    _a, b = two_nodes
    lecturer = await User().login(b)
    users.append(lecturer)
    keyword = (await lecturer.call(b, "POST", "/session/", json={"name": "Burst"}))["keyword"]
    voters = [await User().login(two_nodes[i % 2]) for i in range(VOTERS)]
    users += voters
    sockets = [await voter.socket(two_nodes[i % 2], keyword) for i, voter in enumerate(voters)]
    watcher = await lecturer.socket(b, keyword)
    await watcher.wait_for("activeUserCountData", lambda count: count == VOTERS + 1)
    await asyncio.sleep(2 * INTERVAL_MS / 1000)  # let the join broadcasts pass
    before = len(watcher.events("feedbackData"))

    started = asyncio.get_running_loop().time()
    await asyncio.gather(*(
        socket.call("setFeedback", {"sessionkey": keyword, "feedback": i % 4})
        for i, socket in enumerate(sockets)
    ))  # fmt: skip
    final = [VOTERS // 4] * 4
    for socket in [watcher, *sockets]:
        await socket.wait_for("feedbackData", lambda counts: counts == final)
    await asyncio.sleep(2 * INTERVAL_MS / 1000)  # any late, stale broadcast would land now
    elapsed = asyncio.get_running_loop().time() - started

    for socket in [watcher, *sockets]:
        assert socket.events("feedbackData")[-1] == final  # nothing older arrived last
    # One broadcast per interval across both nodes (plus the first, sent at once).
    sent = len(watcher.events("feedbackData")) - before
    assert 1 <= sent <= elapsed / (INTERVAL_MS / 1000) + 2, (sent, elapsed)


async def test_killing_a_node_loses_no_events_for_its_clients(two_nodes, users, db):
    a, b = two_nodes
    lecturer = await User().login(b)
    student = await User().login(a)
    users += [lecturer, student]
    keyword = (await lecturer.call(b, "POST", "/session/", json={"name": "Crash"}))["keyword"]
    await student.call(a, "GET", f"/session/{keyword}")
    on_a = await student.events(a, keyword)
    asked: list[str] = []

    async def ask(node: Serve) -> None:
        body = {"questionType": "freetext", "subject": "s", "text": "t", "active": True}
        path = f"/session/{keyword}/lecturerquestion/"
        asked.append((await lecturer.call(node, "POST", path, json=body))["_id"])

    def created(client: EventsClient, messages: list[dict] | None = None) -> list[str]:
        events = [e for m in messages or client.of("EventsMessage") for e in m["events"]]
        return [e["data"]["questionId"] for e in events if e["type"] == CREATED]

    for _ in range(3):
        await ask(b)  # appended on B, delivered on A
    await on_a.wait_for_event(CREATED, lambda event: event["data"]["questionId"] == asked[-1])
    on_a.auto_ack = False  # the next message stays unacknowledged when A dies
    await ask(b)
    in_flight = await on_a.wait_for("EventsMessage", lambda m: asked[-1] in str(m))
    await a.kill()
    for _ in range(3):
        await ask(b)  # while the student is away

    on_b = await student.events(b, reconnect=on_a.token)
    await on_b.wait_for_event(CREATED, lambda event: event["data"]["questionId"] == asked[-1])
    acknowledged = on_a.of("EventsMessage")[:-1]
    assert on_a.of("EventsMessage")[-1] == in_flight
    # Exactly once, in order: what A's client acknowledged, then B's replay from there on.
    assert created(on_a, acknowledged) + created(on_b) == asked
    received = [e for m in acknowledged for e in m["events"]] + on_b.events()
    sequences = [event["sequence"] for event in received]
    logged = [e["sequence"] async for e in db.events.find({"stream": f"session:{keyword}"})]
    assert sequences == sorted(logged)


async def test_a_co_moderator_named_on_one_node_is_moved_on_the_other(two_nodes, users):
    """The owner on B names the student, whose socket is on A, a Q&A co-moderator: the
    socket enters the moderators' room through Redis and gets the queue; dropped, it leaves."""
    a, b = two_nodes
    lecturer, student, keyword = await lecture_across(a, b, users)
    asker = await User().login(a)
    users.append(asker)
    await asker.call(a, "GET", f"/session/{keyword}")
    name = (await student.call(a, "GET", "/auth/"))["username"]
    socket = await student.socket(a, keyword)
    settings = f"/session/{keyword}/qa/settings"

    await lecturer.call(b, "PUT", settings, json={"moderation": "pre", "moderators": [name]})
    assert await socket.wait_for("qaStaffChanged") == {"moderator": True}
    first = await asker.call(b, "POST", f"/session/{keyword}/qa/questions", json={"text": "1?"})
    assert await socket.wait_for("audQuestionAvail") == first["_id"]

    await lecturer.call(b, "PUT", settings, json={"moderators": []})
    await socket.wait_for("qaStaffChanged", lambda data: data["moderator"] is False)
    await asker.call(b, "POST", f"/session/{keyword}/qa/questions", json={"text": "2?"})
    await lecturer.call(b, "PUT", settings, json={"open": True})  # the marker, for everyone
    await socket.wait_for("qaSettingsChanged", lambda data: data["open"] is True)
    assert socket.events("audQuestionAvail") == [first["_id"]]
