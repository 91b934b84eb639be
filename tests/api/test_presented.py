"""PUT /session/{keyword}/presented: the question on the owner's presenter page."""

from __future__ import annotations

import pytest

from tests.conftest import expect_error
from tests.helpers import create_lecture, create_question

PRESENTED = "/session/{}/presented"


async def present(client, keyword: str, body) -> object:
    return await client.put(PRESENTED.format(keyword), json=body)


async def test_the_owner_puts_a_question_on_the_projector_and_takes_it_off(owner, keyword):
    question = await create_question(owner, keyword)
    response = await present(owner, keyword, {"questionId": question["_id"]})
    assert response.status == 200, await response.text()
    assert await response.json() == {"questionId": question["_id"]}
    session = await (await owner.get(f"/session/{keyword}")).json()
    assert session["presentedQuestionId"] == question["_id"]

    response = await present(owner, keyword, {"questionId": None})
    assert await response.json() == {"questionId": None}
    session = await (await owner.get(f"/session/{keyword}")).json()
    assert session["presentedQuestionId"] is None


async def test_an_admin_may_too(owner, admin, keyword):
    question = await create_question(owner, keyword)
    response = await present(admin, keyword, {"questionId": question["_id"]})
    assert response.status == 200, await response.text()


async def test_participants_may_not_and_never_see_it(owner, participant, keyword):
    question = await create_question(owner, keyword, active=True)
    await expect_error(await present(participant, keyword, {"questionId": question["_id"]}),
                       403, "owner-only")  # fmt: skip
    assert (await present(owner, keyword, {"questionId": question["_id"]})).status == 200
    session = await (await participant.get(f"/session/{keyword}")).json()
    assert "presentedQuestionId" not in session
    listed = await (await participant.get("/session/?visitedonly=true")).json()
    assert all("presentedQuestionId" not in entry for entry in listed)


async def test_a_question_of_another_session_or_none_at_all_is_404(owner, keyword):
    other = await create_lecture(owner, "Chemistry")
    foreign = await create_question(owner, other)
    for question_id in (foreign["_id"], "0" * 24, "nonsense"):
        response = await present(owner, keyword, {"questionId": question_id})
        await expect_error(response, 404, "question-not-found")
    session = await (await owner.get(f"/session/{keyword}")).json()
    assert session.get("presentedQuestionId") is None


@pytest.mark.parametrize(
    "body",
    [{}, {"questionId": 7}, {"questionId": ""}, {"questionId": "x" * 65}, [], "x", 1,
     {"questionId": None, "extra": 1}, {"questionId": "\ud800"}],
)  # fmt: skip
async def test_a_bad_body_is_400(owner, keyword, body):
    response = await present(owner, keyword, body)
    await expect_error(response, 400, "validation-failed")


async def test_an_unknown_session_is_404(owner):
    await expect_error(await present(owner, "00000000", {"questionId": None}),
                       404, "session-not-found")  # fmt: skip


async def test_legacy_clients_may_put_the_whole_session_back(owner, keyword):
    question = await create_question(owner, keyword)
    assert (await present(owner, keyword, {"questionId": question["_id"]})).status == 200
    session = await (await owner.get(f"/session/{keyword}")).json()
    response = await owner.put(f"/session/{keyword}", json={**session, "name": "Renamed"})
    assert response.status == 200, await response.text()
    assert (await response.json())["presentedQuestionId"] == question["_id"]
