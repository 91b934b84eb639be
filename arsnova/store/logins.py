"""Server-side logins referenced by the JSESSIONID cookie; only token hashes are stored."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, NotRequired, TypedDict

from pymongo.asynchronous.database import AsyncDatabase

from arsnova.identity import Identity
from arsnova.store.batching import GroupRead
from arsnova.store.common import chunked, now, object_id, plain


class Login(TypedDict):
    """A login as the repository returns it (the cookie's token only as its hash)."""

    id: str
    token_hash: str
    username: str
    type: str
    created_at: datetime
    last_seen: datetime
    expires_at: datetime
    role: NotRequired[str | None]  # what the provider said at login (`Identity.role`)
    # Set once its expiry was announced (`warn`), or all its sockets reported idle.
    warned: NotRequired[bool]
    idle: NotRequired[bool]


class LoginRepo:
    def __init__(self, db: AsyncDatabase) -> None:
        self.collection = db["logins"]
        # Every request and socket looks its login up: a lecture hall's, at once, in one query.
        self.by_token: GroupRead[str, dict[str, Any]] = GroupRead(self._active_of)

    async def create(self, token_hash: str, identity: Identity, idle: int) -> Login:
        moment = now()
        document: dict[str, object] = {
            "token_hash": token_hash,
            "username": identity.username,
            "type": identity.type,
            "role": identity.role,
            "created_at": moment,
            "last_seen": moment,
            "expires_at": moment + timedelta(seconds=idle),
        }
        result = await self.collection.insert_one(document)
        document["_id"] = result.inserted_id
        return plain(document, Login)

    async def active(self, token_hash: str) -> Login | None:
        """The unexpired login of a token (the TTL index removes expired ones lazily)."""
        return plain(await self.by_token.get(token_hash), Login)

    async def _active_of(self, token_hashes: list[str]) -> dict[str, dict[str, Any]]:
        found = self.collection.find(
            {"token_hash": {"$in": token_hashes}, "expires_at": {"$gt": now()}}
        )
        return {document["token_hash"]: document async for document in found}

    async def by_id(self, login_id: str) -> Login | None:
        """The unexpired login with this id."""
        oid = object_id(login_id)
        if oid is None:
            return None
        found = await self.collection.find_one({"_id": oid, "expires_at": {"$gt": now()}})
        return plain(found, Login)

    async def touch(self, login_id: str, idle: int) -> Login | None:
        """Extends an unexpired login by `idle` seconds from now; returns it as it was before.

        Clears the inactivity warning: a caller that finds `warned` in the
        result reactivated the login.
        """
        moment = now()
        document = await self.collection.find_one_and_update(
            {"_id": object_id(login_id), "expires_at": {"$gt": moment}},
            {"$set": {
                "last_seen": moment,
                "expires_at": moment + timedelta(seconds=idle),
                "warned": False,
            }},
        )  # fmt: skip
        return plain(document, Login)

    async def set_idle(self, login_id: str, idle: bool) -> None:
        """An idle login is no longer extended by REST requests (all its sockets said so)."""
        await self.collection.update_one({"_id": object_id(login_id)}, {"$set": {"idle": idle}})

    async def warn(self, login_id: str) -> bool:
        """Marks the login as warned about its expiry; True only for the first caller."""
        result = await self.collection.update_one(
            {"_id": object_id(login_id), "warned": {"$ne": True}, "expires_at": {"$gt": now()}},
            {"$set": {"warned": True}},
        )
        return result.modified_count == 1

    async def alive(self, login_ids: list[str]) -> list[str]:
        """Those of `login_ids` that have not expired (asked in chunks: `chunked`)."""
        moment, found = now(), []
        for chunk in chunked([object_id(login_id) for login_id in login_ids]):
            query = {"_id": {"$in": chunk}, "expires_at": {"$gt": moment}}
            found += [str(oid) for oid in await self.collection.distinct("_id", query)]
        return found

    async def expiring(self, login_ids: list[str], within: int) -> list[Login]:
        """Those of `login_ids` that expire within `within` seconds and were not warned yet."""
        moment, found = now(), []
        for chunk in chunked([object_id(login_id) for login_id in login_ids]):
            cursor = self.collection.find({
                "_id": {"$in": chunk},
                "expires_at": {"$gt": moment, "$lte": moment + timedelta(seconds=within)},
                "warned": {"$ne": True},
            })  # fmt: skip
            found += [plain(document, Login) async for document in cursor]
        return found

    async def delete(self, token_hash: str) -> None:
        await self.collection.delete_one({"token_hash": token_hash})

    async def of_user(self, username: str) -> list[str]:
        """The ids of a user's logins (a deleted account's, a changed password's)."""
        return [str(oid) for oid in await self.collection.distinct("_id", {"username": username})]

    async def delete_ids(self, login_ids: list[str]) -> None:
        ids = [object_id(login_id) for login_id in login_ids]
        await self.collection.delete_many({"_id": {"$in": ids}})

    async def active_users(self, window: int) -> int:
        """Distinct users with an unexpired login seen in the last `window` seconds."""
        moment = now()
        users = await self.collection.distinct(
            "username",
            {
                "last_seen": {"$gte": moment - timedelta(seconds=window)},
                "expires_at": {"$gt": moment},
            },
        )
        return len(users)
