"""The reliable event stream: Socket.IO namespace `/events` (after the seed's web socket API).

A connection is opened with a single-use token from `POST /socket/token`.
It sees its login's events, global events and the events of the lecture
sessions it subscribed to, each read from the durable log in order. The
server sends one `EventsMessage` at a time and nothing more until the client
acknowledged it; events that arrive meanwhile go into the next one. The
acknowledged position per stream is stored, so a reconnect with the
previous token (`reconnect`) continues exactly there, on any node and after
a restart.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

import socketio
from aiohttp import web

from arsnova.auth import extend_login, hash_token, identity_of, user_of
from arsnova.errors import ArsnovaError, BadRequest, InternalError, NotFound
from arsnova.identity import User
from arsnova.keys import (
    broadcaster_key,
    load_key,
    metrics_key,
    node_key,
    rate_limiter_key,
    settings_key,
    store_key,
)
from arsnova.metrics import counted
from arsnova.ratelimit import SOCKET_EVENTS, by_user
from arsnova.realtime.adapters.transport import aiohttp_request
from arsnova.realtime.delivery.broadcaster import COURSES, MODERATORS, STAFF
from arsnova.realtime.namespaces.payloads import connection_refused, error_body, load
from arsnova.schemas.events import (
    AcknowledgementMessageSchema,
    EventsMessageSchema,
    HeartbeatMessageSchema,
    HeartbeatSchema,
    ServerAcknowledgementSchema,
    SessionSubscriptionMessageSchema,
)
from arsnova.services.policy import manages, moderates_qa, released_for
from arsnova.services.sessions import find_session, join_session
from arsnova.store import translate_errors
from arsnova.store.common import now
from arsnova.store.events import GLOBAL_STREAM, login_stream, session_stream

log = logging.getLogger(__name__)

NAMESPACE = "/events"
BATCH_LIMIT = 500  # events per stream in one EventsMessage
# A sequence number taken but not yet written holds its stream back while its writer may
# still be alive: the driver ends a write within timeoutMS (ARSNOVA_DB_TIMEOUT_MS); twice
# that, and a margin for a busy event loop. Only a writer that died (a killed node) costs it.
GAP_MARGIN = 1.0
CONNECT_WAIT = 5.0
ACK = "AcknowledgementMessage"
LIFECYCLE = ("connect", "disconnect")

ack_schema = AcknowledgementMessageSchema()
heartbeat_schema = HeartbeatMessageSchema()
subscription_schema = SessionSubscriptionMessageSchema()
server_ack_schema = ServerAcknowledgementSchema()
events_message_schema = EventsMessageSchema()
server_heartbeat_schema = HeartbeatSchema()


@dataclass
class InFlight:
    """The one unacknowledged message of a connection: the positions its events were read
    from (`read_from`) and those it brings the connection to once acknowledged."""

    id: str
    read_from: dict[str, int]
    positions: dict[str, int]
    deadline: asyncio.Task


@dataclass
class Connection:
    sid: str
    token_hash: str
    login_id: str
    user: User
    positions: dict[str, int]
    address: str  # the client's, for rate limits
    staff: set[str] = field(default_factory=set)
    in_flight: InFlight | None = None
    gaps: dict[str, float] = field(default_factory=dict)
    gaps_reported: list[dict[str, Any]] = field(default_factory=list)
    last_sent: float = field(default_factory=lambda: asyncio.get_running_loop().time())
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


def connect_parameter(environ: dict, auth: Any, name: str) -> str | None:
    """`name` from the `auth` object of the handshake, else from the query string."""
    if isinstance(auth, dict) and isinstance(auth.get(name), str):
        return auth[name]
    values = parse_qs(environ.get("QUERY_STRING", "")).get(name)
    return values[-1] if values else None


def stream_scope(stream: str) -> tuple[str, str | None]:
    """(`login`|`session`|`global`, keyword or None) of a stream name."""
    kind, _, rest = stream.partition(":")
    return kind, (rest if kind == "session" else None)


def subscribed_keywords(connection: Connection) -> list[str]:
    return [s.removeprefix("session:") for s in connection.positions if s.startswith("session:")]


def advance(connection: Connection, read_from: dict[str, int], positions: dict[str, int]) -> bool:
    """Moves each stream read from `read_from` on to `positions`; whether any moved.

    A read awaits the database, and meanwhile the connection may subscribe (a stream
    the read did not cover: it keeps its position), unsubscribe (the stream is gone:
    it stays gone), or unsubscribe and subscribe again (the stream starts afresh from
    its head: the read no longer applies). So a stream moves only if it is still where
    the read started; the positions are never replaced by the read's copy.
    """
    moved = False
    for stream, position in positions.items():
        current = connection.positions.get(stream)
        if current is not None and current == read_from.get(stream) and position != current:
            connection.positions[stream] = position
            moved = True
    return moved


class EventsNamespace(socketio.AsyncNamespace):
    def __init__(self, namespace: str, app: web.Application) -> None:
        super().__init__(namespace)
        self.app = app
        self.connections: dict[str, Connection] = {}
        self.by_stream: dict[str, set[str]] = defaultdict(set)
        self.tasks: set[asyncio.Task] = set()
        self.handlers = {
            "HeartbeatMessage": self.on_heartbeat_message,
            "SessionSubscriptionMessage": self.on_subscription,
            "SessionUnsubscriptionMessage": self.on_unsubscription,
        }
        self.gap_wait = 2 * app[settings_key].db_timeout_ms / 1000 + GAP_MARGIN
        self.metrics = app[metrics_key]
        self.metrics.events_unacknowledged.read = lambda: {
            (): sum(connection.in_flight is not None for connection in self.connections.values())
        }

    # Connecting

    async def trigger_event(self, event: str, *args: Any) -> Any:
        sid = args[0]
        if event in LIFECYCLE and not self.server.manager.is_connected(sid, self.namespace):
            return await super().trigger_event(event, *args)
        connection = self.connections.get(sid)
        if connection is None:
            return None
        await self.receive(connection, event, args[1] if len(args) > 1 else None)
        return None

    @counted("connect")
    async def on_connect(self, sid: str, environ: dict, auth: Any = None) -> None:
        try:
            # In its turn with the joins; its token is used up at once, so it is not retried.
            admission = self.app[load_key]
            connection = await admission.admit(lambda: self.open(sid, environ, auth), retry=False)
        except ArsnovaError as exc:
            raise connection_refused(exc) from None
        self.connections[sid] = connection
        for stream in connection.positions:
            self.by_stream[stream].add(sid)
        self.spawn(self.start(connection))

    async def open(self, sid: str, environ: dict, auth: Any) -> Connection:
        """Checks the token (and the previous one on reconnect) and records the connection."""
        store = self.app[store_key]
        token = connect_parameter(environ, auth, "token")
        if not token or len(token) > 200:
            raise TokenMissing()
        token_hash = hash_token(token)
        issued = await store.socket_tokens.consume(token_hash)
        login = await store.logins.by_id(issued["login_id"])
        if login is None:
            raise LoginGone()
        user = user_of(self.app[settings_key], identity_of(login))
        base = [login_stream(login["id"]), GLOBAL_STREAM]
        positions = await store.events.heads(base)
        subscriptions: list[str] = []
        gaps: list[dict[str, Any]] = []
        previous_token = connect_parameter(environ, auth, "reconnect")
        if previous_token:
            previous = await store.event_connections.take_over(
                hash_token(previous_token), login["id"]
            )
            if previous is None:
                gaps.append({"scope": "login", "reason": "reconnect-unknown"})
            else:
                positions.update(previous["positions"])
                subscriptions = previous["subscriptions"]
                if previous.get("sid") and previous.get("node"):
                    await self.server.disconnect(previous["sid"], namespace=self.namespace)
        address = aiohttp_request(environ).remote or ""
        connection = Connection(sid, token_hash, login["id"], user, positions, address)
        connection.gaps_reported = gaps
        for keyword in subscriptions:
            with contextlib.suppress(ArsnovaError):
                session = await store.sessions.by_keyword(keyword)
                if manages(user, session):
                    connection.staff.add(keyword)
        await store.event_connections.create(
            token_hash, login["id"], self.app[node_key], sid, positions, subscriptions
        )
        await self.update_login_idle(connection)  # a new, active connection ends idleness
        return connection

    async def start(self, connection: Connection) -> None:
        """Delivers what is pending (a replay) once the handshake has completed."""
        for _ in range(int(CONNECT_WAIT / 0.01)):
            if self.server.manager.is_connected(connection.sid, self.namespace):
                break
            await asyncio.sleep(0.01)
        async with connection.lock:  # before any delivery a new event's poke may start
            await self.report_horizon(connection)
        await self.pump(connection)

    async def on_disconnect(self, sid: str, reason: str | None = None) -> None:
        connection = self.connections.pop(sid, None)
        if connection is None:
            return
        for stream in connection.positions:
            self.by_stream[stream].discard(sid)
            if not self.by_stream[stream]:
                del self.by_stream[stream]
        if connection.in_flight is not None:
            connection.in_flight.deadline.cancel()
        with contextlib.suppress(ArsnovaError), translate_errors():
            store = self.app[store_key]
            await store.event_connections.save(connection.token_hash, connected=False)
            await self.update_login_idle(connection)

    # Receiving

    async def receive(self, connection: Connection, event: str, data: Any) -> None:
        message_id = data.get("id") if isinstance(data, dict) else None
        try:
            with translate_errors():
                if event == ACK:
                    await self.on_acknowledgement(connection, data)
                    return
                await self.app[rate_limiter_key].hit(SOCKET_EVENTS, "s:" + connection.sid)
                handler = self.handlers.get(event)
                if handler is None or not isinstance(data, dict) or data.get("type") != event:
                    raise BadRequest(
                        f"There is no message type {event!r} (the event name is the message's "
                        "type).",
                        code="unknown-message-type",
                    )
                await handler(connection, data)
        except ArsnovaError as exc:
            await self.acknowledge(connection, message_id, exc)
            return
        except Exception:  # every message gets its acknowledgement, a failure of ours too
            log.exception("/events message %s from %s failed", event, connection.sid)
            await self.acknowledge(connection, message_id, InternalError())
            return
        await self.acknowledge(connection, message_id)

    async def acknowledge(
        self, connection: Connection, message_id: Any, error: ArsnovaError | None = None
    ) -> None:
        body: dict[str, Any] = {"id": message_id if isinstance(message_id, str) else None}
        if error is not None:
            body["error_info"] = error_body(error)
        await self.emit(ACK, server_ack_schema.dump(body), to=connection.sid)

    async def on_acknowledgement(self, connection: Connection, data: Any) -> None:
        try:
            ack = load(ack_schema, data)
            if ack["type"] != ACK:
                raise BadRequest("An acknowledgement's type is AcknowledgementMessage.")
        except ArsnovaError as exc:
            await self.acknowledge(
                connection, data.get("id") if isinstance(data, dict) else None, exc
            )
            return
        if "idle" in ack:
            await self.set_idle(connection, ack["idle"])
        in_flight = connection.in_flight
        if in_flight is None or str(ack["id"]) != in_flight.id:
            return  # a late or unknown acknowledgement changes nothing
        in_flight.deadline.cancel()
        connection.in_flight = None
        clock = asyncio.get_running_loop().time()
        self.metrics.events_ack_seconds.observe(clock - connection.last_sent)
        advance(connection, in_flight.read_from, in_flight.positions)
        await self.app[store_key].event_connections.save(
            connection.token_hash, positions=dict(connection.positions)
        )
        await self.pump(connection)

    async def on_heartbeat_message(self, connection: Connection, data: dict[str, Any]) -> None:
        """The client is there and its user active: ends idleness and extends the login."""
        load(heartbeat_schema, data)
        await self.set_idle(connection, False)

    @counted("join")
    async def on_subscription(self, connection: Connection, data: dict[str, Any]) -> None:
        """Adds a lecture session's events from now on (the caller joins the session).

        At most `ARSNOVA_EVENTS_MAX_SUBSCRIPTIONS` per connection: each one is
        read from the log on every delivery.
        """
        keyword = load(subscription_schema, data)["keyword"]
        stream = session_stream(keyword)
        if stream in connection.positions:
            return
        limit = self.app[settings_key].events_max_subscriptions
        if len(subscribed_keywords(connection)) >= limit:
            raise BadRequest(
                f"A connection follows at most {limit} lecture sessions; unsubscribe one first.",
                code="too-many-subscriptions",
            )
        store = self.app[store_key]
        caller = by_user(connection.user.username)
        session = await find_session(self.app, keyword, caller, connection.address, join=True)
        await join_session(self.app, connection.user.username, session)
        if manages(connection.user, session):
            connection.staff.add(keyword)
        head = (await store.events.heads([stream]))[stream]
        # The same subscription sent twice at once: the first one's position stands.
        connection.positions.setdefault(stream, head)
        self.by_stream[stream].add(connection.sid)
        await self.save_subscriptions(connection)

    async def on_unsubscription(self, connection: Connection, data: dict[str, Any]) -> None:
        keyword = load(subscription_schema, data)["keyword"]
        stream = session_stream(keyword)
        if connection.positions.pop(stream, None) is None:
            return
        connection.gaps.pop(stream, None)
        connection.staff.discard(keyword)
        self.by_stream[stream].discard(connection.sid)
        await self.save_subscriptions(connection)

    async def save_subscriptions(self, connection: Connection) -> None:
        await self.app[store_key].event_connections.save(
            connection.token_hash,
            subscriptions=subscribed_keywords(connection),
            positions=dict(connection.positions),
        )

    # Idle reporting

    async def set_idle(self, connection: Connection, idle: bool) -> None:
        store = self.app[store_key]
        await store.event_connections.save(connection.token_hash, idle=idle)
        await self.update_login_idle(connection)
        if not idle:
            await extend_login(self.app, connection.login_id)

    async def update_login_idle(self, connection: Connection) -> None:
        """Stores whether every connection of the login reports idle.

        Checked again after writing: two connections closing at once could
        otherwise leave the verdict of the one that looked first.
        """
        store = self.app[store_key]
        idle = await store.event_connections.login_is_idle(connection.login_id)
        for _ in range(3):
            await store.logins.set_idle(connection.login_id, idle)
            now_idle = await store.event_connections.login_is_idle(connection.login_id)
            if now_idle == idle:
                return
            idle = now_idle

    # Sending

    def poke(self, stream: str) -> None:
        """New events in `stream`: deliver to the connections that follow it."""
        for sid in list(self.by_stream.get(stream, ())):
            connection = self.connections.get(sid)
            if connection is not None and connection.in_flight is None:
                self.spawn(self.pump(connection))

    def poke_all(self) -> None:
        """Announcements may have been lost (Redis was away): every connection catches up."""
        for stream in list(self.by_stream):
            self.poke(stream)

    def spawn(self, coroutine: Any) -> None:
        task = asyncio.create_task(coroutine)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def report_horizon(self, connection: Connection) -> None:
        """Positions behind the log's horizon cannot be replayed: say so, then skip ahead.

        Reads a copy of the positions (a subscription may change them meanwhile) and
        moves only a stream still where it was read.
        """
        log_ = self.app[store_key].events
        for stream, position in list(connection.positions.items()):
            first_kept = await log_.pruned_below(stream)
            if position + 1 < first_kept and connection.positions.get(stream) == position:
                scope, keyword = stream_scope(stream)
                gap = {"scope": scope, "first": position + 1, "last": first_kept - 1}
                if keyword:
                    gap["keyword"] = keyword
                connection.gaps_reported.append(gap)
                connection.positions[stream] = first_kept - 1

    async def pump(self, connection: Connection) -> None:
        """Sends the next EventsMessage if nothing is waiting for an acknowledgement."""
        with contextlib.suppress(ArsnovaError), translate_errors():
            async with connection.lock:
                if connection.in_flight is not None or connection.sid not in self.connections:
                    return
                read_from = dict(connection.positions)
                events, positions = await self.collect(connection, read_from)
                gaps, connection.gaps_reported = connection.gaps_reported, []
                if not events and not gaps:
                    # Only events hidden from this role: passed without a message.
                    if advance(connection, read_from, positions):
                        await self.app[store_key].event_connections.save(
                            connection.token_hash, positions=dict(connection.positions)
                        )
                    return
                message = {"id": str(uuid.uuid4()), "events": events}
                if gaps:
                    message["replay_incomplete"] = gaps
                body = events_message_schema.dump(message)
                await self.send(connection, "EventsMessage", body, read_from, positions)

    async def send(
        self,
        connection: Connection,
        event: str,
        body: dict[str, Any],
        read_from: dict[str, int],
        positions: dict[str, int],
    ) -> None:
        deadline = asyncio.create_task(self.expect_ack(connection, body["id"]))
        connection.in_flight = InFlight(body["id"], read_from, positions, deadline)
        connection.last_sent = asyncio.get_running_loop().time()
        if "events" in body:
            self.metrics.events_batch.observe(len(body["events"]))
        await self.emit(event, body, to=connection.sid)

    async def expect_ack(self, connection: Connection, message_id: str) -> None:
        timeout = self.app[settings_key].ack_timeout
        await asyncio.sleep(timeout)
        in_flight = connection.in_flight
        if in_flight is not None and in_flight.id == message_id:
            log.info("/events socket %s did not acknowledge in %s s", connection.sid, timeout)
            self.metrics.events_ack_timeouts.inc()
            await self.server.disconnect(connection.sid, namespace=self.namespace)

    async def collect(
        self, connection: Connection, read_from: dict[str, int]
    ) -> tuple[list[Mapping[str, Any]], dict[str, int]]:
        """The next events of every stream of `read_from` (a copy of the connection's
        positions: a subscription may change those while this awaits the database), in
        order, and the positions after them (`advance` applies them).

        A sequence number that was taken but is not written yet (a concurrent
        append) stops its stream until it appears; after `gap_wait` seconds, longer
        than a live writer can take, it is taken as lost (its writer died) and skipped.
        """
        log_ = self.app[store_key].events
        clock = asyncio.get_running_loop().time()
        events: list[Mapping[str, Any]] = []
        positions = dict(read_from)
        for stream, position in read_from.items():
            _scope, keyword = stream_scope(stream)
            moderator: bool | None = None  # looked up at the stream's first Q&A staff event
            for event in await log_.after(stream, position, BATCH_LIMIT):
                if event["sequence"] != position + 1:
                    first_seen = connection.gaps.setdefault(stream, clock)
                    if clock - first_seen < self.gap_wait:
                        self.spawn(self.retry_after(connection, self.gap_wait))
                        break
                connection.gaps.pop(stream, None)
                position = event["sequence"]
                if event["audience"] == COURSES and not (
                    keyword in connection.staff or COURSES in released_for(connection.user)
                ):
                    continue
                if event["audience"] == STAFF and keyword not in connection.staff:
                    continue
                if event["audience"] == MODERATORS and keyword not in connection.staff:
                    if moderator is None:
                        moderator = await self.moderates(connection, keyword)
                    if not moderator:
                        continue
                events.append({**event, "keyword": keyword} if keyword else event)
            positions[stream] = position
        return events, positions

    async def moderates(self, connection: Connection, keyword: str | None) -> bool:
        """Whether the connection's user is a Q&A co-moderator of the session now (the owner
        may name or drop one at any time); a deleted session has none."""
        if keyword is None:
            return False
        try:
            session = await self.app[store_key].sessions.by_keyword(keyword)
        except NotFound:
            return False
        return moderates_qa(connection.user, session)

    async def retry_after(self, connection: Connection, delay: float) -> None:
        await asyncio.sleep(delay)
        await self.pump(connection)

    async def heartbeat(self) -> None:
        """Sends a HeartbeatMessage to connections that were quiet for a heartbeat interval.

        A client that does not acknowledge it is disconnected like for any
        message, so dead connections do not linger. Pending events are sent
        instead, so no event waits longer than a heartbeat interval even if
        its announcement was lost.
        """
        interval = self.app[settings_key].heartbeat_interval
        clock = asyncio.get_running_loop().time()
        for connection in list(self.connections.values()):
            if connection.in_flight is None and clock - connection.last_sent >= interval:
                # Events it was not poked for (a lost cross-node announcement) go first.
                await self.pump(connection)
                async with connection.lock:
                    if connection.in_flight is None:
                        body = server_heartbeat_schema.dump({"id": str(uuid.uuid4())})
                        positions = dict(connection.positions)  # it moves none
                        await self.send(connection, "HeartbeatMessage", body, positions, positions)

    def login_ids(self) -> dict[str, str]:
        """The login of each connection (for `check_logins`)."""
        return {sid: connection.login_id for sid, connection in self.connections.items()}

    async def warn_expiring(self) -> None:
        """Warns logins about to expire: InactivityUserEvent to their connections."""
        if not self.connections:
            return
        store = self.app[store_key]
        settings = self.app[settings_key]
        login_ids = list(set(self.login_ids().values()))
        for login in await store.logins.expiring(login_ids, settings.inactivity_warning):
            if await store.logins.warn(login["id"]):
                left = int((login["expires_at"] - now()).total_seconds())
                await self.app[broadcaster_key].login_event(
                    login["id"], "InactivityUserEvent", {"expiresIn": max(left, 0)}
                )

    async def close(self) -> None:
        for task in list(self.tasks):
            task.cancel()
        for connection in self.connections.values():
            if connection.in_flight is not None:
                connection.in_flight.deadline.cancel()


class TokenMissing(ArsnovaError):
    status = 401
    code = "token-missing"
    default_message = "Connect with auth={token}: get one from POST /socket/token."


class LoginGone(ArsnovaError):
    status = 401
    code = "login-expired"
    default_message = "The login this token was issued for has ended."
