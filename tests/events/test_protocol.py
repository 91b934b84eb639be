"""The `/events` protocol: socket tokens, connect refusals, messages, acks, ordering, heartbeats."""

from __future__ import annotations

import asyncio
import hashlib
import re
import uuid
from collections.abc import Callable
from typing import Any

import pytest
import socketio
from aiohttp.test_utils import TestServer
from bson import ObjectId
from pymongo.errors import ServerSelectionTimeoutError

from arsnova.keys import broadcaster_key, sio_key, store_key
from arsnova.store.events import GLOBAL_STREAM
from tests.conftest import expect_error
from tests.events.conftest import NAMESPACE, EventsClient, socket_token
from tests.helpers import ask_audience_question, eventually

SETTLE = 0.3  # how long "nothing more arrives" is given before it is checked
MARK = "AnnouncementEvent"


# Helpers


async def settle(client: EventsClient) -> None:
    """Gives pending deliveries time, then makes a round trip over the connection."""
    await asyncio.sleep(SETTLE)
    ack = await client.request("HeartbeatMessage")
    assert "errorInfo" not in ack, ack


async def login_id(db, username: str) -> str:
    login = await db.logins.find_one({"username": username})
    assert login is not None
    return str(login["_id"])


async def mark(server: TestServer, client: EventsClient, text: str = "mark") -> None:
    """Sends a global event and waits until `client` has it.

    Whatever was appended to the client's streams before it has arrived by then.
    """
    await server.app[broadcaster_key].global_event(MARK, {"message": text})
    await client.wait_for_event(MARK, lambda event: event["data"]["message"] == text)


def is_uuid(value: Any) -> bool:
    try:
        return str(uuid.UUID(value)) == value
    except (TypeError, ValueError, AttributeError):
        return False


def interposed_ids(events: list[dict]) -> list[str]:
    return [
        event["data"]["interposedQuestionId"]
        for event in events
        if event["type"] == "InterposedQuestionCreatedEvent"
    ]


class HeartbeatAcker(EventsClient):
    """Acknowledges the server's HeartbeatMessages but never an EventsMessage."""

    def __init__(self) -> None:
        super().__init__(auto_ack=False)

    def _handler(self, name: str) -> Callable:
        record = super()._handler(name)

        async def handle(data: dict) -> None:
            await record(data)
            if name == "HeartbeatMessage":
                await self.ack(data["id"])

        return handle


async def refused(server: TestServer, **auth: str) -> Any:
    """Connects and expects the refusal; returns the `connect_error` data."""
    client = EventsClient()
    try:
        with pytest.raises(socketio.exceptions.ConnectionError):
            await client.connect(server, **auth)
        await eventually(lambda: client.refusal is not None)
        assert not client.client.connected
        return client.refusal
    finally:
        await client.close()


def refusal_code(refusal: Any) -> str:
    assert isinstance(refusal, dict), refusal
    assert isinstance(refusal.get("message"), str) and refusal["message"], refusal
    assert set(refusal) == {"code", "message", "data"}, refusal
    assert refusal["data"] == {"code": refusal["code"], "message": refusal["message"]}
    return refusal["code"]


# POST /socket/token


async def test_token_requires_login(client):
    await expect_error(await client.post("/socket/token"), 401, "login-required")


async def test_token_is_random_and_stored_hashed(owner, db):
    tokens = []
    for _ in range(2):
        response = await owner.post("/socket/token")
        assert response.status == 201, await response.text()
        body = await response.json()
        assert set(body) == {"token", "expiresIn"}
        assert body["expiresIn"] == 60
        tokens.append(body["token"])
    assert tokens[0] != tokens[1]
    for token in tokens:
        assert isinstance(token, str) and len(token) >= 22  # >= 128 bits in base64url
        assert re.fullmatch(r"[A-Za-z0-9_-]+", token), token
    documents = await db.socket_tokens.find().to_list(None)
    assert len(documents) == 2
    stored = {document["token_hash"] for document in documents}
    assert stored == {hashlib.sha256(token.encode()).hexdigest() for token in tokens}
    for document in documents:
        for token in tokens:
            assert token not in repr(document)


# Connecting


async def test_connect_without_token_is_refused(server):
    assert refusal_code(await refused(server)) == "token-missing"


async def test_connect_with_empty_token_is_refused(server):
    assert refusal_code(await refused(server, token="")) == "token-missing"


async def test_connect_with_unknown_token_is_refused(server):
    token = "x" * 43
    assert refusal_code(await refused(server, token=token)) == "token-unknown"


async def test_token_is_single_use(server, owner, events_to):
    first = EventsClient()
    await events_to(server, owner, client=first)
    assert refusal_code(await refused(server, token=first.token)) == "token-used"
    assert first.client.connected
    ack = await first.request("HeartbeatMessage")
    assert "errorInfo" not in ack


async def test_token_race_lets_exactly_one_in(server, owner):
    token = await socket_token(owner)
    clients = [EventsClient(), EventsClient()]
    try:
        results = await asyncio.gather(
            *(client.connect(server, token=token) for client in clients), return_exceptions=True
        )
        failures = [r for r in results if isinstance(r, socketio.exceptions.ConnectionError)]
        assert len(failures) == 1, results
        (winner,) = [client for client in clients if client.client.connected]
        (loser,) = [client for client in clients if client is not winner]
        await eventually(lambda: loser.refusal is not None)
        assert refusal_code(loser.refusal) == "token-used"
        ack = await winner.request("HeartbeatMessage")
        assert "errorInfo" not in ack, ack
    finally:
        for client in clients:
            await client.close()


async def test_expired_token_is_refused(start_server, login_to, clock):
    server = await start_server(socket_token_ttl=30)
    http = await login_to(server)
    response = await http.post("/socket/token")
    assert response.status == 201
    body = await response.json()
    assert body["expiresIn"] == 30
    clock.advance(31)
    assert refusal_code(await refused(server, token=body["token"])) == "token-expired"


async def test_token_of_logged_out_login_is_refused(server, owner):
    token = await socket_token(owner)
    response = await owner.get("/auth/logout")
    assert response.status in (200, 204), await response.text()
    code = refusal_code(await refused(server, token=token))
    assert code in {"token-expired", "login-expired"}


async def test_token_in_query_string(server, owner, keyword, participant):
    token = await socket_token(owner)
    client = EventsClient()
    try:
        await client.client.connect(
            str(server.make_url("/")) + f"?token={token}",
            namespaces=[NAMESPACE],
            transports=["websocket"],
        )
        assert client.client.connected
        ack = await client.request("SessionSubscriptionMessage", keyword=keyword)
        assert "errorInfo" not in ack, ack
        question = (await ask_audience_question(participant, keyword))["_id"]
        event = await client.wait_for_event("InterposedQuestionCreatedEvent")
        assert event["data"]["interposedQuestionId"] == question
    finally:
        await client.close()
    assert refusal_code(await refused(server, token=token)) == "token-used"


async def test_several_connections_per_login(server, owner, stranger, db, events_client):
    mine = [await events_client(owner) for _ in range(3)]
    other = await events_client(stranger)
    assert all(client.client.connected for client in mine)
    owner_login = await login_id(db, owner.username)
    await server.app[broadcaster_key].login_event(owner_login, "TaskEvent", {"task": 1})
    for client in mine:
        event = await client.wait_for_event("TaskEvent")
        assert event["scope"] == "login" and event["data"] == {"task": 1}
        assert "keyword" not in event
    await mark(server, other)
    assert "TaskEvent" not in other.event_types()
    for client in mine:
        assert client.event_types().count("TaskEvent") == 1


# Client messages


async def test_client_messages_are_acknowledged(server, owner, keyword, participant, events_client):
    client = await events_client(owner)
    for message_type in ("HeartbeatMessage", "SessionSubscriptionMessage"):
        fields = {"keyword": keyword} if message_type != "HeartbeatMessage" else {}
        message_id = await client.send(message_type, **fields)
        ack = await client.wait_for(
            "AcknowledgementMessage", lambda d, sent=message_id: d["id"] == sent
        )
        assert ack == {"type": "AcknowledgementMessage", "id": message_id}
    first = (await ask_audience_question(participant, keyword))["_id"]
    event = await client.wait_for_event("InterposedQuestionCreatedEvent")
    assert event["data"]["interposedQuestionId"] == first

    message_id = await client.send("SessionUnsubscriptionMessage", keyword=keyword)
    ack = await client.wait_for("AcknowledgementMessage", lambda d: d["id"] == message_id)
    assert ack == {"type": "AcknowledgementMessage", "id": message_id}
    (await ask_audience_question(participant, keyword))["_id"]
    await mark(server, client)
    assert interposed_ids(client.events()) == [first]


async def test_subscribing_twice_is_harmless(owner, keyword, participant, events_client):
    client = await events_client(owner)
    for _ in range(2):
        ack = await client.request("SessionSubscriptionMessage", keyword=keyword)
        assert "errorInfo" not in ack, ack
    question = (await ask_audience_question(participant, keyword))["_id"]
    await client.wait_for_event("InterposedQuestionCreatedEvent")
    await settle(client)
    assert interposed_ids(client.events()) == [question]


async def test_unsubscribing_unsubscribed_session_is_acknowledged(owner, keyword, events_client):
    client = await events_client(owner)
    ack = await client.request("SessionUnsubscriptionMessage", keyword=keyword)
    assert "errorInfo" not in ack, ack


BAD_MESSAGES = {
    "unknown event name": ("Nonsense", {"type": "Nonsense"}, "unknown-message-type"),
    "type differs from event name": (
        "HeartbeatMessage",
        {"type": "SessionSubscriptionMessage", "keyword": "KW"},
        "unknown-message-type",
    ),
    "subscription named heartbeat": (
        "SessionSubscriptionMessage",
        {"type": "HeartbeatMessage", "keyword": "KW"},
        "unknown-message-type",
    ),
    "missing type": ("SessionSubscriptionMessage", {"keyword": "KW"}, "unknown-message-type"),
    "missing id": (
        "HeartbeatMessage",
        {"type": "HeartbeatMessage", "id": None},
        "validation-failed",
    ),
    "non-uuid id": (
        "SessionSubscriptionMessage",
        {"type": "SessionSubscriptionMessage", "id": "not-a-uuid", "keyword": "KW"},
        "validation-failed",
    ),
    "numeric id": (
        "HeartbeatMessage",
        {"type": "HeartbeatMessage", "id": 12345},
        "validation-failed",
    ),
    "missing keyword": (
        "SessionSubscriptionMessage",
        {"type": "SessionSubscriptionMessage"},
        "validation-failed",
    ),
    "keyword abc": (
        "SessionSubscriptionMessage",
        {"type": "SessionSubscriptionMessage", "keyword": "abc"},
        "validation-failed",
    ),
    "keyword 123": (
        "SessionSubscriptionMessage",
        {"type": "SessionSubscriptionMessage", "keyword": 123},
        "validation-failed",
    ),
    "keyword operator": (
        "SessionSubscriptionMessage",
        {"type": "SessionSubscriptionMessage", "keyword": {"$gt": ""}},
        "validation-failed",
    ),
    "keyword list": (
        "SessionSubscriptionMessage",
        {"type": "SessionSubscriptionMessage", "keyword": ["KW"]},
        "validation-failed",
    ),
    "subscription extra field": (
        "SessionSubscriptionMessage",
        {"type": "SessionSubscriptionMessage", "keyword": "KW", "extra": 1},
        "validation-failed",
    ),
    "heartbeat extra field": (
        "HeartbeatMessage",
        {"type": "HeartbeatMessage", "keyword": "KW"},
        "validation-failed",
    ),
    "unsubscription bad keyword": (
        "SessionUnsubscriptionMessage",
        {"type": "SessionUnsubscriptionMessage", "keyword": "abc"},
        "validation-failed",
    ),
}


async def next_ack(client: EventsClient, event_name: str, payload: Any) -> dict:
    """Emits a raw message and returns the AcknowledgementMessage the server answers it with.

    The server handles a socket's messages one at a time, so answers come in order.
    """
    count = len(client.of("AcknowledgementMessage"))
    await client.client.emit(event_name, payload, namespace=NAMESPACE)
    await eventually(lambda: len(client.of("AcknowledgementMessage")) > count)
    return client.of("AcknowledgementMessage")[count]


def bad_message(template: dict[str, Any], keyword: str) -> dict[str, Any]:
    payload = {
        key: ([keyword] if value == ["KW"] else keyword if value == "KW" else value)
        for key, value in template.items()
    }
    if "id" not in payload:
        payload["id"] = str(uuid.uuid4())
    elif payload["id"] is None:
        del payload["id"]
    return payload


async def test_bad_messages_get_error_acks_and_change_nothing(
    server, owner, keyword, participant, events_client
):
    client = await events_client(owner)
    wrong: dict[str, Any] = {}
    for case, (event_name, template, code) in BAD_MESSAGES.items():
        payload = bad_message(template, keyword)
        expected_id = payload["id"] if isinstance(payload.get("id"), str) else None
        ack = await next_ack(client, event_name, payload)
        error = ack.get("errorInfo") or {}
        if (
            ack.get("type") != "AcknowledgementMessage"
            or ack.get("id") != expected_id
            or error.get("code") != code
            or not (isinstance(error.get("message"), str) and error["message"])
            or (code == "validation-failed" and not isinstance(error.get("errors"), dict))
        ):
            wrong[case] = ack
    assert wrong == {}

    # None of them subscribed: the owner's session events do not arrive.
    (await ask_audience_question(participant, keyword))["_id"]
    await mark(server, client)
    assert client.event_types() == [MARK]
    assert len(client.of("AcknowledgementMessage")) == len(BAD_MESSAGES)

    # And the connection still works.
    ack = await client.request("SessionSubscriptionMessage", keyword=keyword)
    assert "errorInfo" not in ack, ack
    question = (await ask_audience_question(participant, keyword))["_id"]
    event = await client.wait_for_event("InterposedQuestionCreatedEvent")
    assert event["data"]["interposedQuestionId"] == question


async def test_bad_unsubscription_keeps_subscription(
    server, owner, keyword, participant, events_client
):
    client = await events_client(owner)
    await client.request("SessionSubscriptionMessage", keyword=keyword)
    ack = await client.request("SessionUnsubscriptionMessage", keyword=keyword, extra=True)
    assert ack["errorInfo"]["code"] == "validation-failed", ack
    question = (await ask_audience_question(participant, keyword))["_id"]
    event = await client.wait_for_event("InterposedQuestionCreatedEvent")
    assert event["data"]["interposedQuestionId"] == question


NON_OBJECTS = {
    "none": None,
    "string": "x",
    "number": 5,
    "list": [{"type": "HeartbeatMessage", "id": "00000000-0000-4000-8000-000000000000"}],
}  # binary payloads drop their socket: tests/realtime/test_frames.py


async def test_non_object_payloads_get_error_acks_with_null_id(
    server, owner, keyword, participant, events_client
):
    client = await events_client(owner)
    names = (
        "HeartbeatMessage",
        "SessionSubscriptionMessage",
        "SessionUnsubscriptionMessage",
        "AcknowledgementMessage",
        "Nonsense",
    )
    wrong: dict[str, Any] = {}
    for kind, payload in NON_OBJECTS.items():
        for name in names:
            ack = await next_ack(client, name, payload)
            error = ack.get("errorInfo") or {}
            well_formed = ack.get("type") == "AcknowledgementMessage" and ack.get("id") is None
            if not (well_formed and error.get("code") and error.get("message")):
                wrong[f"{name} {kind}"] = ack
    assert wrong == {}
    (await ask_audience_question(participant, keyword))["_id"]
    await mark(server, client)
    assert client.event_types() == [MARK]
    ack = await client.request("HeartbeatMessage")
    assert "errorInfo" not in ack, ack
    assert len(client.of("AcknowledgementMessage")) == len(names) * len(NON_OBJECTS) + 1


async def test_subscribing_to_unknown_session(server, owner, keyword, events_client):
    client = await events_client(owner)
    unknown = "12345678" if keyword != "12345678" else "87654321"
    ack = await client.request("SessionSubscriptionMessage", keyword=unknown)
    assert ack["errorInfo"]["code"] == "session-not-found", ack
    await mark(server, client)
    assert client.event_types() == [MARK]
    ack = await client.request("HeartbeatMessage")
    assert "errorInfo" not in ack, ack


GARBAGE_ACKS = {
    "non-uuid id": {"id": "nope"},
    "missing id": {},
    "numeric id": {"id": 7},
    "wrong type": {"id": str(uuid.uuid4()), "type": "HeartbeatMessage"},
    "missing type": {"id": str(uuid.uuid4()), "type": None},
    "bad idle": {"id": str(uuid.uuid4()), "idle": "maybe"},
    "extra field": {"id": str(uuid.uuid4()), "extra": 1},
}


async def test_garbage_acknowledgements_get_error_acks(server, owner, events_client):
    client = await events_client(owner)
    wrong: dict[str, Any] = {}
    for case, fields in GARBAGE_ACKS.items():
        payload = {"type": "AcknowledgementMessage", **fields}
        payload = {key: value for key, value in payload.items() if value is not None}
        expected_id = payload["id"] if isinstance(payload.get("id"), str) else None
        ack = await next_ack(client, "AcknowledgementMessage", payload)
        if ack.get("id") != expected_id or not (ack.get("errorInfo") or {}).get("code"):
            wrong[case] = ack
    assert wrong == {}
    await mark(server, client)  # still delivered, and acknowledged by the client
    ack = await client.request("HeartbeatMessage")
    assert "errorInfo" not in ack, ack


async def test_acknowledgement_of_unknown_id_is_ignored(owner, events_client):
    client = await events_client(owner)
    await client.ack(str(uuid.uuid4()))
    await client.ack(str(uuid.uuid4()), idle=False)
    message_id = await client.send("HeartbeatMessage")
    await client.wait_for("AcknowledgementMessage", lambda d: d["id"] == message_id)
    assert client.of("AcknowledgementMessage") == [
        {"type": "AcknowledgementMessage", "id": message_id}
    ]


# EventsMessage


async def test_events_message_shape(server, owner, keyword, participant, events_client):
    client = await events_client(owner)
    await client.request("SessionSubscriptionMessage", keyword=keyword)
    questions = [(await ask_audience_question(participant, keyword))["_id"] for _ in range(3)]
    await eventually(lambda: len(interposed_ids(client.events())) == 3)
    await mark(server, client, "shape")
    for message in client.of("EventsMessage"):
        assert set(message) == {"type", "id", "events"}, message
        assert message["type"] == "EventsMessage"
        assert is_uuid(message["id"]), message
        assert message["events"], message
    ids = [message["id"] for message in client.of("EventsMessage")]
    assert len(set(ids)) == len(ids)

    session_events = [e for e in client.events() if e["scope"] == "session"]
    assert interposed_ids(session_events) == questions
    for event in session_events:
        assert set(event) == {"type", "scope", "keyword", "sequence", "time", "data"}, event
        assert event["keyword"] == keyword
        assert isinstance(event["time"], int) and not isinstance(event["time"], bool)
        assert event["time"] > 1_500_000_000_000  # milliseconds, not seconds
    sequences = [event["sequence"] for event in session_events]
    assert all(isinstance(s, int) for s in sequences)
    assert sequences == list(range(sequences[0], sequences[0] + len(sequences)))

    (announcement,) = [e for e in client.events() if e["type"] == MARK]
    assert set(announcement) == {"type", "scope", "sequence", "time", "data"}, announcement
    assert announcement["scope"] == "global"
    assert announcement["data"] == {"message": "shape"}


async def test_global_events_arrive_without_subscribing(server, owner, stranger, events_client):
    clients = [await events_client(owner), await events_client(stranger)]
    broadcaster = server.app[broadcaster_key]
    await broadcaster.global_event("AnnouncementEvent", {"message": "hi"})
    await broadcaster.global_event("AnnouncementEvent", {"message": "again"})
    for client in clients:
        await eventually(lambda c=client: len(c.events()) >= 2)
        events = client.events()
        assert [e["data"]["message"] for e in events] == ["hi", "again"]
        assert all(e["scope"] == "global" and e["type"] == "AnnouncementEvent" for e in events)
        assert events[1]["sequence"] == events[0]["sequence"] + 1


async def test_login_events_reach_only_that_login(server, owner, stranger, db, events_client):
    mine = await events_client(owner)
    theirs = await events_client(stranger)
    await server.app[broadcaster_key].login_event(
        await login_id(db, owner.username), "TaskEvent", {"task": "mine"}
    )
    await server.app[broadcaster_key].login_event(
        await login_id(db, stranger.username), "TaskEvent", {"task": "theirs"}
    )
    event = await mine.wait_for_event("TaskEvent")
    assert event["scope"] == "login" and event["data"] == {"task": "mine"}
    event = await theirs.wait_for_event("TaskEvent")
    assert event["scope"] == "login" and event["data"] == {"task": "theirs"}
    await mark(server, mine)
    await mark(server, theirs, "m2")
    assert [e["data"] for e in mine.events() if e["type"] == "TaskEvent"] == [{"task": "mine"}]
    assert [e["data"] for e in theirs.events() if e["type"] == "TaskEvent"] == [{"task": "theirs"}]


async def test_participant_does_not_see_staff_events(
    server, owner, keyword, participant, events_client
):
    student = await events_client(participant)
    await student.request("SessionSubscriptionMessage", keyword=keyword)
    (await ask_audience_question(participant, keyword))["_id"]
    await mark(server, student)
    assert "InterposedQuestionCreatedEvent" not in student.event_types()


# Acknowledgement gating


async def test_nothing_more_is_sent_until_acknowledged(
    server, owner, keyword, participant, events_to
):
    client = await events_to(server, owner, client=HeartbeatAcker())
    ack = await client.request("SessionSubscriptionMessage", keyword=keyword)
    assert "errorInfo" not in ack, ack
    first = (await ask_audience_question(participant, keyword))["_id"]
    message = await client.wait_for("EventsMessage")
    assert interposed_ids(message["events"]) == [first]

    later = [(await ask_audience_question(participant, keyword))["_id"] for _ in range(5)]
    await settle(client)
    assert len(client.of("EventsMessage")) == 1

    await client.ack(message["id"])
    second = await client.wait_for("EventsMessage", lambda m: m["id"] != message["id"])
    assert interposed_ids(second["events"]) == later
    # Each question: InterposedQuestionCreatedEvent and Q&A's QaQuestionCreatedEvent.
    sequences = [event["sequence"] for event in message["events"] + second["events"]]
    assert sequences == list(range(sequences[0], sequences[0] + 12))
    await client.ack(second["id"])
    await settle(client)
    assert len(client.of("EventsMessage")) == 2


async def test_unacknowledged_message_disconnects(start_server, login_to, events_to):
    server = await start_server(ack_timeout=0.5)
    http = await login_to(server)
    client = await events_to(server, http, client=HeartbeatAcker())
    await server.app[broadcaster_key].global_event("AnnouncementEvent", {"message": "hi"})
    message = await client.wait_for("EventsMessage")
    assert message["events"][0]["data"] == {"message": "hi"}
    await eventually(lambda: not client.client.connected)
    assert not client.client.connected


async def test_acknowledging_client_stays_connected(start_server, login_to, events_to):
    server = await start_server(ack_timeout=0.5, heartbeat_interval=0.2)
    http = await login_to(server)
    client = await events_to(server, http)
    for n in range(3):
        await server.app[broadcaster_key].global_event("AnnouncementEvent", {"message": str(n)})
    await eventually(lambda: len(client.of("HeartbeatMessage")) >= 2 and len(client.events()) >= 3)
    await asyncio.sleep(0.6)  # past ack_timeout since the last acknowledged message
    assert client.client.connected
    ack = await client.request("HeartbeatMessage")
    assert "errorInfo" not in ack, ack


# Ordering


async def test_many_events_arrive_in_creation_order(owner, keyword, participant, events_client):
    client = await events_client(owner)
    await client.request("SessionSubscriptionMessage", keyword=keyword)
    created = [(await ask_audience_question(participant, keyword))["_id"] for _ in range(50)]
    await eventually(lambda: len(client.events()) >= 100)
    await settle(client)
    assert interposed_ids(client.events()) == created
    # Each question: InterposedQuestionCreatedEvent and Q&A's QaQuestionCreatedEvent.
    sequences = [event["sequence"] for event in client.events()]
    assert sequences == list(range(sequences[0], sequences[0] + 100))


async def test_concurrent_events_arrive_once_with_contiguous_sequences(
    owner, keyword, participant, events_client
):
    client = await events_client(owner)
    await client.request("SessionSubscriptionMessage", keyword=keyword)
    asked = await asyncio.gather(*(ask_audience_question(participant, keyword) for _ in range(30)))
    created = [question["_id"] for question in asked]
    await eventually(lambda: len(client.events()) >= 60)
    await settle(client)
    received = interposed_ids(client.events())
    assert len(received) == 30 and sorted(received) == sorted(created)
    # Each question: InterposedQuestionCreatedEvent and Q&A's QaQuestionCreatedEvent.
    sequences = [event["sequence"] for event in client.events()]
    assert sequences == list(range(sequences[0], sequences[0] + 60))


# Server heartbeat


async def test_idle_connection_gets_heartbeats(start_server, login_to, events_to):
    server = await start_server(heartbeat_interval=0.3)
    http = await login_to(server)
    client = await events_to(server, http)
    await eventually(lambda: len(client.of("HeartbeatMessage")) >= 2)
    heartbeats = client.of("HeartbeatMessage")
    for heartbeat in heartbeats:
        assert set(heartbeat) == {"type", "id"}
        assert heartbeat["type"] == "HeartbeatMessage"
        assert is_uuid(heartbeat["id"]), heartbeat
    assert len({heartbeat["id"] for heartbeat in heartbeats}) == len(heartbeats)
    assert client.client.connected


async def test_unacknowledged_heartbeat_disconnects(start_server, login_to, events_to):
    server = await start_server(heartbeat_interval=0.3, ack_timeout=0.5)
    http = await login_to(server)
    client = await events_to(server, http, auto_ack=False)
    await client.wait_for("HeartbeatMessage")
    await eventually(lambda: not client.client.connected)
    assert not client.client.connected
    assert client.of("EventsMessage") == []


async def test_no_heartbeat_before_interval(server, owner, events_client):
    """A fresh connection has not been quiet for `heartbeat_interval` (default 25 s) yet."""
    client = await events_client(owner)
    namespace = server.app[sio_key].namespace_handlers[NAMESPACE]
    await namespace.heartbeat()  # one round of the periodic check, right now
    await settle(client)
    assert client.of("HeartbeatMessage") == []


PER_STREAM = 12


async def test_concurrent_first_events_of_new_streams(server, owner, events_client):
    """Appending concurrently to streams that have no events yet: every append succeeds."""
    client = await events_client(owner)
    broadcaster = server.app[broadcaster_key]
    # 60 appends at once: enough to race for every fresh stream's first sequence numbers,
    # few enough for the suite's shared embedded database late in a run (150 timed out).
    appends = [broadcaster.global_event(MARK, {"message": str(n)}) for n in range(PER_STREAM)]
    for _ in range(4):  # login streams of logins without connections: more fresh streams
        stream_owner = str(ObjectId())
        appends += [
            broadcaster.login_event(stream_owner, "TaskEvent", {}) for _ in range(PER_STREAM)
        ]
    results = await asyncio.gather(*appends, return_exceptions=True)
    assert [result for result in results if result is not None] == []
    await eventually(lambda: len(client.events()) >= PER_STREAM)
    await settle(client)
    events = client.events()
    messages = sorted(event["data"]["message"] for event in events)
    assert messages == sorted(map(str, range(PER_STREAM)))
    assert [event["sequence"] for event in events] == list(range(1, PER_STREAM + 1))


async def test_every_message_is_acknowledged_even_when_the_server_fails(
    server, participant, events_client, monkeypatch, caplog
):
    """A failure of ours (a bug, the database gone) still answers the message, with a code."""
    client = await events_client(participant)
    namespace = server.app[sio_key].namespace_handlers[NAMESPACE]
    failures = {
        "internal-error": RuntimeError("a bug"),
        "database-unavailable": ServerSelectionTimeoutError("the database is down"),
    }
    for code, failure in failures.items():

        async def failing(connection: Any, data: Any, failure: Exception = failure) -> None:
            raise failure

        monkeypatch.setitem(namespace.handlers, "HeartbeatMessage", failing)
        ack = await client.request("HeartbeatMessage")
        assert ack["errorInfo"]["code"] == code, ack
    assert "a bug" not in str(client.messages)  # the traceback is logged, not sent
    assert any(record.exc_info for record in caplog.records)


class SlowFirstInsert:
    """The event collection, with the write of one sequence number held back: a writer
    that took its number and is still waiting for the database (a loaded machine)."""

    def __init__(self, events, held: int, released: asyncio.Event) -> None:
        self.events = events
        self.held = held
        self.released = released

    def __getattr__(self, name: str):
        return getattr(self.events, name)

    async def insert_one(self, document, *args, **kwargs):
        if document["sequence"] == self.held:
            await self.released.wait()
        return await self.events.insert_one(document, *args, **kwargs)


async def test_an_event_whose_write_is_slow_is_delivered_in_its_place(
    start_server, login_to, events_to
):
    """A sequence taken but not yet written holds its stream back for as long as a live
    writer can take (the driver's time limit), not a fixed two seconds: nothing is skipped."""
    server = await start_server(db_timeout_ms=1000)  # a live write ends within 2 s
    http = await login_to(server)
    client = await events_to(server, http)
    log_ = server.app[store_key].events
    released = asyncio.Event()
    log_.events = SlowFirstInsert(log_.events, held=1, released=released)
    broadcaster = server.app[broadcaster_key]
    slow = asyncio.create_task(broadcaster.global_event(MARK, {"message": "first"}))

    async def first_took_its_number() -> bool:
        return (await log_.heads([GLOBAL_STREAM]))[GLOBAL_STREAM] == 1

    await eventually(first_took_its_number)
    await broadcaster.global_event(MARK, {"message": "second"})
    # Number 2 is stored; number 1 stays unwritten for longer than the old fixed wait
    # (2 s), still within what a live write may take (2 x 1 s, plus a margin).
    await asyncio.sleep(2.5)
    released.set()
    await slow
    await eventually(lambda: len(client.events()) >= 2)
    assert [event["data"]["message"] for event in client.events()] == ["first", "second"]
    assert [event["sequence"] for event in client.events()] == [1, 2]
