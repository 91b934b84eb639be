"""What a lecture hall's joins cost the database: commands per connect + setSession."""

from __future__ import annotations

import asyncio

from aiohttp.test_utils import TestClient, TestServer

from tests.helpers import command_counter, create_lecture
from tests.realtime.conftest import Socket, connect_to, join_session

STUDENTS = 20
MAX_COMMANDS_PER_JOIN = 4


async def test_a_hall_of_students_joins_with_few_database_commands_each(
    server: TestServer, owner: TestClient, login, db_name: str
):
    keyword = await create_lecture(owner)
    students = [await login() for _ in range(STUDENTS)]
    sockets: list[Socket] = []

    async def join(student: TestClient) -> None:
        socket = await connect_to(server, student)
        sockets.append(socket)
        await join_session(socket, keyword)

    try:
        with command_counter.counting(db_name) as commands:
            await asyncio.gather(*(join(student) for student in students))
        per_join = sum(commands.values()) / STUDENTS
        print(f"{per_join:.2f} commands per join: {dict(commands)}")
        assert per_join <= MAX_COMMANDS_PER_JOIN, dict(commands)
    finally:
        for socket in sockets:
            await socket.disconnect()
