"""Voting that opens and closes (issue 18): `votingDisabled`, the countdown, changing answers."""

from __future__ import annotations

import pytest

from arsnova.keys import store_key
from arsnova.services.questions import close_expired_voting
from tests.conftest import expect_error
from tests.helpers import answers_of, create_question, give_answer, question_path, questions_path


async def get_question(client, question: dict) -> dict:
    response = await client.get(question_path(question["_id"]))
    assert response.status == 200, await response.text()
    return await response.json()


async def disable_vote(owner, question: dict, disable: str, keyword: str | None = None) -> None:
    path = question_path(question["_id"], keyword) + "/disablevote"
    response = await owner.post(path, params={"disable": disable})
    assert response.status == 204, await response.text()


async def start_countdown(owner, question: dict, seconds: int) -> dict:
    response = await owner.post(
        question_path(question["_id"]) + "/countdown?seconds=" + str(seconds)
    )
    assert response.status == 200, await response.text()
    return await response.json()


async def statistics(owner, keyword: str, question: dict) -> dict:
    response = await owner.get(f"/session/{keyword}/lecturerquestion/statistics")
    assert response.status == 200, await response.text()
    (row,) = [row for row in await response.json() if row["questionId"] == question["_id"]]
    return row


async def test_a_new_question_takes_answers_once(owner):
    question = await create_question(owner, active=True)
    assert question["votingDisabled"] is False and question["votingEndsAt"] is None
    assert question["allowAnswerChange"] is False and isinstance(question["serverTime"], int)


async def test_closed_voting_refuses_answers_and_keeps_the_question_visible(
    owner, keyword, participant, login
):
    question = await create_question(owner, active=True, showStatistic=True)
    await give_answer(participant, question, text="Watt")
    for answered, path_keyword in ((1, None), (2, keyword)):
        await disable_vote(owner, question, "true", path_keyword)
        late = await login()
        assert (await late.get(f"/session/{keyword}")).status == 200
        response = await late.post(answers_of(question), json={"answerText": "Joule"})
        await expect_error(response, 409, "voting-closed")
        shown = await get_question(late, question)
        assert shown["votingDisabled"] is True and shown["active"] is True
        assert (await statistics(late, keyword, question))["total"] == answered
        await disable_vote(owner, question, "false", path_keyword)
        await give_answer(late, question, text="Joule")


async def test_disablevote_defaults_to_closing_and_a_put_sets_it_too(owner, participant):
    question = await create_question(owner, active=True)
    response = await owner.post(question_path(question["_id"]) + "/disablevote")
    assert response.status == 204
    assert (await get_question(participant, question))["votingDisabled"] is True
    response = await owner.put(question_path(question["_id"]), json={"votingDisabled": False})
    assert response.status == 204
    await give_answer(participant, question, text="Joule")


async def test_a_closed_question_can_be_created(owner, participant):
    question = await create_question(owner, active=True, votingDisabled=True)
    response = await participant.post(answers_of(question), json={"answerText": "Joule"})
    await expect_error(response, 409, "voting-closed")


async def test_the_countdown_closes_voting_exactly_then_the_job_announces_it(
    app, owner, keyword, participant, login, clock, db
):
    question = await create_question(owner, active=True)
    started = await start_countdown(owner, question, 30)
    assert started["votingDisabled"] is False
    assert 29_000 < started["votingEndsAt"] - started["serverTime"] <= 30_000
    # Stored, so a restarted server (or another node) closes it too.
    stored = await db.questions.find_one({"subject": question["subject"]})
    assert int(stored["voting_ends_at"].timestamp() * 1000) == started["votingEndsAt"]
    await give_answer(participant, question, text="Joule")
    clock.advance(30)
    late = await login()
    assert (await late.get(f"/session/{keyword}")).status == 200
    response = await late.post(answers_of(question), json={"answerText": "Joule"})
    await expect_error(response, 409, "voting-closed")  # before any job ran
    await close_expired_voting(app)
    closed = await get_question(participant, question)
    assert closed["votingDisabled"] is True and closed["votingEndsAt"] is None


async def test_the_close_is_done_once(app, owner, clock):
    question = await create_question(owner, active=True)
    await start_countdown(owner, question, 5)
    clock.advance(5)
    store = app[store_key]
    (closed,) = await store.questions.close_expired_voting()
    assert closed["id"] == question["_id"] and closed["voting_disabled"] is True
    assert await store.questions.close_expired_voting() == []


async def test_a_countdown_reopens_voting_and_can_be_stopped(owner, participant, clock):
    question = await create_question(owner, active=True, votingDisabled=True)
    await start_countdown(owner, question, 60)
    await start_countdown(owner, question, 30)  # replaces the running one
    response = await owner.delete(question_path(question["_id"]) + "/countdown")
    assert response.status == 200
    stopped = await response.json()
    assert stopped["votingDisabled"] is False and stopped["votingEndsAt"] is None
    clock.advance(31)
    await give_answer(participant, question, text="Joule")


async def test_stopping_an_ended_countdown_keeps_voting_closed(owner, participant, clock):
    question = await create_question(owner, active=True)
    await start_countdown(owner, question, 10)
    clock.advance(10)
    response = await owner.delete(question_path(question["_id"]) + "/countdown")
    assert (await response.json())["votingDisabled"] is True


async def test_closing_voting_ends_the_countdown(owner):
    question = await create_question(owner, active=True)
    await start_countdown(owner, question, 60)
    await disable_vote(owner, question, "true")
    shown = await get_question(owner, question)
    assert shown["votingDisabled"] is True and shown["votingEndsAt"] is None


async def test_a_whole_legacy_object_put_back_keeps_the_countdown(owner):
    question = await create_question(owner, active=True)
    started = await start_countdown(owner, question, 60)
    body = {**started, "votingEndsAt": None, "subject": "Renamed"}
    del body["possibleAnswers"]
    response = await owner.put(question_path(question["_id"]), json=body)
    assert response.status == 204, await response.text()
    assert (await get_question(owner, question))["votingEndsAt"] == started["votingEndsAt"]


@pytest.mark.parametrize("seconds", ["", "0", "-1", "1.5", "a", "86401"])
async def test_countdown_refuses_bad_seconds(owner, seconds):
    question = await create_question(owner, active=True)
    response = await owner.post(question_path(question["_id"]) + f"/countdown?seconds={seconds}")
    body = await expect_error(response, 400, "validation-failed")
    assert "seconds" in body["errors"]


async def test_countdown_and_disablevote_are_the_owners(owner, participant):
    question = await create_question(owner, active=True)
    base = question_path(question["_id"])
    for method, path in (("POST", "/countdown?seconds=5"), ("DELETE", "/countdown"),
                         ("POST", "/disablevote")):  # fmt: skip
        response = await participant.request(method, base + path)
        await expect_error(response, 403, "owner-only")


async def test_bulk_disablevote_closes_and_opens_every_question(owner, keyword, participant):
    first = await create_question(owner, active=True)
    second = await create_question(owner, active=True)
    await start_countdown(owner, second, 60)
    response = await owner.post("/lecturerquestion/disablevote", params={"sessionkey": keyword})
    assert response.status == 204
    for question in (first, second):
        shown = await get_question(participant, question)
        assert shown["votingDisabled"] is True and shown["votingEndsAt"] is None
    params = {"sessionkey": keyword, "disable": "false"}
    assert (await owner.post("/lecturerquestion/disablevote", params=params)).status == 204
    await give_answer(participant, first, text="Joule")
    response = await participant.post("/lecturerquestion/disablevote", params=params)
    await expect_error(response, 403, "owner-only")
    response = await owner.post("/lecturerquestion/disablevote", params={"sessionkey": "99999999"})
    await expect_error(response, 404, "session-not-found")
    response = await owner.post("/lecturerquestion/disablevote")
    await expect_error(response, 400, "validation-failed")


async def test_answers_change_only_where_allowed_and_the_counts_stay_exact(
    owner, keyword, participant, login
):
    one = await create_question(owner, active=True)
    created = await give_answer(participant, one, text="Watt")
    response = await participant.put(answers_of(one) + created["_id"], json={"answerText": "Joule"})
    await expect_error(response, 409, "answer-change-not-allowed")

    question = await create_question(owner, active=True, allowAnswerChange=True)
    assert question["allowAnswerChange"] is True
    for _ in range(2):
        other = await login()
        assert (await other.get(f"/session/{keyword}")).status == 200
        await give_answer(other, question, text="Joule")
    created = await give_answer(participant, question, text="Watt")
    assert (await statistics(owner, keyword, question))["answerCounts"] == [0, 2, 1]
    for text, counts in (("Newton", [1, 2, 0]), ("Joule", [0, 3, 0]), ("Joule", [0, 3, 0])):
        path = answers_of(question) + created["_id"]
        response = await participant.put(path, json={"answerText": text})
        assert response.status == 200, await response.text()
        row = await statistics(owner, keyword, question)
        assert row["answerCounts"] == counts and row["total"] == 3
    await disable_vote(owner, question, "true")
    path = answers_of(question) + created["_id"]
    response = await participant.put(path, json={"answerText": "Watt"})
    await expect_error(response, 409, "voting-closed")
    response = await owner.put(question_path(question["_id"]), json={"allowAnswerChange": False})
    assert response.status == 204
    await disable_vote(owner, question, "false")
    response = await participant.put(path, json={"answerText": "Watt"})
    await expect_error(response, 409, "answer-change-not-allowed")


async def test_the_question_list_carries_the_voting_fields(owner, keyword, participant):
    question = await create_question(owner, active=True)
    await start_countdown(owner, question, 45)
    response = await participant.get(questions_path(keyword))
    (listed,) = await response.json()
    assert listed["votingEndsAt"] - listed["serverTime"] <= 45_000
    assert listed["votingEndsAt"] - listed["serverTime"] > 40_000
