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

from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

from bson import ObjectId
from pymongo import ASCENDING, DESCENDING, ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError, DuplicateKeyError

from arsnova.store.batching import GroupCommit, SharedLookups
from arsnova.store.common import (
    DUPLICATE_KEY,
    object_id,
    plain,
    shared_by_id,
    stored_id,
    undo_if_session_deleted,
)
from arsnova.store.interposed import AudienceQuestion, AudienceQuestionNotFound

# The list's orders (`migrations/0013_qa_votes_qab.py` has an index for each).
SORTS: dict[str, list[tuple[str, int]]] = {
    "votes": [("pinned", DESCENDING), ("score", DESCENDING), ("timestamp", DESCENDING)],
    "newest": [("pinned", DESCENDING), ("timestamp", DESCENDING)],
    "unanswered": [("answered", ASCENDING), ("score", DESCENDING), ("timestamp", DESCENDING)],
}
COUNTER = {1: "upvotes", -1: "downvotes"}
RANGE_FIELD = {"votes": "score", "newest": "timestamp"}  # the first field of the sort
THRESHOLDS = 10_000  # page hints remembered per node, the oldest forgotten first


class QaRepo:
    def __init__(self, db: AsyncDatabase) -> None:
        self.questions = db["interposed_questions"]
        self.votes = db["qa_votes"]
        self.counts = db["qa_counts"]  # per session: how many questions of each status
        # (session, status, sort, questions needed) → the sort field's value of the last one.
        self.thresholds: dict[tuple[ObjectId, str, str, int], Any] = {}
        self.lookups: SharedLookups[ObjectId, dict[str, Any] | None] = SharedLookups(
            lambda oid: self.questions.find_one({"_id": oid})
        )
        self.vote_writes: GroupCommit[VoteItem, tuple[AudienceQuestion, bool]] = GroupCommit(
            self._write_votes
        )

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

    async def shared_get(self, session_id: str, question_id: str) -> AudienceQuestion:
        """`get` through reads shared by concurrent callers (a hall voting on one question)."""
        return await shared_by_id(
            self.lookups, question_id, AudienceQuestion, AudienceQuestionNotFound,
            session_id=stored_id(session_id),
        )  # fmt: skip

    async def page(
        self, session_id: str, status: str, sort: str, offset: int, limit: int
    ) -> tuple[list[AudienceQuestion], int]:
        """One page of the session's questions of one status, and how many there are.

        The pinned ones first (few: read apart); the others of a `votes` or
        `newest` page are read by a range on the sort's field from the
        value the page's last question had before (`thresholds`), so a page
        reads about its own questions, not the session's thousands, which
        the embedded database would sort in full. A range that holds too
        few (votes taken back, questions deleted) is read again in full.
        """
        oid = stored_id(session_id)
        selector = {"session_id": oid, "status": status}
        order = [*SORTS[sort], ("_id", DESCENDING)]
        needed = offset + limit
        if sort not in RANGE_FIELD:  # `unanswered`: pinned ones in their place
            cursor = self.questions.find(selector, sort=order, skip=offset, limit=limit)
            found = await cursor.to_list(None)
        else:
            pinned = await self.questions.find({**selector, "pinned": True}, sort=order).to_list(
                None
            )
            rest: list[dict[str, Any]] = []
            if len(pinned) < needed:
                rest = await self._ranged(selector, sort, order, needed - len(pinned))
            found = (pinned + rest)[offset:needed]
        return [plain(document, AudienceQuestion) for document in found], await self.total(
            session_id, status
        )

    async def _ranged(
        self, selector: dict[str, Any], sort: str, order: list[tuple[str, int]], needed: int
    ) -> list[dict[str, Any]]:
        unpinned = {**selector, "pinned": False}
        field = RANGE_FIELD[sort]
        key = (selector["session_id"], selector["status"], sort, needed)
        threshold = self.thresholds.get(key)
        documents: list[dict[str, Any]] = []
        if threshold is not None:
            ranged = {**unpinned, field: {"$gte": threshold}}
            documents = await self.questions.find(ranged, sort=order, limit=needed).to_list(None)
        if len(documents) < needed:  # no hint yet, or too few above it now
            documents = await self.questions.find(unpinned, sort=order, limit=needed).to_list(None)
        if len(documents) == needed:
            self.thresholds.pop(key, None)
            self.thresholds[key] = documents[-1][field]
            if len(self.thresholds) > THRESHOLDS:
                del self.thresholds[next(iter(self.thresholds))]
        return documents

    async def total(self, session_id: str, status: str) -> int:
        """How many questions of the session have `status` (`qa_counts`)."""
        counts = await self.counts.find_one({"session_id": stored_id(session_id)})
        return max(0, int(counts.get(status, 0))) if counts else 0

    async def count(self, session_id: str | ObjectId, change: dict[str, int]) -> None:
        """Moves the session's counts by `change` (status → n), after the questions changed."""
        change = {status: n for status, n in change.items() if n}
        if not change:
            return
        oid = session_id if isinstance(session_id, ObjectId) else stored_id(session_id)
        for attempt in range(2):  # two first upserts at once: one inserts, the other retries
            try:
                await self.counts.update_one({"session_id": oid}, {"$inc": change}, upsert=True)
                break
            except DuplicateKeyError:
                if attempt:
                    raise
        await undo_if_session_deleted(self.counts, [{"session_id": oid}])

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

    async def my_votes(self, session_id: str, user: str, question_ids: list[str]) -> dict[str, int]:
        """The user's vote on each of the questions that has one (read: all the user's votes in
        the session, by an index of equalities, which the embedded database walks)."""
        if not question_ids:
            return {}
        wanted = set(question_ids)
        cursor = self.votes.find(
            {"session_id": stored_id(session_id), "user": user}, {"question_id": 1, "value": 1}
        )
        votes = {str(vote["question_id"]): vote["value"] async for vote in cursor}
        return {question: value for question, value in votes.items() if question in wanted}

    async def vote(
        self, session_id: str, question_id: str, user: str, value: int | None
    ) -> tuple[AudienceQuestion, bool]:
        """Records the user's vote (1, -1) or takes it back (None): the question as it is then,
        and whether its counts changed. Concurrent votes go to the database together."""
        return await self.vote_writes.submit(
            VoteItem(stored_id(question_id), stored_id(session_id), user, value)
        )

    async def _write_votes(
        self, items: list[VoteItem]
    ) -> list[tuple[AudienceQuestion, bool] | BaseException]:
        """A burst of votes as net effects: one insert of the new votes, one update per question
        and value for changed ones, one delete per question and value for those taken back,
        then one `$inc` per question by what these statements report they did (each vote
        document moves in exactly one of them, so the counts stay exact), one read."""
        seen: set[tuple[ObjectId, str]] = set()
        first: list[int] = []
        later: list[int] = []
        for index, item in enumerate(items):  # one user's second vote in a burst: after it
            key = (item.question, item.user)
            (later if key in seen else first).append(index)
            seen.add(key)
        changes: dict[ObjectId, Counter[str]] = defaultdict(Counter)
        sets = [i for i in first if items[i].value is not None]
        taken_back = [i for i in first if items[i].value is None]
        present: list[int] = []
        if sets:
            try:
                documents = [
                    {"question_id": items[i].question, "session_id": items[i].session,
                     "user": items[i].user, "value": items[i].value}
                    for i in sets
                ]  # fmt: skip
                await self.votes.insert_many(documents, ordered=False)
            except BulkWriteError as exc:
                for error in exc.details["writeErrors"]:
                    if error["code"] != DUPLICATE_KEY:
                        raise
                    present.append(sets[error["index"]])
            for i in set(sets) - set(present):
                count(changes[items[i].question], items[i].value or 0, 1)
        # One statement per vote from here (the embedded database walks an index only for
        # equalities): each returns the vote as it was, so each change is counted once.
        for i in present:
            item = items[i]
            value = item.value or 0
            before = await self.votes.find_one_and_update(
                {"question_id": item.question, "user": item.user},
                {"$set": {"value": value}},
                return_document=ReturnDocument.BEFORE,
            )
            if before is not None and before["value"] != value:
                count(changes[item.question], value, 1)
                count(changes[item.question], before["value"], -1)
        for i in taken_back:
            item = items[i]
            before = await self.votes.find_one_and_delete(
                {"question_id": item.question, "user": item.user}
            )
            if before is not None:
                count(changes[item.question], before["value"], -1)
        questions = {items[i].question for i in first}
        found: dict[ObjectId, AudienceQuestion] = {}
        for question in questions:
            change = {key: n for key, n in changes[question].items() if n}
            if change:
                document = await self.questions.find_one_and_update(
                    {"_id": question}, {"$inc": change}, return_document=ReturnDocument.AFTER
                )
                if document is None:  # deleted meanwhile (or its session): its votes go too
                    await self.votes.delete_many({"question_id": question})
                else:
                    found[question] = plain(document, AudienceQuestion)
        unchanged = [q for q in questions if q not in found and not any(changes[q].values())]
        if unchanged:
            async for document in self.questions.find({"_id": {"$in": unchanged}}):
                found[document["_id"]] = plain(document, AudienceQuestion)
        outcomes: list[tuple[AudienceQuestion, bool] | BaseException] = []
        again = set(later)
        for index, item in enumerate(items):
            if index in again:
                outcomes.append((await self._write_votes([item]))[0])
            elif item.question in found:
                outcomes.append((found[item.question], any(changes[item.question].values())))
            else:
                outcomes.append(AudienceQuestionNotFound())
        return outcomes


@dataclass(frozen=True)
class VoteItem:
    question: ObjectId
    session: ObjectId
    user: str
    value: int | None  # None: taken back


def count(change: Counter[str], value: int, n: int) -> None:
    """`n` more (or fewer) votes of `value` in a question's `$inc`."""
    if n:
        change[COUNTER[value]] += n
        change["score"] += value * n
