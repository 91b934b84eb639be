"""Lecturer questions of a lecture session."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any, NotRequired, TypedDict

from bson import ObjectId
from pymongo import ASCENDING, DESCENDING, ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase

from arsnova.errors import Conflict, NotFound
from arsnova.store.batching import GroupRead, SharedLookups
from arsnova.store.common import Page, now, object_id, paged_list, plain, shared_by_id, stored_id
from arsnova.store.sessions import Session


class PossibleAnswer(TypedDict):
    id: str
    text: str
    correct: bool


class Question(TypedDict):
    """A lecturer question as the repository returns it."""

    id: str
    session_id: str
    session_keyword: str
    timestamp: datetime
    question_type: str
    subject: str
    text: str
    active: bool
    released_for: str
    possible_answers: list[PossibleAnswer]
    no_correct: bool
    show_statistic: bool
    show_answer: bool
    pi_round: int  # the current peer-instruction round, from 1; answers go to it
    # Optional in a new question's body, so stored only when given.
    number: NotRequired[int | None]
    duration: NotRequired[int | None]
    # Voting (issue 18); questions stored before it have none: open, no countdown, one answer.
    voting_disabled: NotRequired[bool]
    voting_ends_at: NotRequired[datetime | None]  # a running countdown's end
    allow_answer_change: NotRequired[bool]
    # The place in the session's list (issue 18, reordering): new questions go last; questions
    # stored before it have none and come first, by time, as they always did.
    position: NotRequired[int]


class BinnedQuestion(Question):
    """A question in its session's bin."""

    deleted_at: datetime


class QuestionNotFound(NotFound):
    code = "question-not-found"
    default_message = "No such lecturer question."


class BinnedQuestionNotFound(NotFound):
    code = "binned-question-not-found"
    default_message = "No such question in the bin."


# A session's questions without an explicit `sort`: in the lecturer's order, then by time.
ORDER = ("position", "timestamp")


class QuestionRepo:
    def __init__(self, db: AsyncDatabase) -> None:
        self.collection = db["questions"]
        self.answers = db["answers"]
        self.bin = db["question_bin"]
        # An answer burst looks the same question up a thousand times: they share the reads.
        self.lookups: SharedLookups[ObjectId, dict[str, Any] | None] = SharedLookups(
            lambda oid: self.collection.find_one({"_id": oid})
        )
        # A lecture hall joining at once: its joins read the published questions and their
        # users' answers together (`unanswered`).
        self.published: GroupRead[ObjectId, list[dict[str, Any]]] = GroupRead(self._published)
        self.answered: GroupRead[tuple[ObjectId, str], list[dict[str, Any]]] = GroupRead(
            self._answered
        )

    async def create(self, session: Session, fields: dict[str, Any]) -> Question:
        """Stores a new question, last in its session's order."""
        session_oid = stored_id(session["id"])
        last = await self.collection.find_one(
            {"session_id": session_oid, "position": {"$exists": True}},
            {"position": 1},
            sort=[("position", DESCENDING)],
        )
        document = {
            **fields,
            "session_id": session_oid,
            "session_keyword": session["keyword"],
            "timestamp": now(),
            "pi_round": 1,
            "position": 0 if last is None else last["position"] + 1,
        }
        result = await self.collection.insert_one(document)
        document["_id"] = result.inserted_id
        return plain(document, Question)

    async def by_id(self, question_id: str, session_id: str | None = None) -> Question:
        """The question; with `session_id`, only if it belongs to that session."""
        scope = {} if session_id is None else {"session_id": object_id(session_id)}
        return await shared_by_id(self.lookups, question_id, Question, QuestionNotFound, **scope)

    async def of_session(
        self,
        session_id: str,
        page: Page,
        *,
        released_for: list[str] | None = None,
        unanswered_by: str | None = None,
    ) -> list[Question]:
        """The session's questions; with `released_for`, only published ones released so.

        `unanswered_by` leaves out the questions that user answered in their current round.
        """
        oid = object_id(session_id)
        query: dict[str, Any] = {"session_id": oid}
        if released_for is not None:
            query["active"] = True
            query["released_for"] = {"$in": released_for}
        if unanswered_by is not None:
            answered = self.answers.find(
                {"session_id": oid, "user": unanswered_by}, {"question_id": 1, "pi_round": 1}
            )
            rounds = [{"_id": a["question_id"], "pi_round": a["pi_round"]} async for a in answered]
            if rounds:
                query["$nor"] = rounds
        return await paged_list(self.collection.find(query), page, ORDER, Question)

    async def unanswered(
        self, session_id: str, user: str, released_for: list[str]
    ) -> list[Question]:
        """The session's published questions released for `released_for` that `user` has not
        answered in their current round, in the session's order (`of_session`'s, shared)."""
        oid = stored_id(session_id)
        questions, answers = await asyncio.gather(
            self.published.get(oid), self.answered.get((oid, user))
        )
        done = {(answer["question_id"], answer["pi_round"]) for answer in answers or ()}
        return [
            plain(question, Question)
            for question in questions or ()
            if question.get("released_for") in released_for
            and (question["_id"], question["pi_round"]) not in done
        ]

    async def _published(self, session_ids: list[ObjectId]) -> dict[ObjectId, list[dict[str, Any]]]:
        found: dict[ObjectId, list[dict[str, Any]]] = {oid: [] for oid in session_ids}
        order = [
            ("session_id", ASCENDING),
            *((name, ASCENDING) for name in ORDER),
            ("_id", ASCENDING),
        ]
        query = {"session_id": {"$in": session_ids}, "active": True}
        async for question in self.collection.find(query).sort(order):
            found[question["session_id"]].append(question)
        return found

    async def _answered(
        self, keys: list[tuple[ObjectId, str]]
    ) -> dict[tuple[ObjectId, str], list[dict[str, Any]]]:
        found: dict[tuple[ObjectId, str], list[dict[str, Any]]] = {key: [] for key in keys}
        query = {
            "session_id": {"$in": list({oid for oid, _ in keys})},
            "user": {"$in": list({user for _, user in keys})},
        }
        fields = {"session_id": 1, "user": 1, "question_id": 1, "pi_round": 1}
        async for answer in self.answers.find(query, fields):
            key = (answer["session_id"], answer["user"])
            if key in found:  # another user's answers in another of the sessions
                found[key].append(answer)
        return found

    async def reorder(self, question_ids: list[str]) -> list[Question]:
        """Gives each question its index in `question_ids` as `position`; returns the questions
        whose position changed (the caller checked that these are one session's questions)."""
        moved = []
        for position, question_id in enumerate(question_ids):
            oid = stored_id(question_id)
            document = await self.collection.find_one_and_update(
                {"_id": oid, "position": {"$ne": position}},
                {"$set": {"position": position}},
                return_document=ReturnDocument.AFTER,
            )
            self.lookups.forget(oid)
            if document is not None:
                moved.append(plain(document, Question))
        return moved

    async def update(self, question: Question, changes: dict[str, Any]) -> Question:
        """Applies `changes`; the type stays once it has answers (409 `question-has-answers`).

        Answers name options by id, so options may be added, reordered and
        edited; which removals need confirming is `services.questions`'.
        """
        oid = stored_id(question["id"])
        new_type = changes.get("question_type", question["question_type"])
        retyped = new_type != question["question_type"]
        if retyped and await self.answers.find_one({"question_id": oid}, {"_id": 1}):
            raise Conflict(
                "The question has answers: its type can't change.",
                code="question-has-answers",
            )
        if not changes:
            return question
        return await self._change(oid, {"$set": changes})

    async def set_round(self, question: Question, pi_round: int | None = None) -> Question:
        """Moves the question to round `pi_round`, or (None) to the round after its current one."""
        change = {"$inc": {"pi_round": 1}} if pi_round is None else {"$set": {"pi_round": pi_round}}
        return await self._change(stored_id(question["id"]), change)

    async def _change(self, oid: ObjectId, update: dict[str, Any]) -> Question:
        """Applies `update` to the question and returns it as changed (404 if it is gone)."""
        document = await self.collection.find_one_and_update(
            {"_id": oid}, update, return_document=ReturnDocument.AFTER
        )
        self.lookups.forget(oid)  # a lookup from before the change is not shared on
        if document is None:
            raise QuestionNotFound()
        return plain(document, Question)

    async def close_expired_voting(self) -> list[Question]:
        """Closes voting on the questions whose countdown ended; returns those this call closed.

        Every node runs this: the update is conditional on the deadline it read,
        so each question is closed (and then announced) by one caller only.
        """
        closed = []
        expired = self.collection.find(
            {"voting_ends_at": {"$lte": now()}}, {"_id": 1, "voting_ends_at": 1}
        )
        async for found in expired:
            document = await self.collection.find_one_and_update(
                {"_id": found["_id"], "voting_ends_at": found["voting_ends_at"]},
                {"$set": {"voting_disabled": True, "voting_ends_at": None}},
                return_document=ReturnDocument.AFTER,
            )
            self.lookups.forget(found["_id"])
            if document is not None:
                closed.append(plain(document, Question))
        return closed

    async def delete(self, question: Question) -> None:
        """Moves the question to the session's bin; its answers wait there with it.

        Written to the bin first, so a failure in between leaves a copy in
        both places (restore tolerates that), never in neither.
        """
        oid = stored_id(question["id"])
        document = await self.collection.find_one({"_id": oid})
        if document is None:
            raise QuestionNotFound()
        await self.bin.replace_one({"_id": oid}, {**document, "deleted_at": now()}, upsert=True)
        await self.collection.delete_one({"_id": oid})
        self.lookups.forget(oid)

    async def binned(self, session_id: str, page: Page) -> list[BinnedQuestion]:
        query = self.bin.find({"session_id": object_id(session_id)})
        return await paged_list(query, page, "deleted_at", BinnedQuestion)

    async def restore(self, session_id: str, question_id: str) -> Question:
        """Puts a binned question back, with its answers."""
        oid = object_id(question_id)
        if oid is None:
            raise BinnedQuestionNotFound()
        document = await self.bin.find_one({"_id": oid, "session_id": object_id(session_id)})
        if document is None:
            raise BinnedQuestionNotFound()
        document.pop("deleted_at")
        await self.collection.replace_one({"_id": oid}, document, upsert=True)
        self.lookups.forget(oid)
        await self.bin.delete_one({"_id": oid})
        return plain(document, Question)

    async def purge_bin(self, older_than: timedelta) -> int:
        """Deletes binned questions (and their answers) kept longer than `older_than`."""
        cutoff = now() - older_than
        ids = await self.bin.distinct("_id", {"deleted_at": {"$lt": cutoff}})
        if ids:
            await self.answers.delete_many({"question_id": {"$in": ids}})
            await self.bin.delete_many({"_id": {"$in": ids}})
        return len(ids)
