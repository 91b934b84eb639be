"""Single-use socket tokens for `/events`: random, stored hashed, short-lived, tied to a login."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TypedDict

from pymongo.asynchronous.database import AsyncDatabase

from arsnova.errors import Unauthorized
from arsnova.store.common import now, object_id, plain, stored_id
from arsnova.store.logins import Login

KEEP_USED = timedelta(hours=1)  # used and expired tokens stay this long to name the refusal


class SocketToken(TypedDict):
    """A socket token as the repository returns it (the token only as its hash)."""

    id: str
    token_hash: str
    login_id: str
    username: str
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None


class TokenRefused(Unauthorized):
    code = "token-unknown"
    default_message = "This token was never issued."


class SocketTokenRepo:
    def __init__(self, db: AsyncDatabase) -> None:
        self.collection = db["socket_tokens"]

    async def issue(self, token_hash: str, login: Login, ttl: int) -> None:
        moment = now()
        await self.collection.insert_one({
            "token_hash": token_hash,
            "login_id": stored_id(login["id"]),
            "username": login["username"],
            "created_at": moment,
            "expires_at": moment + timedelta(seconds=ttl),
            "used_at": None,
        })  # fmt: skip

    async def consume(self, token_hash: str) -> SocketToken:
        """Marks the token used and returns it; refuses unknown, expired and used tokens.

        The find-and-update is atomic, so of two connections racing with one
        token exactly one gets in.
        """
        moment = now()
        document = await self.collection.find_one_and_update(
            {"token_hash": token_hash, "used_at": None, "expires_at": {"$gt": moment}},
            {"$set": {"used_at": moment}},
        )
        if document is not None:
            return plain(document, SocketToken)
        found = await self.collection.find_one({"token_hash": token_hash})
        if found is None:
            raise TokenRefused()
        if found["used_at"] is not None:
            raise TokenRefused("This token was used already; get a new one.", code="token-used")
        raise TokenRefused("This token has expired; get a new one.", code="token-expired")

    async def by_hash(self, token_hash: str) -> SocketToken | None:
        return plain(await self.collection.find_one({"token_hash": token_hash}), SocketToken)

    async def revoke_login(self, login_id: str) -> None:
        """Makes the unused tokens of a login useless (on logout)."""
        await self.collection.update_many(
            {"login_id": object_id(login_id), "used_at": None},
            {"$set": {"expires_at": now()}},
        )

    async def purge(self) -> None:
        await self.collection.delete_many({"expires_at": {"$lt": now() - KEEP_USED}})
