"""The durable event log behind `/events`, and the state of each `/events` connection.

Events are kept per stream: `login:<login id>`, `session:<keyword>` and
`global`, each with its own gap-free, increasing sequence taken from a
counter document. A connection's position is one acknowledged sequence per
stream, so a login's view is the merge of its streams, and a session event
is written once, not once per subscriber (a lecture hall would make that
a thousand writes per event).
"""

from __future__ import annotations

import contextlib
from datetime import datetime, timedelta
from typing import Any, NotRequired, TypedDict

from pymongo import DESCENDING, ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from arsnova.store.common import Raw, now, object_id, plain

GLOBAL_STREAM = "global"
# Sequences an append tries before giving up (each taken one moves the counter on).
APPEND_ATTEMPTS = 100


class Event(TypedDict):
    """One event of a stream's log."""

    id: str
    stream: str
    sequence: int  # gap-free and increasing within its stream
    type: str
    scope: str
    time: datetime
    data: Any  # the event's body, as the broadcaster gave it
    audience: str  # all, or staff (the session's owner and admins)


class EventConnection(TypedDict):
    """An `/events` connection's state; `id` is the hash of the token it used."""

    id: str
    login_id: str
    node: str
    sid: str
    positions: dict[str, int]  # the acknowledged sequence per stream
    subscriptions: list[str]  # the keywords of the sessions it subscribed to
    connected: bool
    idle: bool
    updated_at: datetime
    superseded: NotRequired[bool]  # taken over by a reconnect


def login_stream(login_id: str) -> str:
    return f"login:{login_id}"


def session_stream(keyword: str) -> str:
    return f"session:{keyword}"


class EventLog:
    def __init__(self, db: AsyncDatabase) -> None:
        self.events = db["events"]
        self.streams = db["event_streams"]

    async def append(
        self, stream: str, event_type: str, scope: str, data: Any, audience: str = "all"
    ) -> Event:
        """Stores one event under the stream's next sequence number.

        `audience` is `all` or `staff` (the session's owner and admins only).
        """
        for _ in range(APPEND_ATTEMPTS):
            counter = await self._counter(stream)
            event = {
                "stream": stream,
                "sequence": counter["head"],
                "type": event_type,
                "scope": scope,
                "time": now(),
                "data": data,
                "audience": audience,
            }
            try:
                await self.events.insert_one(event)
            except DuplicateKeyError:
                # Either the driver retried our own insert whose answer was lost (it is
                # stored), or the counter handed out a taken sequence (an increment lost
                # by the database under load): then the next one, so the log stays gap-free.
                if await self.events.find_one({"_id": event["_id"]}, {"_id": 1}) is None:
                    continue
            return plain(event, Event)
        raise RuntimeError(f"the event stream {stream!r} has no free sequence")

    async def _counter(self, stream: str) -> Raw:
        """The stream's counter, incremented: its `head` is the sequence to take."""
        counter = await self._next(stream)
        if counter is None:
            # A new stream. Created apart from the increment: concurrent upserts
            # with find-and-modify are not reliable on every MongoDB-wire server.
            with contextlib.suppress(DuplicateKeyError):
                await self.streams.insert_one({"_id": stream, "head": 0, "pruned_below": 1})
            counter = await self._next(stream)
            if counter is None:  # the stream was forgotten in between: it starts afresh
                raise RuntimeError(f"the event stream {stream!r} has no counter")
        return counter

    async def _next(self, stream: str) -> Raw | None:
        return await self.streams.find_one_and_update(
            {"_id": stream}, {"$inc": {"head": 1}}, return_document=ReturnDocument.AFTER
        )

    async def heads(self, streams: list[str]) -> dict[str, int]:
        """The last sequence of each stream (0 for a stream without events)."""
        found = {
            doc["_id"]: doc["head"] async for doc in self.streams.find({"_id": {"$in": streams}})
        }
        return {stream: found.get(stream, 0) for stream in streams}

    async def pruned_below(self, stream: str) -> int:
        """The first sequence still kept: anything before it is gone for good."""
        found = await self.streams.find_one({"_id": stream}, {"pruned_below": 1})
        return 1 if found is None else found["pruned_below"]

    async def after(self, stream: str, sequence: int, limit: int) -> list[Event]:
        cursor = self.events.find({"stream": stream, "sequence": {"$gt": sequence}})
        documents = await cursor.sort("sequence", 1).limit(limit).to_list(None)
        return [plain(document, Event) for document in documents]

    async def latest_since(self, stream: str, when: datetime, types: list[str]) -> dict[str, Event]:
        """The newest event for everyone of each of `types` appended to `stream` at or after
        `when` (what a gap in the live delivery may have hidden; `realtime/delivery/recovery`)."""
        query = {"stream": stream, "type": {"$in": types}, "time": {"$gte": when}}
        query["audience"] = {"$in": ["all", "courses"]}  # what a session's legacy room hears of
        latest: dict[str, Event] = {}
        async for document in self.events.find(query).sort("sequence", DESCENDING).limit(1000):
            latest.setdefault(document["type"], plain(document, Event))
        return latest

    async def prune(self, max_age: int, max_events: int) -> None:
        """Keeps at most `max_events` per stream, none older than `max_age` seconds."""
        cutoff = now() - timedelta(seconds=max_age)
        async for stream in self.streams.find({}, {"head": 1, "pruned_below": 1}):
            keep_from = stream["head"] - max_events + 1
            newest_old = await self.events.find_one(
                {"stream": stream["_id"], "time": {"$lt": cutoff}},
                {"sequence": 1},
                sort=[("sequence", DESCENDING)],
            )
            if newest_old is not None:
                keep_from = max(keep_from, newest_old["sequence"] + 1)
            if keep_from <= stream["pruned_below"]:
                continue
            await self.streams.update_one(
                {"_id": stream["_id"]}, {"$max": {"pruned_below": keep_from}}
            )
            await self.events.delete_many({"stream": stream["_id"], "sequence": {"$lt": keep_from}})

    async def forget_stream(self, stream: str) -> None:
        await self.events.delete_many({"stream": stream})
        await self.streams.delete_one({"_id": stream})


class EventConnectionRepo:
    """One document per `/events` connection, keyed by the hash of the token it used.

    `positions` holds the acknowledged sequence per stream; a reconnect with
    that token continues from there.
    """

    def __init__(self, db: AsyncDatabase) -> None:
        self.collection = db["event_connections"]

    async def create(
        self,
        token_hash: str,
        login_id: str,
        node: str,
        sid: str,
        positions: dict[str, int],
        subscriptions: list[str],
    ) -> None:
        await self.collection.insert_one({
            "_id": token_hash,
            "login_id": object_id(login_id),
            "node": node,
            "sid": sid,
            "positions": positions,
            "subscriptions": subscriptions,
            "connected": True,
            "idle": False,
            "updated_at": now(),
        })  # fmt: skip

    async def get(self, token_hash: str) -> EventConnection | None:
        return plain(await self.collection.find_one({"_id": token_hash}), EventConnection)

    async def take_over(self, token_hash: str, login_id: str) -> EventConnection | None:
        """Claims a previous connection of the same login for a reconnect, once."""
        previous = await self.collection.find_one_and_update(
            {"_id": token_hash, "login_id": object_id(login_id), "superseded": {"$ne": True}},
            {"$set": {"superseded": True, "connected": False}},
        )
        return plain(previous, EventConnection)

    async def save(self, token_hash: str, **fields: Any) -> None:
        await self.collection.update_one(
            {"_id": token_hash}, {"$set": {**fields, "updated_at": now()}}
        )

    async def connected_sids(self, login_id: str) -> list[str]:
        """The socket ids of a login's open connections, on every node."""
        query = {"login_id": object_id(login_id), "connected": True}
        return await self.collection.distinct("sid", query)

    async def login_is_idle(self, login_id: str) -> bool:
        """Idle only when the login has connections and every one of them reported idle."""
        query = {"login_id": object_id(login_id), "connected": True}
        connected = await self.collection.count_documents(query)
        active = await self.collection.count_documents({**query, "idle": False})
        return connected > 0 and active == 0

    async def disconnect_node(self, node: str) -> None:
        await self.collection.update_many(
            {"node": node, "connected": True}, {"$set": {"connected": False}}
        )

    async def purge(self, older_than: timedelta) -> None:
        await self.collection.delete_many(
            {"connected": False, "updated_at": {"$lt": now() - older_than}}
        )
