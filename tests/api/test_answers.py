"""…/lecturerquestion/{id}/answer/…: answering, reading, changing, deleting; statistics."""

import asyncio
import time

import pytest
from bson import ObjectId

from tests.conftest import expect_error
from tests.helpers import answers_of, create_question, give_answer, questions_path

ANSWER_PROPERTIES = {
    "_id", "type", "questionId", "answerText", "abstention", "user", "timestamp", "answerCount",
    "piRound", "choices", "hidden",
}  # fmt: skip
UNKNOWN_ID = str(ObjectId())


# --- create ---------------------------------------------------------------------------


async def test_answer_returns_the_answer_and_stores_the_choice(owner, participant, db):
    question = await create_question(owner, active=True)
    before = int(time.time() * 1000)
    created = await give_answer(participant, question, text="Joule")
    assert set(created) == ANSWER_PROPERTIES
    assert created["type"] == "skill_question_answer"
    assert created["questionId"] == question["_id"]
    assert created["answerText"] == "Joule" and created["abstention"] is False
    assert created["user"] == participant.username
    assert created["answerCount"] == 1
    assert before - 1000 <= created["timestamp"] <= int(time.time() * 1000) + 1000
    stored = await db.answers.find_one({"_id": ObjectId(created["_id"])})
    assert stored["choices"] == ["1"] == created["choices"]  # the option ids
    assert stored["session_id"] == ObjectId(owner.lecture["_id"])
    assert stored["question_id"] == ObjectId(question["_id"])


async def test_answer_with_and_without_the_prefix(owner, keyword, join):
    question = await create_question(owner, active=True)
    first, second = await join(2)
    response = await first.post(answers_of(question, keyword), json={"answerText": "Watt"})
    assert response.status == 201
    response = await second.post(answers_of(question), json={"answerText": "Watt"})
    assert response.status == 201


async def test_answer_subject_is_kept(owner, participant):
    question = await create_question(owner, questionType="freetext", active=True)
    body = {"answerSubject": "Why", "answerText": "Because."}
    created = await give_answer(participant, question, body)
    assert created["answerSubject"] == "Why" and created["answerText"] == "Because."


@pytest.mark.parametrize(
    ("question_type", "texts", "answer_text", "stored_text", "choices"),
    [
        ("sc", None, "Newton", "Newton", ["0"]),
        ("sc", None, "2", "Watt", ["2"]),
        ("abcd", ["A", "B", "C", "D"], "D", "D", ["3"]),
        ("abcd", ["A", "B", "C", "D"], "1", "B", ["1"]),
        ("yesno", None, "no", "no", ["1"]),
        ("yesno", None, "0", "yes", ["0"]),
        ("vote", None, "1", "1", ["0"]),
        ("vote", None, "5", "5", ["4"]),
        ("school", None, "6", "6", ["5"]),
        ("vote", ["--", "-", "o", "+", "++"], "4", "++", ["4"]),
        ("mc", None, "1,0,1", "1,0,1", ["0", "2"]),
        ("mc", None, "0,1,0", "0,1,0", ["1"]),
        ("mc", None, "1,1,1", "1,1,1", ["0", "1", "2"]),
        ("freetext", None, "Because of inertia.", "Because of inertia.", []),
        ("freetext", None, "x" * 2000, "x" * 2000, []),
    ],
)
async def test_valid_answers_per_type(
    owner, participant, db, question_type, texts, answer_text, stored_text, choices
):
    question = await create_question(owner, questionType=question_type, options=texts, active=True)
    created = await give_answer(participant, question, text=answer_text)
    assert created["answerText"] == stored_text
    stored = await db.answers.find_one({"_id": ObjectId(created["_id"])})
    assert stored["choices"] == choices


@pytest.mark.parametrize(
    ("question_type", "texts", "answer_text"),
    [
        ("sc", None, "Pascal"),
        ("sc", None, "3"),
        ("sc", None, "-1"),
        ("sc", None, "newton"),
        ("sc", None, ""),
        ("sc", None, "1,0,0"),
        ("abcd", ["A", "B", "C", "D"], "E"),
        ("abcd", ["A", "B", "C", "D"], "4"),
        ("yesno", None, "maybe"),
        ("yesno", None, "2"),
        ("vote", None, "0"),
        ("vote", None, "6"),
        ("vote", None, "2.5"),
        ("school", None, "7"),
        ("school", None, "0"),
        ("mc", None, "0,0,0"),
        ("mc", None, "1,0"),
        ("mc", None, "1,0,1,0"),
        ("mc", None, "1,0,2"),
        ("mc", None, "true,false,true"),
        ("mc", None, "1, 0, 1"),
        ("mc", None, "Newton"),
        ("mc", None, ""),
        ("freetext", None, ""),
        ("freetext", None, "   "),
        ("freetext", None, "x" * 2001),
    ],
)
async def test_invalid_answer_texts_per_type(
    owner, participant, db, question_type, texts, answer_text
):
    question = await create_question(owner, questionType=question_type, options=texts, active=True)
    response = await participant.post(answers_of(question), json={"answerText": answer_text})
    body = await expect_error(response, 400, "validation-failed")
    assert "answerText" in body["errors"], body
    assert await db.answers.count_documents({}) == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"answerText": "Watt", "color": "red"}, "color"),
        ({"answerText": 1}, "answerText"),
        ({"answerText": ["Watt"]}, "answerText"),
        ({}, "answerText"),
        ({"answerText": None}, "answerText"),
        ({"answerSubject": "Why"}, "answerText"),
        ({"answerText": "Watt", "answerSubject": "s" * 201}, "answerSubject"),
        ({"answerText": "Watt", "answerSubject": 5}, "answerSubject"),
        ({"answerText": "Watt", "abstention": "maybe"}, "abstention"),
        ({"answerText": "Watt", "abstention": True}, "answerText"),
    ],
)
async def test_answer_refuses_bad_bodies(owner, participant, body, field):
    question = await create_question(owner, active=True)
    response = await participant.post(answers_of(question), json=body)
    assert field in (await expect_error(response, 400, "validation-failed"))["errors"]


async def test_answer_refuses_bodies_that_are_not_json_objects(owner, participant):
    path = answers_of(await create_question(owner, active=True))
    await expect_error(await participant.post(path, json=["Watt"]), 400, "validation-failed")
    response = await participant.post(path, data="{", headers={"Content-Type": "application/json"})
    await expect_error(response, 400, "invalid-json")
    await expect_error(await participant.post(path, data="Watt"), 415, "unsupported-media-type")


@pytest.mark.parametrize("text", [None, ""])
async def test_abstention_has_no_answer_text(owner, participant, db, text):
    question = await create_question(owner, active=True)
    body = {"abstention": True} if text is None else {"abstention": True, "answerText": text}
    created = await give_answer(participant, question, body)
    assert created["abstention"] is True and "answerText" not in created
    stored = await db.answers.find_one({"_id": ObjectId(created["_id"])})
    assert stored["choices"] == [] and "answer_text" not in stored


async def test_read_only_properties_of_legacy_clients_are_ignored(owner, participant):
    question = await create_question(owner, active=True)
    body = {
        "answerText": "Watt", "_id": "x", "_rev": "1-x", "type": "skill_question_answer",
        "questionId": UNKNOWN_ID, "sessionId": "x", "user": "someone else", "timestamp": 1,
        "answerCount": 7,
    }  # fmt: skip
    created = await give_answer(participant, question, body)
    assert created["questionId"] == question["_id"] and created["user"] == participant.username
    assert created["_id"] != "x" and created["timestamp"] > 1 and created["answerCount"] == 1


async def test_second_answer_is_409(owner, participant):
    question = await create_question(owner, active=True)
    await give_answer(participant, question, text="Watt")
    response = await participant.post(answers_of(question), json={"answerText": "Joule"})
    await expect_error(response, 409, "already-answered")
    response = await participant.post(answers_of(question), json={"abstention": True})
    await expect_error(response, 409, "already-answered")


async def test_concurrent_duplicates_store_exactly_one(owner, keyword, participant, db):
    question = await create_question(owner, active=True)
    responses = await asyncio.gather(*(
        participant.post(answers_of(question, keyword), json={"answerText": "Watt"})
        for _ in range(10)
    ))  # fmt: skip
    statuses = sorted(response.status for response in responses)
    assert statuses == [201] + [409] * 9
    for response in responses:
        if response.status == 409:
            assert (await response.json())["code"] == "already-answered"
    assert await db.answers.count_documents({"question_id": ObjectId(question["_id"])}) == 1


async def test_unpublished_question_cannot_be_answered(owner, keyword, participant):
    question = await create_question(owner, active=False)
    for client in (participant, owner):
        response = await client.post(answers_of(question, keyword), json={"answerText": "Watt"})
        await expect_error(response, 403, "question-not-published")


async def test_courses_question_cannot_be_answered_by_guests(owner, participant):
    question = await create_question(owner, releasedFor="courses", active=True)
    response = await participant.post(answers_of(question), json={"answerText": "Watt"})
    await expect_error(response, 403, "question-not-released")


async def test_locked_session_refuses_answers(owner, keyword, participant):
    question = await create_question(owner, active=True)
    assert (await owner.post(f"/session/{keyword}/lock")).status == 204
    for client in (participant, owner):
        response = await client.post(answers_of(question), json={"answerText": "Watt"})
        await expect_error(response, 409, "session-locked")
    assert (await owner.post(f"/session/{keyword}/lock", params={"lock": "false"})).status == 204
    await give_answer(participant, question, text="Watt")


async def test_answer_authorization(owner, keyword, participant, stranger, anonymous, admin):
    question = await create_question(owner, active=True)
    for path in (answers_of(question), answers_of(question, keyword)):
        response = await stranger.post(path, json={"answerText": "Watt"})
        await expect_error(response, 403, "not-a-participant")
        response = await anonymous.post(path, json={"answerText": "Watt"})
        await expect_error(response, 401, "login-required")
    await give_answer(participant, question, text="Watt")
    await give_answer(owner, question, text="Newton")
    await give_answer(admin, question, text="Joule")


async def test_answer_to_an_unknown_question_is_404(owner, keyword, participant, login):
    path = f"/lecturerquestion/{UNKNOWN_ID}/answer/"
    await expect_error(
        await participant.post(path, json={"answerText": "x"}), 404, "question-not-found"
    )
    path = f"{questions_path(keyword)}nope/answer/"
    await expect_error(
        await participant.post(path, json={"answerText": "x"}), 404, "question-not-found"
    )
    question = await create_question(owner, active=True)
    other = await login()
    other_keyword = (await (await other.post("/session/", json={"name": "O"})).json())["keyword"]
    response = await other.post(answers_of(question, other_keyword), json={"answerText": "Watt"})
    await expect_error(response, 404, "question-not-found")
    response = await participant.post(answers_of(question, "99999999"), json={"answerText": "x"})
    await expect_error(response, 404, "session-not-found")


# --- read -----------------------------------------------------------------------------


async def test_owner_reads_every_answer_without_its_author(owner, keyword, join):
    question = await create_question(owner, questionType="freetext", active=True)
    students = await join(3)
    for index, student in enumerate(students):
        await give_answer(student, question, text=f"reason {index}")
    for path in (answers_of(question), answers_of(question, keyword)):
        response = await owner.get(path)
        assert response.status == 200
        found = await response.json()
        assert [a["answerText"] for a in found] == ["reason 0", "reason 1", "reason 2"]
        assert all("user" not in a and a["answerCount"] == 1 for a in found)
        assert all(a["questionId"] == question["_id"] for a in found)


async def test_participants_see_only_their_own_answer(owner, keyword, participant, join):
    question = await create_question(owner, active=True)
    (other,) = await join(1)
    await give_answer(other, question, text="Joule")
    await expect_error(await participant.get(answers_of(question)), 403, "answers-private")
    response = await participant.get(answers_of(question), params={"createdonly": "true"})
    await expect_error(response, 404, "answer-not-found")
    created = await give_answer(participant, question, text="Watt")
    for path in (answers_of(question), answers_of(question, keyword)):
        response = await participant.get(path, params={"createdonly": "true"})
        assert response.status == 200
        assert await response.json() == created  # one Answer, not a list
        response = await participant.get(path, params={"createdonly": "false"})
        await expect_error(response, 403, "answers-private")
    params = {"createdonly": "true", "user": participant.username}
    assert await (await participant.get(answers_of(question), params=params)).json() == created
    params = {"createdonly": "true", "user": other.username}
    response = await participant.get(answers_of(question), params=params)
    await expect_error(response, 403, "user-mismatch")


async def test_read_answers_authorization(owner, keyword, participant, stranger, anonymous, admin):
    question = await create_question(owner, active=True)
    created = await give_answer(participant, question, text="Watt")
    for path in (answers_of(question), answers_of(question, keyword)):
        await expect_error(await stranger.get(path), 403, "not-a-participant")
        response = await stranger.get(path, params={"createdonly": "true"})
        await expect_error(response, 403, "not-a-participant")
        await expect_error(await anonymous.get(path), 401, "login-required")
        found = await (await admin.get(path)).json()
        assert [a["_id"] for a in found] == [created["_id"]] and "user" not in found[0]
    params = {"createdonly": "true", "user": participant.username}
    assert await (await admin.get(answers_of(question), params=params)).json() == created
    response = await owner.get(answers_of(question), params=params)
    await expect_error(response, 403, "user-mismatch")


async def test_owner_pages_and_sorts_answers(owner, join):
    question = await create_question(owner, questionType="freetext", active=True)
    for student, text in zip(await join(3), ["b", "c", "a"], strict=True):
        await give_answer(student, question, text=text)

    async def texts(**params) -> list[str]:
        response = await owner.get(answers_of(question), params=params)
        assert response.status == 200, await response.text()
        return [a["answerText"] for a in await response.json()]

    assert await texts() == ["b", "c", "a"]
    assert await texts(sort="answerText") == ["a", "b", "c"]
    assert await texts(sort="answerText", order="desc", limit="2") == ["c", "b"]
    assert await texts(sort="timestamp", offset="1") == ["c", "a"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": "0"}, "limit"),
        ({"limit": "1001"}, "limit"),
        ({"limit": "a"}, "limit"),
        ({"offset": "-1"}, "offset"),
        ({"sort": "user"}, "sort"),
        ({"order": "sideways"}, "order"),
        ({"createdonly": "perhaps"}, "createdonly"),
    ],
)
async def test_read_answers_refuses_bad_parameters(owner, params, field):
    question = await create_question(owner, active=True)
    response = await owner.get(answers_of(question), params=params)
    assert field in (await expect_error(response, 400, "validation-failed"))["errors"]


# --- update ---------------------------------------------------------------------------


def one_answer(question: dict, created: dict, keyword: str | None = None) -> str:
    return answers_of(question, keyword) + created["_id"]


async def test_author_changes_the_answer_and_gets_a_list(owner, keyword, participant, db):
    question = await create_question(owner, questionType="mc", active=True, allowAnswerChange=True)
    created = await give_answer(participant, question, text="1,0,0")
    for path, text in ((one_answer(question, created), "0,1,1"),
                       (one_answer(question, created, keyword), "1,1,0")):  # fmt: skip
        response = await participant.put(path, json={"answerText": text, "answerSubject": "s"})
        assert response.status == 200
        changed = await response.json()
        assert isinstance(changed, list) and len(changed) == 1  # the seed's quirk
        assert changed[0]["_id"] == created["_id"] and changed[0]["answerText"] == text
        assert changed[0]["user"] == participant.username and changed[0]["answerSubject"] == "s"
    stored = await db.answers.find_one({"_id": ObjectId(created["_id"])})
    assert stored["choices"] == ["0", "1"]
    response = await participant.put(one_answer(question, created), json={"abstention": True})
    changed = (await response.json())[0]
    assert changed["abstention"] is True and "answerText" not in changed
    assert "answerSubject" not in changed
    stored = await db.answers.find_one({"_id": ObjectId(created["_id"])})
    assert stored["choices"] == [] and "answer_text" not in stored


async def test_change_accepts_the_whole_legacy_object(owner, participant):
    question = await create_question(owner, active=True, allowAnswerChange=True)
    created = await give_answer(participant, question, text="Watt")
    response = await participant.put(
        one_answer(question, created), json={**created, "answerText": "Joule"}
    )
    assert response.status == 200, await response.text()
    assert (await response.json())[0]["answerText"] == "Joule"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"answerText": "Pascal"}, "answerText"),
        ({"answerText": "9"}, "answerText"),
        ({}, "answerText"),
        ({"answerText": "Watt", "abstention": True}, "answerText"),
        ({"answerText": "Watt", "extra": 1}, "extra"),
        ({"answerText": "Watt", "answerSubject": "s" * 201}, "answerSubject"),
    ],
)
async def test_change_refuses_bad_bodies(owner, participant, body, field):
    question = await create_question(owner, active=True, allowAnswerChange=True)
    created = await give_answer(participant, question, text="Watt")
    response = await participant.put(one_answer(question, created), json=body)
    assert field in (await expect_error(response, 400, "validation-failed"))["errors"]


async def test_change_authorization(owner, keyword, participant, stranger, anonymous, admin, join):
    question = await create_question(owner, active=True)
    created = await give_answer(participant, question, text="Watt")
    (other,) = await join(1)
    for path in (one_answer(question, created), one_answer(question, created, keyword)):
        for client in (owner, other, stranger, admin):
            response = await client.put(path, json={"answerText": "Joule"})
            await expect_error(response, 403, "author-only")
        response = await anonymous.put(path, json={"answerText": "Joule"})
        await expect_error(response, 401, "login-required")


async def test_change_follows_the_answering_rules(owner, keyword, participant):
    question = await create_question(owner, active=True)
    created = await give_answer(participant, question, text="Watt")
    path = one_answer(question, created)
    assert (await owner.post(f"/session/{keyword}/lock")).status == 204
    await expect_error(
        await participant.put(path, json={"answerText": "Joule"}), 409, "session-locked"
    )
    assert (await owner.post(f"/session/{keyword}/lock", params={"lock": "false"})).status == 204
    response = await owner.post(f"{questions_path(keyword)}{question['_id']}/publish?publish=false")
    assert response.status == 204
    response = await participant.put(path, json={"answerText": "Joule"})
    await expect_error(response, 403, "question-not-published")


async def test_change_unknown_answer_is_404(owner, participant):
    question = await create_question(owner, active=True)
    other_question = await create_question(owner, active=True)
    created = await give_answer(participant, question, text="Watt")
    for answer_id in ("nope", UNKNOWN_ID):
        response = await participant.put(
            answers_of(question) + answer_id, json={"answerText": "Joule"}
        )
        await expect_error(response, 404, "answer-not-found")
    response = await participant.put(
        one_answer(other_question, created), json={"answerText": "Joule"}
    )
    await expect_error(response, 404, "answer-not-found")


# --- delete ---------------------------------------------------------------------------


async def test_author_and_owner_delete_answers(owner, keyword, db, join):
    question = await create_question(owner, active=True)
    first, second = await join(2)
    mine = await give_answer(first, question, text="Watt")
    theirs = await give_answer(second, question, text="Joule")
    response = await first.delete(one_answer(question, mine))
    assert response.status == 204 and await response.read() == b""
    response = await owner.delete(one_answer(question, theirs, keyword))
    assert response.status == 204
    assert await db.answers.count_documents({}) == 0
    await expect_error(await first.delete(one_answer(question, mine)), 404, "answer-not-found")
    await give_answer(first, question, text="Newton")  # may answer again


async def test_delete_authorization(owner, keyword, participant, stranger, anonymous, admin, join):
    question = await create_question(owner, active=True)
    created = await give_answer(participant, question, text="Watt")
    (other,) = await join(1)
    for path in (one_answer(question, created), one_answer(question, created, keyword)):
        for client in (other, stranger):
            await expect_error(await client.delete(path), 403, "owner-or-author-only")
        await expect_error(await anonymous.delete(path), 401, "login-required")
    assert (await admin.delete(one_answer(question, created))).status == 204


async def test_delete_in_a_locked_session_is_for_the_owner_only(owner, keyword, join):
    question = await create_question(owner, active=True)
    first, second = await join(2)
    mine = await give_answer(first, question, text="Watt")
    theirs = await give_answer(second, question, text="Watt")
    assert (await owner.post(f"/session/{keyword}/lock")).status == 204
    await expect_error(await first.delete(one_answer(question, mine)), 409, "session-locked")
    assert (await owner.delete(one_answer(question, theirs))).status == 204


async def test_delete_answer_of_another_question_is_404(owner, participant):
    question = await create_question(owner, active=True)
    other_question = await create_question(owner, active=True)
    created = await give_answer(participant, question, text="Watt")
    response = await owner.delete(one_answer(other_question, created))
    await expect_error(response, 404, "answer-not-found")
    await expect_error(await owner.delete(answers_of(question) + "x"), 404, "answer-not-found")


# --- statistics -----------------------------------------------------------------------


async def statistics(client, keyword: str) -> dict[str, dict]:
    """Per question id: the current round's statistics (their `rounds` checked and left out)."""
    response = await client.get(f"{questions_path(keyword)}statistics")
    assert response.status == 200, await response.text()
    entries = await response.json()
    current = {}
    for entry in entries:
        rounds = entry.pop("rounds")
        assert [r["piRound"] for r in rounds] == list(range(1, entry["piRound"] + 1))
        assert rounds[-1] == {key: entry[key] for key in rounds[-1]}
        del entry["piRound"]
        current[entry["questionId"]] = entry
    assert all(set(e) == {"questionId", "answerCounts", "total", "abstentions"} for e in entries)
    return current


async def test_statistics_are_exact(owner, keyword, join):
    shown = {"showStatistic": True, "active": True}
    sc = await create_question(owner, **shown)
    mc = await create_question(owner, questionType="mc", **shown)
    vote = await create_question(owner, questionType="vote", **shown)
    freetext = await create_question(owner, questionType="freetext", **shown)
    empty = await create_question(owner, questionType="yesno", active=False)
    students = await join(7)
    sc_texts = ["Newton", "0", "Joule", "Watt", "2", "Newton", None]
    mc_texts = ["1,0,0", "1,1,0", "1,1,1", "0,0,1", None, "0,1,1", "1,0,1"]
    vote_texts = ["1", "5", "5", None, None, "3", "5"]
    for index, student in enumerate(students):
        for question, texts in ((sc, sc_texts), (mc, mc_texts), (vote, vote_texts)):
            text = texts[index]
            body = {"abstention": True} if text is None else {"answerText": text}
            await give_answer(student, question, body)
        if index < 4:
            await give_answer(student, freetext, text=f"text {index}")
    stats = await statistics(owner, keyword)
    assert list(stats) == [sc["_id"], mc["_id"], vote["_id"], freetext["_id"], empty["_id"]]
    assert stats[sc["_id"]] == {
        "questionId": sc["_id"], "answerCounts": [3, 1, 2], "total": 7, "abstentions": 1,
    }  # fmt: skip
    assert stats[mc["_id"]] == {
        "questionId": mc["_id"], "answerCounts": [4, 3, 4], "total": 7, "abstentions": 1,
    }  # fmt: skip
    assert stats[vote["_id"]] == {
        "questionId": vote["_id"], "answerCounts": [1, 0, 1, 0, 3], "total": 7, "abstentions": 2,
    }  # fmt: skip
    assert stats[freetext["_id"]] == {
        "questionId": freetext["_id"], "answerCounts": [], "total": 4, "abstentions": 0,
    }  # fmt: skip
    assert stats[empty["_id"]] == {
        "questionId": empty["_id"], "answerCounts": [0, 0], "total": 0, "abstentions": 0,
    }  # fmt: skip


async def test_statistics_follow_changed_and_deleted_answers(owner, keyword, participant):
    question = await create_question(owner, active=True, allowAnswerChange=True)
    created = await give_answer(participant, question, text="Watt")
    assert (await statistics(owner, keyword))[question["_id"]]["answerCounts"] == [0, 0, 1]
    path = one_answer(question, created)
    assert (await participant.put(path, json={"answerText": "Newton"})).status == 200
    assert (await statistics(owner, keyword))[question["_id"]]["answerCounts"] == [1, 0, 0]
    assert (await participant.delete(path)).status == 204
    assert (await statistics(owner, keyword))[question["_id"]]["total"] == 0


async def test_participants_get_statistics_only_where_shown(
    owner, keyword, participant, stranger, anonymous, admin
):
    shown = await create_question(owner, showStatistic=True, active=True)
    await create_question(owner, active=True)  # published, statistics not shown
    await create_question(owner, active=False, showStatistic=True)
    await create_question(owner, releasedFor="courses", showStatistic=True, active=True)
    assert list(await statistics(participant, keyword)) == [shown["_id"]]
    assert len(await statistics(owner, keyword)) == 4
    assert len(await statistics(admin, keyword)) == 4
    path = f"{questions_path(keyword)}statistics"
    await expect_error(await stranger.get(path), 403, "not-a-participant")
    await expect_error(await anonymous.get(path), 401, "login-required")
    response = await owner.get(f"{questions_path('99999999')}statistics")
    await expect_error(response, 404, "session-not-found")


async def test_statistics_of_a_session_without_questions(owner, keyword):
    assert await statistics(owner, keyword) == {}
