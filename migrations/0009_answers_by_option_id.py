"""Answers name the options they chose by id, no longer by position.

Each stored answer's `choices` held option indices; each becomes the id of the
option at that index of its question (binned questions too). An index past the
options (there was none) is dropped; an answer whose question is gone is left.
Idempotent: choices that are already ids (strings) are not touched.
"""


async def up(db):
    options: dict = {}
    for name in ("questions", "question_bin"):
        async for question in db[name].find({}, {"possible_answers": 1}):
            ids = [
                option.get("id", str(i))
                for i, option in enumerate(question.get("possible_answers") or [])
            ]
            options[question["_id"]] = ids
    async for answer in db.answers.find({}, {"question_id": 1, "choices": 1}):
        ids = options.get(answer["question_id"])
        if ids is None or all(isinstance(c, str) for c in answer.get("choices") or []):
            continue
        choices = [
            choice if isinstance(choice, str) else ids[choice]
            for choice in answer["choices"]
            if isinstance(choice, str) or 0 <= choice < len(ids)
        ]
        await db.answers.update_one({"_id": answer["_id"]}, {"$set": {"choices": choices}})
