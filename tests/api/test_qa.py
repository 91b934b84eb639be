"""/session/{keyword}/qa/…: audience Q&A (issue 21), through the real REST API.

Votes exact under 200 concurrent students, moderation modes, the word filter,
co-moderators' rights (Q&A only), anonymity, the legacy interposed routes
alongside, and bad input answered with 4xx.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime

import pytest
from bson import ObjectId

from arsnova.store.interposed import QA_DEFAULTS
from tests.conftest import expect_error
from tests.helpers import ask_audience_question

UNKNOWN_ID = "0123456789abcdef01234567"


def qa(keyword: str, tail: str = "") -> str:
    return f"/session/{keyword}/qa{tail}"


async def ok(response, status: int = 200):
    assert response.status == status, await response.text()
    return None if status == 204 else await response.json()


async def ask(client, keyword: str, text: str = "Why?", **fields) -> dict:
    response = await client.post(qa(keyword, "/questions"), json={"text": text, **fields})
    return await ok(response, 201)


async def listing(client, keyword: str, **params) -> dict:
    return await ok(await client.get(qa(keyword, "/questions"), params=params))


async def patch(client, keyword: str, question_id: str, **fields):
    return await ok(await client.patch(qa(keyword, f"/questions/{question_id}"), json=fields))


async def settings(client, keyword: str, **fields) -> dict:
    return await ok(await client.put(qa(keyword, "/settings"), json=fields))


async def vote(client, keyword: str, question_id: str, value: int | None = 1) -> dict:
    path = qa(keyword, f"/questions/{question_id}/vote")
    if value is None:
        return await ok(await client.delete(path))
    return await ok(await client.put(path, json={"value": value}))


def assert_anonymous(body, *usernames: str) -> None:
    text = json.dumps(body)
    for name in usernames:
        assert name not in text
    assert '"author"' not in text


async def test_ask_list_get_as_participant_and_owner(owner, keyword, participant, join):
    (other,) = await join(1)
    asked = await ask(participant, keyword, "What is entropy?")
    assert asked["status"] == "approved" and asked["mine"] is True
    assert asked["subject"] == "" and asked["reply"] is None
    assert (asked["upvotes"], asked["downvotes"], asked["score"], asked["myVote"]) == (0, 0, 0, 0)
    assert "flagged" not in asked
    assert_anonymous(asked, participant.username)
    seen = await listing(other, keyword)
    assert seen["total"] == 1 and seen["questions"][0]["_id"] == asked["_id"]
    assert seen["questions"][0]["mine"] is False and "flagged" not in seen["questions"][0]
    staff = await listing(owner, keyword)
    assert staff["questions"][0]["flagged"] == []
    for body in (seen, staff, await ok(await owner.get(qa(keyword, f"/questions/{asked['_id']}")))):
        assert_anonymous(body, participant.username)
    await expect_error(await other.get(qa(keyword, "/questions?status=pending")), 403,
                       "qa-staff-only")  # fmt: skip


@pytest.mark.timeout(120)
async def test_200_students_voting_at_once_count_exactly(owner, keyword, join, db):
    students = await join(200)
    question = await ask(students[0], keyword, "Exam date?")
    qid = question["_id"]

    async def everyone(value):
        return await asyncio.gather(*(vote(s, keyword, qid, value) for s in students))

    await everyone(1)
    await everyone(1)  # the same vote again changes nothing
    got = await ok(await owner.get(qa(keyword, f"/questions/{qid}")))
    assert (got["upvotes"], got["downvotes"], got["score"]) == (200, 0, 200)
    assert await db.qa_votes.count_documents({"question_id": ObjectId(qid)}) == 200
    await settings(owner, keyword, downvotes=True)
    # Half flip to a downvote while the other half take theirs back, all at once.
    await asyncio.gather(
        *(vote(s, keyword, qid, -1) for s in students[:100]),
        *(vote(s, keyword, qid, None) for s in students[100:]),
    )
    got = await ok(await owner.get(qa(keyword, f"/questions/{qid}")))
    assert (got["upvotes"], got["downvotes"], got["score"]) == (0, 100, -100)
    assert await db.qa_votes.count_documents({"question_id": ObjectId(qid)}) == 100


async def test_votes_downvotes_and_taking_back(owner, keyword, participant):
    question = await ask(owner, keyword)
    qid = question["_id"]
    await expect_error(
        await participant.put(qa(keyword, f"/questions/{qid}/vote"), json={"value": -1}),
        409, "qa-downvotes-off",
    )  # fmt: skip
    assert (await vote(participant, keyword, qid))["myVote"] == 1
    await settings(owner, keyword, downvotes=True)
    body = await vote(participant, keyword, qid, -1)
    assert (body["upvotes"], body["downvotes"], body["score"], body["myVote"]) == (0, 1, -1, -1)
    body = await vote(participant, keyword, qid, None)
    assert (body["upvotes"], body["downvotes"], body["myVote"]) == (0, 0, 0)
    body = await vote(participant, keyword, qid, None)  # nothing to take back
    assert body["score"] == 0
    listed = (await listing(participant, keyword))["questions"][0]
    assert listed["myVote"] == 0
    await vote(participant, keyword, qid, 1)
    assert (await listing(participant, keyword))["questions"][0]["myVote"] == 1


async def test_sorts_pinned_first_then_votes_newest_unanswered(owner, keyword, join):
    students = await join(3)
    a = await ask(students[0], keyword, "a")
    b = await ask(students[1], keyword, "b")
    c = await ask(students[2], keyword, "c")
    for student in students:
        await vote(student, keyword, b["_id"])
    await vote(students[0], keyword, c["_id"])

    def order(body):
        return [q["text"] for q in body["questions"]]

    assert order(await listing(owner, keyword, sort="votes")) == ["b", "c", "a"]
    assert order(await listing(owner, keyword, sort="newest")) == ["c", "b", "a"]
    await patch(owner, keyword, a["_id"], pinned=True)
    await patch(owner, keyword, b["_id"], answered=True)
    assert order(await listing(owner, keyword, sort="votes")) == ["a", "b", "c"]
    assert order(await listing(owner, keyword, sort="newest")) == ["a", "c", "b"]
    assert order(await listing(owner, keyword, sort="unanswered")) == ["c", "a", "b"]
    page = await listing(students[0], keyword, sort="newest", offset=1, limit=1)
    assert order(page) == ["c"] and page["total"] == 3


async def test_pre_moderation_queue_and_approval(owner, keyword, participant, join):
    (other,) = await join(1)
    await settings(owner, keyword, moderation="pre")
    waiting = await ask(participant, keyword, "Pending?")
    assert waiting["status"] == "pending"
    # Only its author (and staff) see it: first on the author's first page.
    mine = await listing(participant, keyword)
    assert [q["_id"] for q in mine["questions"]] == [waiting["_id"]] and mine["total"] == 1
    assert (await listing(participant, keyword, offset=1))["questions"] == []
    assert (await listing(other, keyword))["total"] == 0
    path = qa(keyword, f"/questions/{waiting['_id']}")
    await expect_error(await other.get(path), 404, "interposed-question-not-found")
    await expect_error(await other.put(path + "/vote", json={"value": 1}), 404,
                       "interposed-question-not-found")  # fmt: skip
    queue = await listing(owner, keyword, status="pending")
    assert [q["_id"] for q in queue["questions"]] == [waiting["_id"]]
    await patch(owner, keyword, waiting["_id"], status="approved")
    assert (await listing(other, keyword))["total"] == 1
    await expect_error(await other.patch(path, json={"status": "hidden"}), 403,
                       "qa-staff-only")  # fmt: skip
    await patch(owner, keyword, waiting["_id"], status="hidden")
    assert (await listing(other, keyword))["total"] == 0
    assert (await listing(owner, keyword, status="hidden"))["total"] == 1
    await expect_error(await other.get(path), 404, "interposed-question-not-found")


async def test_word_filter_queues_with_hits_whatever_the_mode(owner, keyword, participant):
    caught = await ask(participant, keyword, "Was soll dieser Scheiß, you asshole?")
    assert caught["status"] == "pending" and "flagged" not in caught
    staff = await ok(await owner.get(qa(keyword, f"/questions/{caught['_id']}")))
    assert set(staff["flagged"]) == {"asshole"} | ({"scheiß"} & set(staff["flagged"]))
    await settings(owner, keyword, wordFilter={"extraWords": ["klausur*"], "languages": ["de"]})
    assert (await ask(participant, keyword, "Wann sind die Klausuren?"))["status"] == "pending"
    assert (await ask(participant, keyword, "you asshole"))["status"] == "approved"  # en off
    await settings(owner, keyword, wordFilter={"allowedWords": ["klausuren"]})
    assert (await ask(participant, keyword, "Wann sind die Klausuren?"))["status"] == "approved"
    await settings(owner, keyword, wordFilter={"enabled": False, "languages": ["de", "en"]})
    assert (await ask(participant, keyword, "asshole"))["status"] == "approved"
    await settings(owner, keyword, wordFilter={"enabled": True})
    # An approved question edited into a caught one goes back to the queue.
    clean = await ask(participant, keyword, "A clean question")
    edited = await patch(participant, keyword, clean["_id"], text="A clean asshole")
    assert edited["status"] == "pending"
    assert (await ok(await owner.get(qa(keyword, "/settings"))))["wordFilter"]["enabled"] is True
    public = await ok(await participant.get(qa(keyword, "/settings")))
    assert "wordFilter" not in public and "moderators" not in public


async def test_author_edits_and_deletes_until_answered(owner, keyword, participant, join):
    (other,) = await join(1)
    question = await ask(participant, keyword, "Typo?")
    qid = question["_id"]
    edited = await patch(participant, keyword, qid, text="No typo", subject="Spelling")
    assert (edited["text"], edited["subject"]) == ("No typo", "Spelling")
    path = qa(keyword, f"/questions/{qid}")
    await expect_error(await other.patch(path, json={"text": "mine"}), 403, "qa-author-only")
    await expect_error(await owner.patch(path, json={"text": "mine"}), 403, "qa-author-only")
    await expect_error(await other.delete(path), 403, "owner-or-author-only")
    answered = await patch(owner, keyword, qid, answered=True, reply="See chapter 3.")
    assert answered["answered"] is True and answered["reply"] == "See chapter 3."
    await expect_error(await participant.patch(path, json={"text": "later"}), 409,
                       "qa-question-answered")  # fmt: skip
    await expect_error(await participant.delete(path), 409, "qa-question-answered")
    await patch(owner, keyword, qid, answered=False)
    await ok(await participant.delete(path), 204)
    await expect_error(await owner.get(path), 404, "interposed-question-not-found")


async def test_one_highlighted_question_per_session(owner, keyword, participant):
    a = await ask(participant, keyword, "a")
    b = await ask(participant, keyword, "b")
    await patch(owner, keyword, a["_id"], highlighted=True)
    await patch(owner, keyword, b["_id"], highlighted=True)
    states = {q["text"]: q["highlighted"] for q in (await listing(owner, keyword))["questions"]}
    assert states == {"a": False, "b": True}
    assert (await ok(await participant.get(qa(keyword, "/settings"))))["highlightedId"] == b["_id"]
    await patch(owner, keyword, b["_id"], status="hidden")  # hiding ends its highlight
    assert (await ok(await participant.get(qa(keyword, "/settings"))))["highlightedId"] is None
    await expect_error(
        await owner.patch(qa(keyword, f"/questions/{b['_id']}"), json={"highlighted": True}),
        409, "qa-not-approved",
    )  # fmt: skip


async def test_settings_as_read_can_be_put_back(owner, keyword, participant):
    """A client may PUT what it got: `highlightedId` (set by highlighting) is ignored."""
    await patch(owner, keyword, (await ask(participant, keyword))["_id"], highlighted=True)
    read = await ok(await owner.get(qa(keyword, "/settings")))
    assert read["highlightedId"] is not None
    assert await settings(owner, keyword, **read) == read


async def test_closed_and_locked_refuse_new_questions(owner, keyword, participant):
    await ask(participant, keyword, "before")
    await settings(owner, keyword, open=False)
    refused = await participant.post(qa(keyword, "/questions"), json={"text": "after"})
    await expect_error(refused, 409, "qa-closed")
    legacy = await participant.post(f"/session/{keyword}/interposed/",
                                    json={"subject": "s", "text": "after"})  # fmt: skip
    await expect_error(legacy, 409, "qa-closed")
    assert (await listing(participant, keyword))["total"] == 1
    await settings(owner, keyword, open=True)
    assert (await owner.post(f"/session/{keyword}/lock", params={"lock": "true"})).status < 300
    refused = await participant.post(qa(keyword, "/questions"), json={"text": "locked"})
    await expect_error(refused, 409, "session-locked")


async def test_co_moderator_moderates_qa_and_nothing_else(owner, keyword, participant, login):
    moderator = await login()
    assert (await moderator.get(f"/session/{keyword}")).status == 200
    lecturer_question = await owner.post(f"/session/{keyword}/lecturerquestion/", json={
        "questionType": "abcd", "subject": "s", "text": "t", "active": False,
        "possibleAnswers": [{"text": "A"}, {"text": "B"}]})  # fmt: skip
    lecturer_id = (await ok(lecturer_question, 201))["_id"]
    await settings(owner, keyword, moderation="pre", moderators=[moderator.username])
    waiting = await ask(participant, keyword, "Queue me")
    path = qa(keyword, f"/questions/{waiting['_id']}")
    queue = await listing(moderator, keyword, status="pending")
    assert [q["_id"] for q in queue["questions"]] == [waiting["_id"]]
    assert queue["questions"][0]["flagged"] == []
    await patch(moderator, keyword, waiting["_id"], status="approved")
    changed = await patch(moderator, keyword, waiting["_id"], answered=True, reply="Yes",
                          highlighted=True, pinned=True)  # fmt: skip
    assert (changed["answered"], changed["highlighted"], changed["pinned"]) == (True, True, True)
    staff_settings = await ok(await moderator.get(qa(keyword, "/settings")))
    assert staff_settings["moderators"] == [moderator.username]
    # No other right: settings, the session, its questions, results.
    await expect_error(await moderator.put(qa(keyword, "/settings"), json={"open": False}),
                       403, "owner-only")  # fmt: skip
    await expect_error(await moderator.put(f"/session/{keyword}", json={"name": "x"}), 403,
                       "owner-only")  # fmt: skip
    refused = await moderator.get(f"/session/{keyword}/lecturerquestion/{lecturer_id}")
    assert refused.status == 403
    assert (await moderator.get(f"/session/{keyword}/results.csv")).status == 403
    assert (await moderator.get(f"/session/{keyword}/bin/")).status == 403
    assert (await moderator.delete(f"/session/{keyword}/interposed/")).status == 403
    await ok(await moderator.delete(path), 204)
    # Dropped as moderator: a participant again.
    await settings(owner, keyword, moderators=[])
    await expect_error(await moderator.get(qa(keyword, "/questions?status=pending")), 403,
                       "qa-staff-only")  # fmt: skip


async def test_legacy_and_qa_questions_are_the_same(owner, keyword, participant, db):
    legacy = await ask_audience_question(participant, keyword, "Legacy", "Old client")
    new = await ask(participant, keyword, "New client")
    ids = {q["_id"] for q in (await listing(participant, keyword))["questions"]}
    assert ids == {legacy["_id"], new["_id"]}
    owner_list = await ok(await owner.get(f"/session/{keyword}/interposed/"))
    assert {q["_id"] for q in owner_list} == ids
    await vote(participant, keyword, legacy["_id"])
    await ok(await participant.delete(f"/session/{keyword}/interposed/{legacy['_id']}"), 204)
    assert await db.qa_votes.count_documents({}) == 0
    # A question stored before Q&A (without its fields) after the migration: approved, 0 votes.
    assert (await listing(owner, keyword))["questions"][0]["status"] == "approved"


async def test_legacy_owner_list_and_qa_pages_after_2000_questions(owner, keyword, db):
    session_id = ObjectId(owner.lecture["_id"])
    await db.interposed_questions.insert_many([
        {**QA_DEFAULTS, "session_id": session_id, "session_keyword": keyword,
         "author": f"student{i}", "timestamp": datetime.now(UTC), "subject": "s",
         "text": f"q{i}", "read": False, "score": i % 7}
        for i in range(2000)
    ])  # fmt: skip
    await db.qa_counts.insert_one({"session_id": session_id, "approved": 2000})  # as Q&A counts
    legacy = await ok(await owner.get(f"/session/{keyword}/interposed/"))
    assert len(legacy) == 2000
    page = await listing(owner, keyword, sort="votes", limit=50)
    assert page["total"] == 2000 and len(page["questions"]) == 50
    assert {q["score"] for q in page["questions"]} == {6}


async def test_session_deletion_removes_votes_and_settings(owner, keyword, participant, db):
    question = await ask(participant, keyword)
    await settings(owner, keyword, moderators=[participant.username])
    await vote(participant, keyword, question["_id"])
    assert await db.qa_votes.count_documents({}) == 1
    await ok(await owner.delete(f"/session/{keyword}"), 204)
    assert await db.qa_votes.count_documents({}) == 0
    assert await db.interposed_questions.count_documents({}) == 0


BAD_BODIES = [
    None, [], "text", {"text": ""}, {"text": "x" * 5001}, {"text": 1}, {"text": "a", "x": 1},
    {"text": "a", "subject": "s" * 201}, {"text": "\ud800"},
]  # fmt: skip
BAD_PATCHES = [
    {"status": "pending"}, {"status": "x"}, {"answered": "yes"}, {"pinned": 1},
    {"reply": "r" * 5001}, {"highlighted": None}, {"author": "x"}, [],
]  # fmt: skip
BAD_VOTES = [{"value": 0}, {"value": 2}, {"value": "1"}, {"value": True}, {}, {"value": 1.0}, []]
BAD_SETTINGS = [
    {"moderation": "all"}, {"downvotes": "no"}, {"open": 1}, {"wordFilter": {"languages": ["fr"]}},
    {"wordFilter": {"extraWords": [""]}}, {"moderators": [""]}, {"moderators": "x"},
    {"wordFilter": []}, {"unknown": 1},
]  # fmt: skip


async def test_bad_input_gets_4xx_never_500(owner, keyword, participant):
    question = await ask(participant, keyword)
    path = qa(keyword, f"/questions/{question['_id']}")
    calls = [("POST", qa(keyword, "/questions"), body) for body in BAD_BODIES]
    calls += [("PATCH", path, body) for body in BAD_PATCHES]
    calls += [("PUT", path + "/vote", body) for body in BAD_VOTES]
    calls += [("PUT", qa(keyword, "/settings"), body) for body in BAD_SETTINGS]
    for bad_id in ("nonsense", UNKNOWN_ID, "%00", "a" * 300):
        for method, tail, body in (("GET", "", None), ("PATCH", "", {"pinned": True}),
                                   ("DELETE", "", None), ("PUT", "/vote", {"value": 1}),
                                   ("DELETE", "/vote", None)):  # fmt: skip
            calls.append((method, qa(keyword, f"/questions/{bad_id}{tail}"), body))
    for query in ("sort=best", "status=all", "offset=-1", "limit=0", "limit=101", "limit=x"):
        calls.append(("GET", qa(keyword, f"/questions?{query}"), None))
    calls.append(("GET", qa("99999999", "/questions"), None))
    failed = []
    for client in (owner, participant):
        for method, url, body in calls:
            response = await client.request(method, url, json=body)
            if not 400 <= response.status < 500:
                failed.append((method, url, body, response.status, await response.text()))
    assert failed == []
    # Not JSON at all.
    response = await owner.post(qa(keyword, "/questions"), data=b"{",
                                headers={"Content-Type": "application/json"})  # fmt: skip
    await expect_error(response, 400, "invalid-json")
