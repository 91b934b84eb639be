"""Peer-instruction rounds: …/startnewpiround, answering again, statistics per round, and
resetting a question's answers (DELETE …/answer/)."""

import pytest
from bson import ObjectId

from tests.conftest import expect_error
from tests.helpers import answers_of, create_question, give_answer, question_path, questions_path


async def new_round(owner, question: dict, keyword: str | None = None) -> dict:
    response = await owner.post(question_path(question["_id"], keyword) + "/startnewpiround")
    assert response.status == 200, await response.text()
    return await response.json()


async def statistics_of(client, keyword: str, question: dict) -> dict:
    response = await client.get(f"{questions_path(keyword)}statistics")
    assert response.status == 200, await response.text()
    return {entry["questionId"]: entry for entry in await response.json()}[question["_id"]]


def round_of(counts: list[int], total: int, abstentions: int, pi_round: int) -> dict:
    return {"piRound": pi_round, "answerCounts": counts, "total": total, "abstentions": abstentions}


async def test_a_new_question_is_in_round_one(owner, participant):
    question = await create_question(owner, active=True)
    assert question["piRound"] == 1
    assert (await give_answer(participant, question))["piRound"] == 1


async def test_two_rounds_are_counted_apart_and_side_by_side(
    owner,
    keyword,
    join,
):
    question = await create_question(owner, active=True, showStatistic=True)
    students = await join(3)
    for student, text in zip(students, ["Newton", "Newton", "Joule"], strict=True):
        await give_answer(student, question, text=text)
    started = await new_round(owner, question)
    assert started["piRound"] == 2 and started["_id"] == question["_id"]
    # Everyone answers again: the round-1 answer no longer blocks, nor is it the current one.
    for student in students:
        response = await student.get(answers_of(question) + "?createdonly=true")
        await expect_error(response, 404, "answer-not-found")
    for student, body in zip(
        students, [{"answerText": "Joule"}, {"answerText": "Joule"}, {"abstention": True}],
        strict=True,
    ):  # fmt: skip
        assert (await give_answer(student, question, body))["piRound"] == 2
    await give_answer(students[0], question, text="Watt", status=409)
    first = [round_of([2, 1, 0], 3, 0, 1), round_of([0, 2, 0], 3, 1, 2)]
    for client in (owner, students[0]):
        stats = await statistics_of(client, keyword, question)
        assert stats == {"questionId": question["_id"], **first[1], "rounds": first}
    mine = await students[0].get(answers_of(question) + "?createdonly=true")
    assert (await mine.json())["answerText"] == "Joule"
    earlier = await students[0].get(answers_of(question) + "?createdonly=true&piround=1")
    assert (await earlier.json())["answerText"] == "Newton"
    # The owner reads one round's answers, or all of them.
    one = await owner.get(answers_of(question) + "?piround=1")
    assert sorted(a["answerText"] for a in await one.json()) == ["Joule", "Newton", "Newton"]
    every = await owner.get(answers_of(question))
    assert len(await every.json()) == 6


async def test_any_number_of_rounds_and_an_empty_new_round(owner, keyword, participant):
    question = await create_question(owner, active=True)
    for pi_round in range(1, 5):
        await give_answer(participant, question, text="Watt")
        assert (await new_round(owner, question, keyword))["piRound"] == pi_round + 1
    stats = await statistics_of(owner, keyword, question)
    assert stats["piRound"] == 5 and stats["total"] == 0 and stats["answerCounts"] == [0, 0, 0]
    assert [r["total"] for r in stats["rounds"]] == [1, 1, 1, 1, 0]


async def test_an_answer_of_an_earlier_round_cannot_change(owner, participant):
    question = await create_question(owner, active=True)
    answer = await give_answer(participant, question, text="Watt")
    await new_round(owner, question)
    path = answers_of(question) + answer["_id"]
    response = await participant.put(path, json={"answerText": "Joule"})
    await expect_error(response, 409, "round-over")


async def test_unanswered_questions_are_those_unanswered_in_their_round(
    owner, keyword, participant
):
    first = await create_question(owner, active=True)
    second = await create_question(owner, active=True)
    await give_answer(participant, first)
    await give_answer(participant, second)
    path = f"{questions_path(keyword)}?unansweredonly=true"
    assert await (await participant.get(path)).json() == []
    await new_round(owner, first)
    assert [q["_id"] for q in await (await participant.get(path)).json()] == [first["_id"]]


async def test_reset_deletes_every_round_and_goes_back_to_round_one(owner, keyword, participant):
    question = await create_question(owner, active=True)
    other = await create_question(owner, active=True)
    await give_answer(participant, question)
    await give_answer(participant, other)
    await new_round(owner, question)
    await give_answer(participant, question)
    response = await owner.delete(answers_of(question, keyword))
    assert response.status == 200, await response.text()
    assert (await response.json())["piRound"] == 1
    stats = await statistics_of(owner, keyword, question)
    assert stats["rounds"] == [round_of([0, 0, 0], 0, 0, 1)]
    assert (await statistics_of(owner, keyword, other))["total"] == 1
    assert (await give_answer(participant, question))["piRound"] == 1


@pytest.mark.parametrize("action", ["startnewpiround", "reset"])
async def test_only_the_owner_starts_rounds_and_resets(
    action, owner, participant, stranger, anonymous, admin
):
    question = await create_question(owner, active=True)

    def call(client):
        if action == "reset":
            return client.delete(answers_of(question))
        return client.post(question_path(question["_id"]) + "/startnewpiround")

    for client in (participant, stranger):
        await expect_error(await call(client), 403, "owner-only")
    assert (await call(anonymous)).status == 401
    assert (await call(admin)).status == 200
    unknown = {"_id": str(ObjectId())}
    await expect_error(await owner.delete(answers_of(unknown)), 404, "question-not-found")
    response = await owner.post(question_path(unknown["_id"]) + "/startnewpiround")
    await expect_error(response, 404, "question-not-found")


@pytest.mark.parametrize("value", ["0", "-1", "x", "1.5", "99999999999999999999999"])
async def test_a_bad_round_is_a_400(owner, participant, value):
    question = await create_question(owner, active=True)
    for client, extra in ((owner, ""), (participant, "&createdonly=true")):
        response = await client.get(answers_of(question) + f"?piround={value}{extra}")
        await expect_error(response, 400, "validation-failed")


async def test_the_round_is_not_writable(owner):
    question = await create_question(owner, active=True, piRound=7)
    assert question["piRound"] == 1
    response = await owner.put(question_path(question["_id"]), json={"piRound": 3})
    assert response.status == 204
    assert (await (await owner.get(question_path(question["_id"]))).json())["piRound"] == 1
