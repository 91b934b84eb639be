"""Guest identities and the browser-held keys that resume them; single-use login links.

A guest name is not a secret (it may show in logs, or be guessed: legacy
clients make 5-character ones), so it never logs anyone in by itself. A guest
is resumed by a key: a random secret in an HttpOnly cookie of a browser it
logged in with (one key per browser); only the key's SHA-256 hash is stored.
A browser without a key (a guest from before keys existed, or a second
device) resumes a guest only with a login of it that is still valid, and
then gets a key of its own. Login links, made by an
operator's command, are how an admin named in `ARSNOVA_ADMINS` gets a key.
"""

from __future__ import annotations

import hmac
from datetime import datetime

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from arsnova.store.common import now


class GuestRepo:
    def __init__(self, db: AsyncDatabase) -> None:
        self.guests = db["guests"]
        self.keys = db["guest_keys"]
        self.links = db["login_links"]

    async def create(self, name: str, key_hash: str) -> bool:
        """Registers a new guest with its first key; False if the name is taken."""
        try:
            await self.guests.insert_one({"_id": name, "created_at": now()})
        except DuplicateKeyError:
            return False
        await self._keep_key(name, key_hash)
        return True

    async def name_of_key(self, key_hash: str) -> str | None:
        """The guest this key resumes, compared in constant time."""
        found = await self.keys.find_one({"key_hash": key_hash})
        if found is None or not hmac.compare_digest(found["key_hash"], key_hash):
            return None
        return found["name"]

    async def add_key(self, name: str, key_hash: str) -> None:
        """Gives a proven guest (registered now if unknown) a key for one more browser."""
        await self.guests.update_one(
            {"_id": name}, {"$setOnInsert": {"created_at": now()}}, upsert=True
        )
        await self._keep_key(name, key_hash)

    async def _keep_key(self, name: str, key_hash: str) -> None:
        await self.keys.insert_one({"key_hash": key_hash, "name": name, "created_at": now()})

    async def create_link(self, token_hash: str, name: str, expires_at: datetime) -> None:
        await self.links.insert_one(
            {"token_hash": token_hash, "username": name, "expires_at": expires_at}
        )

    async def redeem_link(self, token_hash: str) -> str | None:
        """The name of an unexpired link, which this call uses up (None if there is none)."""
        found = await self.links.find_one_and_delete(
            {"token_hash": token_hash, "expires_at": {"$gt": now()}}
        )
        if found is None or not hmac.compare_digest(found["token_hash"], token_hash):
            return None
        return found["username"]
