"""What `/` tells participants of a question: its id only, never which option is correct;
the page reads the question from REST, which shows `correct` once revealed."""

from __future__ import annotations

from tests.helpers import create_question, give_answer, question_path


async def test_reveal_reaches_participants_as_an_id_and_rest_shows_correct_then(
    owner, participant, keyword, joined
):
    question = await create_question(owner, active=True)
    student = await joined(participant, keyword)
    lecturer = await joined(owner, keyword)
    response = await owner.put(question_path(question["_id"]), json={"showAnswer": True})
    assert response.status == 204
    assert await student.wait_for("lecQuestionAvail") == question["_id"]
    assert await lecturer.wait_for("lecQuestionAvail") == question["_id"]
    seen = await (await participant.get(question_path(question["_id"]))).json()
    assert [option["correct"] for option in seen["possibleAnswers"]] == [True, False, False]


async def test_hiding_a_shown_free_text_answer_tells_the_session(
    owner, participant, keyword, joined
):
    question = await create_question(
        owner, questionType="freetext", active=True, showStatistic=True
    )
    answer = await give_answer(participant, question, text="Inertia")
    student = await joined(participant, keyword)
    path = f"{question_path(question['_id'])}/answer/{answer['_id']}/hide"
    assert (await owner.post(path)).status == 200
    assert await student.wait_for("answersToLecQuestionAvail") == question["_id"]
    response = await participant.get(question_path(question["_id"]) + "/answer/")
    assert await response.json() == []
