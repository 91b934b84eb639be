"""Copying a question (issue 18's question management): a duplicate in its own session, or a
copy in another session of the same lecturer; its content only, never its answers or state."""

from __future__ import annotations

import pytest

from tests.conftest import expect_error
from tests.helpers import (
    create_lecture,
    create_question,
    give_answer,
    question_path,
    questions_path,
)

CONTENT = ("questionType", "subject", "text", "releasedFor", "possibleAnswers", "noCorrect")


async def copy(owner, question: dict, keyword: str | None = None, **params: str) -> dict:
    response = await owner.post(question_path(question["_id"], keyword) + "/copy", params=params)
    assert response.status == 201, await response.text()
    return await response.json()


async def questions_in(client, keyword: str) -> list[dict]:
    response = await client.get(questions_path(keyword))
    assert response.status == 200, await response.text()
    return await response.json()


async def statistics_of(owner, keyword: str, question: dict) -> dict:
    response = await owner.get(questions_path(keyword) + "statistics")
    assert response.status == 200, await response.text()
    (row,) = [row for row in await response.json() if row["questionId"] == question["_id"]]
    return row


@pytest.mark.parametrize("prefixed", [False, True])
async def test_a_duplicate_takes_the_content_and_starts_afresh(owner, participant, prefixed):
    keyword = owner.lecture["keyword"]
    question = await create_question(
        owner, active=True, showStatistic=True, showAnswer=True, allowAnswerChange=True
    )
    await give_answer(participant, question, text="Watt")
    countdown = await owner.post(question_path(question["_id"]) + "/countdown?seconds=60")
    assert countdown.status == 200
    new_round = await owner.post(question_path(question["_id"]) + "/startnewpiround")
    assert new_round.status == 200

    duplicate = await copy(owner, question, keyword if prefixed else None)

    assert duplicate["_id"] != question["_id"]
    assert {name: duplicate[name] for name in CONTENT} == {name: question[name] for name in CONTENT}
    assert duplicate["sessionKeyword"] == keyword
    assert duplicate["allowAnswerChange"] is True
    assert (duplicate["active"], duplicate["showStatistic"], duplicate["showAnswer"]) == (
        False, False, False,
    )  # fmt: skip
    assert (duplicate["piRound"], duplicate["votingDisabled"], duplicate["votingEndsAt"]) == (
        1, False, None,
    )  # fmt: skip
    assert (await statistics_of(owner, keyword, duplicate))["total"] == 0
    assert (await statistics_of(owner, keyword, question))["rounds"][0]["total"] == 1
    ids = [q["_id"] for q in await questions_in(owner, keyword)]
    assert question["_id"] in ids and duplicate["_id"] in ids
    # Unpublished: the participant does not see it yet.
    assert duplicate["_id"] not in [q["_id"] for q in await questions_in(participant, keyword)]


async def test_a_copy_goes_to_another_session_of_the_same_lecturer(owner):
    question = await create_question(owner, questionType="mc", options=["a", "b", "c"])
    other = await create_lecture(owner, "Physics II")

    copied = await copy(owner, question, to=other)

    assert copied["sessionKeyword"] == other
    assert [o["text"] for o in copied["possibleAnswers"]] == ["a", "b", "c"]
    assert [q["_id"] for q in await questions_in(owner, other)] == [copied["_id"]]
    assert len(await questions_in(owner, owner.lecture["keyword"])) == 1


async def test_only_the_owner_copies_and_only_into_own_sessions(owner, participant, login):
    question = await create_question(owner, active=True)
    response = await participant.post(question_path(question["_id"]) + "/copy")
    await expect_error(response, 403, "owner-only")

    stranger = await login()
    foreign = await create_lecture(stranger, "Not yours")
    response = await owner.post(question_path(question["_id"]) + "/copy", params={"to": foreign})
    await expect_error(response, 403, "owner-only")
    assert await questions_in(stranger, foreign) == []


@pytest.mark.parametrize(
    ("to", "status", "code"),
    [
        ("99999999", 404, "session-not-found"),
        ("abc", 400, "validation-failed"),
        ("", 400, "validation-failed"),
    ],
)
async def test_bad_targets_are_refused_clearly(owner, to, status, code):
    question = await create_question(owner)
    response = await owner.post(question_path(question["_id"]) + "/copy", params={"to": to})
    await expect_error(response, status, code)
    assert len(await questions_in(owner, owner.lecture["keyword"])) == 1


async def test_an_unknown_question_is_404(owner):
    response = await owner.post(question_path("0" * 24) + "/copy")
    await expect_error(response, 404, "question-not-found")
