"""Lecturer questions of a lecture session."""

from __future__ import annotations

from typing import Any

from pymongo import ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase

from arsnova.errors import Conflict, NotFound
from arsnova.store.common import Page, find_by_id, now, object_id, paged_list, plain


class QuestionNotFound(NotFound):
    code = "question-not-found"
    default_message = "No such lecturer question."


class QuestionRepo:
    def __init__(self, db: AsyncDatabase) -> None:
        self.collection = db["questions"]
        self.answers = db["answers"]

    async def create(self, session: dict[str, Any], fields: dict[str, Any]) -> dict[str, Any]:
        document = {
            **fields,
            "session_id": object_id(session["id"]),
            "session_keyword": session["keyword"],
            "timestamp": now(),
        }
        result = await self.collection.insert_one(document)
        document["_id"] = result.inserted_id
        return plain(document)

    async def by_id(self, question_id: str, session_id: str | None = None) -> dict[str, Any]:
        """The question; with `session_id`, only if it belongs to that session."""
        scope = {} if session_id is None else {"session_id": object_id(session_id)}
        return await find_by_id(self.collection, question_id, QuestionNotFound, **scope)

    async def of_session(
        self,
        session_id: str,
        page: Page,
        *,
        released_for: list[str] | None = None,
        unanswered_by: str | None = None,
    ) -> list[dict[str, Any]]:
        """The session's questions; with `released_for`, only published ones released so.

        `unanswered_by` leaves out the questions that user answered.
        """
        oid = object_id(session_id)
        query: dict[str, Any] = {"session_id": oid}
        if released_for is not None:
            query["active"] = True
            query["released_for"] = {"$in": released_for}
        if unanswered_by is not None:
            answered = await self.answers.distinct(
                "question_id", {"session_id": oid, "user": unanswered_by}
            )
            query["_id"] = {"$nin": answered}
        return await paged_list(self.collection.find(query), page, "timestamp")

    async def update(self, question: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
        """Applies `changes`; the type and the number of options stay once it has answers.

        Stored answers refer to options by index, so changing either would
        silently falsify the statistics (409 `question-has-answers`).
        """
        oid = object_id(question["id"])
        new_type = changes.get("question_type", question["question_type"])
        new_options = changes.get("possible_answers", question["possible_answers"])
        reshaped = new_type != question["question_type"] or len(new_options) != len(
            question["possible_answers"]
        )
        if reshaped and await self.answers.find_one({"question_id": oid}, {"_id": 1}):
            raise Conflict(
                "The question has answers: its type and number of options can't change.",
                code="question-has-answers",
            )
        if not changes:
            return question
        document = await self.collection.find_one_and_update(
            {"_id": oid}, {"$set": changes}, return_document=ReturnDocument.AFTER
        )
        if document is None:
            raise QuestionNotFound()
        return plain(document)

    async def delete(self, question_id: str) -> None:
        """Deletes the question, then its answers (orphans stay invisible if that fails)."""
        oid = object_id(question_id)
        result = await self.collection.delete_one({"_id": oid})
        if result.deleted_count == 0:
            raise QuestionNotFound()
        await self.answers.delete_many({"question_id": oid})
