"""Connected Socket.IO sockets: which login each is bound to and which session it is in.

Kept in the database rather than in one process's memory so that
`/socket/assign` and the active-user counts work whichever node holds the
socket. Each node marks itself alive in `socket_nodes` (one document, however
many sockets it holds: rewriting every socket's time each round cost the
embedded database 1.6 s per 5,000 sockets and stalled the requests behind it);
the sockets of a node that died without cleaning up are removed once the node
and they are older than the cut-off. A lecture hall connecting and joining at
once changes hundreds of sockets a second: the changes that arrive while
others are written go in one ordered bulk write (a socket's changes keep
their order).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo import DeleteOne, ReturnDocument, UpdateOne
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError, PyMongoError

from arsnova.errors import Conflict, NotFound
from arsnova.identity import Identity
from arsnova.store.batching import GroupCommit
from arsnova.store.common import now


class SocketNotFound(NotFound):
    code = "socket-not-found"
    default_message = "No socket with this id is connected."


class SocketRepo:
    def __init__(self, db: AsyncDatabase) -> None:
        self.collection = db["sockets"]
        self.nodes = db["socket_nodes"]
        self.changes: GroupCommit[UpdateOne | DeleteOne, None] = GroupCommit(self._write)

    async def _write(self, changes: list[UpdateOne | DeleteOne]) -> list[BaseException | None]:
        """One ordered bulk write; from a change that failed on, each is written again alone
        (an ordered write stops at its first error), so only the failed ones fail."""
        try:
            await self.collection.bulk_write(changes, ordered=True)
            return [None] * len(changes)
        except BulkWriteError as failed:
            done = failed.details["writeErrors"][0]["index"]
        outcomes: list[BaseException | None] = [None] * done
        for change in changes[done:]:
            try:
                await self.collection.bulk_write([change])
                outcomes.append(None)
            except PyMongoError as exc:
                outcomes.append(exc)
        return outcomes

    async def add(
        self, sid: str, node: str, address: str, identity: Identity | None, login_id: str | None
    ) -> None:
        # An upsert, so that adding again (a retried connect) is no error.
        await self.changes.submit(UpdateOne({"_id": sid}, {"$set": {
            "node": node,
            "address": address,
            "user": None if identity is None else identity.username,
            "user_type": None if identity is None else identity.type,
            "user_role": None if identity is None else identity.role,
            "login_id": login_id,
            "keyword": None,
            "seen_at": now(),
        }}, upsert=True))  # fmt: skip

    async def of_login(self, login_id: str) -> list[str]:
        """The sockets bound to a login, on every node."""
        return await self.collection.distinct("_id", {"login_id": login_id})

    async def bind(self, sid: str, identity: Identity, login_id: str | None) -> None:
        """Binds an unbound socket to a login (None: an access token's); rebinding to the
        same user is a no-op.

        404 `socket-not-found` if no such socket is connected, 409
        `socket-bound-elsewhere` if it belongs to another user.
        """
        bound = await self.collection.find_one_and_update(
            {"_id": sid, "user": None},
            {
                "$set": {
                    "user": identity.username,
                    "user_type": identity.type,
                    "user_role": identity.role,
                    "login_id": login_id,
                }
            },
            return_document=ReturnDocument.AFTER,
        )
        if bound is not None:
            return
        found = await self.collection.find_one({"_id": sid}, {"user": 1})
        if found is None:
            raise SocketNotFound()
        if found["user"] != identity.username:
            raise Conflict("This socket is bound to another user.", code="socket-bound-elsewhere")

    async def binding_of(self, sid: str) -> tuple[Identity, str | None] | None:
        """The identity a socket is bound to and the id of its login (None for a token's)."""
        found = await self.collection.find_one(
            {"_id": sid}, {"user": 1, "user_type": 1, "user_role": 1, "login_id": 1}
        )
        if found is None or found["user"] is None:
            return None
        identity = Identity(found["user"], found["user_type"], role=found.get("user_role"))
        return identity, found.get("login_id")

    async def join(self, sid: str, keyword: str | None) -> None:
        """Records the session the socket is in (its node knows which it was in before)."""
        await self.changes.submit(UpdateOne({"_id": sid}, {"$set": {"keyword": keyword}}))

    async def remove(self, sid: str) -> None:
        """Forgets a disconnected socket."""
        await self.changes.submit(DeleteOne({"_id": sid}))

    async def active_users(self, keyword: str) -> int:
        """Distinct users with at least one socket in the session (three tabs count once)."""
        users = await self.collection.distinct("user", {"keyword": keyword, "user": {"$ne": None}})
        return len(users)

    async def refresh(self, node: str) -> None:
        """Marks the node alive (its sockets with it)."""
        await self.nodes.update_one({"_id": node}, {"$set": {"seen_at": now()}}, upsert=True)

    async def remove_stale(self, before: datetime) -> set[str]:
        """Removes the sockets of nodes not alive since `before`; the sessions they were in.

        A socket is only removed once it is older than `before` itself, so a
        node that has just started, before its first refresh, keeps its sockets.
        """
        live = await self.nodes.distinct("_id", {"seen_at": {"$gte": before}})
        await self.nodes.delete_many({"seen_at": {"$lt": before}})
        return await self._remove({"node": {"$nin": live}, "seen_at": {"$lt": before}})

    async def remove_node(self, node: str) -> set[str]:
        await self.nodes.delete_one({"_id": node})
        return await self._remove({"node": node})

    async def _remove(self, query: dict[str, Any]) -> set[str]:
        keywords = set(await self.collection.distinct("keyword", query)) - {None}
        await self.collection.delete_many(query)
        return keywords
