"""Audience Q&A (issue 21): the interposed questions as a moderated, voted list, and the votes.

The questions are the `interposed_questions` documents (`store/interposed.py`
creates them, with `QA_DEFAULTS`); this repository lists, moderates and
counts votes on them. One vote per user and question is a document of
`qa_votes` under a unique index on (question, user); a question's counters
change by `$inc` only after its vote document was inserted, changed or
deleted, each by one statement whose result says whether it happened, so
concurrent votes keep the counts exact (`score` = upvotes - downvotes is
stored for the list's sort).
"""

from __future__ import annotations

from typing import Any

from bson import ObjectId
from pymongo import ASCENDING, DESCENDING, ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from arsnova.store.common import object_id, plain, stored_id
from arsnova.store.interposed import AudienceQuestion, AudienceQuestionNotFound

# The list's orders (`migrations/0013_qa_votes_qab.py` has an index for each).
SORTS: dict[str, list[tuple[str, int]]] = {
    "votes": [("pinned", DESCENDING), ("score", DESCENDING), ("timestamp", DESCENDING)],
    "newest": [("pinned", DESCENDING), ("timestamp", DESCENDING)],
    "unanswered": [("answered", ASCENDING), ("score", DESCENDING), ("timestamp", DESCENDING)],
}
COUNTER = {1: "upvotes", -1: "downvotes"}


class QaRepo:
    def __init__(self, db: AsyncDatabase) -> None:
        self.questions = db["interposed_questions"]
        self.votes = db["qa_votes"]

    def _oid(self, question_id: str) -> ObjectId:
        oid = object_id(question_id)
        if oid is None:
            raise AudienceQuestionNotFound()
        return oid

    async def get(self, session_id: str, question_id: str) -> AudienceQuestion:
        document = await self.questions.find_one(
            {"_id": self._oid(question_id), "session_id": stored_id(session_id)}
        )
        if document is None:
            raise AudienceQuestionNotFound()
        return plain(document, AudienceQuestion)

    async def page(
        self, session_id: str, status: str, sort: str, offset: int, limit: int
    ) -> tuple[list[AudienceQuestion], int]:
        """One page of the session's questions of one status, and how many there are."""
        selector = {"session_id": stored_id(session_id), "status": status}
        order = [*SORTS[sort], ("_id", DESCENDING)]
        cursor = self.questions.find(selector, sort=order, skip=offset, limit=limit)
        found = [plain(document, AudienceQuestion) for document in await cursor.to_list(None)]
        if offset == 0 and len(found) < limit:
            total = len(found)
        else:
            total = await self.questions.count_documents(selector)
        return found, total

    async def of_author(
        self, session_id: str, author: str, status: str, limit: int
    ) -> list[AudienceQuestion]:
        """An author's questions of one status, newest first (a student's own pending ones)."""
        cursor = self.questions.find(
            {"session_id": stored_id(session_id), "author": author, "status": status},
            sort=[("timestamp", DESCENDING), ("_id", DESCENDING)],
            limit=limit,
        )
        return [plain(document, AudienceQuestion) for document in await cursor.to_list(None)]

    async def update(
        self, session_id: str, question_id: str, fields: dict[str, Any], **condition: Any
    ) -> AudienceQuestion | None:
        """Sets `fields` if the question (still) matches `condition`; None if it does not."""
        selector = {"_id": self._oid(question_id), "session_id": stored_id(session_id)}
        document = await self.questions.find_one_and_update(
            {**selector, **condition}, {"$set": fields}, return_document=ReturnDocument.AFTER
        )
        return plain(document, AudienceQuestion)

    async def highlighted(self, session_id: str) -> str | None:
        """The id of the session's highlighted question, if one is."""
        document = await self.questions.find_one(
            {"session_id": stored_id(session_id), "highlighted": True}, {"_id": 1}
        )
        return None if document is None else str(document["_id"])

    async def unhighlight_others(self, session_id: str, question_id: str | None) -> list[str]:
        """Clears `highlighted` on every question of the session but `question_id`."""
        selector: dict[str, Any] = {"session_id": stored_id(session_id), "highlighted": True}
        if question_id is not None:
            selector["_id"] = {"$ne": stored_id(question_id)}
        ids = await self.questions.distinct("_id", selector)
        if ids:
            await self.questions.update_many(
                {"_id": {"$in": ids}}, {"$set": {"highlighted": False}}
            )
        return [str(oid) for oid in ids]

    async def my_votes(self, user: str, question_ids: list[str]) -> dict[str, int]:
        """The user's vote on each of the questions that has one."""
        if not question_ids:
            return {}
        cursor = self.votes.find(
            {"question_id": {"$in": [stored_id(q) for q in question_ids]}, "user": user},
            {"question_id": 1, "value": 1},
        )
        return {str(vote["question_id"]): vote["value"] async for vote in cursor}

    async def vote(
        self, session_id: str, question_id: str, user: str, value: int
    ) -> AudienceQuestion | None:
        """Records the user's vote (1 or -1); the question as it is then, None if unchanged."""
        question = stored_id(question_id)
        try:
            await self.votes.insert_one({
                "question_id": question, "session_id": stored_id(session_id),
                "user": user, "value": value,
            })  # fmt: skip
            change = {COUNTER[value]: 1, "score": value}
        except DuplicateKeyError:
            before = await self.votes.find_one_and_update(
                {"question_id": question, "user": user, "value": {"$ne": value}},
                {"$set": {"value": value}},
                return_document=ReturnDocument.BEFORE,
            )
            if before is None:
                return None  # the same vote again, or taken back meanwhile
            change = {COUNTER[value]: 1, COUNTER[-value]: -1, "score": 2 * value}
        return await self._count(question, change)

    async def unvote(self, question_id: str, user: str) -> AudienceQuestion | None:
        """Takes the user's vote back; the question as it is then, None if there was none."""
        question = stored_id(question_id)
        before = await self.votes.find_one_and_delete({"question_id": question, "user": user})
        if before is None:
            return None
        value = before["value"]
        return await self._count(question, {COUNTER[value]: -1, "score": -value})

    async def _count(self, question: ObjectId, change: dict[str, int]) -> AudienceQuestion:
        document = await self.questions.find_one_and_update(
            {"_id": question}, {"$inc": change}, return_document=ReturnDocument.AFTER
        )
        if document is None:  # deleted meanwhile (or its session): its votes go too
            await self.votes.delete_many({"question_id": question})
            raise AudienceQuestionNotFound()
        return plain(document, AudienceQuestion)
