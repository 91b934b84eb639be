"""Records of applied migrations (name, checksum, time) in the `migrations` collection."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError


class MigrationRepo:
    def __init__(self, db: AsyncDatabase) -> None:
        self.db = db
        self.collection = db["migrations"]

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
