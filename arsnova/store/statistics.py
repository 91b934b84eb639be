"""Counts for the public `GET /statistics` that no single resource's repository owns."""

from __future__ import annotations

from pymongo.asynchronous.database import AsyncDatabase


class StatisticsRepo:
    def __init__(self, db: AsyncDatabase) -> None:
        self.db = db

    async def answers(self) -> int:
        return await self.db["answers"].count_documents({})

    async def questions(self) -> int:
        return await self.db["questions"].count_documents({})
