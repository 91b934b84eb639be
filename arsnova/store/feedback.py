"""Live feedback: each user's current vote (0 faster, 1 ok, 2 slower, 3 away) per session.

Votes live in the database so that a restart or a second node loses none.
A vote expires `ttl` seconds after it was last given, except "away" (3),
which stays until it is changed or reset, as in ARSnova.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, NamedTuple

from bson import ObjectId
from pymongo import UpdateOne
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError, PyMongoError

from arsnova.store.batching import GroupCommit, GroupRead
from arsnova.store.common import now, object_id, stored_id, undo_if_session_deleted
from arsnova.store.sessions import Session

VALUES = 4
AWAY = 3


class Vote(NamedTuple):
    session_id: ObjectId
    user: str
    fields: dict[str, Any]

    @property
    def key(self) -> dict[str, Any]:
        return {"session_id": self.session_id, "user": self.user}


class FeedbackRepo:
    def __init__(self, db: AsyncDatabase) -> None:
        self.collection = db["feedback"]
        # A lecture hall votes within seconds: votes that come while others are being
        # stored are stored together, one bulk write (a third of the database's time).
        self.votes: GroupCommit[Vote, None] = GroupCommit(self._store_votes)
        # A lecture hall joining at once reads the counts and each user's vote together.
        self.counts_of: GroupRead[str, list[int]] = GroupRead(self._counts)
        self.votes_of: GroupRead[tuple[ObjectId, str], int] = GroupRead(self._votes_of)

    async def vote(self, session: Session, user: str, value: int, ttl: int) -> None:
        """Records `user`'s current value (the last one wins) and renews its lifetime."""
        moment = now()
        expires_at = None if value == AWAY else moment + timedelta(seconds=ttl)
        await self.votes.submit(Vote(
            stored_id(session["id"]),
            user,
            {"keyword": session["keyword"], "value": value, "updated_at": moment,
             "expires_at": expires_at},
        ))  # fmt: skip

    async def _store_votes(self, votes: list[Vote]) -> list[BaseException | None]:
        """One unordered bulk write; a user's last vote of the batch stands for the earlier ones."""
        last = {(vote.session_id, vote.user): vote for vote in votes}
        batch = list(last.values())
        errors: dict[tuple[ObjectId, str], BaseException] = {}
        try:
            await self.collection.bulk_write(
                [UpdateOne(vote.key, {"$set": vote.fields}, upsert=True) for vote in batch],
                ordered=False,
            )
        except BulkWriteError as failed:
            # Rare (two nodes creating the same user's vote at once): each failed one
            # is tried again alone, and its caller gets that write's outcome.
            for error in failed.details["writeErrors"]:
                vote = batch[error["index"]]
                try:
                    await self.collection.update_one(vote.key, {"$set": vote.fields}, upsert=True)
                except PyMongoError as exc:
                    errors[vote.session_id, vote.user] = exc
        await undo_if_session_deleted(self.collection, [vote.key for vote in batch])
        return [errors.get((vote.session_id, vote.user)) for vote in votes]

    async def counts(self, keyword: str) -> list[int]:
        """`[faster, ok, slower, away]`: how many users currently hold each value."""
        return await self.counts_of.get(keyword) or [0] * VALUES

    async def _counts(self, keywords: list[str]) -> dict[str, list[int]]:
        counts = {keyword: [0] * VALUES for keyword in keywords}
        pipeline: list[dict[str, Any]] = [
            {"$match": {"keyword": {"$in": keywords}}},
            {"$group": {"_id": {"keyword": "$keyword", "value": "$value"}, "count": {"$sum": 1}}},
        ]
        async for row in await self.collection.aggregate(pipeline):
            counts[row["_id"]["keyword"]][row["_id"]["value"]] = row["count"]
        return counts

    async def of_user(self, session_id: str, user: str) -> int | None:
        oid = object_id(session_id)
        return None if oid is None else await self.votes_of.get((oid, user))

    async def _votes_of(self, keys: list[tuple[ObjectId, str]]) -> dict[tuple[ObjectId, str], int]:
        query = {
            "session_id": {"$in": list({oid for oid, _ in keys})},
            "user": {"$in": list({user for _, user in keys})},
        }
        found = self.collection.find(query, {"session_id": 1, "user": 1, "value": 1})
        return {(vote["session_id"], vote["user"]): vote["value"] async for vote in found}

    async def reset(self, session_id: str) -> None:
        await self.collection.delete_many({"session_id": object_id(session_id)})

    async def expire_due(self, limit: int = 10_000) -> list[tuple[str, str]]:
        """Deletes votes past their lifetime; `(keyword, user)` of each one this call deleted.

        Each vote is taken with its own atomic find-and-delete, so when
        several nodes sweep at once every expiry is reported exactly once.
        """
        expired = []
        for _ in range(limit):
            found = await self.collection.find_one_and_delete(
                {"expires_at": {"$ne": None, "$lte": now()}}, {"keyword": 1, "user": 1}
            )
            if found is None:
                break
            expired.append((found["keyword"], found["user"]))
        return expired


def rounded_average(counts: list[int]) -> int | None:
    """The mean vote (0 faster … 3 away), rounded half up; None without votes."""
    total = sum(counts)
    if not total:
        return None
    weighted = sum(value * count for value, count in enumerate(counts))
    return int(weighted / total + 0.5)
