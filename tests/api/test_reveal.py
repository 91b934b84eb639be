"""Reveal that makes sense: `correct` hidden from participants until shown, answers that
name options by id (reordering keeps counts, removing an answered option asks first),
abstentions counted, free-text answers the owner hides."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from bson import ObjectId

from tests.conftest import expect_error
from tests.helpers import answers_of, create_question, give_answer, question_path

NEWTON, JOULE, WATT = ("Newton", "0"), ("Joule", "1"), ("Watt", "2")


async def statistics(client, keyword: str, question: dict) -> dict:
    response = await client.get(f"/session/{keyword}/lecturerquestion/statistics")
    assert response.status == 200, await response.text()
    (row,) = [row for row in await response.json() if row["questionId"] == question["_id"]]
    return row


async def put(owner, question: dict, body: dict, status: int = 204, **params: str):
    response = await owner.put(question_path(question["_id"]), json=body, params=params)
    assert response.status == status, await response.text()
    return response


async def seen(client, question: dict, keyword: str) -> list[dict]:
    """The options of the question as `client` gets them, singly and in the list."""
    one = await (await client.get(question_path(question["_id"]))).json()
    listed = await (await client.get(f"/session/{keyword}/lecturerquestion/")).json()
    (same,) = [q for q in listed if q["_id"] == question["_id"]]
    assert same["possibleAnswers"] == one["possibleAnswers"]
    return one["possibleAnswers"]


# --- which option is correct ---------------------------------------------------------------


async def test_participants_learn_the_correct_option_only_when_revealed(
    owner, participant, keyword
):
    question = await create_question(owner, active=True)
    assert await seen(participant, question, keyword) == [
        {"id": "0", "text": "Newton"}, {"id": "1", "text": "Joule"}, {"id": "2", "text": "Watt"},
    ]  # fmt: skip
    owner_view = await seen(owner, question, keyword)
    assert [option["correct"] for option in owner_view] == [True, False, False]
    await put(owner, question, {"showAnswer": True})
    assert [o.get("correct") for o in await seen(participant, question, keyword)] == [
        True, False, False,
    ]  # fmt: skip
    await put(owner, question, {"showAnswer": False})
    assert all("correct" not in o for o in await seen(participant, question, keyword))


async def test_show_answer_is_ignored_without_a_correct_option(owner):
    question = await create_question(owner, options=["A", "B"], showAnswer=True)
    assert question["showAnswer"] is False
    await put(owner, question, {"showAnswer": True})
    stored = await (await owner.get(question_path(question["_id"]))).json()
    assert stored["showAnswer"] is False
    freetext = await create_question(owner, questionType="freetext")
    await put(owner, freetext, {"showAnswer": True})
    assert (await (await owner.get(question_path(freetext["_id"]))).json())["showAnswer"] is False
    await put(owner, question, {"possibleAnswers": [{"text": "A", "correct": True}, {"text": "B"}],
                                "showAnswer": True})  # fmt: skip
    assert (await (await owner.get(question_path(question["_id"]))).json())["showAnswer"] is True


# --- abstentions ---------------------------------------------------------------------------


async def test_abstentions_are_counted_in_the_total(owner, keyword, login):
    question = await create_question(owner, active=True)
    for body in ({"answerText": "Newton"}, {"abstention": True}, {"abstention": True}):
        student = await login()
        assert (await student.get(f"/session/{keyword}")).status == 200
        await give_answer(student, question, body)
    row = await statistics(owner, keyword, question)
    counts = {"answerCounts": [1, 0, 0], "total": 3, "abstentions": 2}
    assert row == {"questionId": question["_id"], "piRound": 1, **counts,
                   "rounds": [{"piRound": 1, **counts}]}  # fmt: skip


# --- options by id -------------------------------------------------------------------------


async def answered(owner, keyword, login, texts: list[str]) -> dict:
    """A published sc question (Newton, Joule, Watt) with one answer per text."""
    question = await create_question(owner, active=True)
    for text in texts:
        student = await login()
        assert (await student.get(f"/session/{keyword}")).status == 200
        await give_answer(student, question, text=text)
    return question


async def test_reordering_options_keeps_the_counts_with_their_option(owner, keyword, login):
    question = await answered(owner, keyword, login, ["Newton", "Joule", "Joule", "Watt"])
    assert (await statistics(owner, keyword, question))["answerCounts"] == [1, 2, 1]
    options = question["possibleAnswers"]
    await put(owner, question, {"possibleAnswers": [options[2], options[0], options[1]]})
    assert (await statistics(owner, keyword, question))["answerCounts"] == [1, 1, 2]  # W, N, J
    # A legacy client sends no ids: the options are matched by their text.
    legacy = [{"text": "Joule"}, {"text": "Watt"}, {"text": "Newton", "correct": True}]
    await put(owner, question, {"possibleAnswers": legacy})
    assert (await statistics(owner, keyword, question))["answerCounts"] == [2, 1, 1]
    ids = [o["id"] for o in (await (await owner.get(question_path(question["_id"]))).json())[
        "possibleAnswers"]]  # fmt: skip
    assert ids == [JOULE[1], WATT[1], NEWTON[1]]


async def test_new_options_start_at_zero_and_editing_a_text_keeps_the_count(owner, keyword, login):
    question = await answered(owner, keyword, login, ["Joule"])
    options = question["possibleAnswers"]
    changed = [options[0], {**options[1], "text": "Joule (J)"}, options[2], {"text": "Volt"}]
    await put(owner, question, {"possibleAnswers": changed})
    assert (await statistics(owner, keyword, question))["answerCounts"] == [0, 1, 0, 0]


async def test_removing_an_answered_option_asks_first(owner, keyword, login, participant):
    question = await answered(owner, keyword, login, ["Joule", "Watt"])
    newton, joule, watt = question["possibleAnswers"]
    response = await put(owner, question, {"possibleAnswers": [newton, watt]}, status=409)
    await expect_error(response, 409, "option-has-answers")
    assert (await statistics(owner, keyword, question))["answerCounts"] == [0, 1, 1]
    await put(owner, question, {"possibleAnswers": [joule, watt]})  # Newton had no answers
    assert (await statistics(owner, keyword, question))["answerCounts"] == [1, 1]
    await put(owner, question, {"possibleAnswers": [watt, {"text": "Volt"}]}, force="true")
    row = await statistics(owner, keyword, question)
    assert row["answerCounts"] == [1, 0] and row["total"] == 1  # Joule's answer went with it
    # The new option got an id never used before.
    ids = [o["id"] for o in (await (await owner.get(question_path(question["_id"]))).json())[
        "possibleAnswers"]]  # fmt: skip
    assert ids[0] == WATT[1] and ids[1] not in {NEWTON[1], JOULE[1], WATT[1]}


async def test_mc_answers_count_by_id_after_reordering(owner, keyword, participant):
    question = await create_question(owner, questionType="mc", active=True)
    created = await give_answer(participant, question, text="1,0,1")
    assert created["choices"] == [NEWTON[1], WATT[1]]
    newton, joule, watt = question["possibleAnswers"]
    await put(owner, question, {"possibleAnswers": [joule, watt, newton]})
    assert (await statistics(owner, keyword, question))["answerCounts"] == [0, 1, 1]


async def test_the_migration_turns_indices_into_option_ids(owner, participant, db):
    question = await create_question(owner, active=True)
    await db.questions.update_one(
        {"_id": ObjectId(question["_id"])},
        {"$set": {"possible_answers": [
            {"id": "n", "text": "Newton", "correct": True},
            {"id": "j", "text": "Joule", "correct": False},
            {"id": "w", "text": "Watt", "correct": False},
        ]}},
    )  # fmt: skip
    qid, sid = ObjectId(question["_id"]), ObjectId(owner.lecture["_id"])
    indices = ([1], [0, 2], [], [7], ["w"])
    old = [
        {"question_id": qid, "session_id": sid, "user": f"u{n}", "abstention": False, "choices": c}
        for n, c in enumerate(indices)
    ]
    await db.answers.insert_many(old)
    (path,) = (Path(__file__).parents[2] / "migrations").glob("*_answers_by_option_id.py")
    spec = importlib.util.spec_from_file_location("answers_by_option_id", path)
    assert spec and spec.loader
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    for _ in range(2):  # idempotent
        await migration.up(db)
        stored = {a["user"]: a["choices"] async for a in db.answers.find({"question_id": qid})}
        assert stored == {"u0": ["j"], "u1": ["n", "w"], "u2": [], "u3": [], "u4": ["w"]}


# --- hidden free-text answers ----------------------------------------------------------------


async def test_hidden_free_text_answers_stay_hidden_when_revealed(owner, keyword, login):
    question = await create_question(owner, questionType="freetext", active=True)
    answers = []
    for text in ("Inertia", "Something rude", "Friction"):
        student = await login()
        assert (await student.get(f"/session/{keyword}")).status == 200
        answers.append(await give_answer(student, question, text=text))
    response = await student.get(answers_of(question))
    await expect_error(response, 403, "answers-private")  # not revealed yet
    path = f"{question_path(question['_id'], keyword)}/answer/{answers[1]['_id']}/hide"
    response = await owner.post(path)
    assert response.status == 200 and (await response.json())["hidden"] is True
    owner_view = await (await owner.get(answers_of(question) + "?limit=10")).json()
    assert [a["hidden"] for a in owner_view] == [False, True, False]
    await put(owner, question, {"showStatistic": True})
    revealed = await (await student.get(answers_of(question))).json()
    assert [a["answerText"] for a in revealed] == ["Inertia", "Friction"]
    assert all(set(a) == {"answerText", "timestamp"} for a in revealed)  # no user, no id
    assert (await owner.post(path, params={"hide": "false"})).status == 200
    revealed = await (await student.get(answers_of(question))).json()
    assert [a["answerText"] for a in revealed] == ["Inertia", "Something rude", "Friction"]


async def test_only_free_text_answers_are_hidden(owner, participant):
    question = await create_question(owner, active=True)
    created = await give_answer(participant, question)
    response = await owner.post(f"{question_path(question['_id'])}/answer/{created['_id']}/hide")
    await expect_error(response, 409, "not-freetext")
    response = await owner.post(f"{question_path(question['_id'])}/answer/{ObjectId()}/hide")
    assert response.status == 409  # the type is checked first
    freetext = await create_question(owner, questionType="freetext", active=True)
    response = await owner.post(f"{question_path(freetext['_id'])}/answer/{ObjectId()}/hide")
    await expect_error(response, 404, "answer-not-found")
    response = await owner.post(f"{question_path(freetext['_id'])}/answer/nope/hide?hide=maybe")
    await expect_error(response, 400, "validation-failed")
    response = await participant.post(f"{question_path(freetext['_id'])}/answer/{ObjectId()}/hide")
    await expect_error(response, 403, "owner-only")


async def test_revealed_answers_only_of_questions_released_for_the_participant(owner, participant):
    question = await create_question(
        owner, questionType="freetext", active=True, showStatistic=True, releasedFor="courses"
    )
    response = await participant.get(answers_of(question))
    await expect_error(response, 403, "question-not-released")
