"""A new question order reaches the pages as the moved questions' updates (issue 18)."""

from __future__ import annotations

from tests.events.conftest import subscribe
from tests.helpers import create_question, questions_path


async def test_each_moved_question_is_announced_as_updated(
    owner, participant, keyword, events_client
):
    first = await create_question(owner, keyword, subject="First", active=True)
    second = await create_question(owner, keyword, subject="Second", active=True)
    student = await events_client(participant)
    await subscribe(student, keyword)

    body = {"questionIds": [second["_id"], first["_id"]]}
    response = await owner.put(questions_path(keyword) + "order", json=body)
    assert response.status == 200, await response.text()

    for moved in (first["_id"], second["_id"]):
        await student.wait_for_event(
            "LecturerQuestionUpdatedEvent", lambda e, q=moved: e["data"]["questionId"] == q
        )
