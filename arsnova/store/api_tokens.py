"""Access tokens for platforms (`Authorization: Bearer …`): named, scoped, stored hashed."""

from __future__ import annotations

import hmac
import re
from datetime import datetime
from typing import TypedDict

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from arsnova.errors import Conflict, NotFound
from arsnova.store.common import now, plain

SCOPES = ("integration", "admin")
TOKEN_NAME = re.compile(r"[A-Za-z0-9._-]{1,64}")


class AccessTokenInfo(TypedDict):
    """An access token as listed: everything but its hash."""

    id: str
    name: str
    scopes: list[str]
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None


class AccessToken(AccessTokenInfo):
    token_hash: str


class AccessTokenNotFound(NotFound):
    code = "token-not-found"
    default_message = "No access token has this name."


class AccessTokenRepo:
    def __init__(self, db: AsyncDatabase) -> None:
        self.collection = db["access_tokens"]

    async def create(
        self, name: str, token_hash: str, scopes: list[str], expires_at: datetime | None
    ) -> None:
        try:
            await self.collection.insert_one({
                "name": name,
                "token_hash": token_hash,
                "scopes": scopes,
                "created_at": now(),
                "expires_at": expires_at,
                "revoked_at": None,
            })  # fmt: skip
        except DuplicateKeyError:
            raise Conflict(f"A token named {name!r} exists already.", code="token-exists") from None

    async def valid(self, token_hash: str) -> AccessToken | None:
        """The unrevoked, unexpired token with this hash, compared in constant time."""
        found = await self.collection.find_one({"token_hash": token_hash})
        if found is None or not hmac.compare_digest(found["token_hash"], token_hash):
            return None
        if found["revoked_at"] is not None:
            return None
        if found["expires_at"] is not None and found["expires_at"] <= now():
            return None
        return plain(found, AccessToken)

    async def all(self) -> list[AccessTokenInfo]:
        cursor = self.collection.find({}, {"token_hash": 0}).sort("created_at", 1)
        return [plain(document, AccessTokenInfo) for document in await cursor.to_list(None)]

    async def revoke(self, name: str) -> None:
        result = await self.collection.update_one(
            {"name": name, "revoked_at": None}, {"$set": {"revoked_at": now()}}
        )
        missing = result.matched_count == 0
        if missing and await self.collection.find_one({"name": name}, {"_id": 1}) is None:
            raise AccessTokenNotFound()
