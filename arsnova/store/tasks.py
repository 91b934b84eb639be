"""Long-running jobs (exports) and their progress, readable by the login that started them."""

from __future__ import annotations

from datetime import datetime
from typing import Any, NotRequired, TypedDict

from pymongo import ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase

from arsnova.errors import NotFound
from arsnova.store.common import find_by_id, now, object_id, plain


class Task(TypedDict):
    """A long-running job as the repository returns it."""

    id: str
    kind: str
    owner: str
    login_id: str
    keyword: str
    status: str  # queued, running, finished or failed
    progress: int  # percent
    created_at: datetime
    result: Any  # the job's outcome (an export's JSON document), once finished
    error: str | None
    updated_at: NotRequired[datetime]  # from its first progress report


class TaskNotFound(NotFound):
    code = "task-not-found"
    default_message = "No such task."


class TaskRepo:
    def __init__(self, db: AsyncDatabase) -> None:
        self.collection = db["tasks"]

    async def create(self, kind: str, owner: str, login_id: str, keyword: str) -> Task:
        document: dict[str, Any] = {
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
        return plain(document, Task)

    async def get(self, task_id: str, owner: str) -> Task:
        return await find_by_id(self.collection, task_id, Task, TaskNotFound, owner=owner)

    async def update(self, task_id: str, **fields: Any) -> Task:
        document = await self.collection.find_one_and_update(
            {"_id": object_id(task_id)},
            {"$set": {**fields, "updated_at": now()}},
            return_document=ReturnDocument.AFTER,
        )
        if document is None:
            raise TaskNotFound()
        return plain(document, Task)
