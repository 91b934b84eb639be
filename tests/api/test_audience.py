"""/session/{keyword}/interposed/…: anonymous audience questions to the lecturer."""

import json
import time

import pytest
from bson import ObjectId

from tests.conftest import expect_error
from tests.helpers import ask_audience_question, create_lecture

UNKNOWN_ID = "0123456789abcdef01234567"
WIRE_PROPERTIES = {
    "_id", "type", "subject", "text", "sessionId", "sessionKeyword", "timestamp", "read",
}  # fmt: skip


def collection(keyword: str) -> str:
    return f"/session/{keyword}/interposed/"


async def listing(client, keyword: str, **params) -> list[dict]:
    response = await client.get(collection(keyword), params=params)
    assert response.status == 200, await response.text()
    return await response.json()


def assert_anonymous(body, *usernames: str) -> None:
    """No author property anywhere, and no author's name in any value."""
    text = json.dumps(body)
    for name in usernames:
        assert name not in text
    for item in body if isinstance(body, list) else [body]:
        assert not {"author", "user", "creator", "username"} & set(item)


# --- POST /session/{keyword}/interposed/ --------------------------------------------


async def test_participant_asks(owner, keyword, participant, db):
    before = int(time.time() * 1000)
    body = await ask_audience_question(participant, keyword, "Entropy", "Why does it always grow?")
    assert set(body) == WIRE_PROPERTIES
    assert body["type"] == "interposed_question"
    assert body["subject"] == "Entropy"
    assert body["text"] == "Why does it always grow?"
    assert body["sessionId"] == owner.lecture["_id"]
    assert body["sessionKeyword"] == keyword
    assert before - 1000 <= body["timestamp"] <= int(time.time() * 1000) + 1000
    assert body["read"] is False
    assert_anonymous(body, participant.username)
    stored = await db.interposed_questions.find_one({"_id": ObjectId(body["_id"])})
    assert stored["author"] == participant.username
    assert stored["session_id"] == ObjectId(owner.lecture["_id"])


@pytest.mark.parametrize("role", ["owner", "admin"])
async def test_owner_and_admin_may_ask_too(owner, admin, keyword, role):
    client = {"owner": owner, "admin": admin}[role]
    assert (await ask_audience_question(client, keyword))["read"] is False


async def test_stranger_anonymous_and_unknown_keyword(keyword, stranger, anonymous, participant):
    body = {"subject": "s", "text": "t"}
    await expect_error(
        await stranger.post(collection(keyword), json=body), 403, "not-a-participant"
    )
    await expect_error(await anonymous.post(collection(keyword), json=body), 401, "login-required")
    await expect_error(
        await participant.post(collection("99999999"), json=body), 404, "session-not-found"
    )


async def test_locked_session_refuses_questions(owner, keyword, participant):
    assert (await owner.post(f"/session/{keyword}/lock")).status == 204
    body = {"subject": "s", "text": "t"}
    for client in (participant, owner):
        response = await client.post(collection(keyword), json=body)
        await expect_error(response, 409, "session-locked")
    assert (await owner.post(f"/session/{keyword}/lock", params={"lock": "false"})).status == 204
    await ask_audience_question(participant, keyword)


async def test_longest_subject_and_text_are_accepted(keyword, participant):
    body = await ask_audience_question(participant, keyword, "s" * 200, "t" * 5000)
    assert len(body["subject"]) == 200 and len(body["text"]) == 5000


async def test_read_only_legacy_properties_are_ignored(owner, keyword, participant):
    legacy = {
        "_id": UNKNOWN_ID,
        "_rev": "1-abc",
        "type": "interposed_question",
        "sessionId": "somewhere-else",
        "sessionKeyword": "11111111",
        "timestamp": 0,
        "read": True,
        "subject": "s",
        "text": "t",
    }
    response = await participant.post(collection(keyword), json=legacy)
    assert response.status == 201
    body = await response.json()
    assert body["_id"] != UNKNOWN_ID
    assert body["sessionId"] == owner.lecture["_id"]
    assert body["sessionKeyword"] == keyword
    assert body["timestamp"] > 0
    assert body["read"] is False


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"text": "t"}, "subject"),
        ({"subject": "s"}, "text"),
        ({"subject": "", "text": "t"}, "subject"),
        ({"subject": "s" * 201, "text": "t"}, "subject"),
        ({"subject": "s", "text": ""}, "text"),
        ({"subject": "s", "text": "t" * 5001}, "text"),
        ({"subject": 5, "text": "t"}, "subject"),
        ({"subject": "s", "text": None}, "text"),
        ({"subject": "s", "text": ["t"]}, "text"),
        ({"subject": "s", "text": "t", "author": "someone"}, "author"),
        ({"subject": "s", "text": "t", "user": "someone"}, "user"),
        ([], "_schema"),
        ("a question", "_schema"),
        (42, "_schema"),
        (None, "_schema"),
    ],
)
async def test_bad_body_is_400_naming_the_field(keyword, participant, db, body, field):
    response = await participant.post(
        collection(keyword), data=json.dumps(body), headers={"Content-Type": "application/json"}
    )
    error = await expect_error(response, 400, "validation-failed")
    assert field in error["errors"]
    assert await db.interposed_questions.count_documents({}) == 0


async def test_body_must_be_json(keyword, participant):
    response = await participant.post(
        collection(keyword), data=b"{", headers={"Content-Type": "application/json"}
    )
    await expect_error(response, 400, "invalid-json")
    response = await participant.post(collection(keyword), data="subject=s&text=t")
    await expect_error(response, 415, "unsupported-media-type")


# --- GET /session/{keyword}/interposed/ ---------------------------------------------


async def test_owner_lists_all_without_text_or_author(owner, keyword, participant, login):
    other = await login()
    assert (await other.get(f"/session/{keyword}")).status == 200
    first = await ask_audience_question(participant, keyword, "First", "secret text one")
    second = await ask_audience_question(other, keyword, "Second", "secret text two")
    questions = await listing(owner, keyword)
    assert [q["_id"] for q in questions] == [first["_id"], second["_id"]]
    for question in questions:
        assert set(question) == WIRE_PROPERTIES - {"text"}
    assert "secret text" not in json.dumps(questions)
    assert_anonymous(questions, participant.username, other.username)


async def test_participant_lists_only_their_own(keyword, participant, login):
    other = await login()
    assert (await other.get(f"/session/{keyword}")).status == 200
    own = await ask_audience_question(participant, keyword)
    await ask_audience_question(other, keyword)
    questions = await listing(participant, keyword)
    assert [q["_id"] for q in questions] == [own["_id"]]
    assert "text" not in questions[0]
    assert await listing(participant, keyword, user=participant.username) == questions


async def test_admin_lists_all_or_those_of_a_user(keyword, participant, owner, admin, login):
    other = await login()
    assert (await other.get(f"/session/{keyword}")).status == 200
    own = await ask_audience_question(participant, keyword)
    await ask_audience_question(other, keyword)
    assert len(await listing(admin, keyword)) == 2
    assert len(await listing(admin, keyword, user=owner.username)) == 2
    mine = await listing(admin, keyword, user=participant.username)
    assert [q["_id"] for q in mine] == [own["_id"]]


async def test_owner_passing_their_own_name_still_sees_all(owner, keyword, participant):
    await ask_audience_question(participant, keyword)
    assert len(await listing(owner, keyword, user=owner.username)) == 1


async def test_user_parameter_must_be_the_caller(owner, keyword, participant):
    for client, name in ((participant, owner.username), (owner, participant.username)):
        response = await client.get(collection(keyword), params={"user": name})
        await expect_error(response, 403, "user-mismatch")


async def test_empty_list(owner, keyword):
    assert await listing(owner, keyword) == []


async def test_questions_of_other_sessions_are_not_listed(owner, keyword, participant, login):
    await ask_audience_question(participant, keyword)
    other_owner = await login()
    other_keyword = await create_lecture(other_owner, "Other")
    await ask_audience_question(other_owner, other_keyword)
    assert len(await listing(owner, keyword)) == 1
    assert len(await listing(other_owner, other_keyword)) == 1


async def test_list_authorization(keyword, stranger, anonymous, participant):
    await expect_error(await stranger.get(collection(keyword)), 403, "not-a-participant")
    await expect_error(await anonymous.get(collection(keyword)), 401, "login-required")
    await expect_error(await participant.get(collection("99999999")), 404, "session-not-found")


async def test_trailing_slash_is_part_of_the_collection(owner, keyword):
    await expect_error(await owner.get(f"/session/{keyword}/interposed"), 404, "not-found")


async def test_sort_order_limit_offset(owner, keyword, participant):
    ids = {}
    for subject in ("b", "c", "a"):
        ids[subject] = (await ask_audience_question(participant, keyword, subject))["_id"]
    await owner.get(f"{collection(keyword)}{ids['c']}")  # marks c read

    def subjects(questions):
        return [q["subject"] for q in questions]

    assert subjects(await listing(owner, keyword)) == ["b", "c", "a"]
    assert subjects(await listing(owner, keyword, order="desc")) == ["a", "c", "b"]
    assert subjects(await listing(owner, keyword, sort="subject")) == ["a", "b", "c"]
    by_subject = await listing(owner, keyword, sort="subject", order="desc", limit=2, offset=1)
    assert subjects(by_subject) == ["b", "a"]
    assert subjects(await listing(owner, keyword, sort="read", order="desc", limit=1)) == ["c"]
    assert subjects(await listing(owner, keyword, sort="timestamp", offset=2)) == ["a"]
    assert await listing(owner, keyword, offset=3) == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": "0"}, "limit"),
        ({"limit": "1001"}, "limit"),
        ({"limit": "many"}, "limit"),
        ({"offset": "-1"}, "offset"),
        ({"offset": "x"}, "offset"),
        ({"sort": "text"}, "sort"),
        ({"sort": "author"}, "sort"),
        ({"sort": ""}, "sort"),
        ({"order": "up"}, "order"),
        ({"user": ""}, "user"),
    ],
)
async def test_bad_list_parameters_are_400_naming_them(owner, keyword, params, field):
    response = await owner.get(collection(keyword), params=params)
    error = await expect_error(response, 400, "validation-failed")
    assert field in error["errors"]


# --- GET /session/{keyword}/interposed/{id} -----------------------------------------


async def test_owner_reads_a_question_and_marks_it_read(owner, keyword, participant, db):
    asked = await ask_audience_question(participant, keyword, "Entropy", "Why does it grow?")
    response = await owner.get(collection(keyword) + asked["_id"])
    assert response.status == 200
    body = await response.json()
    assert body == {**asked, "read": True}
    assert_anonymous(body, participant.username)
    stored = await db.interposed_questions.find_one({"_id": ObjectId(asked["_id"])})
    assert stored["read"] is True
    assert (await listing(owner, keyword))[0]["read"] is True


async def test_admin_read_marks_it_read(keyword, participant, admin):
    asked = await ask_audience_question(participant, keyword)
    body = await (await admin.get(collection(keyword) + asked["_id"])).json()
    assert body["read"] is True and body["text"] == asked["text"]


async def test_author_reads_their_own_without_marking_it(keyword, participant, db):
    asked = await ask_audience_question(participant, keyword)
    response = await participant.get(collection(keyword) + asked["_id"])
    assert response.status == 200
    assert await response.json() == asked
    stored = await db.interposed_questions.find_one({"_id": ObjectId(asked["_id"])})
    assert stored["read"] is False


async def test_only_owner_and_author_read_a_question(
    keyword, participant, login, stranger, anonymous
):
    asked = await ask_audience_question(participant, keyword)
    path = collection(keyword) + asked["_id"]
    other = await login()
    assert (await other.get(f"/session/{keyword}")).status == 200
    await expect_error(await other.get(path), 403, "owner-or-author-only")
    await expect_error(await stranger.get(path), 403, "not-a-participant")
    await expect_error(await anonymous.get(path), 401, "login-required")


@pytest.mark.parametrize("question_id", ["nope", UNKNOWN_ID, "0" * 25, "%20"])
async def test_unknown_question_is_404(owner, keyword, question_id):
    response = await owner.get(collection(keyword) + question_id)
    await expect_error(response, 404, "interposed-question-not-found")


async def test_question_of_another_session_is_404(owner, keyword, login):
    other_owner = await login()
    other_keyword = await create_lecture(other_owner, "Other")
    asked = await ask_audience_question(other_owner, other_keyword)
    response = await owner.get(collection(keyword) + asked["_id"])
    await expect_error(response, 404, "interposed-question-not-found")
    response = await owner.delete(collection(keyword) + asked["_id"])
    await expect_error(response, 404, "interposed-question-not-found")


# --- DELETE /session/{keyword}/interposed/{id} --------------------------------------


@pytest.mark.parametrize("role", ["participant", "owner", "admin"])
async def test_author_owner_or_admin_deletes_a_question(
    owner, admin, keyword, participant, db, role
):
    asked = await ask_audience_question(participant, keyword)
    client = {"owner": owner, "admin": admin, "participant": participant}[role]
    response = await client.delete(collection(keyword) + asked["_id"])
    assert response.status == 204
    assert await db.interposed_questions.count_documents({}) == 0
    response = await client.delete(collection(keyword) + asked["_id"])
    await expect_error(response, 404, "interposed-question-not-found")


async def test_others_may_not_delete_a_question(
    keyword, participant, login, stranger, anonymous, db
):
    asked = await ask_audience_question(participant, keyword)
    path = collection(keyword) + asked["_id"]
    other = await login()
    assert (await other.get(f"/session/{keyword}")).status == 200
    await expect_error(await other.delete(path), 403, "owner-or-author-only")
    await expect_error(await stranger.delete(path), 403, "not-a-participant")
    await expect_error(await anonymous.delete(path), 401, "login-required")
    assert await db.interposed_questions.count_documents({}) == 1


@pytest.mark.parametrize("question_id", ["nope", UNKNOWN_ID])
async def test_deleting_an_unknown_question_is_404(owner, keyword, question_id):
    response = await owner.delete(collection(keyword) + question_id)
    await expect_error(response, 404, "interposed-question-not-found")


# --- DELETE /session/{keyword}/interposed/ ------------------------------------------


@pytest.mark.parametrize("role", ["owner", "admin"])
async def test_owner_deletes_all_questions_of_the_session(
    owner, admin, keyword, participant, login, role
):
    await ask_audience_question(participant, keyword)
    await ask_audience_question(participant, keyword)
    other_owner = await login()
    other_keyword = await create_lecture(other_owner, "Other")
    await ask_audience_question(other_owner, other_keyword)
    client = {"owner": owner, "admin": admin}[role]
    assert (await client.delete(collection(keyword))).status == 204
    assert await listing(owner, keyword) == []
    assert (await client.delete(collection(keyword))).status == 204  # already empty
    assert len(await listing(other_owner, other_keyword)) == 1


async def test_only_the_owner_deletes_all(keyword, participant, stranger, anonymous, db):
    await ask_audience_question(participant, keyword)
    await expect_error(await participant.delete(collection(keyword)), 403, "owner-only")
    await expect_error(await stranger.delete(collection(keyword)), 403, "owner-only")
    await expect_error(await anonymous.delete(collection(keyword)), 401, "login-required")
    await expect_error(await participant.delete(collection("99999999")), 404, "session-not-found")
    assert await db.interposed_questions.count_documents({}) == 1


async def test_deleting_the_session_deletes_its_questions(owner, keyword, participant, db):
    await ask_audience_question(participant, keyword)
    assert (await owner.delete(f"/session/{keyword}")).status == 204
    assert await db.interposed_questions.count_documents({}) == 0
