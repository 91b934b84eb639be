"""Reordering a session's questions (issue 18's question management): the lists come in the
lecturer's order unless sorted otherwise; new questions go last."""

from __future__ import annotations

import pytest

from tests.conftest import expect_error
from tests.helpers import create_question, questions_path


async def order(client, keyword: str, ids: list[str]):
    return await client.put(questions_path(keyword) + "order", json={"questionIds": ids})


async def subjects(client, keyword: str, query: str = "") -> list[str]:
    response = await client.get(questions_path(keyword) + query)
    assert response.status == 200, await response.text()
    return [question["subject"] for question in await response.json()]


async def three_questions(owner) -> list[dict]:
    return [await create_question(owner, subject=name, active=True) for name in ("A", "B", "C")]


async def test_the_order_is_kept_for_the_owner_and_the_participants(owner, participant):
    keyword = owner.lecture["keyword"]
    a, b, c = await three_questions(owner)
    assert await subjects(owner, keyword) == ["A", "B", "C"]  # by default: as created

    response = await order(owner, keyword, [c["_id"], a["_id"], b["_id"]])

    assert response.status == 200, await response.text()
    assert [question["subject"] for question in await response.json()] == ["C", "A", "B"]
    for client in (owner, participant):
        assert await subjects(client, keyword) == ["C", "A", "B"]
    # An explicit sort still sorts; a new question (and a copy) goes last.
    assert await subjects(owner, keyword, "?sort=subject&order=desc") == ["C", "B", "A"]
    await create_question(owner, subject="D", active=True)
    copied = await owner.post(f"/lecturerquestion/{a['_id']}/copy")
    assert copied.status == 201
    assert await subjects(owner, keyword) == ["C", "A", "B", "D", "A"]


@pytest.mark.parametrize(
    "body",
    [
        [],
        {},
        {"questionIds": "x"},
        {"questionIds": [1, 2, 3]},
        {"questionIds": []},
        {"questionIds": ["first", "second"]},
        {"questionIds": ["0", "1", "2", "3"]},
    ],
)
async def test_anything_but_every_question_once_is_refused(owner, body):
    keyword = owner.lecture["keyword"]
    await three_questions(owner)
    response = await owner.put(questions_path(keyword) + "order", json=body)
    await expect_error(response, 400, "validation-failed")
    assert await subjects(owner, keyword) == ["A", "B", "C"]


async def test_a_missing_a_repeated_or_a_foreign_question_is_refused(owner, login):
    keyword = owner.lecture["keyword"]
    a, b, c = await three_questions(owner)
    other = await login()
    session = await (await other.post("/session/", json={"name": "Other"})).json()
    foreign = await create_question(other, session["keyword"], subject="F")
    for ids in (
        [a["_id"], b["_id"]],
        [a["_id"], b["_id"], b["_id"]],
        [a["_id"], b["_id"], c["_id"], c["_id"]],
        [a["_id"], b["_id"], foreign["_id"]],
    ):
        await expect_error(await order(owner, keyword, ids), 400, "validation-failed")
    assert await subjects(owner, keyword) == ["A", "B", "C"]


async def test_participants_may_not_reorder(owner, participant):
    keyword = owner.lecture["keyword"]
    a, b, c = await three_questions(owner)
    response = await order(participant, keyword, [c["_id"], b["_id"], a["_id"]])
    await expect_error(response, 403, "owner-only")
    assert await subjects(owner, keyword) == ["A", "B", "C"]
