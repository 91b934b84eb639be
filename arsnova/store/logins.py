"""Server-side logins referenced by the JSESSIONID cookie; only token hashes are stored."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from pymongo import ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase

from arsnova.store.common import now, plain


class LoginRepo:
    def __init__(self, db: AsyncDatabase) -> None:
        self.collection = db["logins"]

    async def create(self, token_hash: str, username: str, login_type: str, idle: int) -> dict:
        moment = now()
        document = {
            "token_hash": token_hash,
            "username": username,
            "type": login_type,
            "created_at": moment,
            "last_seen": moment,
            "expires_at": moment + timedelta(seconds=idle),
        }
        result = await self.collection.insert_one(document)
        document["_id"] = result.inserted_id
        return plain(document)

    async def active(self, token_hash: str) -> dict[str, Any] | None:
        """The unexpired login of a token (the TTL index removes expired ones lazily)."""
        document = await self.collection.find_one(
            {"token_hash": token_hash, "expires_at": {"$gt": now()}}
        )
        return plain(document)

    async def touch(self, token_hash: str, idle: int) -> dict[str, Any] | None:
        """Extends an unexpired login by `idle` seconds from now."""
        moment = now()
        document = await self.collection.find_one_and_update(
            {"token_hash": token_hash, "expires_at": {"$gt": moment}},
            {"$set": {"last_seen": moment, "expires_at": moment + timedelta(seconds=idle)}},
            return_document=ReturnDocument.AFTER,
        )
        return plain(document)

    async def delete(self, token_hash: str) -> None:
        await self.collection.delete_one({"token_hash": token_hash})

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
