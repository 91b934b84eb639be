"""A whole lecture over HTTP only, as a legacy client would run it."""

import asyncio

from tests.conftest import expect_error

STUDENTS = 30
ABCD = ["Newton", "Leibniz", "Euler", "Gauss"]
MC = ["mass", "charge", "spin", "colour"]


def mc_flags(*chosen: int) -> str:
    return ",".join("1" if index in chosen else "0" for index in range(len(MC)))


async def test_a_whole_lecture(login):
    lecturer = await login()
    session = await (await lecturer.post("/session/", json={"name": "Mechanics"})).json()
    base = f"/session/{session['keyword']}"

    async def add(body: dict) -> str:
        response = await lecturer.post(f"{base}/lecturerquestion/", json=body)
        assert response.status == 201, await response.text()
        question = await response.json()
        publish = await lecturer.post(f"{base}/lecturerquestion/{question['_id']}/publish")
        assert publish.status == 204
        return question["_id"]

    def choices(texts: list[str], correct: int) -> list[dict]:
        return [{"text": text, "correct": i == correct} for i, text in enumerate(texts)]

    abcd = await add({"questionType": "abcd", "subject": "Calculus", "text": "Who?",
                      "possibleAnswers": choices(ABCD, 0), "showStatistic": True})  # fmt: skip
    mc = await add({"questionType": "mc", "subject": "Particles", "text": "Which?",
                    "possibleAnswers": choices(MC, 1)})  # fmt: skip
    freetext = await add({"questionType": "freetext", "subject": "Opinion", "text": "Why?"})
    vote = await add({"questionType": "vote", "subject": "Pace", "text": "How fast?"})

    students = await asyncio.gather(*(login() for _ in range(STUDENTS)))

    async def attend(index: int, student) -> None:
        assert (await student.get(base)).status == 200
        listed = await (await student.get(f"{base}/lecturerquestion/")).json()
        assert {q["_id"] for q in listed} == {abcd, mc, freetext, vote}
        answers = {
            abcd: {"answerText": ABCD[index % 4]},
            mc: {"answerText": mc_flags(index % 4, (index + 1) % 4)},
            freetext: {"answerSubject": "because", "answerText": f"reason {index}"},
            vote: {"answerText": str(index % 5 + 1)},
        }
        if index < 3:
            answers[vote] = {"abstention": True}
        for question_id, body in answers.items():
            path = f"{base}/lecturerquestion/{question_id}/answer/"
            response = await student.post(path, json=body)
            assert response.status == 201, await response.text()
        response = await student.post(f"{base}/interposed/", json={
            "subject": f"Question {index}", "text": "Could you repeat that?"})  # fmt: skip
        assert response.status == 201

    await asyncio.gather(*(attend(i, s) for i, s in enumerate(students)))

    stats = await (await lecturer.get(f"{base}/lecturerquestion/statistics")).json()
    by_id = {entry["questionId"]: entry for entry in stats}
    assert by_id[abcd]["answerCounts"] == [8, 8, 7, 7]
    assert by_id[abcd]["total"] == STUDENTS and by_id[abcd]["abstentions"] == 0
    mc_counts = [sum(1 for i in range(STUDENTS) if k in (i % 4, (i + 1) % 4)) for k in range(4)]
    assert by_id[mc]["answerCounts"] == mc_counts == [15, 16, 15, 14]
    assert by_id[freetext]["total"] == STUDENTS
    vote_counts = [sum(1 for i in range(3, STUDENTS) if i % 5 == k) for k in range(5)]
    assert by_id[vote]["answerCounts"] == vote_counts
    assert by_id[vote]["abstentions"] == 3 and by_id[vote]["total"] == STUDENTS

    texts = await (await lecturer.get(f"{base}/lecturerquestion/{freetext}/answer/")).json()
    assert sorted(a["answerText"] for a in texts) == sorted(f"reason {i}" for i in range(STUDENTS))
    assert all("user" not in a for a in texts)

    interposed = await (await lecturer.get(f"{base}/interposed/")).json()
    assert len(interposed) == STUDENTS
    assert all("text" not in q and q["read"] is False for q in interposed)
    first = await (await lecturer.get(f"{base}/interposed/{interposed[0]['_id']}")).json()
    assert first["text"] == "Could you repeat that?" and first["read"] is True
    assert (await lecturer.delete(f"{base}/interposed/{interposed[0]['_id']}")).status == 204
    assert (await lecturer.delete(f"{base}/interposed/")).status == 204
    assert await (await lecturer.get(f"{base}/interposed/")).json() == []

    assert (await lecturer.post(f"{base}/lock")).status == 204
    late = await login()
    assert (await late.get(base)).status == 200
    response = await late.post(f"{base}/lecturerquestion/{abcd}/answer/", json={"answerText": "0"})
    await expect_error(response, 409, "session-locked")
    response = await late.post(f"{base}/interposed/", json={"subject": "late", "text": "late"})
    await expect_error(response, 409, "session-locked")
    final = await (await lecturer.get(f"{base}/lecturerquestion/statistics")).json()
    assert {e["questionId"]: e["total"] for e in final}[abcd] == STUDENTS
