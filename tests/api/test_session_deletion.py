"""Deleting a session while its students answer, ask, vote and join leaves nothing of it behind."""

from __future__ import annotations

import asyncio

from bson import ObjectId

from tests.helpers import answers_of, create_question

STUDENTS = 30
QUESTIONS = 5
WRITES_BEFORE_DELETE = 60  # the deletion lands in the middle of the burst
TIED = ("answers", "interposed_questions", "feedback", "session_visits", "questions")


async def test_nothing_outlives_a_session_deleted_during_a_burst(owner, keyword, login, db):
    questions = [
        await create_question(owner, questionType="freetext", active=True) for _ in range(QUESTIONS)
    ]
    students = await asyncio.gather(*(login() for _ in range(STUDENTS)))
    for student in students:
        assert (await student.get(f"/session/{keyword}")).status == 200
    acknowledged = 0
    burst_under_way = asyncio.Event()

    async def hammer(student) -> int:
        """Writes until the session is gone; returns how many writes were acknowledged."""
        nonlocal acknowledged
        stored = 0
        for turn in range(10_000):
            question = questions[turn % QUESTIONS]
            responses = await asyncio.gather(
                student.post(answers_of(question), json={"answerText": f"answer {turn}"}),
                student.post(f"/session/{keyword}/interposed/", json={"subject": "S", "text": "T"}),
                student.post(f"/session/{keyword}/feedback", json={"value": turn % 4}),
                student.get(f"/session/{keyword}"),
            )
            statuses = [response.status for response in responses]
            assert all(status < 500 for status in statuses), statuses
            stored += sum(status in (200, 201) for status in statuses)
            acknowledged += sum(status in (200, 201) for status in statuses)
            if acknowledged >= WRITES_BEFORE_DELETE:
                burst_under_way.set()
            if 404 in statuses:
                return stored
        raise AssertionError("the session was never deleted")

    async def delete() -> None:
        await burst_under_way.wait()
        assert (await owner.delete(f"/session/{keyword}")).status == 204

    *stored, _ = await asyncio.gather(*(hammer(student) for student in students), delete())
    assert sum(stored) >= WRITES_BEFORE_DELETE
    session_id = ObjectId(owner.lecture["_id"])
    left = {name: await db[name].count_documents({"session_id": session_id}) for name in TIED}
    assert left == dict.fromkeys(TIED, 0)
    assert await db.feedback.count_documents({"keyword": keyword}) == 0
