"""Lecture sessions, addressed by their 8-digit keyword, and who visited them."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any, NotRequired, TypedDict

from bson import ObjectId
from pymongo import ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError, DuplicateKeyError

from arsnova.errors import Conflict, NotFound
from arsnova.store.batching import GroupCommit, GroupRead, SharedLookups
from arsnova.store.common import (
    DUPLICATE_KEY,
    Page,
    chunked,
    now,
    object_id,
    paged_list,
    plain,
    shared_by_id,
    stored_id,
    undo_if_session_deleted,
)

KEYWORD_ATTEMPTS = 20
# A visit is what makes a user a participant; its time is only kept. A user rejoining
# (every reconnect, every page load) within this many seconds is not written again.
VISIT_REFRESH = 600.0
RECENT_VISITS = 50_000  # visits remembered per node, the oldest forgotten first


class Session(TypedDict):
    """A lecture session as the repository returns it."""

    id: str
    keyword: str
    name: str
    short_name: str
    creator: str
    active: bool
    created_at: datetime
    last_owner_activity: datetime
    course_type: str
    course_id: str
    course_session: bool
    # Not in sessions stored before live feedback locks and places (read with a default).
    feedback_lock: NotRequired[bool]
    capacity: NotRequired[int | None]
    place_duration: NotRequired[int | None]
    allocated: NotRequired[int]
    # The question on the projector (the owner's presenter page); absent or None: none chosen.
    presented_question_id: NotRequired[str | None]
    # Q&A settings (issue 21, `services/qa.py`); absent: the defaults.
    qa: NotRequired[dict[str, Any]]


def new_keyword() -> str:
    """A random 8-digit number without a leading zero."""
    return str(10_000_000 + secrets.randbelow(90_000_000))


class SessionNotFound(NotFound):
    code = "session-not-found"
    default_message = "No lecture session has this keyword."


class SessionRepo:
    def __init__(self, db: AsyncDatabase) -> None:
        self.db = db
        self.collection = db["sessions"]
        self.visits = db["session_visits"]
        # Every vote, answer and join looks its session up: a lecture hall at once shares the
        # reads, by keyword (socket events, the REST paths) or by id (an answer to a question).
        self.lookups: SharedLookups[str, dict[str, Any] | None] = SharedLookups(
            lambda keyword: self.collection.find_one({"keyword": keyword})
        )
        self.lookups_by_id: SharedLookups[ObjectId, dict[str, Any] | None] = SharedLookups(
            lambda oid: self.collection.find_one({"_id": oid})
        )
        self.visit_writes: GroupCommit[dict[str, Any], None] = GroupCommit(self._write_visits)
        self.visit_reads: GroupRead[tuple[str, ObjectId], bool] = GroupRead(self._read_visits)
        self.recent_visits: dict[tuple[str, ObjectId], float] = {}  # → when it was written

    async def create(self, creator: str, fields: dict[str, Any]) -> Session:
        """Inserts a session under a fresh unique keyword (retried on collision)."""
        moment = now()
        for _attempt in range(KEYWORD_ATTEMPTS):
            document = {
                "active": True,
                "course_type": "",
                "course_id": "",
                "course_session": False,
                "feedback_lock": False,
                "capacity": None,
                "place_duration": None,
                "allocated": 0,
                **fields,
                "keyword": new_keyword(),
                "creator": creator,
                "created_at": moment,
                "last_owner_activity": moment,
            }
            try:
                result = await self.collection.insert_one(document)
            except DuplicateKeyError:
                continue
            document["_id"] = result.inserted_id
            return plain(document, Session)
        raise Conflict("No free keyword was found; try again.", code="keyword-exhausted")

    async def hand_over(self, creator: str, heir: str) -> int:
        """Gives every session of `creator` to `heir` (a guest who signed in for good)."""
        result = await self.collection.update_many(
            {"creator": creator}, {"$set": {"creator": heir}}
        )
        return result.modified_count

    async def by_keyword(self, keyword: str) -> Session:
        document = await self.lookups.get(keyword)
        if document is None:
            raise SessionNotFound()
        return plain(document, Session)

    async def by_id(self, session_id: str) -> Session:
        return await shared_by_id(self.lookups_by_id, session_id, Session, SessionNotFound)

    async def update(self, keyword: str, fields: dict[str, Any]) -> Session:
        document = await self.collection.find_one_and_update(
            {"keyword": keyword},
            {"$set": {**fields, "last_owner_activity": now()}},
            return_document=ReturnDocument.AFTER,
        )
        self.lookups.forget(keyword)  # a lookup from before the change is not shared on
        if document is None:
            raise SessionNotFound()
        self.lookups_by_id.forget(document["_id"])
        return plain(document, Session)

    async def present(self, keyword: str, question_id: str | None) -> Session:
        """Stores which question the presenter page shows (None: none)."""
        oid = None if question_id is None else stored_id(question_id)
        return await self.update(keyword, {"presented_question_id": oid})

    async def delete(self, session: Session) -> None:
        """Deletes a session, then its questions, answers, interposed questions, visits, votes.

        The session goes first: see `undo_if_session_deleted` for the writes racing this.
        """
        oid = stored_id(session["id"])
        await self.collection.delete_one({"_id": oid})
        self.lookups.forget(session["keyword"])
        self.lookups_by_id.forget(oid)
        collections = (
            "answers", "questions", "question_bin", "interposed_questions", "qa_votes",
            "qa_counts", "session_visits", "feedback",
        )  # fmt: skip
        for name in collections:
            await self.db[name].delete_many({"session_id": oid})

    async def record_visit(self, user: str, session: Session) -> None:
        """Makes `user` a participant; a visit this node wrote within VISIT_REFRESH stands."""
        key = (user, stored_id(session["id"]))
        moment = now()
        written = self.recent_visits.get(key)
        if written is not None and moment.timestamp() - written < VISIT_REFRESH:
            return
        await self.visit_writes.submit({
            "user": user, "session_id": key[1], "keyword": session["keyword"], "visited_at": moment
        })  # fmt: skip
        self.recent_visits.pop(key, None)  # re-inserted last: the dict is oldest first
        self.recent_visits[key] = moment.timestamp()
        if len(self.recent_visits) > RECENT_VISITS:
            del self.recent_visits[next(iter(self.recent_visits))]

    async def _write_visits(self, visits: list[dict[str, Any]]) -> list[BaseException | None]:
        """The visits of a lecture hall joining at once: first visits in one insert, returns
        in one update per session (see `SocketRepo._write` for why), one check after it."""
        latest = {(visit["user"], visit["session_id"]): visit for visit in visits}  # two tabs
        keys = [{"user": user, "session_id": session_id} for user, session_id in latest]
        records = list(latest.values())
        try:
            await self.visits.insert_many([dict(record) for record in records], ordered=False)
        except BulkWriteError as exc:
            returns: dict[ObjectId, list[dict[str, Any]]] = {}
            for error in exc.details["writeErrors"]:
                if error["code"] != DUPLICATE_KEY:
                    raise
                record = records[error["index"]]
                returns.setdefault(record["session_id"], []).append(record)
            for session_id, returning in returns.items():
                for chunk in chunked(returning):
                    await self.visits.update_many(
                        {"session_id": session_id, "user": {"$in": [r["user"] for r in chunk]}},
                        {"$set": {"visited_at": max(r["visited_at"] for r in chunk),
                                  "keyword": chunk[0]["keyword"]}},
                    )  # fmt: skip
        await undo_if_session_deleted(self.visits, keys)
        return [None] * len(visits)

    async def forget_visitor(self, user: str) -> None:
        """A deleted account's visits: the sessions it joined no longer list it."""
        await self.visits.delete_many({"user": user})
        self.recent_visits = {key: at for key, at in self.recent_visits.items() if key[0] != user}

    async def has_visited(self, user: str, session_id: str) -> bool:
        """A visit this node wrote is known; others are read, a burst's together."""
        oid = object_id(session_id)
        if oid is None:
            return False
        if (user, oid) in self.recent_visits:
            return True
        return bool(await self.visit_reads.get((user, oid)))

    async def _read_visits(
        self, keys: list[tuple[str, ObjectId]]
    ) -> dict[tuple[str, ObjectId], bool]:
        users_by_session: dict[ObjectId, list[str]] = {}
        for user, oid in keys:
            users_by_session.setdefault(oid, []).append(user)
        found: dict[tuple[str, ObjectId], bool] = {}
        for oid, users in users_by_session.items():
            for chunk in chunked(users):
                cursor = self.visits.find(
                    {"session_id": oid, "user": {"$in": chunk}}, {"user": 1, "_id": 0}
                )
                async for visit in cursor:
                    found[(visit["user"], oid)] = True
        return found

    async def owned(self, user: str, page: Page) -> list[Session]:
        cursor = self.collection.find({"creator": user})
        return await paged_list(cursor, page, "created_at", Session)

    async def visited(self, user: str, page: Page) -> list[Session]:
        ids = await self.visits.distinct("session_id", {"user": user})
        cursor = self.collection.find({"_id": {"$in": ids}})
        return await paged_list(cursor, page, "created_at", Session)

    async def everything(self, page: Page) -> list[Session]:
        return await paged_list(self.collection.find({}), page, "created_at", Session)

    async def count(self, active: bool) -> int:
        return await self.collection.count_documents({"active": active})
