"""Two `arsnova serve` nodes behind a real nginx configured from deploy/: a node dies, or both
are restarted one after the other, in the middle of a lecture.

Every student logs in and connects through nginx (spread over the nodes by
the hash on the login cookie), joins, and keeps voting, answering and asking
audience questions; some also follow the session's `/events`. When a node is
SIGKILLed its students' sockets reconnect by themselves (socket.io's own
reconnection, the cookie sent again) and nginx passes them to the survivor;
their `/events` connections reconnect with the previous token and replay.
Afterwards nothing acknowledged is missing, the counts are those stored, and
every socket holds them. A rolling restart (SIGTERM, one node at a time) must
not even produce an error for anyone.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import random
import time
from collections.abc import Callable, Coroutine
from typing import Any

import aiohttp
import pytest
import socketio

from arsnova.auth import COOKIE_NAME
from arsnova.realtime.delivery.broadcaster import ALL
from tests.balancer import Nginx
from tests.events.conftest import EventsClient
from tests.helpers import eventually
from tests.realtime.conftest import connect_url
from tests.serve import Serve

STUDENTS = 300
ROLLING_STUDENTS = 100
FOLLOWERS = 20  # students who also follow the session's `/events`
NEWCOMERS = 20  # students who arrive after the killed node came back
QUESTIONS = 3
ASKER_EVERY = 10  # every 10th student asks an audience question each round
KILL_AFTER = 400  # acknowledged actions before the kill
# Every student is back within this many seconds of the kill (README, Scaling out:
# measured by `bench/run --only failover`, a few seconds; this bound is the documented one).
RECONNECT_WITHIN = 30
CALL_TIMEOUT = 10
REST_TRIES = 20
RECONNECT_TRIES = 60
# socket.io-client's reconnection delays (the pages'), shortened: the first, the longest.
RECONNECT_DELAY, RECONNECT_DELAY_MAX = 0.5, 2.0
PACE = (2.0, 4.0)  # seconds between a student's rounds: a lecture, not a benchmark


async def close_http(client: socketio.AsyncClient) -> None:
    """Closes python-engineio's HTTP session, which it leaves open after a failed connect."""
    http = client.eio.http
    if http is not None and not http.closed:
        await http.close()


class Described:
    """What a failed `eventually` names, worked out only when it fails."""

    def __init__(self, describe: Callable[[], object]) -> None:
        self.describe = describe

    def __str__(self) -> str:
        return str(self.describe())


class Student:
    """A guest with a socket through nginx that rejoins after every reconnection."""

    def __init__(self, url: str, http: aiohttp.ClientSession, keyword: str) -> None:
        self.url = url
        self.http = http  # shared, no cookie jar: the login travels in `headers`
        self.keyword = keyword
        self.headers: dict[str, str] = {}
        self.username = ""
        # Its own HTTP session, closed by `close`: python-engineio, left to make its own,
        # loses track of one when a reconnection overlaps the close of the dropped connection.
        self.socket_http = aiohttp.ClientSession()
        # Reconnects by itself (`_reconnect`), not by python-socketio's reconnection: that
        # one waits only 1 s (its connect's default `wait_timeout`) for the namespace's
        # CONNECT, then drops the connection and tries again. A survivor taking over a
        # hall answers later than that; every socket gave up on every attempt and came
        # again, each attempt more work for the survivor, and none was back after 30 s.
        # The pages' socket.io-client waits for the CONNECT; so does `_reconnect`.
        self.socket = socketio.AsyncClient(reconnection=False, http_session=self.socket_http)
        self.joined = asyncio.Event()  # the current connection has joined the session
        self.lost = asyncio.Event()  # the current connection has dropped
        self.joins: list[float] = []  # monotonic times of the joins' acknowledgements
        self.counts: list[int] | None = None  # the latest feedback counts it holds
        self.users: int | None = None  # the latest active-user count it holds
        self.sent_votes: list[int] = []
        self.acked_votes: list[int] = []
        self.answers: dict[str, str] = {}  # question → answer id ("" if stored before: 409)
        self.asked: list[str] = []  # audience questions acknowledged with 201
        self.errors: list[Any] = []  # error acks, failed REST calls, refused connections
        self.failed_connects: list[str] = []  # why reconnection attempts failed
        self.rounds = 0
        self.doing = ""  # what its round waits for (named when a round does not end)
        self.unanswered: list[str] = []  # socket calls it sent again for want of an answer
        self.stream: Follower | None = None
        self.closing = False
        self.tasks: set[asyncio.Task] = set()  # what its socket's events started
        self.socket.on("connect", self._connected)
        self.socket.on("disconnect", self._disconnected)
        self.socket.on("feedbackData", self._counts)
        self.socket.on("activeUserCountData", self._users)

    async def login(self) -> None:
        async with self.http.get(f"{self.url}/auth/login", params={"type": "guest"}) as response:
            assert response.status == 200, await response.text()
            self.username = (await response.json())["username"]
            self.headers = {"Cookie": f"{COOKIE_NAME}={response.cookies[COOKIE_NAME].value}"}
        if self.keyword:  # a student; the lecturer creates the session
            await self.rest("GET", f"/session/{self.keyword}")

    async def connect(self) -> None:
        """Connects and waits until the connection has joined the session."""
        await self.open_socket()
        await asyncio.wait_for(self.joined.wait(), CALL_TIMEOUT)

    async def open_socket(self) -> None:
        """Connects (the join follows: `_connected`), waiting for the namespace's CONNECT."""
        # A fresh dict for every (re)connection: python-engineio takes the Cookie out of
        # the dict it is given.
        await self.socket.connect(
            self.url,
            transports=["websocket"],
            headers=lambda: dict(self.headers),
            wait_timeout=CALL_TIMEOUT,
        )

    def spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.ensure_future(work)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    def _connected(self) -> None:
        self.lost.clear()
        self.spawn(self._join())

    def _disconnected(self, reason: Any = None) -> None:
        self.joined.clear()
        self.lost.set()
        if reason != self.socket.reason.CLIENT_DISCONNECT and not self.closing:
            # A dead node's connection breaks (a transport error); a node that stops closes
            # its sockets with an Engine.IO CLOSE, after which socket.io-client (the pages)
            # reconnects too ("transport close").
            self.spawn(self._reconnect())

    async def _reconnect(self) -> None:
        """As socket.io-client reconnects: after a jittered delay that doubles up to a bound,
        until connected (then the connection joins by itself)."""
        for attempt in range(RECONNECT_TRIES):
            delay = min(RECONNECT_DELAY * 2**attempt, RECONNECT_DELAY_MAX)
            await asyncio.sleep(delay * random.uniform(0.5, 1.5))
            if self.closing:
                return
            try:
                await self.open_socket()
                return
            except (socketio.exceptions.ConnectionError, ValueError) as exc:
                # ValueError: python-engineio is still closing the dropped connection.
                self.failed_connects.append(repr(exc))
        self.errors.append("could not reconnect")

    async def _join(self) -> None:
        with contextlib.suppress(socketio.exceptions.SocketIOError):  # dropped: the next joins
            await self.socket.emit("setSession", {"keyword": self.keyword}, callback=self._joined)

    def _joined(self, ack: dict) -> None:
        """The join's state, taken in the order packets arrive (not when a waiting task resumes:
        a broadcast right after the acknowledgement would be overwritten by older counts)."""
        if "error" in ack:
            if ack["error"].get("code") == "server-busy":  # as the pages do: later, jittered
                delay = ack["error"]["retryAfterMs"] / 1000 * random.uniform(1, 1.5)
                self.spawn(self._join_after(delay))
                return
            self.errors.append(ack)
            return
        self.counts, self.users = ack["feedbackData"], ack["activeUserCountData"]
        self.joins.append(time.monotonic())
        self.joined.set()

    async def _join_after(self, delay: float) -> None:
        await asyncio.sleep(delay)
        await self._join()

    def _counts(self, counts: list[int]) -> None:
        self.counts = counts

    def _users(self, count: int) -> None:
        self.users = count

    async def call(self, event: str, data: dict) -> Any:
        """The acknowledgement of `event`, sent again on the next connection if this one drops."""
        while True:
            await self.joined.wait()
            call = asyncio.ensure_future(self.socket.call(event, data, timeout=CALL_TIMEOUT))
            lost = asyncio.ensure_future(self.lost.wait())
            await asyncio.wait({call, lost}, return_when=asyncio.FIRST_COMPLETED)
            lost.cancel()
            if call.done() and call.exception() is None:
                return call.result()
            if call.done():
                self.unanswered.append(repr(call.exception()))
            call.cancel()  # its node went away: sent again once rejoined
            await asyncio.wait_for(self.joined.wait(), RECONNECT_WITHIN)

    async def rest(self, method: str, path: str, **kwargs: Any) -> tuple[int, Any]:
        """Status and body; a failure (a node's death cut it off) is recorded and retried."""
        for _ in range(REST_TRIES):
            try:
                async with self.http.request(
                    method, self.url + path, headers=self.headers, **kwargs
                ) as response:
                    if response.status < 400 or response.status == 409:
                        body = await response.json() if response.status != 204 else None
                        return response.status, body
                    self.errors.append((method, path, response.status, await response.text()))
            except (aiohttp.ClientError, TimeoutError) as exc:
                self.errors.append((method, path, repr(exc)))
            await self.joined.wait()  # a positive marker that the cluster answers again
        raise AssertionError(f"{method} {path} failed {REST_TRIES} times: {self.errors[-3:]}")

    async def round(self, questions: list[str], asker: bool) -> None:
        """One round of a lecture: a vote, the next question's answer, maybe a question."""
        value = random.randrange(4)
        self.sent_votes.append(value)
        self.doing = "vote"
        ack = await self.call("setFeedback", {"sessionkey": self.keyword, "feedback": value})
        if ack == {"feedback": value}:
            self.acked_votes.append(value)
        else:
            self.errors.append(ack)
        if self.rounds < len(questions):
            question = questions[self.rounds]
            path = f"/lecturerquestion/{question}/answer/"
            self.doing = "answer"
            status, body = await self.rest("POST", path, json={"answerText": "3"})
            self.answers[question] = body["_id"] if status == 201 else ""
        if asker:
            body = {"subject": "s", "text": f"{self.username} {self.rounds}"}
            path = f"/session/{self.keyword}/interposed/"
            self.doing = "ask"
            _, created = await self.rest("POST", path, json=body)
            self.asked.append(created["_id"])
        self.rounds += 1
        self.doing = ""

    @property
    def acknowledged(self) -> int:
        return len(self.acked_votes) + len(self.answers) + len(self.asked)

    async def close(self) -> None:
        self.closing = True
        for task in list(self.tasks):  # a reconnection under way, say
            task.cancel()
        if self.tasks:
            await asyncio.wait(self.tasks, timeout=CALL_TIMEOUT)
        if self.socket.connected:
            await self.socket.disconnect()
        else:  # a connection cut off while it was made
            await self.socket.eio.disconnect()
        await self.socket_http.close()
        if self.stream is not None:
            await self.stream.close()


class Follower:
    """Someone's `/events` connections through nginx, each reconnecting with the previous token.

    A student receives the session's events for everyone, the lecturer (`staff`) all of them.
    """

    def __init__(self, student: Student, staff: bool = False) -> None:
        self.student = student
        self.staff = staff
        self.connections: list[EventsClient] = []
        self.closing = False

    async def open(self) -> None:
        previous = self.connections[-1].token if self.connections else None
        while True:
            _, body = await self.student.rest("POST", "/socket/token")
            client = EventsClient()
            client.token = body["token"]
            auth = {"token": client.token} | ({"reconnect": previous} if previous else {})
            try:
                await client.client.connect(
                    self.student.url, namespaces=["/events"], transports=["websocket"],
                    auth=auth, wait_timeout=CALL_TIMEOUT,
                )  # fmt: skip
                break
            except socketio.exceptions.ConnectionError as exc:
                self.student.errors.append(("/events", repr(exc)))
                await client.close()
        client.client.on("disconnect", self._dropped, namespace="/events")
        self.connections.append(client)
        if previous is None:
            ack = await client.request("SessionSubscriptionMessage", keyword=self.student.keyword)
            assert "errorInfo" not in ack, ack

    def _dropped(self, reason: Any = None) -> None:
        if not self.closing:
            self.student.spawn(self.open())

    def sequences(self, client: EventsClient, messages: list[dict] | None = None) -> list[int]:
        """The sequence numbers of the session's events in `messages` (all of `client`'s)."""
        events = [e for m in messages or client.of("EventsMessage") for e in m["events"]]
        return [e["sequence"] for e in events if e.get("keyword") == self.student.keyword]

    def received(self) -> list[int]:
        """The session's sequence numbers, each connection's replay joined to what came before.

        Only the message in flight when a node died (delivered, its acknowledgement
        perhaps not stored) may come again; anything else repeated fails here,
        anything skipped in `check_streams`.
        """
        merged: list[int] = []
        for before, client in itertools.pairwise([None, *self.connections]):
            sequences = self.sequences(client)
            if merged and sequences:
                again = [s for s in sequences if s <= merged[-1]]
                assert before is not None and set(again) <= set(
                    self.sequences(before, before.of("EventsMessage")[-1:])
                ), ("repeated", again)
                sequences = sequences[len(again) :]
            merged += sequences
        return merged

    def confirmed_questions(self) -> set[str]:
        return {
            event["data"]["interposedQuestionId"]
            for client in self.connections
            for event in client.events()
            if event["type"] == "InterposedQuestionCreatedEvent"
        }

    async def close(self) -> None:
        self.closing = True
        for client in self.connections:
            await client.close()
            await close_http(client.client)


class Lecture:
    """A session with questions and students who take part through nginx until told to stop."""

    def __init__(self, nginx: Nginx) -> None:
        self.url = nginx.url
        self.http = aiohttp.ClientSession(
            cookie_jar=aiohttp.DummyCookieJar(),
            connector=aiohttp.TCPConnector(limit=100),
            timeout=aiohttp.ClientTimeout(total=CALL_TIMEOUT),
        )
        self.lecturer = Student(self.url, self.http, "")
        self.questions: list[str] = []
        self.students: list[Student] = []
        self.stop = asyncio.Event()
        self.tasks: list[asyncio.Task] = []

    @property
    def keyword(self) -> str:
        return self.lecturer.keyword

    async def open(self) -> None:
        """The lecturer's session with its questions; the lecturer joins and follows `/events`."""
        lecturer = self.lecturer
        await lecturer.login()
        _, session = await lecturer.rest("POST", "/session/", json={"name": "Failover"})
        lecturer.keyword = session["keyword"]
        for n in range(QUESTIONS):
            body = {"questionType": "vote", "subject": f"q{n}", "text": "t", "active": True}
            path = f"/session/{self.keyword}/lecturerquestion/"
            self.questions.append((await lecturer.rest("POST", path, json=body))[1]["_id"])
        await lecturer.connect()
        lecturer.stream = Follower(lecturer, staff=True)
        await lecturer.stream.open()

    @property
    def followers(self) -> list[Follower]:
        return [s.stream for s in [self.lecturer, *self.students] if s.stream is not None]

    @property
    def users(self) -> int:
        """The active users the sockets should count: the students and the lecturer."""
        return len(self.students) + 1

    async def arrive(self, count: int, followers: int = 0) -> list[Student]:
        """`count` more students log in, connect and join (16 at a time); some follow /events."""
        new = [Student(self.url, self.http, self.keyword) for _ in range(count)]
        self.students += new
        limit = asyncio.Semaphore(16)

        async def arrive(student: Student) -> None:
            async with limit:
                await student.login()
                await student.connect()

        await asyncio.gather(*(arrive(student) for student in new))
        for student in new[:followers]:
            student.stream = Follower(student)
            await student.stream.open()
        return new

    def take_part(self, students: list[Student]) -> None:
        for student in students:
            asker = len(self.tasks) % ASKER_EVERY == 0
            self.tasks.append(asyncio.create_task(self._attend(student, asker)))

    async def _attend(self, student: Student, asker: bool) -> None:
        while not self.stop.is_set():
            await student.round(self.questions, asker)
            await asyncio.sleep(random.uniform(*PACE))  # pacing, not waiting for a result

    def acknowledged(self) -> int:
        return sum(student.acknowledged for student in self.students)

    async def another_round_each(self) -> None:
        """Returns once every student has finished a round begun after now (and all questions)."""
        targets = {student: max(student.rounds + 1, QUESTIONS) for student in self.students}
        await eventually(
            lambda: all(student.rounds >= target for student, target in targets.items()),
            within=60,
            what=Described(lambda: [
                (s.rounds, target, s.doing, s.joined.is_set(), s.socket.connected,
                 s.errors[-1:], s.unanswered[-1:], len(s.unanswered))
                for s, target in targets.items() if s.rounds < target
            ][:5]),
        )  # fmt: skip

    async def end(self) -> None:
        self.stop.set()
        await asyncio.gather(*self.tasks)

    async def close(self) -> None:
        self.stop.set()
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*(s.close() for s in [self.lecturer, *self.students]))
        await self.http.close()


async def check_nothing_lost(lecture: Lecture, db, leaver: Student) -> None:
    """Acknowledged answers, votes and questions are stored; counts exact on every socket.

    Run once the lecture has ended: `leaver` (not held by a node that died: the dead
    node's users count until their lease ends) leaves on the way.
    """
    students = lecture.students
    stored_answers = [doc async for doc in db.answers.find({}, {"question_id": 1})]
    ids = {str(doc["_id"]) for doc in stored_answers}
    assert {a for s in students for a in s.answers.values() if a} <= ids
    per_question = [str(doc["question_id"]) for doc in stored_answers]
    assert {q: per_question.count(q) for q in lecture.questions} == {
        q: len(students) for q in lecture.questions
    }
    votes = {doc["user"]: doc["value"] async for doc in db.feedback.find({})}
    for student in students:  # the last acknowledged vote, or one sent after it
        sent = student.sent_votes
        last_acked = len(sent) - 1 - sent[::-1].index(student.acked_votes[-1])
        assert votes[student.username] in sent[last_acked:], student.username
    expected = [list(votes.values()).count(value) for value in range(4)]
    _, feedback = await students[0].rest("GET", f"/session/{lecture.keyword}/feedback")
    assert feedback["values"] == expected
    asked = [q for s in students for q in s.asked]
    stored_questions = {str(doc["_id"]) async for doc in db.interposed_questions.find({})}
    assert len(asked) == len(set(asked)) and set(asked) <= stored_questions
    # A last student leaves once all is quiet, and every other socket must get the new
    # count: a join's acknowledgement may carry an active-user count older than a broadcast
    # the socket got just before it (joins racing each other), which only the next change
    # puts right.
    await leaver.socket.disconnect()
    staying = [s for s in students if s is not leaver]
    everyone, users = [lecture.lecturer, *staying], lecture.users - 1
    await eventually(
        lambda: all(s.counts == expected and s.users == users for s in everyone),
        what=Described(lambda: [(s.counts, s.users) for s in everyone if s.counts != expected
                      or s.users != users][:5]),
    )  # fmt: skip


async def check_streams(lecture: Lecture, db) -> None:
    """Every follower received the session's log exactly once, in order, up to its head;
    the lecturer was told of every audience question acknowledged."""
    stream = f"session:{lecture.keyword}"
    logged: dict[bool, list[int]] = {}

    async def caught_up() -> bool:
        """Reads the log (staff see all of it, students what is for all) and compares."""
        for staff in (False, True):
            query = {"stream": stream} if staff else {"stream": stream, "audience": ALL}
            logged[staff] = [e["sequence"] async for e in db.events.find(query).sort("sequence")]
        return all(
            f.sequences(f.connections[-1])[-1:] == logged[f.staff][-1:] for f in lecture.followers
        )

    # A writer killed between taking a sequence number and writing it holds its stream back
    # for the wait of arsnova/realtime/namespaces/events.py (2 x the database timeout + 1 s).
    await eventually(caught_up, within=30, what="the followers did not catch up")
    for follower in lecture.followers:
        received, log = follower.received(), logged[follower.staff]
        assert received == log[log.index(received[0]) :]
    asked = {q for s in lecture.students for q in s.asked}
    assert asked <= lecture.lecturer.stream.confirmed_questions()


async def node_of(db, node: Serve) -> str:
    """The id under which `node` registers its sockets (asked with a socket of its own)."""
    probe = await connect_url(node.url)
    try:
        return (await db.sockets.find_one({"_id": probe.sid}))["node"]
    finally:
        await probe.disconnect()


@pytest.mark.timeout(240)
async def test_a_killed_node_hands_its_hall_to_the_survivor(two_nodes, balanced, db):
    a, b = two_nodes
    lecture = Lecture(balanced)
    try:
        await lecture.open()
        students = await lecture.arrive(STUDENTS, FOLLOWERS)
        lecture.take_part(students)
        await eventually(lambda: lecture.acknowledged() >= KILL_AFTER, within=60)
        on_a = await node_of(db, a)
        sids = {student.socket.get_sid("/"): student for student in students}
        moved = [sids[doc["_id"]] async for doc in db.sockets.find(
            {"_id": {"$in": list(sids)}, "node": on_a})]  # fmt: skip
        joins_before = {student: len(student.joins) for student in students}
        killed_at = time.monotonic()
        await a.kill()
        await eventually(
            lambda: all(len(s.joins) > joins_before[s] for s in moved),
            within=RECONNECT_WITHIN,
            what=Described(
                lambda: (
                    f"{sum(len(s.joins) == joins_before[s] for s in moved)} not back; "
                    f"errors: {[s.errors[-1] for s in moved if s.errors][:3]}; "
                    f"failed reconnections: {sum(len(s.failed_connects) for s in moved)}, "
                    f"{[s.failed_connects[-1] for s in moved if s.failed_connects][:3]}"
                )
            ),
        )
        back = sorted(s.joins[joins_before[s]] - killed_at for s in moved)
        print(f"RECONNECTED {len(back)} of {STUDENTS} sockets after the kill: "
              f"median {back[len(back) // 2]:.2f} s, max {back[-1]:.2f} s")  # fmt: skip
        assert 0 < len(moved) < STUDENTS  # the hash spread the hall over both nodes
        await lecture.another_round_each()

        answered = len(balanced.answered())
        await a.start()  # on the same port
        await balanced.until_answering(a, since=answered)
        newcomers = await lecture.arrive(NEWCOMERS)
        lecture.take_part(newcomers)
        await lecture.another_round_each()
        await lecture.end()
        sids = [s.socket.get_sid("/") for s in newcomers]
        nodes = {doc["node"] async for doc in db.sockets.find({"_id": {"$in": sids}})}
        assert len(nodes) == 2  # the restarted node takes new clients again
        await check_nothing_lost(lecture, db, leaver=newcomers[0])
        await check_streams(lecture, db)
    finally:
        await lecture.close()
        assert b.process.returncode is None


@pytest.mark.timeout(240)
async def test_a_rolling_restart_loses_nothing_and_refuses_no_one(two_nodes, balanced, db):
    lecture = Lecture(balanced)
    try:
        await lecture.open()
        students = await lecture.arrive(ROLLING_STUDENTS, FOLLOWERS)
        lecture.take_part(students)
        for node in two_nodes:  # as an operator would: the next only once nginx uses this one
            await lecture.another_round_each()
            await node.terminate()
            answered = len(balanced.answered())
            await node.start()
            await balanced.until_answering(node, since=answered)
        await lecture.another_round_each()
        await lecture.end()
        assert [s.errors for s in students if s.errors] == []
        assert all(len(s.joins) >= 2 for s in students)  # each was moved at least once
        await check_nothing_lost(lecture, db, leaver=students[0])
        await check_streams(lecture, db)
    finally:
        await lecture.close()
