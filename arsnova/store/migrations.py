"""Records of applied migrations (name, checksum, time) in the `migrations` collection."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, timedelta

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

LOCK_ID = "apply"


class MigrationRepo:
    def __init__(self, db: AsyncDatabase) -> None:
        self.db = db
        self.collection = db["migrations"]
        self.locks = db["migration_lock"]

    async def applied(self) -> dict[str, str]:
        """Maps each applied migration's name to the checksum it had when applied."""
        records = await self.collection.find({}, {"checksum": 1}).to_list(None)
        return {record["_id"]: record["checksum"] for record in records}

    async def record(self, name: str, checksum: str) -> None:
        """Records an applied migration; a concurrent runner may have recorded it first."""
        with contextlib.suppress(DuplicateKeyError):
            await self.collection.insert_one(
                {"_id": name, "checksum": checksum, "applied_at": datetime.now(UTC)}
            )

    async def lock(self, owner: str, lease: timedelta) -> bool:
        """Takes the one lock of migration runners (nodes starting together); False if held.

        A lock whose lease ran out (its runner died) is taken over.
        """
        now = datetime.now(UTC)
        held = {"_id": LOCK_ID, "owner": owner, "expires_at": now + lease}
        try:
            await self.locks.insert_one(held)
            return True
        except DuplicateKeyError:
            result = await self.locks.update_one(
                {"_id": LOCK_ID, "expires_at": {"$lt": now}}, {"$set": held}
            )
            return result.modified_count == 1

    async def unlock(self, owner: str) -> None:
        await self.locks.delete_one({"_id": LOCK_ID, "owner": owner})
