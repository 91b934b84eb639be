"""[/session/{keyword}]/lecturerquestion/…: create, list, get, change, publish, delete."""

import time

import pytest
from bson import ObjectId

from tests.conftest import expect_error
from tests.helpers import OPTIONS, QUESTION, create_question, publish, question_path, questions_path

QUESTION_PROPERTIES = {
    "_id", "type", "questionType", "subject", "text", "active", "releasedFor",
    "possibleAnswers", "noCorrect", "sessionKeyword", "timestamp", "showStatistic", "showAnswer",
    "piRound", "votingDisabled", "votingEndsAt", "allowAnswerChange", "serverTime",
}  # fmt: skip
SC = {**QUESTION, "possibleAnswers": OPTIONS}
UNKNOWN_ID = str(ObjectId())
JSON = {"Content-Type": "application/json"}


def as_stored(question: dict) -> dict:
    """A question without `serverTime`, the time it was sent."""
    return {key: value for key, value in question.items() if key != "serverTime"}


async def listed(client, keyword: str, **params) -> list[dict]:
    response = await client.get(questions_path(keyword), params=params)
    assert response.status == 200, await response.text()
    return await response.json()


# --- create ---------------------------------------------------------------------------


async def test_create_returns_the_question(owner, keyword, db):
    before = int(time.time() * 1000)
    question = await create_question(owner, number=3, duration=60)
    assert set(question) == QUESTION_PROPERTIES | {"number", "duration"}
    assert question["type"] == "skill_question"
    assert question["questionType"] == "sc"
    assert question["subject"] == SC["subject"] and question["text"] == SC["text"]
    assert question["active"] is False  # unpublished until the owner publishes it
    assert question["releasedFor"] == "all"
    assert question["possibleAnswers"] == [
        {"id": "0", "text": "Newton", "correct": True},
        {"id": "1", "text": "Joule", "correct": False},
        {"id": "2", "text": "Watt", "correct": False},
    ]
    assert question["noCorrect"] is False
    assert question["showStatistic"] is False and question["showAnswer"] is False
    assert question["sessionKeyword"] == keyword
    assert before - 1000 <= question["timestamp"] <= int(time.time() * 1000) + 1000
    assert question["number"] == 3 and question["duration"] == 60
    stored = await db.questions.find_one({"_id": ObjectId(question["_id"])})
    assert stored["session_id"] == ObjectId(owner.lecture["_id"])
    assert stored["question_type"] == "sc" and stored["possible_answers"][0]["correct"] is True


@pytest.mark.parametrize(
    ("question_type", "texts"),
    [
        ("yesno", ["yes", "no"]),
        ("vote", ["1", "2", "3", "4", "5"]),
        ("school", ["1", "2", "3", "4", "5", "6"]),
        ("freetext", []),
    ],
)
async def test_scale_types_get_their_default_options(owner, question_type, texts):
    body = {"questionType": question_type, "subject": "S", "text": "T"}
    response = await owner.post(questions_path(owner.lecture["keyword"]), json=body)
    assert response.status == 201, await response.text()
    options = (await response.json())["possibleAnswers"]
    assert [option["text"] for option in options] == texts
    assert [option["id"] for option in options] == [str(i) for i in range(len(texts))]


@pytest.mark.parametrize(
    ("question_type", "count"), [("abcd", 4), ("abcd", 2), ("mc", 26), ("vote", 5), ("yesno", 2)]
)
async def test_given_options_are_kept(owner, question_type, count):
    options = [{"text": f"option {i}", "correct": i == 0} for i in range(count)]
    question = await create_question(owner, questionType=question_type, possibleAnswers=options)
    assert [o["text"] for o in question["possibleAnswers"]] == [o["text"] for o in options]


async def test_given_option_ids_are_kept_and_missing_ones_assigned(owner):
    options = [{"id": "a", "text": "A"}, {"text": "B"}, {"id": "z", "text": "C"}]
    question = await create_question(owner, possibleAnswers=options)
    assert [o["id"] for o in question["possibleAnswers"]] == ["a", "1", "z"]


async def test_read_only_properties_of_legacy_clients_are_ignored(owner, keyword):
    body = {
        **SC, "_id": "abc", "_rev": "1-x", "type": "skill_question", "sessionKeyword": "11111111",
        "sessionId": "abc", "timestamp": 1,
    }  # fmt: skip
    response = await owner.post(questions_path(keyword), json=body)
    assert response.status == 201, await response.text()
    question = await response.json()
    assert question["_id"] != "abc" and question["sessionKeyword"] == keyword
    assert question["timestamp"] > 1


async def test_create_authorization(owner, keyword, participant, stranger, anonymous, admin):
    for client in (participant, stranger):
        response = await client.post(questions_path(keyword), json=SC)
        await expect_error(response, 403, "owner-only")
    await expect_error(
        await anonymous.post(questions_path(keyword), json=SC), 401, "login-required"
    )
    response = await admin.post(questions_path(keyword), json=SC)
    assert response.status == 201


async def test_create_in_an_unknown_session_is_404(owner):
    await expect_error(
        await owner.post(questions_path("99999999"), json=SC), 404, "session-not-found"
    )


def options(count: int) -> list[dict]:
    return [{"text": f"option {i}"} for i in range(count)]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"color": "red"}, "color"),
        ({"subject": 5}, "subject"),
        ({"subject": ""}, "subject"),
        ({"subject": "s" * 201}, "subject"),
        ({"text": ""}, "text"),
        ({"text": "t" * 5001}, "text"),
        ({"text": None}, "text"),
        ({"questionType": "essay"}, "questionType"),
        ({"active": "maybe"}, "active"),
        ({"releasedFor": "everyone"}, "releasedFor"),
        ({"noCorrect": []}, "noCorrect"),
        ({"showStatistic": "x"}, "showStatistic"),
        ({"showAnswer": {}}, "showAnswer"),
        ({"number": -1}, "number"),
        ({"number": 1.5}, "number"),
        ({"duration": -1}, "duration"),
        ({"duration": "long"}, "duration"),
        ({"possibleAnswers": "A,B"}, "possibleAnswers"),
        ({"possibleAnswers": options(27)}, "possibleAnswers"),
        ({"possibleAnswers": options(1)}, "possibleAnswers"),
        ({"possibleAnswers": None}, "possibleAnswers"),
        ({"possibleAnswers": [{"text": "A"}, {"text": "A"}]}, "possibleAnswers"),
        (
            {"possibleAnswers": [{"id": "x", "text": "A"}, {"id": "x", "text": "B"}]},
            "possibleAnswers",
        ),
        ({"possibleAnswers": [{"text": "A"}, {"text": "o" * 501}]}, "possibleAnswers"),
        ({"possibleAnswers": [{"text": "A"}, {"text": ""}]}, "possibleAnswers"),
        ({"possibleAnswers": [{"text": "A"}, {"text": "B", "value": 1}]}, "possibleAnswers"),
        ({"possibleAnswers": [{"text": "A"}, {"text": "B", "correct": "x"}]}, "possibleAnswers"),
        ({"questionType": "abcd", "possibleAnswers": options(5)}, "possibleAnswers"),
        ({"questionType": "mc", "possibleAnswers": []}, "possibleAnswers"),
        ({"questionType": "freetext"}, "possibleAnswers"),
        ({"questionType": "yesno"}, "possibleAnswers"),
        ({"questionType": "vote", "possibleAnswers": options(4)}, "possibleAnswers"),
        ({"questionType": "school", "possibleAnswers": options(5)}, "possibleAnswers"),
    ],
)
async def test_create_refuses_bad_bodies(owner, keyword, changes, field):
    response = await owner.post(questions_path(keyword), json={**SC, **changes})
    body = await expect_error(response, 400, "validation-failed")
    assert field in body["errors"], body


@pytest.mark.parametrize("field", ["questionType", "subject", "text"])
async def test_create_requires_the_main_fields(owner, keyword, field):
    body = {key: value for key, value in SC.items() if key != field}
    response = await owner.post(questions_path(keyword), json=body)
    assert field in (await expect_error(response, 400, "validation-failed"))["errors"]


async def test_choice_types_need_options(owner, keyword):
    body = {"questionType": "mc", "subject": "S", "text": "T"}
    response = await owner.post(questions_path(keyword), json=body)
    assert "possibleAnswers" in (await expect_error(response, 400, "validation-failed"))["errors"]


async def test_create_refuses_bodies_that_are_not_json_objects(owner, keyword):
    path = questions_path(keyword)
    await expect_error(await owner.post(path, json=[SC]), 400, "validation-failed")
    await expect_error(await owner.post(path, data="{", headers=JSON), 400, "invalid-json")
    await expect_error(await owner.post(path, data="x"), 415, "unsupported-media-type")


# --- list -----------------------------------------------------------------------------


async def test_owner_lists_every_question_participants_only_published_ones(
    owner, keyword, participant
):
    hidden = await create_question(owner, subject="hidden")
    shown = await create_question(owner, subject="shown")
    await publish(owner, shown["_id"], keyword=keyword)
    assert [q["_id"] for q in await listed(owner, keyword)] == [hidden["_id"], shown["_id"]]
    assert [q["_id"] for q in await listed(participant, keyword)] == [shown["_id"]]
    await publish(owner, shown["_id"], "false", keyword=keyword)
    assert await listed(participant, keyword) == []


async def test_courses_questions_are_only_for_course_users(
    owner, keyword, participant, course_student
):
    question = await create_question(owner, releasedFor="courses", active=True)
    assert await listed(participant, keyword) == []
    assert [q["_id"] for q in await listed(course_student, keyword)] == [question["_id"]]
    response = await participant.get(question_path(question["_id"]))
    await expect_error(response, 403, "question-not-released")
    assert (await course_student.get(question_path(question["_id"]))).status == 200


async def test_correct_is_hidden_from_participants_until_shown(owner, keyword, participant):
    question = await create_question(owner, active=True)
    for seen in (
        (await listed(participant, keyword))[0],
        await (await participant.get(question_path(question["_id"]))).json(),
    ):
        assert all("correct" not in option for option in seen["possibleAnswers"])
        assert [option["text"] for option in seen["possibleAnswers"]] == ["Newton", "Joule", "Watt"]
    assert (await listed(owner, keyword))[0]["possibleAnswers"][0]["correct"] is True
    response = await owner.put(question_path(question["_id"]), json={"showAnswer": True})
    assert response.status == 204
    assert (await listed(participant, keyword))[0]["possibleAnswers"][0]["correct"] is True
    seen = await (await participant.get(question_path(question["_id"], keyword))).json()
    assert seen["possibleAnswers"][0]["correct"] is True


async def test_list_authorization(owner, keyword, participant, stranger, anonymous, admin):
    await create_question(owner)
    await expect_error(await stranger.get(questions_path(keyword)), 403, "not-a-participant")
    await expect_error(await anonymous.get(questions_path(keyword)), 401, "login-required")
    assert len(await listed(admin, keyword)) == 1  # admins see unpublished ones too
    assert await listed(participant, keyword) == []
    await expect_error(await owner.get(questions_path("99999999")), 404, "session-not-found")


async def test_unansweredonly_leaves_out_what_the_caller_answered(
    owner, keyword, participant, admin
):
    first = await create_question(owner, subject="first", active=True)
    second = await create_question(owner, subject="second", active=True)
    response = await participant.post(
        question_path(first["_id"]) + "/answer/", json={"answerText": "Newton"}
    )
    assert response.status == 201
    ids = [q["_id"] for q in await listed(participant, keyword, unansweredonly="true")]
    assert ids == [second["_id"]]
    assert len(await listed(participant, keyword, unansweredonly="false")) == 2
    assert len(await listed(participant, keyword)) == 2
    ids = [q["_id"] for q in await listed(owner, keyword, unansweredonly="true")]
    assert ids == [first["_id"], second["_id"]]
    mine = await listed(participant, keyword, unansweredonly="true", user=participant.username)
    assert [q["_id"] for q in mine] == [second["_id"]]
    theirs = await listed(admin, keyword, unansweredonly="true", user=participant.username)
    assert [q["_id"] for q in theirs] == [second["_id"]]
    response = await participant.get(
        questions_path(keyword), params={"unansweredonly": "true", "user": owner.username}
    )
    await expect_error(response, 403, "user-mismatch")


async def test_list_sorts_and_pages(owner, keyword):
    for subject in ("b", "c", "a"):
        await create_question(owner, subject=subject)

    async def subjects(**params) -> list[str]:
        return [q["subject"] for q in await listed(owner, keyword, **params)]

    assert await subjects() == ["b", "c", "a"]  # by creation time
    assert await subjects(sort="subject") == ["a", "b", "c"]
    assert await subjects(sort="subject", order="desc") == ["c", "b", "a"]
    assert await subjects(sort="subject", limit="2") == ["a", "b"]
    assert await subjects(sort="subject", limit="2", offset="2") == ["c"]
    assert await subjects(order="desc") == ["a", "c", "b"]
    assert await subjects(sort="timestamp", offset="5") == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": "0"}, "limit"),
        ({"limit": "1001"}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"offset": "-1"}, "offset"),
        ({"offset": "x"}, "offset"),
        ({"sort": "text"}, "sort"),
        ({"sort": "_id"}, "sort"),
        ({"order": "up"}, "order"),
        ({"unansweredonly": "maybe"}, "unansweredonly"),
        ({"user": ""}, "user"),
    ],
)
async def test_list_refuses_bad_parameters(owner, keyword, params, field):
    response = await owner.get(questions_path(keyword), params=params)
    assert field in (await expect_error(response, 400, "validation-failed"))["errors"]


async def test_list_user_must_be_the_caller_unless_admin(owner, keyword, participant, admin):
    response = await participant.get(questions_path(keyword), params={"user": owner.username})
    await expect_error(response, 403, "user-mismatch")
    response = await admin.get(questions_path(keyword), params={"user": owner.username})
    assert response.status == 200


# --- get ------------------------------------------------------------------------------


async def test_get_with_and_without_the_session_prefix(owner, keyword):
    question = await create_question(owner)
    for path in (question_path(question["_id"]), question_path(question["_id"], keyword)):
        response = await owner.get(path)
        assert response.status == 200
        assert as_stored(await response.json()) == as_stored(question)


async def test_get_authorization(owner, keyword, participant, stranger, anonymous, admin):
    question = await create_question(owner)
    for path in (question_path(question["_id"]), question_path(question["_id"], keyword)):
        await expect_error(await participant.get(path), 403, "question-not-published")
        await expect_error(await stranger.get(path), 403, "not-a-participant")
        await expect_error(await anonymous.get(path), 401, "login-required")
        assert (await admin.get(path)).status == 200
    await publish(owner, question["_id"], keyword=keyword)
    seen = await (await participant.get(question_path(question["_id"], keyword))).json()
    assert seen["_id"] == question["_id"] and seen["active"] is True
    await expect_error(await stranger.get(question_path(question["_id"])), 403, "not-a-participant")


@pytest.mark.parametrize("question_id", ["abc", UNKNOWN_ID, "0" * 25, "statistics"])
async def test_get_unknown_or_malformed_ids_is_404(owner, keyword, question_id):
    for path in (f"/lecturerquestion/{question_id}", f"{questions_path(keyword)}{question_id}"):
        if question_id == "statistics" and path.startswith("/session/"):
            continue  # that one is the statistics resource
        await expect_error(await owner.get(path), 404, "question-not-found")


async def test_prefix_of_another_session_is_404(owner, login):
    question = await create_question(owner)
    other = await login()
    response = await other.post("/session/", json={"name": "Other"})
    other_keyword = (await response.json())["keyword"]
    elsewhere = question_path(question["_id"], other_keyword)
    await expect_error(await other.get(elsewhere), 404, "question-not-found")
    await expect_error(await owner.get(elsewhere), 404, "question-not-found")
    response = await owner.put(elsewhere, json={"subject": "x"})
    await expect_error(response, 404, "question-not-found")
    await expect_error(await owner.delete(elsewhere), 404, "question-not-found")
    response = await owner.post(elsewhere + "/publish")
    await expect_error(response, 404, "question-not-found")
    await expect_error(
        await owner.get(question_path(question["_id"], "99999999")), 404, "session-not-found"
    )


# --- update ---------------------------------------------------------------------------


async def test_update_changes_only_the_fields_sent(owner, keyword):
    question = await create_question(owner)
    response = await owner.put(
        question_path(question["_id"], keyword), json={"subject": "Forces", "duration": 30}
    )
    assert response.status == 204
    assert await response.read() == b""
    changed = await (await owner.get(question_path(question["_id"]))).json()
    assert as_stored(changed) == as_stored({**question, "subject": "Forces", "duration": 30})


async def test_update_accepts_the_whole_legacy_object(owner):
    question = await create_question(owner)
    body = {**question, "text": "Which unit measures force?", "_rev": "2-x", "sessionId": "s"}
    response = await owner.put(question_path(question["_id"]), json=body)
    assert response.status == 204, await response.text()
    changed = await (await owner.get(question_path(question["_id"]))).json()
    assert as_stored(changed) == as_stored({**question, "text": "Which unit measures force?"})


async def test_update_options_and_type(owner):
    question = await create_question(owner)
    options = [{"text": "N"}, {"text": "J", "correct": True}]
    assert (
        await owner.put(question_path(question["_id"]), json={"possibleAnswers": options})
    ).status == 204
    changed = await (await owner.get(question_path(question["_id"]))).json()
    # New texts without ids are new options, with ids never used before.
    ids = [option.pop("id") for option in changed["possibleAnswers"]]
    assert changed["possibleAnswers"] == [
        {"text": "N", "correct": False},
        {"text": "J", "correct": True},
    ]
    assert len(set(ids)) == 2 and not set(ids) & {"0", "1", "2"}
    assert (
        await owner.put(question_path(question["_id"]), json={"questionType": "mc"})
    ).status == 204
    changed = await (await owner.get(question_path(question["_id"]))).json()
    assert changed["questionType"] == "mc" and len(changed["possibleAnswers"]) == 2
    assert (
        await owner.put(question_path(question["_id"]), json={"questionType": "yesno"})
    ).status == 204
    changed = await (await owner.get(question_path(question["_id"]))).json()
    assert [o["text"] for o in changed["possibleAnswers"]] == ["yes", "no"]
    assert (
        await owner.put(question_path(question["_id"]), json={"questionType": "freetext"})
    ).status == 204
    assert (await (await owner.get(question_path(question["_id"]))).json())["possibleAnswers"] == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"color": "red"}, "color"),
        ({"subject": "s" * 201}, "subject"),
        ({"subject": ""}, "subject"),
        ({"text": 1}, "text"),
        ({"questionType": "essay"}, "questionType"),
        ({"releasedFor": "nobody"}, "releasedFor"),
        ({"possibleAnswers": options(27)}, "possibleAnswers"),
        ({"possibleAnswers": options(1)}, "possibleAnswers"),
        ({"possibleAnswers": None}, "possibleAnswers"),
        ({"questionType": "abcd", "possibleAnswers": options(5)}, "possibleAnswers"),
        ({"questionType": "freetext", "possibleAnswers": options(2)}, "possibleAnswers"),
        ({"questionType": "vote", "possibleAnswers": options(3)}, "possibleAnswers"),
        ({"duration": -5}, "duration"),
    ],
)
async def test_update_refuses_bad_bodies(owner, body, field):
    question = await create_question(owner)
    response = await owner.put(question_path(question["_id"]), json=body)
    assert field in (await expect_error(response, 400, "validation-failed"))["errors"]
    assert as_stored(await (await owner.get(question_path(question["_id"]))).json()) == as_stored(
        question
    )


async def test_update_to_abcd_with_too_many_stored_options_is_refused(owner):
    question = await create_question(owner, possibleAnswers=options(5))
    response = await owner.put(question_path(question["_id"]), json={"questionType": "abcd"})
    assert "possibleAnswers" in (await expect_error(response, 400, "validation-failed"))["errors"]


async def test_type_is_fixed_once_answered(owner, participant):
    question = await create_question(owner, active=True)
    response = await participant.post(
        question_path(question["_id"]) + "/answer/", json={"answerText": "Joule"}
    )
    assert response.status == 201
    response = await owner.put(question_path(question["_id"]), json={"questionType": "mc"})
    await expect_error(response, 409, "question-has-answers")
    more = [*question["possibleAnswers"], {"text": "Volt"}]
    response = await owner.put(question_path(question["_id"]), json={"possibleAnswers": more})
    assert response.status == 204
    renamed = [{**option, "text": option["text"][0]} for option in more]
    response = await owner.put(question_path(question["_id"]), json={"possibleAnswers": renamed})
    assert response.status == 204


async def test_update_authorization(owner, keyword, participant, stranger, anonymous, admin):
    question = await create_question(owner)
    for path in (question_path(question["_id"]), question_path(question["_id"], keyword)):
        for client in (participant, stranger):
            await expect_error(await client.put(path, json={"subject": "x"}), 403, "owner-only")
        response = await anonymous.put(path, json={"subject": "x"})
        await expect_error(response, 401, "login-required")
    assert (
        await admin.put(question_path(question["_id"]), json={"subject": "by admin"})
    ).status == 204
    assert (await (await owner.get(question_path(question["_id"]))).json())["subject"] == "by admin"


async def test_update_unknown_question_is_404(owner, keyword):
    response = await owner.put(f"/lecturerquestion/{UNKNOWN_ID}", json={"subject": "x"})
    await expect_error(response, 404, "question-not-found")
    response = await owner.put(f"{questions_path(keyword)}nope", json={"subject": "x"})
    await expect_error(response, 404, "question-not-found")


# --- publish --------------------------------------------------------------------------


async def test_publish_and_unpublish(owner, keyword, participant):
    question = await create_question(owner)
    for path in (
        question_path(question["_id"]) + "/publish",
        question_path(question["_id"], keyword) + "/publish",
    ):
        response = await owner.post(path)
        assert response.status == 204 and await response.read() == b""
        assert (await (await owner.get(question_path(question["_id"]))).json())["active"] is True
        assert (await participant.get(question_path(question["_id"]))).status == 200
        assert (await owner.post(path, params={"publish": "false"})).status == 204
        assert (await (await owner.get(question_path(question["_id"]))).json())["active"] is False
        await expect_error(
            await participant.get(question_path(question["_id"])), 403, "question-not-published"
        )
        assert (await owner.post(path, params={"publish": "true"})).status == 204
        assert (await owner.post(path, params={"publish": "false"})).status == 204


async def test_publish_refuses_a_bad_flag(owner):
    question = await create_question(owner)
    response = await owner.post(
        question_path(question["_id"]) + "/publish", params={"publish": "maybe"}
    )
    assert "publish" in (await expect_error(response, 400, "validation-failed"))["errors"]


async def test_publish_authorization(owner, keyword, participant, stranger, anonymous, admin):
    question = await create_question(owner)
    for path in (
        question_path(question["_id"]) + "/publish",
        question_path(question["_id"], keyword) + "/publish",
    ):
        for client in (participant, stranger):
            await expect_error(await client.post(path), 403, "owner-only")
        await expect_error(await anonymous.post(path), 401, "login-required")
    assert (await admin.post(question_path(question["_id"]) + "/publish")).status == 204
    assert (await (await owner.get(question_path(question["_id"]))).json())["active"] is True
    response = await owner.post(f"/lecturerquestion/{UNKNOWN_ID}/publish")
    await expect_error(response, 404, "question-not-found")


# --- delete ---------------------------------------------------------------------------


@pytest.mark.parametrize("prefixed", [True, False])
async def test_delete_moves_the_question_with_its_answers_to_the_bin(
    owner, keyword, participant, db, prefixed
):
    question = await create_question(owner, active=True)
    kept = await create_question(owner, active=True)
    for target in (question, kept):
        response = await participant.post(
            question_path(target["_id"]) + "/answer/", json={"answerText": "Watt"}
        )
        assert response.status == 201
    response = await owner.delete(question_path(question["_id"], keyword if prefixed else None))
    assert response.status == 204 and await response.read() == b""
    await expect_error(await owner.get(question_path(question["_id"])), 404, "question-not-found")
    await expect_error(
        await owner.delete(question_path(question["_id"])), 404, "question-not-found"
    )
    await expect_error(
        await owner.get(question_path(question["_id"]) + "/answer/"), 404, "question-not-found"
    )
    assert [q["_id"] for q in await listed(owner, keyword)] == [kept["_id"]]
    binned = await (await owner.get(f"/session/{keyword}/bin/")).json()
    assert [q["_id"] for q in binned] == [question["_id"]] and binned[0]["deletedAt"] > 0
    # The answers wait in the bin with their question, invisible to statistics.
    assert await db.answers.count_documents({"question_id": ObjectId(question["_id"])}) == 1
    statistics = await (await owner.get(f"/session/{keyword}/lecturerquestion/statistics")).json()
    assert [row["questionId"] for row in statistics] == [kept["_id"]]


async def test_delete_authorization(owner, keyword, participant, stranger, anonymous, admin):
    question = await create_question(owner)
    for path in (question_path(question["_id"]), question_path(question["_id"], keyword)):
        for client in (participant, stranger):
            await expect_error(await client.delete(path), 403, "owner-only")
        await expect_error(await anonymous.delete(path), 401, "login-required")
    assert (await admin.delete(question_path(question["_id"]))).status == 204
    await expect_error(await owner.get(question_path(question["_id"])), 404, "question-not-found")
