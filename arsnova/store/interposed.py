"""Interposed (audience) questions: asked by participants, read by the session's owner.

The author is stored so participants can list and delete their own
questions; the API never shows it, so questions stay anonymous to the owner.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, NotRequired, TypedDict

from pymongo import ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase

from arsnova.errors import NotFound
from arsnova.store.common import (
    Page,
    find_by_id,
    now,
    object_id,
    paged_list,
    plain,
    stored_id,
    undo_if_session_deleted,
)
from arsnova.store.sessions import Session


class AudienceQuestion(TypedDict):
    """An interposed question as the repository returns it; `author` is never shown."""

    id: str
    session_id: str
    session_keyword: str
    author: str
    timestamp: datetime
    subject: str
    text: str
    read: bool
    # Q&A (issue 21); stored before it: set by migration 0013 (see QA_DEFAULTS).
    status: NotRequired[str]  # approved | pending | hidden
    answered: NotRequired[bool]
    highlighted: NotRequired[bool]
    pinned: NotRequired[bool]
    reply: NotRequired[str | None]
    upvotes: NotRequired[int]
    downvotes: NotRequired[int]
    score: NotRequired[int]  # upvotes - downvotes, stored for the list's sort
    flagged: NotRequired[list[str]]  # the word filter's hits


# What a question has in Q&A before anyone touched it (and what old questions get).
QA_DEFAULTS: dict[str, Any] = {
    "status": "approved",
    "answered": False,
    "highlighted": False,
    "pinned": False,
    "reply": None,
    "upvotes": 0,
    "downvotes": 0,
    "score": 0,
    "flagged": [],
}


class AudienceQuestionNotFound(NotFound):
    code = "interposed-question-not-found"
    default_message = "This lecture session has no interposed question with this id."


class AudienceQuestionRepo:
    def __init__(self, db: AsyncDatabase) -> None:
        self.collection = db["interposed_questions"]

    async def create(
        self, session: Session, author: str, fields: dict[str, Any]
    ) -> AudienceQuestion:
        document = {
            **QA_DEFAULTS,
            **fields,
            "session_id": stored_id(session["id"]),
            "session_keyword": session["keyword"],
            "author": author,
            "timestamp": now(),
            "read": False,
        }
        result = await self.collection.insert_one(document)
        document["_id"] = result.inserted_id
        await undo_if_session_deleted(
            self.collection, [{"_id": result.inserted_id, "session_id": document["session_id"]}]
        )
        return plain(document, AudienceQuestion)

    def _selector(self, session_id: str, question_id: str) -> dict[str, Any]:
        """Matches one question of one session; a malformed id matches nothing (404)."""
        oid = object_id(question_id)
        if oid is None:
            raise AudienceQuestionNotFound()
        return {"_id": oid, "session_id": object_id(session_id)}

    async def get(self, session_id: str, question_id: str) -> AudienceQuestion:
        return await find_by_id(
            self.collection,
            question_id,
            AudienceQuestion,
            AudienceQuestionNotFound,
            session_id=object_id(session_id),
        )

    async def mark_read(self, session_id: str, question_id: str) -> AudienceQuestion:
        """Sets `read` and returns the question as it is now stored."""
        document = await self.collection.find_one_and_update(
            self._selector(session_id, question_id),
            {"$set": {"read": True}},
            return_document=ReturnDocument.AFTER,
        )
        if document is None:
            raise AudienceQuestionNotFound()
        return plain(document, AudienceQuestion)

    async def of_session(
        self, session_id: str, page: Page, author: str | None = None
    ) -> list[AudienceQuestion]:
        """The session's questions, or only those of `author`."""
        selector: dict[str, Any] = {"session_id": object_id(session_id)}
        if author is not None:
            selector["author"] = author
        cursor = self.collection.find(selector)
        return await paged_list(cursor, page, "timestamp", AudienceQuestion)

    async def delete(self, session_id: str, question_id: str) -> None:
        """Deletes one question, its Q&A votes, and counts it no more (`qa_counts`)."""
        selector = self._selector(session_id, question_id)
        deleted = await self.collection.find_one_and_delete(selector)
        if deleted is None:
            raise AudienceQuestionNotFound()
        database = self.collection.database
        await database["qa_votes"].delete_many({"question_id": selector["_id"]})
        status = deleted.get("status", QA_DEFAULTS["status"])
        await database["qa_counts"].update_one(
            {"session_id": selector["session_id"]}, {"$inc": {status: -1}}
        )

    async def delete_all(self, session_id: str) -> list[str]:
        """Deletes every question of the session; returns their ids."""
        query = {"session_id": object_id(session_id)}
        ids = await self.collection.distinct("_id", query)
        await self.collection.delete_many({**query, "_id": {"$in": ids}})
        await self.collection.database["qa_votes"].delete_many(query)
        await self.collection.database["qa_counts"].delete_many(query)
        return [str(oid) for oid in ids]
