"""Registered accounts (`type=arsnova`) and their single-use e-mail tokens.

An account is its normalised e-mail address (unique index), an argon2 hash
of its password and whether the address was confirmed. Tokens of activation
and reset links are stored as SHA-256 hashes only; redeeming one deletes it
(single use) and only an unexpired one is found (the TTL index removes the
rest later). An activation token carries the password hash chosen at that
registration: whoever opens a link activates the password of the
registration that sent it, not one that someone else registered later.
"""

from __future__ import annotations

import hmac
from datetime import datetime
from typing import NotRequired, TypedDict

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from arsnova.store.common import now, object_id, plain

ACTIVATE, RESET = "activate", "reset"


class Account(TypedDict):
    id: str
    email: str
    password_hash: str
    activated: bool
    created_at: datetime


class AccountToken(TypedDict):
    id: str
    token_hash: str
    purpose: str  # ACTIVATE or RESET
    account_id: str
    expires_at: datetime
    password_hash: NotRequired[str]  # ACTIVATE: the password of that registration


class AccountRepo:
    def __init__(self, db: AsyncDatabase) -> None:
        self.accounts = db["accounts"]
        self.tokens = db["account_tokens"]

    async def by_email(self, email: str) -> Account | None:
        return plain(await self.accounts.find_one({"email": email}), Account)

    async def by_id(self, account_id: str) -> Account | None:
        return plain(await self.accounts.find_one({"_id": object_id(account_id)}), Account)

    async def create(self, email: str, password_hash: str, *, activated: bool) -> Account | None:
        """A new account; None if the address is taken."""
        document = {
            "email": email,
            "password_hash": password_hash,
            "activated": activated,
            "created_at": now(),
        }
        try:
            result = await self.accounts.insert_one(document)
        except DuplicateKeyError:
            return None
        document["_id"] = result.inserted_id
        return plain(document, Account)

    async def set_password(
        self, account_id: str, password_hash: str, *, activate: bool = False
    ) -> None:
        fields: dict[str, object] = {"password_hash": password_hash}
        if activate:
            fields["activated"] = True
        await self.accounts.update_one({"_id": object_id(account_id)}, {"$set": fields})

    async def replace_hash(self, account_id: str, old_hash: str, new_hash: str) -> None:
        """A rehash with new parameters, unless the password changed meanwhile."""
        await self.accounts.update_one(
            {"_id": object_id(account_id), "password_hash": old_hash},
            {"$set": {"password_hash": new_hash}},
        )

    async def activate(self, account_id: str) -> None:
        await self.accounts.update_one(
            {"_id": object_id(account_id)}, {"$set": {"activated": True}}
        )

    async def delete(self, account_id: str) -> None:
        oid = object_id(account_id)
        await self.tokens.delete_many({"account_id": oid})
        await self.accounts.delete_one({"_id": oid})

    async def add_token(
        self,
        token_hash: str,
        purpose: str,
        account_id: str,
        expires_at: datetime,
        password_hash: str | None = None,
    ) -> None:
        document: dict[str, object] = {
            "token_hash": token_hash,
            "purpose": purpose,
            "account_id": object_id(account_id),
            "expires_at": expires_at,
        }
        if password_hash is not None:
            document["password_hash"] = password_hash
        await self.tokens.insert_one(document)

    async def redeem_token(self, token_hash: str, purpose: str) -> AccountToken | None:
        """The unexpired token of this purpose, which this call uses up (None if none)."""
        found = await self.tokens.find_one_and_delete(
            {"token_hash": token_hash, "purpose": purpose, "expires_at": {"$gt": now()}}
        )
        if found is None or not hmac.compare_digest(found["token_hash"], token_hash):
            return None
        return plain(found, AccountToken)

    async def drop_tokens(self, account_id: str, purpose: str) -> None:
        """Earlier links of this purpose stop working (a reset used, a password changed)."""
        await self.tokens.delete_many({"account_id": object_id(account_id), "purpose": purpose})
