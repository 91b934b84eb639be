"""What `/events` tells participants of a question: ids and state, never which option is
correct (before or after the reveal); the statistics follow options by id."""

from __future__ import annotations

from tests.events.conftest import VOTING_OPEN, subscribe
from tests.helpers import create_question, give_answer, question_path


async def test_question_events_carry_no_options_and_counts_follow_reordering(
    owner, participant, keyword, events_client
):
    question = await create_question(owner, keyword, active=True, showStatistic=True)
    student = await events_client(participant)
    await subscribe(student, keyword)
    await give_answer(participant, question, text="Watt")
    first = await student.wait_for_event("AnswersChangedEvent")
    assert first["data"]["answerCounts"] == [0, 0, 1]

    newton, joule, watt = question["possibleAnswers"]
    body = {"showAnswer": True, "possibleAnswers": [watt, newton, joule]}
    response = await owner.put(question_path(question["_id"]), json=body)
    assert response.status == 204
    updated = await student.wait_for_event("LecturerQuestionUpdatedEvent")
    assert updated["data"] == {
        "questionId": question["_id"],
        "active": True,
        "piRound": 1,
        **VOTING_OPEN,
    }
    await give_answer(owner, question, text="Newton")
    second = await student.wait_for_event(
        "AnswersChangedEvent", lambda event: event["data"]["total"] == 2
    )
    assert second["data"]["answerCounts"] == [1, 1, 0]  # Watt, Newton, Joule
