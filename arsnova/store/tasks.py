"""Long-running jobs (exports) and their progress, readable by the login that started them."""

from __future__ import annotations

from typing import Any

from pymongo import ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase

from arsnova.errors import NotFound
from arsnova.store.common import find_by_id, now, object_id, plain


class TaskNotFound(NotFound):
    code = "task-not-found"
    default_message = "No such task."


class TaskRepo:
    def __init__(self, db: AsyncDatabase) -> None:
        self.collection = db["tasks"]

    async def create(self, kind: str, owner: str, login_id: str, keyword: str) -> dict[str, Any]:
        document = {
            "kind": kind,
            "owner": owner,
            "login_id": object_id(login_id),
            "keyword": keyword,
            "status": "queued",
            "progress": 0,
            "created_at": now(),
            "result": None,
            "error": None,
        }
        result = await self.collection.insert_one(document)
        document["_id"] = result.inserted_id
        return plain(document)

    async def get(self, task_id: str, owner: str) -> dict[str, Any]:
        return await find_by_id(self.collection, task_id, TaskNotFound, owner=owner)

    async def update(self, task_id: str, **fields: Any) -> dict[str, Any]:
        document = await self.collection.find_one_and_update(
            {"_id": object_id(task_id)},
            {"$set": {**fields, "updated_at": now()}},
            return_document=ReturnDocument.AFTER,
        )
        if document is None:
            raise TaskNotFound()
        return plain(document)
