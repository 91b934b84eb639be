"""Replay on `/events`: a reconnect continues exactly at the acknowledged positions.

After a client-side drop, past the event log's horizon (pruned events are
reported as `replayIncomplete`), and after a SIGKILL of a real `arsnova serve`
process with the producers still at work.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable

import aiohttp
import pytest

from arsnova.auth import hash_token
from arsnova.keys import sio_key, store_key
from arsnova.services.housekeeping import housekeeping
from tests.events.conftest import NAMESPACE, EventsClient, subscribe
from tests.helpers import WAIT, create_lecture, create_question, eventually
from tests.serve import Serve, serve_env

# The event each `one_event` makes: one per call (an audience question makes two, one of them
# for Q&A).
CREATED = "LecturerQuestionCreatedEvent"
MAX_EVENTS = 10  # the smallest log the settings allow per stream


@pytest.fixture
def settings(settings_with):
    """A log of `MAX_EVENTS` per stream; it is only pruned when a test runs housekeeping."""
    return settings_with(event_log_max_events=MAX_EVENTS)


async def one_event(owner, keyword: str) -> dict:
    """An unpublished lecturer question: one event (CREATED), for the session's staff."""
    return await create_question(owner, keyword, active=False)


def created_ids(events: list[dict]) -> list[str]:
    return [event["data"]["questionId"] for event in events if event["type"] == CREATED]


def asked_ids(events: list[dict]) -> list[str]:
    """The audience questions created in `events` (its other event: Q&A's)."""
    return [
        event["data"]["interposedQuestionId"]
        for event in events
        if event["type"] == "InterposedQuestionCreatedEvent"
    ]


def carrying(question_id: str) -> Callable[[dict], bool]:
    """Matches the EventsMessage that carries the creation of `question_id`."""
    return lambda message: question_id in created_ids(message["events"])


async def connection_record(db, client: EventsClient) -> dict:
    record = await db.event_connections.find_one({"_id": hash_token(client.token)})
    assert record is not None
    return record


async def stored_position(db, client: EventsClient, stream: str, expected: int) -> None:
    """Waits until the connection's acknowledged position in `stream` is stored."""
    for _ in range(250):
        if (await connection_record(db, client))["positions"].get(stream) == expected:
            return
        await asyncio.sleep(0.02)
    pytest.fail(f"position {expected} in {stream} was not stored")


def gaps_of(client: EventsClient) -> list[dict]:
    return [gap for message in client.of("EventsMessage") for gap in message.get(
        "replayIncomplete", [])]  # fmt: skip


# After a drop of the client


async def test_reconnect_replays_what_was_not_acknowledged_and_keeps_subscriptions(
    owner, participant, keyword, events_client, db
):
    stream = f"session:{keyword}"
    first = await events_client(owner, auto_ack=False)
    ack = await first.request("SessionSubscriptionMessage", keyword=keyword)
    assert "errorInfo" not in ack, ack
    ids: list[str] = []
    for _ in range(3):  # each one delivered and acknowledged on its own
        ids.append((await one_event(owner, keyword))["_id"])
        message = await first.wait_for("EventsMessage", carrying(ids[-1]))
        assert created_ids(message["events"]) == [ids[-1]]
        await first.ack(message["id"])
    acknowledged = [event["sequence"] for event in first.events()]
    assert acknowledged == list(range(acknowledged[0], acknowledged[0] + 3))

    ids.append((await one_event(owner, keyword))["_id"])
    unacknowledged = await first.wait_for("EventsMessage", carrying(ids[-1]))
    # The server sent this only after it stored the previous acknowledgement.
    assert (await connection_record(db, first))["positions"][stream] == acknowledged[-1]
    # Held back: one message in flight at most.
    ids.append((await one_event(owner, keyword))["_id"])
    await first.client.eio.disconnect(abort=True)
    await eventually(lambda: not first.client.connected, what="the client did not drop")
    # While nobody is connected:
    ids.append((await one_event(owner, keyword))["_id"])
    ids.append((await one_event(owner, keyword))["_id"])

    second = await events_client(owner, reconnect=first.token)  # and no new subscription
    await eventually(lambda: len(created_ids(second.events())) >= 4, what=second.messages)
    ids.append((await one_event(owner, keyword))["_id"])  # live again
    await second.wait_for_event(CREATED, lambda event: event["data"]["questionId"]
                                == ids[-1])  # fmt: skip

    assert created_ids(unacknowledged["events"]) == [ids[3]]
    assert created_ids(second.events()) == ids[3:]
    sequences = [event["sequence"] for event in second.events()]
    assert sequences == list(range(acknowledged[-1] + 1, acknowledged[-1] + 6))
    assert all(event["scope"] == "session" and event["keyword"] == keyword
               for event in second.events())  # fmt: skip
    assert gaps_of(second) == []
    assert (await connection_record(db, first))["superseded"] is True
    assert (await connection_record(db, second))["subscriptions"] == [keyword]

    # The previous token was used up: a second take-over gets nothing of it.
    third = await events_client(owner, reconnect=first.token)
    incomplete = await third.wait_for("EventsMessage", lambda m: "replayIncomplete" in m)
    assert incomplete["events"] == []
    assert (await connection_record(db, third))["subscriptions"] == []
    assert stream not in (await connection_record(db, third))["positions"]
    ids.append((await one_event(owner, keyword))["_id"])
    await second.wait_for_event(CREATED, lambda event: event["data"]["questionId"]
                                == ids[-1])  # fmt: skip
    assert second.client.connected
    assert created_ids(second.events()) == ids[3:]
    assert created_ids(third.events()) == []
    assert incomplete["replayIncomplete"] == [{"scope": "login", "reason": "reconnect-unknown"}]


async def test_reconnect_with_another_logins_token_gets_nothing_of_it(
    owner, participant, keyword, events_client, db
):
    stream = f"session:{keyword}"
    lecturer = await events_client(owner)
    await lecturer.request("SessionSubscriptionMessage", keyword=keyword)
    question = (await one_event(owner, keyword))["_id"]
    await lecturer.wait_for_event(CREATED)
    positions = (await connection_record(db, lecturer))["positions"]

    intruder = await events_client(participant, reconnect=lecturer.token)
    incomplete = await intruder.wait_for("EventsMessage", lambda m: "replayIncomplete" in m)
    record = await connection_record(db, intruder)
    assert record["subscriptions"] == [] and stream not in record["positions"]
    assert not any(position.startswith("login:") and position in positions
                   for position in record["positions"])  # fmt: skip
    lecturer_record = await connection_record(db, lecturer)
    assert lecturer_record.get("superseded") is not True and lecturer_record["connected"]

    # A session event everybody may see reaches the session's subscribers, not the intruder.
    watcher = await events_client(participant)
    await watcher.request("SessionSubscriptionMessage", keyword=keyword)
    response = await participant.post(f"/session/{keyword}/feedback", json={"value": 1})
    assert response.status in (200, 201), await response.text()
    await watcher.wait_for_event("FeedbackChangedEvent")
    await lecturer.wait_for_event("FeedbackChangedEvent")
    assert lecturer.client.connected
    assert intruder.event_types() == []

    # The lecturer's token is still theirs to take over.
    await lecturer.client.eio.disconnect(abort=True)
    later = (await one_event(owner, keyword))["_id"]
    resumed = await events_client(owner, reconnect=lecturer.token)
    await resumed.wait_for_event(CREATED)
    assert gaps_of(resumed) == []
    assert created_ids(lecturer.events()) == [question]
    assert created_ids(resumed.events()) == [later]
    assert incomplete["replayIncomplete"] == [{"scope": "login", "reason": "reconnect-unknown"}]


# Concurrent appends


async def test_concurrent_first_events_of_a_session_each_get_a_sequence(
    owner, participant, events_client, db
):
    """The first events of new sessions' streams, appended at the same time."""
    lecturer = await events_client(owner)
    for n in range(8):
        response = await owner.post("/session/", json={"name": f"S{n}", "shortName": f"S{n}"})
        keyword = (await response.json())["keyword"]
        assert (await participant.get(f"/session/{keyword}")).status == 200
        await lecturer.request("SessionSubscriptionMessage", keyword=keyword)
        created = await asyncio.gather(*(one_event(owner, keyword) for _ in range(8)))
        ids = [question["_id"] for question in created]
        await eventually(lambda ids=ids: set(ids) <= set(created_ids(lecturer.events())))
        events = [event for event in lecturer.events() if event.get("keyword") == keyword]
        stored = await db.event_streams.find_one({"_id": f"session:{keyword}"})
        assert sorted(created_ids(events)) == sorted(ids)
        assert stored["head"] == 8
        assert [event["sequence"] for event in events] == list(range(1, 9))


# A subscription while a replay is read


class HeldRead:
    """One read of the event log (`after` or `pruned_below`), held while `armed`: a replay
    is being read, and stays so, until the test releases it."""

    def __init__(self, log_, name: str) -> None:
        self.read = getattr(log_, name)
        self.armed = False
        self.reading = asyncio.Event()  # a held read has begun
        self.released = asyncio.Event()

    async def __call__(self, *args):
        if self.armed:
            self.reading.set()
            await self.released.wait()
        return await self.read(*args)


@pytest.mark.parametrize(
    ("read", "missed"),
    [("pruned_below", 3), ("after", 3), ("after", 0)],
    ids=["horizon-check", "replay", "nothing-to-replay"],
)
async def test_a_subscription_made_while_a_replay_is_read_keeps_both(
    server, owner, participant, keyword, events_client, db, monkeypatch, read, missed
):
    """A reconnected follower subscribes to another session while its replay is read
    (a follower moved to the surviving node, a page that subscribes as it connects).
    The replay crashed on the positions the subscription changed under it; reading a
    copy instead made a replay with nothing to deliver store that copy back as the
    positions, and the new subscription was gone: no event of it ever came."""
    stream = f"session:{keyword}"
    other = await create_lecture(owner, "Chemistry")
    assert (await participant.get(f"/session/{other}")).status == 200
    first = await events_client(owner)
    await subscribe(first, keyword)
    seen = (await one_event(owner, keyword))["_id"]
    await first.wait_for_event(CREATED)
    last_seen = first.events()[-1]["sequence"]
    await stored_position(db, first, stream, last_seen)
    await first.client.eio.disconnect(abort=True)
    await eventually(lambda: not first.client.connected)
    missing = [(await one_event(owner, keyword))["_id"] for _ in range(missed)]

    namespace = server.app[sio_key].namespace_handlers[NAMESPACE]
    held = HeldRead(server.app[store_key].events, read)
    monkeypatch.setattr(server.app[store_key].events, read, held)
    held.armed = True
    second = await events_client(owner, reconnect=first.token)
    await asyncio.wait_for(held.reading.wait(), WAIT)
    replaying = list(namespace.tasks)  # the replay among them, held
    await subscribe(second, other)
    held.armed = False
    held.released.set()
    results = await asyncio.gather(*replaying, return_exceptions=True)
    assert [r for r in results if isinstance(r, BaseException)] == []
    await eventually(lambda: len(created_ids(second.events())) >= missed, what=second.messages)

    live = (await one_event(owner, keyword))["_id"]
    live_other = (await one_event(owner, other))["_id"]
    await eventually(
        lambda: {live, live_other} <= set(created_ids(second.events())), what=second.messages
    )
    await asyncio.sleep(0.3)  # nothing more, no repetition
    mine = [event for event in second.events() if event.get("keyword") == keyword]
    assert created_ids(mine) == [*missing, live]
    assert [event["sequence"] for event in mine] == list(
        range(last_seen + 1, last_seen + missed + 2)
    )
    theirs = [event for event in second.events() if event.get("keyword") == other]
    assert created_ids(theirs) == [live_other] and theirs[0]["sequence"] == 1
    assert created_ids(first.events()) == [seen]
    assert gaps_of(second) == []
    assert all("errorInfo" not in ack for ack in second.of("AcknowledgementMessage"))
    record = await connection_record(db, second)
    assert record["subscriptions"] == [keyword, other]
    await stored_position(db, second, f"session:{other}", 1)


# Past the log's horizon


async def test_reconnect_behind_the_horizon_reports_the_missed_range(
    server, owner, participant, keyword, events_client, db
):
    first = await events_client(owner)
    await first.request("SessionSubscriptionMessage", keyword=keyword)
    for _ in range(2):
        question = (await one_event(owner, keyword))["_id"]
        await first.wait_for_event(CREATED, lambda e, q=question: e["data"]["questionId"]
                                   == q)  # fmt: skip
    last_seen = first.events()[-1]["sequence"]
    await stored_position(db, first, f"session:{keyword}", last_seen)
    await first.client.eio.disconnect(abort=True)
    await eventually(lambda: not first.client.connected)
    missed = [(await one_event(owner, keyword))["_id"] for _ in range(30)]
    await housekeeping(server.app)  # keeps the newest MAX_EVENTS of the stream

    second = await events_client(owner, reconnect=first.token)
    await eventually(lambda: len(second.events()) >= MAX_EVENTS, what=second.messages)
    head = last_seen + len(missed)
    (message, *_rest) = second.of("EventsMessage")
    assert message["replayIncomplete"] == [{
        "scope": "session", "keyword": keyword,
        "first": last_seen + 1, "last": head - MAX_EVENTS,
    }]  # fmt: skip
    assert [event["sequence"] for event in message["events"]] == list(
        range(head - MAX_EVENTS + 1, head + 1)
    )
    assert created_ids(second.events()) == missed[-MAX_EVENTS:]
    assert len(gaps_of(second)) == 1

    live = (await one_event(owner, keyword))["_id"]
    event = await second.wait_for_event(CREATED, lambda e: e["data"]["questionId"]
                                        == live)  # fmt: skip
    assert event["sequence"] == head + 1


# SIGKILL of the server process

QUESTIONS = 1000
KILL_AFTER = 400
PRODUCERS = 4


async def guest(url: str) -> aiohttp.ClientSession:
    http = aiohttp.ClientSession(
        base_url=url,
        cookie_jar=aiohttp.CookieJar(unsafe=True),
        timeout=aiohttp.ClientTimeout(total=10),
    )
    async with http.get("/auth/login", params={"type": "guest"}) as response:
        assert response.status == 200, await response.text()
    return http


async def connect_events(url: str, http: aiohttp.ClientSession, **auth: str) -> EventsClient:
    async with http.post("/socket/token") as response:
        assert response.status == 201, await response.text()
        token = (await response.json())["token"]
    client = EventsClient()
    client.token = token
    await client.client.connect(
        url, namespaces=[NAMESPACE], transports=["websocket"], auth={"token": token, **auth}
    )
    return client


# Kills and restarts a real server: 59 s alone, past the default 120 s late in a full run
# (as the other crash tests, tests/test_crash.py).
@pytest.mark.timeout(300)
async def test_sigkill_of_the_server_loses_and_duplicates_nothing(mongo_uri, db_name, db, tmp_path):
    serve = Serve(serve_env(mongo_uri, db_name, tmp_path / "data"), tmp_path / "serve.log")
    sessions: list[aiohttp.ClientSession] = []
    sockets: list[EventsClient] = []
    producers: list[asyncio.Task] = []
    try:
        await serve.start()
        owner = await guest(serve.url)
        participant = await guest(serve.url)
        sessions += [owner, participant]
        async with owner.post("/session/", json={"name": "Crash", "shortName": "C"}) as response:
            assert response.status == 201, await response.text()
            keyword = (await response.json())["keyword"]
        async with participant.get(f"/session/{keyword}") as response:
            assert response.status == 200
        before = await connect_events(serve.url, owner)
        sockets.append(before)
        ack = await before.request("SessionSubscriptionMessage", keyword=keyword)
        assert "errorInfo" not in ack, ack

        # One question alone first: the stream exists before the producers race on it.
        async with participant.post(
            f"/session/{keyword}/interposed/", json={"subject": "s", "text": "first"}
        ) as response:
            assert response.status == 201, await response.text()
            confirmed = [(await response.json())["_id"]]  # ids of 201 responses
        await eventually(lambda: asked_ids(before.events()) == confirmed)
        refused: list[int] = []  # any other status: none expected
        numbers = itertools.count(1)

        async def produce() -> None:
            while (n := next(numbers)) < QUESTIONS:
                body = {"subject": "s", "text": f"t{n}"}
                while True:
                    try:
                        async with participant.post(
                            f"/session/{keyword}/interposed/", json=body
                        ) as response:
                            if response.status == 201:
                                confirmed.append((await response.json())["_id"])
                                break
                            refused.append(response.status)
                    except (aiohttp.ClientError, TimeoutError):
                        pass  # the server is down: ask again
                    await asyncio.sleep(0.05)

        producers += [asyncio.create_task(produce()) for _ in range(PRODUCERS)]
        await eventually(lambda: len(confirmed) >= KILL_AFTER, within=60)
        # Stop acknowledging: the next message is the one in flight when the server dies
        # (sent only after the previous acknowledgement was stored).
        before.auto_ack = False
        seen = len(before.messages)
        await eventually(lambda: any(kind == "EventsMessage" for kind, _ in before.messages[seen:]))
        await serve.kill()
        await eventually(lambda: not before.client.connected, what="the socket outlived the server")
        messages = before.of("EventsMessage")
        in_flight = messages[-1]
        processed = [event for message in messages[:-1] for event in message["events"]]
        assert len(asked_ids(processed)) >= KILL_AFTER / 2
        assert len(confirmed) < QUESTIONS

        await serve.start()  # on the same port; the logins are in the database
        after = await connect_events(serve.url, owner, reconnect=before.token)
        sockets.append(after)
        await asyncio.gather(*producers)

        stream = f"session:{keyword}"
        stored_ids = {str(q["_id"]) async for q in db.interposed_questions.find({})}
        logged = [e["sequence"] async for e in db.events.find({"stream": stream}).sort(
            "sequence", 1)]  # fmt: skip
        await eventually(
            lambda: (
                set(confirmed) <= set(asked_ids(processed + after.events()))
                and after.events()
                and after.events()[-1]["sequence"] >= logged[-1]
            ),
            within=30,
            what="not everything arrived after the restart",
        )
    finally:
        for task in producers:
            task.cancel()
        for client in sockets:
            await client.close()
        for http in sessions:
            await http.close()
        await serve.kill()

    received = processed + after.events()
    sequences = [event["sequence"] for event in received]
    questions = asked_ids(received)
    assert refused == []
    assert len(confirmed) == len(set(confirmed)) == QUESTIONS
    assert after.events()[0]["sequence"] == in_flight["events"][0]["sequence"]
    assert sequences == logged  # in order, no duplicates, nothing stored left out
    # Only sequences taken by appends the kill cut short may be missing.
    assert len(set(range(1, logged[-1] + 1)) - set(logged)) <= PRODUCERS
    assert len(questions) == len(set(questions))
    assert set(confirmed) <= set(questions) <= stored_ids
    assert gaps_of(after) == []
