"""Fixtures of the REST tests."""

from __future__ import annotations

import asyncio

import pytest


@pytest.fixture
def join(login, keyword):
    """Logs in `count` new students who joined the owner's session."""

    async def students(count: int) -> list:
        clients = await asyncio.gather(*(login() for _ in range(count)))
        for client in clients:
            assert (await client.get(f"/session/{keyword}")).status == 200
        return list(clients)

    return students
