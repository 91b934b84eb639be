"""The application server is SIGKILLed during a burst of votes and answers, then restarted.

Students vote over their sockets and answer over REST without pause; the
server dies mid-burst. After the restart no acknowledged answer or vote is
lost, the feedback counts are those of the stored votes, and the students'
sockets (socket.io's own reconnection) come back, join again and get counts.
(`/events` replay across such a kill: tests/events/test_replay.py.)
"""

from __future__ import annotations

import asyncio
import itertools

import aiohttp
import pytest
import socketio

from arsnova.auth import COOKIE_NAME
from tests.serve import Serve, lecture_with_questions

STUDENTS = 30
QUESTIONS = 10
KILL_AFTER = 100  # acknowledged writes before the kill


class Student:
    def __init__(self, url: str) -> None:
        self.url = url
        self.http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
        self.socket = socketio.AsyncClient(reconnection_delay=0.2, reconnection_delay_max=1)
        self.acked_votes: list[int] = []  # in the order acknowledged
        self.sent_votes: list[int] = []
        self.answers: dict[str, str] = {}  # question → answer id (201)
        self.counts: list[list[int]] = []
        self.counted = asyncio.Event()
        self.username = ""

    async def join(self, keyword: str) -> None:
        async with self.http.get(f"{self.url}/auth/login", params={"type": "guest"}) as response:
            self.username = (await response.json())["username"]
        async with self.http.get(f"{self.url}/session/{keyword}") as response:
            assert response.status == 200
        cookie = next(c.value for c in self.http.cookie_jar if c.key == COOKIE_NAME)

        async def rejoin() -> None:  # also after every reconnection; the ack has the counts
            # python-socketio's client does not resend the cookie when it reconnects: bind
            # the new socket to the login as the seed's clients do.
            sid = {"session": self.socket.get_sid("/")}
            async with self.http.post(f"{self.url}/socket/assign", json=sid) as response:
                assert response.status == 204, await response.text()
            joined = await self.socket.call("setSession", {"keyword": keyword}, timeout=10)
            assert "feedbackData" in joined, joined
            self.on_counts(joined["feedbackData"])

        self.socket.on("connect", lambda: asyncio.ensure_future(rejoin()))
        self.socket.on("feedbackData", self.on_counts)
        await self.socket.connect(
            self.url, transports=["websocket"], headers={"Cookie": f"{COOKIE_NAME}={cookie}"}
        )

    def on_counts(self, counts: list[int]) -> None:
        self.counts.append(counts)
        self.counted.set()

    async def until_counts(self, expected: list[int]) -> None:
        while not self.counts or self.counts[-1] != expected:
            self.counted.clear()
            await self.counted.wait()

    async def close(self) -> None:
        await self.socket.disconnect()
        await self.http.close()


@pytest.mark.timeout(300)
async def test_a_killed_server_loses_no_acknowledged_vote_or_answer(serve: Serve, db):
    url = serve.url
    keyword, questions = await lecture_with_questions(url, QUESTIONS, "vote")
    students = [Student(url) for _ in range(STUDENTS)]
    acknowledged = 0
    enough = asyncio.Event()
    restarted = asyncio.Event()

    async def vote_and_answer(student: Student) -> None:
        nonlocal acknowledged
        for question, value in zip(questions, itertools.cycle(range(4)), strict=False):
            while question not in student.answers:  # until it is stored, across the crash
                try:
                    student.sent_votes.append(value)
                    ack = await student.socket.call(
                        "setFeedback", {"sessionkey": keyword, "feedback": value}, timeout=2
                    )
                    if ack == {"feedback": value}:
                        student.acked_votes.append(value)
                    path = f"{url}/lecturerquestion/{question}/answer/"
                    async with student.http.post(path, json={"answerText": "3"}) as response:
                        if response.status == 201:
                            student.answers[question] = (await response.json())["_id"]
                        elif response.status == 409:  # stored, its response lost in the crash
                            student.answers[question] = ""
                    acknowledged += 1
                    if acknowledged >= KILL_AFTER:
                        enough.set()
                except (aiohttp.ClientError, socketio.exceptions.SocketIOError, TimeoutError):
                    await restarted.wait()
                    await asyncio.sleep(0.3)

    try:
        for student in students:
            await student.join(keyword)
        burst = [asyncio.create_task(vote_and_answer(student)) for student in students]
        await asyncio.wait_for(enough.wait(), 60)
        await serve.kill()
        await serve.start()  # same port, same database
        restarted.set()
        await asyncio.wait_for(asyncio.gather(*burst), 120)

        # Every answer acknowledged with 201 is stored; exactly one per student and question.
        stored = {str(doc["_id"]) async for doc in db.answers.find({}, {"_id": 1})}
        created = {a for student in students for a in student.answers.values() if a}
        assert created <= stored and len(stored) == STUDENTS * QUESTIONS
        # Each student's stored vote is the last acknowledged one or a later one sent.
        votes = {doc["user"]: doc["value"] async for doc in db.feedback.find({})}
        assert len(votes) == STUDENTS
        for student in students:
            sent = student.sent_votes
            last_acked = len(sent) - 1 - sent[::-1].index(student.acked_votes[-1])
            assert votes[student.username] in sent[last_acked:]
        # The counts the server reports are those of the stored votes, and reach every socket.
        expected = [list(votes.values()).count(value) for value in range(4)]
        async with students[0].http.get(f"{url}/session/{keyword}/feedback") as response:
            assert (await response.json())["values"] == expected
        for student in students:
            assert student.socket.connected  # reconnected by itself
            await asyncio.wait_for(student.until_counts(expected), 10)
    finally:
        for student in students:
            await student.close()
