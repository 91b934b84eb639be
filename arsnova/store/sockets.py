"""Connected Socket.IO sockets: which login each is bound to and which session it is in.

One process alone (no Redis) keeps them in its memory (`LocalSockets`): they
are gone with the process anyway, and a lecture hall's connects and joins
then cost the database nothing. Several nodes keep them in the database
(`SocketRepo`) so that `/socket/assign` and the active-user counts work
whichever node holds the socket. Each node marks itself alive in
`socket_nodes` (one document, however many sockets it holds: rewriting
every socket's time each round cost the embedded database 1.6 s per 5,000
sockets and stalled the requests behind it);
the sockets of a node that died without cleaning up are removed once the node
and they are older than the cut-off. A lecture hall connecting and joining at
once changes hundreds of sockets a second: the changes that arrive while
others are written together, as what each socket ends up as (`_write`).
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from pymongo import ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError, PyMongoError

from arsnova.errors import Conflict, NotFound
from arsnova.identity import Identity
from arsnova.store.batching import GroupCommit
from arsnova.store.common import chunked, now


class SocketNotFound(NotFound):
    code = "socket-not-found"
    default_message = "No socket with this id is connected."


class SocketBoundElsewhere(Conflict):
    code = "socket-bound-elsewhere"
    default_message = "This socket is bound to another user."


class SocketRegistry(Protocol):
    """Where the sockets are known: `LocalSockets` (one process) or `SocketRepo` (shared)."""

    async def add(
        self, sid: str, node: str, address: str, identity: Identity | None, login_id: str | None
    ) -> None: ...

    async def of_login(self, login_id: str) -> list[str]: ...

    async def bind(self, sid: str, identity: Identity, login_id: str | None) -> None: ...

    async def binding_of(self, sid: str) -> tuple[Identity, str | None] | None: ...

    async def join(self, sid: str, keyword: str | None) -> None: ...

    async def in_session(self, keyword: str, users: set[str]) -> list[tuple[str, Identity]]: ...

    async def remove(self, sid: str) -> None: ...

    async def active_users(self, keyword: str) -> int: ...

    async def refresh(self, node: str) -> None: ...

    async def remove_stale(self, before: datetime) -> set[str]: ...

    async def remove_node(self, node: str) -> set[str]: ...


@dataclass
class LocalSocket:
    identity: Identity | None
    login_id: str | None
    keyword: str | None = None


class LocalSockets:
    """The sockets of the only process, in its memory (see the module's docstring)."""

    def __init__(self) -> None:
        self.sockets: dict[str, LocalSocket] = {}

    async def add(
        self, sid: str, node: str, address: str, identity: Identity | None, login_id: str | None
    ) -> None:
        self.sockets[sid] = LocalSocket(identity, login_id)

    async def of_login(self, login_id: str) -> list[str]:
        return [sid for sid, socket in self.sockets.items() if socket.login_id == login_id]

    async def bind(self, sid: str, identity: Identity, login_id: str | None) -> None:
        """As `SocketRepo.bind`."""
        socket = self.sockets.get(sid)
        if socket is None:
            raise SocketNotFound()
        if socket.identity is None:
            socket.identity, socket.login_id = identity, login_id
        elif socket.identity.username != identity.username:
            raise SocketBoundElsewhere()

    async def binding_of(self, sid: str) -> tuple[Identity, str | None] | None:
        socket = self.sockets.get(sid)
        if socket is None or socket.identity is None:
            return None
        return socket.identity, socket.login_id

    async def join(self, sid: str, keyword: str | None) -> None:
        socket = self.sockets.get(sid)
        if socket is not None:
            socket.keyword = keyword

    async def in_session(self, keyword: str, users: set[str]) -> list[tuple[str, Identity]]:
        return [
            (sid, socket.identity)
            for sid, socket in self.sockets.items()
            if socket.keyword == keyword
            and socket.identity is not None
            and socket.identity.username in users
        ]

    async def remove(self, sid: str) -> None:
        self.sockets.pop(sid, None)

    async def active_users(self, keyword: str) -> int:
        return len({
            socket.identity.username
            for socket in self.sockets.values()
            if socket.keyword == keyword and socket.identity is not None
        })  # fmt: skip

    async def refresh(self, node: str) -> None:
        """Nothing to do: no other node reads this process's sockets."""

    async def remove_stale(self, before: datetime) -> set[str]:
        return set()

    async def remove_node(self, node: str) -> set[str]:
        keywords = {socket.keyword for socket in self.sockets.values()} - {None}
        self.sockets.clear()
        return {keyword for keyword in keywords if keyword is not None}


@dataclass
class SocketChange:
    """One change to a socket's record: `fields` to set (`upsert`: the whole record of a
    connect), or its removal (`fields` None)."""

    sid: str
    fields: dict[str, Any] | None
    upsert: bool = False


# A socket record's fields that say whom it is bound to (`bound_identity`).
IDENTITY_FIELDS = {"user": 1, "user_type": 1, "user_role": 1}


def bound_identity(found: dict[str, Any]) -> Identity:
    return Identity(found["user"], found["user_type"], role=found.get("user_role"))


class SocketRepo:
    def __init__(self, db: AsyncDatabase) -> None:
        self.collection = db["sockets"]
        self.nodes = db["socket_nodes"]
        self.changes: GroupCommit[SocketChange, None] = GroupCommit(self._write)

    async def _write(self, changes: list[SocketChange]) -> list[BaseException | None]:
        """A batch as few statements: what each socket ends up as, new records in one insert,
        joins in one update per session, removals in one delete.

        The embedded database commits (and syncs) every statement of a bulk
        write on its own: a lecture hall's connects and joins as one statement
        each cost 2,000 commits per 1,000 students.
        """
        final: dict[str, SocketChange] = {}
        for change in changes:  # a socket's changes in their order
            before = final.get(change.sid)
            if before is not None and before.fields is not None and change.fields is not None:
                change = SocketChange(change.sid, {**before.fields, **change.fields}, before.upsert)
            final[change.sid] = change
        failed: dict[str, BaseException] = {}
        await self._insert([c for c in final.values() if c.upsert and c.fields], failed)
        joins: dict[str | None, list[str]] = {}
        for change in final.values():
            if change.fields is not None and not change.upsert:
                joins.setdefault(change.fields["keyword"], []).append(change.sid)
        for keyword, sids in joins.items():
            moved = functools.partial(
                self.collection.update_many, update={"$set": {"keyword": keyword}}
            )
            await self._each_chunk(sids, failed, moved)
        removed = [change.sid for change in final.values() if change.fields is None]
        await self._each_chunk(removed, failed, self.collection.delete_many)
        return [failed.get(change.sid) for change in changes]

    async def _insert(self, added: list[SocketChange], failed: dict[str, BaseException]) -> None:
        """New records in one insert; a record that exists already (a retried connect) is
        overwritten alone."""
        if not added:
            return
        records = [{"_id": change.sid, **(change.fields or {})} for change in added]
        try:
            await self.collection.insert_many(records, ordered=False)
            return
        except BulkWriteError as exc:
            again = {error["index"] for error in exc.details["writeErrors"]}
        for index in again:
            record = records[index]
            try:
                await self.collection.replace_one({"_id": record["_id"]}, record, upsert=True)
            except PyMongoError as error:
                failed[record["_id"]] = error

    async def _each_chunk(
        self,
        sids: list[str],
        failed: dict[str, BaseException],
        write: Callable[[dict[str, Any]], Awaitable[Any]],
    ) -> None:
        for chunk in chunked(sids):
            try:
                await write({"_id": {"$in": chunk}})
            except PyMongoError as error:
                failed.update(dict.fromkeys(chunk, error))

    async def add(
        self, sid: str, node: str, address: str, identity: Identity | None, login_id: str | None
    ) -> None:
        # Adding again (a retried connect) overwrites: no error.
        await self.changes.submit(SocketChange(sid, {
            "node": node,
            "address": address,
            "user": None if identity is None else identity.username,
            "user_type": None if identity is None else identity.type,
            "user_role": None if identity is None else identity.role,
            "login_id": login_id,
            "keyword": None,
            "seen_at": now(),
        }, upsert=True))  # fmt: skip

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
            raise SocketBoundElsewhere()

    async def binding_of(self, sid: str) -> tuple[Identity, str | None] | None:
        """The identity a socket is bound to and the id of its login (None for a token's)."""
        found = await self.collection.find_one({"_id": sid}, {**IDENTITY_FIELDS, "login_id": 1})
        if found is None or found["user"] is None:
            return None
        identity = bound_identity(found)
        return identity, found.get("login_id")

    async def join(self, sid: str, keyword: str | None) -> None:
        """Records the session the socket is in (its node knows which it was in before)."""
        await self.changes.submit(SocketChange(sid, {"keyword": keyword}))

    async def in_session(self, keyword: str, users: set[str]) -> list[tuple[str, Identity]]:
        """The sockets of these users in the session, on every node, and whom each is bound to."""
        cursor = self.collection.find(
            {"keyword": keyword, "user": {"$in": sorted(users)}},
            IDENTITY_FIELDS,
        )
        return [(found["_id"], bound_identity(found)) async for found in cursor]

    async def remove(self, sid: str) -> None:
        """Forgets a disconnected socket."""
        await self.changes.submit(SocketChange(sid, None))

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
