"""`/events`: session scopes, role filtering, the question bin, idle logins and expiry."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from typing import Any

from aiohttp.test_utils import TestClient, TestServer
from bson import ObjectId

from arsnova.auth import hash_token
from arsnova.keys import sio_key
from arsnova.realtime.maintenance import check_logins
from arsnova.services.housekeeping import housekeeping
from arsnova.store.common import now
from tests.conftest import expect_error
from tests.events.conftest import NAMESPACE, VOTING_OPEN, EventsClient, subscribe
from tests.helpers import (
    WAIT,
    ask_audience_question,
    create_lecture,
    create_question,
    eventually,
    give_answer,
)

STAFF_ONLY = {
    "InterposedQuestionCreatedEvent",
    "InterposedQuestionReadEvent",
    "InterposedQuestionDeletedEvent",
}


# --- helpers ----------------------------------------------------------------------------------

# What question events say of voting for a question that takes answers as ARSnova's did.
# A new question's state in its events: the first round, voting open.
NEW_QUESTION = {"piRound": 1, **VOTING_OPEN}


async def statistics_of(owner: TestClient, keyword: str) -> dict[str, dict]:
    response = await owner.get(f"/session/{keyword}/lecturerquestion/statistics")
    assert response.status == 200, await response.text()
    return {entry["questionId"]: entry for entry in await response.json()}


def of_type(client: EventsClient, event_type: str) -> list[dict]:
    return [event for event in client.events() if event["type"] == event_type]


def namespace_of(server: TestServer):
    return server.app[sio_key].namespace_handlers[NAMESPACE]


async def login_of(db, http: TestClient) -> dict:
    found = await db.logins.find_one({"username": http.username})
    assert found is not None
    return found


async def set_login(db, http: TestClient, **fields: Any) -> dict:
    """Changes the stored login of `http` and returns it as stored afterwards."""
    await db.logins.update_one({"username": http.username}, {"$set": fields})
    return await login_of(db, http)


def on_disconnect(client: EventsClient) -> asyncio.Event:
    """Set once the server ends `client`'s `/events` connection."""
    gone = asyncio.Event()

    async def record(*_args: Any) -> None:
        gone.set()

    client.client.on("disconnect", record, namespace=NAMESPACE)
    return gone


# --- scopes -----------------------------------------------------------------------------------


async def test_session_events_arrive_only_while_subscribed(
    owner, participant, keyword, events_client
):
    lecturer = await events_client(owner)
    before = (await ask_audience_question(participant, keyword))["_id"]
    await subscribe(lecturer, keyword)
    during = (await ask_audience_question(participant, keyword))["_id"]
    event = await lecturer.wait_for_event("InterposedQuestionCreatedEvent")
    assert event["scope"] == "session" and event["keyword"] == keyword
    assert event["data"] == {"interposedQuestionId": during}

    ack = await lecturer.request("SessionUnsubscriptionMessage", keyword=keyword)
    assert "errorInfo" not in ack, ack
    after = (await ask_audience_question(participant, keyword))["_id"]
    await subscribe(lecturer, keyword)
    again = (await ask_audience_question(participant, keyword))["_id"]
    await lecturer.wait_for_event(
        "InterposedQuestionCreatedEvent",
        lambda event: event["data"]["interposedQuestionId"] == again,
    )
    received = [
        event["data"]["interposedQuestionId"]
        for event in of_type(lecturer, "InterposedQuestionCreatedEvent")
    ]
    assert received == [during, again]
    assert before not in received and after not in received


async def test_subscribing_to_an_unknown_session_is_refused(owner, events_client):
    lecturer = await events_client(owner)
    ack = await lecturer.request("SessionSubscriptionMessage", keyword="00000000")
    assert ack["errorInfo"]["code"] == "session-not-found", ack
    ack = await lecturer.request("SessionSubscriptionMessage", keyword="not-a-keyword")
    assert ack["errorInfo"]["code"] == "validation-failed", ack


async def test_subscribing_records_a_visit(owner, keyword, stranger, events_client):
    path = f"/session/{keyword}/lecturerquestion/"
    await expect_error(await stranger.get(path), 403, "not-a-participant")
    listener = await events_client(stranger)
    await subscribe(listener, keyword)
    response = await stranger.get(path)
    assert response.status == 200, await response.text()
    assert await response.json() == []


async def test_subscriptions_per_connection_are_capped(owner, keyword, events_client):
    """At most ARSNOVA_EVENTS_MAX_SUBSCRIPTIONS (default 20) lecture sessions per connection."""
    keywords = [keyword]
    for number in range(20):
        keywords.append(await create_lecture(owner, f"Lecture {number}"))
    tab = await events_client(owner)
    for subscribed in keywords[:20]:
        await subscribe(tab, subscribed)
    await subscribe(tab, keywords[0])  # again: still twenty

    ack = await tab.request("SessionSubscriptionMessage", keyword=keywords[20])
    assert ack.get("errorInfo", {}).get("code") == "too-many-subscriptions", ack
    refused = (await ask_audience_question(owner, keywords[20]))["_id"]
    marker = (await ask_audience_question(owner, keywords[0]))["_id"]
    await tab.wait_for_event(
        "InterposedQuestionCreatedEvent", lambda e: e["data"]["interposedQuestionId"] == marker
    )
    assert refused not in {
        event["data"]["interposedQuestionId"]
        for event in of_type(tab, "InterposedQuestionCreatedEvent")
    }

    ack = await tab.request("SessionUnsubscriptionMessage", keyword=keywords[0])
    assert "errorInfo" not in ack, ack
    await subscribe(tab, keywords[20])


# --- role filtering ---------------------------------------------------------------------------


async def test_the_presented_question_reaches_the_owner_and_admins_only(
    owner, participant, admin, keyword, events_client
):
    lecturer = await events_client(owner)
    overseer = await events_client(admin)
    student = await events_client(participant)
    for client in (lecturer, overseer, student):
        await subscribe(client, keyword)
    question_id = (await create_question(owner, keyword, active=True))["_id"]
    response = await owner.put(f"/session/{keyword}/presented", json={"questionId": question_id})
    assert response.status == 200, await response.text()
    for staff in (lecturer, overseer):
        event = await staff.wait_for_event("PresentedQuestionChangedEvent")
        assert event["data"] == {"questionId": question_id} and event["keyword"] == keyword

    assert (await owner.post(f"/session/{keyword}/lock")).status == 204  # the positive marker
    await student.wait_for_event("SessionLockedEvent")
    assert "PresentedQuestionChangedEvent" not in student.event_types()


async def test_staff_only_events_reach_owner_and_admin_but_not_participants(
    owner, participant, admin, keyword, events_client, db
):
    # Pre-moderated Q&A: the audience question waits for approval, unseen by participants.
    settings = await owner.put(f"/session/{keyword}/qa/settings", json={"moderation": "pre"})
    assert settings.status == 200
    lecturer = await events_client(owner)
    overseer = await events_client(admin)
    student = await events_client(participant)
    for client in (lecturer, overseer, student):
        await subscribe(client, keyword)

    interposed = (await ask_audience_question(participant, keyword))["_id"]
    assert (await owner.get(f"/session/{keyword}/interposed/{interposed}")).status == 200
    response = await owner.delete(f"/session/{keyword}/interposed/{interposed}")
    assert response.status == 204
    hidden = await create_question(owner, keyword, active=False)
    for staff in (lecturer, overseer):
        await staff.wait_for_event("LecturerQuestionCreatedEvent")
    # Only hidden events so far: the participant's stored position still moves past them.
    head = (await db.event_streams.find_one({"_id": f"session:{keyword}"}))["head"]

    async def student_caught_up() -> bool:
        stored = await db.event_connections.find_one({"_id": hash_token(student.token)})
        return stored["positions"][f"session:{keyword}"] == head

    await eventually(student_caught_up)
    assert student.events() == []

    assert (await owner.post(f"/session/{keyword}/lock")).status == 204
    locked = await student.wait_for_event("SessionLockedEvent")
    assert locked["data"] == {"active": False} and locked["sequence"] == head + 1
    assert student.event_types() == ["SessionLockedEvent"]

    for staff in (lecturer, overseer):
        await staff.wait_for_event("SessionLockedEvent")
        assert staff.event_types() == [
            "InterposedQuestionCreatedEvent",
            "QaQuestionCreatedEvent",
            "InterposedQuestionReadEvent",
            "InterposedQuestionDeletedEvent",
            "QaQuestionDeletedEvent",
            "LecturerQuestionCreatedEvent",
            "SessionLockedEvent",
        ]
        events = staff.events()
        first = events[0]["sequence"]  # after the settings' event
        assert [event["sequence"] for event in events] == list(range(first, head + 2))
        assert events[0]["data"] == {"interposedQuestionId": interposed}
        assert events[1]["data"] == {"questionId": interposed, "status": "pending"}
        assert events[2]["data"] == {"interposedQuestionId": interposed}
        assert events[3]["data"] == {"interposedQuestionIds": [interposed]}
        assert events[4]["data"] == {"questionId": interposed}
        assert events[5]["data"] == {"questionId": hidden["_id"], "active": False, **NEW_QUESTION}


async def test_question_creation_publication_and_unpublication(
    owner, participant, keyword, events_client
):
    lecturer = await events_client(owner)
    student = await events_client(participant)
    for client in (lecturer, student):
        await subscribe(client, keyword)
    draft = await create_question(owner, keyword, active=False)
    published = await create_question(owner, keyword, active=True)
    path = f"/session/{keyword}/lecturerquestion/{draft['_id']}/publish"
    assert (await owner.post(path)).status == 204
    assert (await owner.post(path, params={"publish": "false"})).status == 204

    for client in (lecturer, student):
        published_event = await client.wait_for_event("LecturerQuestionPublishedEvent")
        assert published_event["data"] == {
            "questionId": draft["_id"],
            "active": True,
            **NEW_QUESTION,
        }
        unpublished = await client.wait_for_event("LecturerQuestionUnpublishedEvent")
        assert unpublished["data"] == {"questionId": draft["_id"], "active": False, **NEW_QUESTION}
        assert unpublished["sequence"] > published_event["sequence"]

    created = [event["data"] for event in of_type(student, "LecturerQuestionCreatedEvent")]
    assert created == [{"questionId": published["_id"], "active": True, **NEW_QUESTION}]
    created = [event["data"] for event in of_type(lecturer, "LecturerQuestionCreatedEvent")]
    assert created == [
        {"questionId": draft["_id"], "active": False, **NEW_QUESTION},
        {"questionId": published["_id"], "active": True, **NEW_QUESTION},
    ]


async def test_answer_statistics_reach_participants_only_while_shown(
    owner, participant, login, keyword, events_client
):
    question = await create_question(owner, keyword, showStatistic=False, active=True)
    lecturer = await events_client(owner)
    student = await events_client(participant)
    for client in (lecturer, student):
        await subscribe(client, keyword)

    await give_answer(participant, question, text="Joule")
    first = await lecturer.wait_for_event("AnswersChangedEvent")
    first_round = {"piRound": 1, "answerCounts": [0, 1, 0], "total": 1, "abstentions": 0}
    assert first["data"] == {"questionId": question["_id"], **first_round, "rounds": [first_round]}

    response = await owner.put(
        f"/session/{keyword}/lecturerquestion/{question['_id']}", json={"showStatistic": True}
    )
    assert response.status == 204, await response.text()
    await student.wait_for_event("LecturerQuestionUpdatedEvent")
    second_student = await login()
    assert (await second_student.get(f"/session/{keyword}")).status == 200
    await give_answer(second_student, question, text="Newton")
    shown = await student.wait_for_event("AnswersChangedEvent")
    both = {"piRound": 1, "answerCounts": [1, 1, 0], "total": 2, "abstentions": 0}
    assert shown["data"] == {"questionId": question["_id"], **both, "rounds": [both]}
    assert [event["data"]["total"] for event in of_type(student, "AnswersChangedEvent")] == [2]
    await lecturer.wait_for_event("AnswersChangedEvent", lambda e: e["data"]["total"] == 2)


async def test_a_question_for_course_users_reaches_no_guest(
    owner, participant, course_student, keyword, events_client
):
    """`releasedFor: courses`: its events and statistics go to course logins and the owner,
    as REST lets them see it; a guest's stream has none of them."""
    lecturer, guest, course = [
        await events_client(client) for client in (owner, participant, course_student)
    ]
    for client in (lecturer, guest, course):
        await subscribe(client, keyword)
    question = await create_question(
        owner, keyword, showStatistic=True, active=True, releasedFor="courses"
    )
    await give_answer(course_student, question, text="Joule")
    for client in (lecturer, course):
        await client.wait_for_event("LecturerQuestionCreatedEvent")
        changed = await client.wait_for_event("AnswersChangedEvent")
        assert changed["data"]["questionId"] == question["_id"]
        assert changed["data"]["total"] == 1
    marker = await create_question(owner, keyword, active=True)  # for everyone, after it
    await guest.wait_for_event(
        "LecturerQuestionCreatedEvent", lambda e: e["data"]["questionId"] == marker["_id"]
    )
    assert [e["data"].get("questionId") for e in guest.events()] == [marker["_id"]]


async def test_feedback_lock_and_deletion_reach_everyone_subscribed(
    owner, participant, admin, keyword, events_client
):
    clients = [await events_client(user) for user in (owner, participant, admin)]
    for client in clients:
        await subscribe(client, keyword)
    response = await participant.post(f"/session/{keyword}/feedback", json={"value": 2})
    assert response.status == 201
    for client in clients:
        feedback = await client.wait_for_event("FeedbackChangedEvent")
        assert feedback["data"] == {"values": [0, 0, 1, 0], "roundedAverage": 2}

    assert (await owner.post(f"/session/{keyword}/lock")).status == 204
    assert (await owner.post(f"/session/{keyword}/lock", params={"lock": "false"})).status == 204
    assert (await owner.delete(f"/session/{keyword}")).status == 204
    for client in clients:
        deleted = await client.wait_for_event("SessionDeletedEvent")
        assert deleted["keyword"] == keyword and deleted["data"] == {}
        locked = (await client.wait_for_event("SessionLockedEvent"))["data"]
        unlocked = (await client.wait_for_event("SessionUnlockedEvent"))["data"]
        assert locked == {"active": False} and unlocked == {"active": True}
        order = [t for t in client.event_types() if t.startswith("Session")]
        assert order == ["SessionLockedEvent", "SessionUnlockedEvent", "SessionDeletedEvent"]


# --- the bin ----------------------------------------------------------------------------------


async def test_delete_sends_to_bin_and_restore_brings_question_and_answers_back(
    owner, participant, keyword, events_client, db
):
    question = await create_question(owner, keyword, active=True)
    await give_answer(participant, question, text="Watt")
    lecturer = await events_client(owner)
    student = await events_client(participant)
    for client in (lecturer, student):
        await subscribe(client, keyword)

    response = await owner.delete(f"/session/{keyword}/lecturerquestion/{question['_id']}")
    assert response.status == 204
    for client in (lecturer, student):
        binned_event = await client.wait_for_event("SentToBinEvent")
        assert binned_event["data"]["questionId"] == question["_id"]
    assert question["_id"] not in await statistics_of(owner, keyword)
    missing = await owner.get(f"/lecturerquestion/{question['_id']}")
    await expect_error(missing, 404, "question-not-found")
    # The answer waits in the bin with its question.
    assert await db.answers.count_documents({"question_id": ObjectId(question["_id"])}) == 1

    await expect_error(await participant.get(f"/session/{keyword}/bin/"), 403, "owner-only")
    response = await owner.get(f"/session/{keyword}/bin/")
    assert response.status == 200
    (binned,) = await response.json()
    assert binned["_id"] == question["_id"] and binned["text"] == question["text"]
    assert isinstance(binned["deletedAt"], int) and binned["deletedAt"] >= question["timestamp"]

    restore = f"/session/{keyword}/bin/{question['_id']}/restore"
    await expect_error(await participant.post(restore), 403, "owner-only")
    response = await owner.post(restore)
    assert response.status == 200, await response.text()
    restored = await response.json()
    assert restored["_id"] == question["_id"]
    assert restored["possibleAnswers"] == question["possibleAnswers"]
    assert "deletedAt" not in restored
    for client in (lecturer, student):
        event = await client.wait_for_event("RestoredFromBinEvent")
        assert event["data"]["questionId"] == question["_id"]

    assert (await owner.get(f"/lecturerquestion/{question['_id']}")).status == 200
    stats = (await statistics_of(owner, keyword))[question["_id"]]
    assert stats["answerCounts"] == [0, 0, 1] and stats["total"] == 1
    assert await (await owner.get(f"/session/{keyword}/bin/")).json() == []
    await expect_error(await owner.post(restore), 404, "binned-question-not-found")
    unknown = f"/session/{keyword}/bin/{ObjectId()}/restore"
    await expect_error(await owner.post(unknown), 404, "binned-question-not-found")


async def test_restore_only_through_the_questions_own_session(owner, keyword, events_client):
    other = await create_lecture(owner, "Other", shortName="OTH")
    question = await create_question(owner, keyword, active=True)
    assert (await owner.delete(f"/lecturerquestion/{question['_id']}")).status == 204
    assert await (await owner.get(f"/session/{other}/bin/")).json() == []
    wrong = await owner.post(f"/session/{other}/bin/{question['_id']}/restore")
    await expect_error(wrong, 404, "binned-question-not-found")
    response = await owner.post(f"/session/{keyword}/bin/{question['_id']}/restore")
    assert response.status == 200
    assert (await response.json())["sessionKeyword"] == keyword


async def test_binning_an_unpublished_question_is_staff_only(
    owner, participant, keyword, events_client
):
    draft = await create_question(owner, keyword, active=False)
    lecturer = await events_client(owner)
    student = await events_client(participant)
    for client in (lecturer, student):
        await subscribe(client, keyword)
    response = await owner.delete(f"/session/{keyword}/lecturerquestion/{draft['_id']}")
    assert response.status == 204
    await lecturer.wait_for_event("SentToBinEvent")
    assert (await owner.post(f"/session/{keyword}/lock")).status == 204
    await student.wait_for_event("SessionLockedEvent")
    assert student.event_types() == ["SessionLockedEvent"]


async def test_housekeeping_purges_the_bin_after_its_retention(start_server, login_to, db, clock):
    server = await start_server(bin_retention=3600)
    owner = await login_to(server)
    student = await login_to(server)
    keyword = await create_lecture(owner, "Bin", shortName="BIN")
    assert (await student.get(f"/session/{keyword}")).status == 200
    old = await create_question(owner, keyword, active=True)
    await give_answer(student, old, text="Newton")
    assert (await owner.delete(f"/lecturerquestion/{old['_id']}")).status == 204
    clock.advance(3601)  # past the retention of an hour
    fresh = await create_question(owner, keyword, active=True)
    await give_answer(student, fresh, text="Joule")
    assert (await owner.delete(f"/lecturerquestion/{fresh['_id']}")).status == 204

    await housekeeping(server.app)

    listed = await (await owner.get(f"/session/{keyword}/bin/")).json()
    assert [entry["_id"] for entry in listed] == [fresh["_id"]]
    assert await db.question_bin.count_documents({"_id": ObjectId(old["_id"])}) == 0
    assert await db.answers.count_documents({"question_id": ObjectId(old["_id"])}) == 0
    assert await db.answers.count_documents({"question_id": ObjectId(fresh["_id"])}) == 1
    gone = await owner.post(f"/session/{keyword}/bin/{old['_id']}/restore")
    await expect_error(gone, 404, "binned-question-not-found")


# --- inactivity warning and reactivation ------------------------------------------------------


async def test_inactivity_warning_once_on_every_connection_then_rest_reactivates(
    server, owner, participant, keyword, events_client, db
):
    tabs = [await events_client(owner), await events_client(owner)]
    bystander = await events_client(participant)
    await subscribe(bystander, keyword)
    login = await set_login(db, owner, expires_at=now() + timedelta(seconds=30))

    await check_logins(server.app)
    for tab in tabs:
        warning = await tab.wait_for_event("InactivityUserEvent")
        assert warning["scope"] == "login"
        assert 0 < warning["data"]["expiresIn"] <= 30
    assert (await login_of(db, owner))["warned"] is True
    await check_logins(server.app)  # warned already: nothing new

    response = await owner.get("/auth/")
    assert response.status == 200
    for tab in tabs:
        reactivated = await tab.wait_for_event("SessionReactivatedEvent")
        assert reactivated["scope"] == "login"
        assert reactivated["data"] == {"expiresIn": 3 * 3600}
        assert tab.event_types() == ["InactivityUserEvent", "SessionReactivatedEvent"]
    extended = await login_of(db, owner)
    assert extended["expires_at"] > login["expires_at"] + timedelta(hours=2)
    assert extended["warned"] is False

    # The other login heard none of it.
    assert (await owner.post(f"/session/{keyword}/lock")).status == 204
    await bystander.wait_for_event("SessionLockedEvent")
    assert bystander.event_types() == ["SessionLockedEvent"]


async def test_heartbeat_after_a_warning_reactivates(server, owner, events_client, db):
    tab = await events_client(owner)
    login = await set_login(db, owner, expires_at=now() + timedelta(seconds=20))
    await check_logins(server.app)
    await tab.wait_for_event("InactivityUserEvent")

    ack = await tab.request("HeartbeatMessage")
    assert "errorInfo" not in ack, ack
    await tab.wait_for_event("SessionReactivatedEvent")
    extended = await login_of(db, owner)
    assert extended["expires_at"] > login["expires_at"] + timedelta(hours=2)
    assert extended["warned"] is False


async def test_warning_with_short_idle_timeout(start_server, login_to, events_to, db, clock):
    server = await start_server(login_idle_timeout=60, inactivity_warning=59)
    http = await login_to(server)
    tab = await events_to(server, http)
    await check_logins(server.app)  # 60 s left: not yet within the 59 s
    clock.advance(2)  # now it is
    await check_logins(server.app)
    warning = await tab.wait_for_event("InactivityUserEvent")
    assert 0 < warning["data"]["expiresIn"] <= 59
    assert tab.event_types() == ["InactivityUserEvent"]
    assert (await http.get("/auth/")).status == 200
    reactivated = await tab.wait_for_event("SessionReactivatedEvent")
    assert reactivated["data"] == {"expiresIn": 60}


# --- idle -------------------------------------------------------------------------------------


async def test_idle_login_is_not_extended_by_rest_until_active_again(
    start_server, login_to, events_to, db
):
    server = await start_server(heartbeat_interval=0.2)
    http = await login_to(server)
    keyword = await create_lecture(http, "Idle", shortName="IDLE")
    tab = await events_to(server, http, auto_ack=False)
    heartbeat = await tab.wait_for("HeartbeatMessage")
    await tab.ack(heartbeat["id"], idle=True)
    await subscribe(tab, keyword)  # handled after the acknowledgement (in order per socket)
    assert (await login_of(db, http))["idle"] is True
    stored = await db.event_connections.find_one({"_id": hash_token(tab.token)})
    assert stored["idle"] is True

    moment = now()
    before = await set_login(
        db, http,
        last_seen=moment - timedelta(seconds=120),
        expires_at=moment + timedelta(seconds=1000),
    )  # fmt: skip
    assert (await http.get("/auth/")).status == 200
    after = await login_of(db, http)
    assert after["last_seen"] == before["last_seen"]
    assert after["expires_at"] == before["expires_at"]

    await tab.ack(heartbeat["id"], idle=False)
    await subscribe(tab, keyword)
    active = await login_of(db, http)
    assert active["idle"] is False
    assert active["expires_at"] > before["expires_at"]  # reporting activity extends

    stale = await set_login(db, http, last_seen=now() - timedelta(seconds=120))
    assert (await http.get("/auth/")).status == 200
    assert (await login_of(db, http))["last_seen"] > stale["last_seen"]


async def test_login_is_idle_only_when_every_connection_is(owner, keyword, events_client, db):
    first = await events_client(owner)
    second = await events_client(owner)
    for tab in (first, second):
        await subscribe(tab, keyword)
    assert (await owner.post(f"/session/{keyword}/lock")).status == 204
    for tab in (first, second):
        await tab.wait_for_event("SessionLockedEvent")
    last = {tab: tab.of("EventsMessage")[-1]["id"] for tab in (first, second)}

    await first.ack(last[first], idle=True)  # acknowledged already: only `idle` counts
    await subscribe(first, keyword)
    assert (await login_of(db, owner))["idle"] is False

    await second.ack(last[second], idle=True)
    await subscribe(second, keyword)
    assert (await login_of(db, owner))["idle"] is True

    ack = await first.request("HeartbeatMessage")
    assert "errorInfo" not in ack, ack
    assert (await login_of(db, owner))["idle"] is False

    await first.ack(str(uuid.uuid4()), idle=True)
    await subscribe(first, keyword)
    assert (await login_of(db, owner))["idle"] is True
    # The last connection gone, nothing reports the login idle any more.
    await first.close()
    await second.close()

    async def active() -> bool:
        return (await login_of(db, owner))["idle"] is False

    await eventually(active)


# --- expiry -----------------------------------------------------------------------------------


async def test_expired_login_loses_its_sockets_and_gets_no_new_token(
    server, owner, participant, keyword, events_client, db
):
    tabs = [await events_client(owner), await events_client(owner)]
    survivor = await events_client(participant)
    gone = [on_disconnect(tab) for tab in tabs]
    events = namespace_of(server)
    sids = {tab.client.get_sid(NAMESPACE) for tab in tabs}
    assert sids <= set(events.connections)

    await set_login(db, owner, expires_at=now() - timedelta(seconds=1))
    await check_logins(server.app)
    assert not sids & set(events.connections)
    async with asyncio.timeout(WAIT):
        for disconnected in gone:
            await disconnected.wait()
    for tab in tabs:
        stored = await db.event_connections.find_one({"_id": hash_token(tab.token)})
        assert stored["connected"] is False
    assert survivor.client.get_sid(NAMESPACE) in events.connections

    await expect_error(await owner.post("/socket/token"), 401, "login-required")
    await subscribe(survivor, keyword)
    assert (await participant.post("/socket/token")).status == 201


async def test_a_new_connection_ends_idleness(owner, keyword, events_client, db):
    """Idle means every connection reported idle: a new (active) tab makes the login active."""
    first = await events_client(owner)
    await first.ack(str(uuid.uuid4()), idle=True)
    await subscribe(first, keyword)
    assert (await login_of(db, owner))["idle"] is True

    second = await events_client(owner)
    await subscribe(second, keyword)
    stored = await db.event_connections.find_one({"_id": hash_token(second.token)})
    assert stored["connected"] is True and stored["idle"] is False
    assert (await login_of(db, owner))["idle"] is False
    stale = await set_login(db, owner, last_seen=now() - timedelta(seconds=120))
    assert (await owner.get("/auth/")).status == 200
    assert (await login_of(db, owner))["last_seen"] > stale["last_seen"]
