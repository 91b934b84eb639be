"""Answers to lecturer questions: one per user, question and peer-instruction round, and
their statistics per round."""

from __future__ import annotations

from datetime import datetime
from typing import Any, NotRequired, TypedDict

from pymongo import ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError, DuplicateKeyError, WriteError

from arsnova.errors import Conflict, NotFound
from arsnova.store.batching import GroupCommit
from arsnova.store.common import (
    DUPLICATE_KEY,
    Page,
    find_by_id,
    now,
    object_id,
    paged_list,
    plain,
    stored_id,
    undo_if_session_deleted,
)
from arsnova.store.questions import Question

# What an answer's content is; an update replaces all of it.
CONTENT = ("answer_text", "answer_subject", "abstention", "choices")


class Answer(TypedDict):
    """An answer to a lecturer question as the repository returns it."""

    id: str
    question_id: str
    session_id: str
    user: str
    timestamp: datetime
    pi_round: int  # the question's peer-instruction round it was given in, from 1
    abstention: bool
    choices: list[str]  # the ids of the selected options (stable when options move)
    # An abstention has no text; the subject is optional.
    answer_text: NotRequired[str]
    answer_subject: NotRequired[str]
    hidden: NotRequired[bool]  # a free-text answer the owner hid from the revealed ones


class RoundStatistics(TypedDict):
    pi_round: int
    answer_counts: list[int]  # one per option, in the question's current option order
    total: int  # abstentions included
    abstentions: int


class AnswerStatistics(TypedDict):
    """The question's current round (as before rounds existed), and every round in `rounds`."""

    question_id: str
    pi_round: int
    answer_counts: list[int]  # one per option
    total: int  # abstentions included
    abstentions: int
    rounds: list[RoundStatistics]  # round 1 to the current one


class AnswerNotFound(NotFound):
    code = "answer-not-found"
    default_message = "No such answer."


class AnswerRepo:
    def __init__(self, db: AsyncDatabase) -> None:
        self.collection = db["answers"]
        # An answer burst: answers that come while others are being stored go in one bulk insert.
        self.inserts: GroupCommit[dict[str, Any], None] = GroupCommit(self._insert)

    async def create(self, question: Question, user: str, fields: dict[str, Any]) -> Answer:
        """Stores the user's answer in the question's current round; the unique
        (question_id, pi_round, user) index refuses a second one."""
        document = {
            **fields,
            "question_id": stored_id(question["id"]),
            "session_id": stored_id(question["session_id"]),
            "user": user,
            "pi_round": question["pi_round"],
            "timestamp": now(),
        }
        try:
            await self.inserts.submit(document)  # sets its _id
        except DuplicateKeyError:
            raise Conflict(
                "You already answered this round of the question; change your answer instead.",
                code="already-answered",
            ) from None
        return plain(document, Answer)

    async def _insert(self, documents: list[dict[str, Any]]) -> list[BaseException | None]:
        """One unordered bulk insert; a document's own error (a second answer) is its alone."""
        errors: list[BaseException | None] = [None] * len(documents)
        try:
            await self.collection.insert_many(documents, ordered=False)
        except BulkWriteError as failed:
            for error in failed.details["writeErrors"]:
                kind = DuplicateKeyError if error["code"] == DUPLICATE_KEY else WriteError
                errors[error["index"]] = kind(error["errmsg"], error["code"], error)
        await undo_if_session_deleted(
            self.collection,
            [{"_id": doc["_id"], "session_id": doc["session_id"]} for doc in documents],
        )
        return errors

    async def by_id(self, answer_id: str, question_id: str) -> Answer:
        return await find_by_id(
            self.collection, answer_id, Answer, AnswerNotFound, question_id=object_id(question_id)
        )

    async def by_user(self, question_id: str, user: str, pi_round: int) -> Answer:
        document = await self.collection.find_one(
            {"question_id": object_id(question_id), "pi_round": pi_round, "user": user}
        )
        if document is None:
            raise AnswerNotFound("You have not answered this round of the question.")
        return plain(document, Answer)

    async def of_question(
        self,
        question_id: str,
        page: Page,
        pi_round: int | None = None,
        *,
        hidden: bool | None = None,
    ) -> list[Answer]:
        """The question's answers: of every round, or of `pi_round`; with `hidden=False` only
        those not hidden."""
        query: dict[str, Any] = {"question_id": object_id(question_id)}
        if pi_round is not None:
            query["pi_round"] = pi_round
        if hidden is False:
            query["hidden"] = {"$ne": True}
        return await paged_list(self.collection.find(query), page, "timestamp", Answer)

    async def written(self, question_ids: list[str]) -> list[Answer]:
        """Every answer with a text (no abstention) to the questions, of all rounds, hidden
        ones too: what a results export lists of free-text questions."""
        query = {
            "question_id": {"$in": [stored_id(question_id) for question_id in question_ids]},
            "abstention": {"$ne": True},
        }
        return await paged_list(self.collection.find(query), Page(), "timestamp", Answer)

    async def set_hidden(self, answer_id: str, hidden: bool) -> Answer:
        return await self._change(answer_id, {"$set": {"hidden": hidden}})

    async def update(self, answer_id: str, fields: dict[str, Any]) -> Answer:
        """Replaces the answer's content (text, subject, abstention, choices)."""
        update: dict[str, Any] = {"$set": {key: fields[key] for key in CONTENT if key in fields}}
        missing = {key: "" for key in CONTENT if key not in fields}
        if missing:
            update["$unset"] = missing
        return await self._change(answer_id, update)

    async def _change(self, answer_id: str, update: dict[str, Any]) -> Answer:
        """Applies `update` to the answer and returns it as changed (404 if it is gone)."""
        document = await self.collection.find_one_and_update(
            {"_id": object_id(answer_id)}, update, return_document=ReturnDocument.AFTER
        )
        if document is None:
            raise AnswerNotFound()
        return plain(document, Answer)

    async def choosing(self, question_id: str, option_ids: list[str]) -> int:
        """How many answers to the question chose any of the options."""
        return await self.collection.count_documents(
            {"question_id": object_id(question_id), "choices": {"$in": option_ids}}
        )

    async def delete_choosing(self, question_id: str, option_ids: list[str]) -> None:
        """Deletes the answers to the question that chose any of the options."""
        await self.collection.delete_many(
            {"question_id": object_id(question_id), "choices": {"$in": option_ids}}
        )

    async def delete(self, answer_id: str) -> None:
        result = await self.collection.delete_one({"_id": object_id(answer_id)})
        if result.deleted_count == 0:
            raise AnswerNotFound()

    async def delete_of_question(self, question_id: str) -> int:
        """Deletes every answer to the question, of all rounds; how many there were."""
        result = await self.collection.delete_many({"question_id": object_id(question_id)})
        return result.deleted_count

    async def statistics(self, questions: list[Question]) -> list[AnswerStatistics]:
        """Per question and round: a count per option (mc counts each selected one), total,
        abstentions; the current round's at the top, as before rounds existed.

        Answers name options by id, so the counts follow the options wherever they
        are now (an answer to a deleted option is counted in `total` only).
        `total` counts every answer, abstentions included.
        """
        ids = [stored_id(question["id"]) for question in questions]
        match = {"$match": {"question_id": {"$in": ids}}}
        totals_cursor = await self.collection.aggregate([
            match,
            {"$group": {
                "_id": {"question": "$question_id", "round": "$pi_round"},
                "total": {"$sum": 1},
                "abstentions": {"$sum": {"$cond": ["$abstention", 1, 0]}},
            }},
        ])  # fmt: skip
        choices_cursor = await self.collection.aggregate([
            match,
            {"$unwind": "$choices"},
            {"$group": {
                "_id": {"question": "$question_id", "round": "$pi_round", "choice": "$choices"},
                "n": {"$sum": 1},
            }},
        ])  # fmt: skip
        totals = {
            (row["_id"]["question"], row["_id"]["round"]): row
            for row in await totals_cursor.to_list(None)
        }
        counts = {
            (row["_id"]["question"], row["_id"]["round"], row["_id"]["choice"]): row["n"]
            for row in await choices_cursor.to_list(None)
        }
        result: list[AnswerStatistics] = []
        for question, oid in zip(questions, ids, strict=True):
            options = [option["id"] for option in question["possible_answers"]]
            rounds: list[RoundStatistics] = []
            for pi_round in range(1, question["pi_round"] + 1):
                row = totals.get((oid, pi_round), {})
                rounds.append({
                    "pi_round": pi_round,
                    "answer_counts": [counts.get((oid, pi_round, option), 0) for option in options],
                    "total": row.get("total", 0),
                    "abstentions": row.get("abstentions", 0),
                })  # fmt: skip
            current = rounds[-1]
            result.append({
                "question_id": question["id"],
                "pi_round": current["pi_round"],
                "answer_counts": current["answer_counts"],
                "total": current["total"],
                "abstentions": current["abstentions"],
                "rounds": rounds,
            })  # fmt: skip
        return result
