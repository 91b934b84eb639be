"""python-socketio client managers: room emits without a task per recipient, and the Redis
manager's start and close.

python-socketio's `AsyncManager.emit` encodes a room emit once, then creates
an asyncio task per recipient to queue the same packet. Queueing never waits
(the queues are unbounded), so the tasks only cost: for a lecture hall of
5,000 sockets that is 5,000 task creations and schedulings per event. These
managers queue the packet for each recipient in one loop instead. Emits with
an acknowledgement callback (one packet per recipient) keep the original path.

python-socketio starts its manager on the first connection and has no close
for its Redis manager: `start_manager` and `close_redis_manager` do both.

Its Redis manager also waits for Redis without limit (no timeouts, redis-py's
retries) and, after Redis went away, resubscribes with a backoff that grows to
60 s, so cross-node messages stayed lost for about 13 s after a restart.
`RedisManager` gives its clients `arsnova.redisguard`'s short timeouts, drops
an emit for the other nodes at once while Redis is down (this node's sockets
get it all the same), resubscribes within `LISTEN_RETRY_MAX`, and says when a
gap in what it heard ended (`on_resubscribed`), so the realtime layer can
resend the state that may have been lost (`realtime/delivery/recovery.py`).

Every hook here is written against python-socketio 5.18.1 (and python-engineio
4.15.1 for the packets it queues); each names the internals it touches.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

import redis.asyncio as redis
import socketio
from engineio import packet as eio_packet
from socketio import packet

from arsnova.redisguard import GAP_MARGIN, RedisGuard, client_options
from arsnova.store.common import now

if TYPE_CHECKING:
    from arsnova.metrics import Metrics

log = logging.getLogger(__name__)

MANAGER_SUBSCRIBE_WAIT = 5.0
# Resubscribing after Redis went away: first after LISTEN_RETRY_FIRST, doubling up to this.
LISTEN_RETRY_FIRST = 0.1
LISTEN_RETRY_MAX = 1.0


class RoomIndex(socketio.AsyncManager):
    """The rooms of each socket, kept beside python-socketio's sockets of each room.

    python-socketio finds a leaving socket's rooms by testing every room of the
    namespace (one per socket among them, its own), so a lecture hall leaving at
    once (a restart, a Wi-Fi blip) cost O(n²): 5,000 sockets, 50 million tests.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rooms_of: dict[tuple[str, str], set[Any]] = {}

    # Hook, python-socketio 5.18.1: overrides `BaseManager.basic_enter_room`,
    # `basic_leave_room` and `basic_disconnect` (whose bookkeeping of `callbacks`,
    # `pending_connect` and `pending_disconnect` it repeats) and `get_rooms`.
    def basic_enter_room(self, sid: str, namespace: str, room: Any, eio_sid: Any = None) -> None:
        super().basic_enter_room(sid, namespace, room, eio_sid=eio_sid)
        self.rooms_of.setdefault((namespace, sid), set()).add(room)

    def basic_leave_room(self, sid: str, namespace: str, room: Any) -> None:
        super().basic_leave_room(sid, namespace, room)
        rooms = self.rooms_of.get((namespace, sid))
        if rooms is not None:
            rooms.discard(room)
            if not rooms:
                del self.rooms_of[(namespace, sid)]

    def basic_disconnect(self, sid: str, namespace: str, **kwargs: Any) -> None:
        for room in list(self.rooms_of.get((namespace, sid), ())):
            self.basic_leave_room(sid, namespace, room)
        self.callbacks.pop(sid, None)
        for pending in (self.pending_connect, self.pending_disconnect):
            if sid in pending.get(namespace, ()):
                pending[namespace].remove(sid)
                if not pending[namespace]:
                    del pending[namespace]

    def get_rooms(self, sid: str, namespace: str) -> list[Any]:
        return [room for room in self.rooms_of.get((namespace, sid), ()) if room is not None]


class DirectEmit(RoomIndex):
    metrics: Metrics  # set by `realtime.server.create_sio`: deliveries are counted and timed

    # Hook, python-socketio 5.18.1: overrides `AsyncManager.emit`; reads `self.rooms`,
    # `get_participants`, `server.packet_class` and calls `server._send_eio_packet`.
    async def emit(
        self,
        event: str,
        data: Any,
        namespace: str,
        room: Any = None,
        skip_sid: Any = None,
        callback: Any = None,
        to: Any = None,
        **kwargs: Any,
    ) -> None:
        room = to or room
        if callback is not None or namespace not in self.rooms:
            await super().emit(event, data, namespace, room, skip_sid, callback, **kwargs)
            return
        # As python-socketio: a tuple is several arguments, None none, anything else one.
        arguments = list(data) if isinstance(data, tuple) else [] if data is None else [data]
        skipped = set(skip_sid) if isinstance(skip_sid, list) else {skip_sid}
        encoded = self.server.packet_class(
            packet.EVENT, namespace=namespace, data=[event, *arguments]
        ).encode()
        frames = [
            eio_packet.Packet(eio_packet.MESSAGE, part)
            for part in (encoded if isinstance(encoded, list) else [encoded])
        ]
        started, delivered = time.perf_counter(), 0
        for sid, eio_sid in self.get_participants(namespace, room):
            if sid not in skipped:
                delivered += 1
                for frame in frames:
                    await self.server._send_eio_packet(eio_sid, frame)
        self.metrics.deliveries.inc(delivered)
        self.metrics.delivery_seconds.observe(time.perf_counter() - started)


class LocalManager(DirectEmit):
    """One node."""


class RedisManager(socketio.AsyncRedisManager, DirectEmit):
    """Several nodes: emits travel through Redis, then each node delivers like `DirectEmit`.

    `guard` is shared with the node's `RedisCluster`; `on_resubscribed(since)` is
    called when the listener is back after a failure (set by `realtime.server`).
    """

    def __init__(self, url: str, channel: str, guard: RedisGuard) -> None:
        super().__init__(url, channel=channel)
        self.redis: redis.Redis | None = None
        self.subscriber: redis.Redis | None = None
        self.guard = guard
        self.on_resubscribed: Callable[[datetime], None] = lambda since: None

    # Hook, python-socketio 5.18.1: `_redis_connect` is called by the listener (and by
    # `_publish`, replaced below) to make `self.redis` and `self.pubsub`. Here the clients
    # are made once (their pools reconnect by themselves) and each call makes a new pubsub,
    # of a client that never reconnects it behind the listener's back.
    def _redis_connect(self) -> None:
        if self.subscriber is None:
            options = client_options(subscriber=True)
            self.subscriber = redis.Redis.from_url(self.redis_url, **options)
        self.pubsub = self.subscriber.pubsub(ignore_subscribe_messages=True)
        self.connected = True

    def client(self) -> redis.Redis:
        if self.redis is None:
            self.redis = redis.Redis.from_url(self.redis_url, **client_options())
        return self.redis

    # Hook, python-socketio 5.18.1: `_publish(data)` sends one message to the other nodes;
    # the original retries, reconnecting, and waits as long as Redis does.
    async def _publish(self, data: Any) -> None:
        if not self.guard.up:
            return  # dropped: resent as state once Redis is back (`recovery`)
        try:
            await self.client().publish(self.channel, self.json.dumps(data))
        except (redis.RedisError, OSError) as exc:
            self.guard.failed(exc)

    # Hook, python-socketio 5.18.1: `_listen` iterates this generator for the raw messages
    # of the subscription; the original's backoff grows to 60 s.
    async def _redis_listen_with_retries(self) -> AsyncIterator[Any]:
        delay = LISTEN_RETRY_FIRST
        failed_since: datetime | None = None
        while True:
            try:
                if self.pubsub is not None:
                    with contextlib.suppress(redis.RedisError, OSError):
                        await self.pubsub.aclose()
                self._redis_connect()
                await self.pubsub.subscribe(self.channel)
                if failed_since is not None:
                    log.warning("resubscribed to the Socket.IO channel in Redis")
                    self.on_resubscribed(failed_since)
                    failed_since = None
                delay = LISTEN_RETRY_FIRST
                async for message in self.pubsub.listen():
                    yield message
            except (redis.RedisError, OSError) as exc:
                if failed_since is None:
                    failed_since = now() - GAP_MARGIN
                    log.warning("Socket.IO channel in Redis lost: %r; resubscribing", exc)
                self.guard.failed(exc)
                await asyncio.sleep(delay)
                delay = min(2 * delay, LISTEN_RETRY_MAX)


async def start_manager(sio: socketio.AsyncServer) -> None:
    """Subscribes to Redis now, not on the first connection (python-socketio's default).

    A node would otherwise miss the emits of other nodes until its listener
    has subscribed, after its first client arrived.

    Hook, python-socketio 5.18.1: sets `AsyncServer.manager_initialized` and calls
    `manager.initialize()` as its first connection would; polls the Redis
    manager's `pubsub`.
    """
    if sio.manager_initialized:
        return
    sio.manager_initialized = True
    sio.manager.initialize()
    if not isinstance(sio.manager, socketio.AsyncRedisManager):
        return
    for _ in range(int(MANAGER_SUBSCRIBE_WAIT / 0.01)):
        pubsub = sio.manager.pubsub
        if pubsub is not None and pubsub.subscribed:
            return
        await asyncio.sleep(0.01)
    log.warning("not subscribed to Redis yet; emits of other nodes may be missed until then")


async def close_redis_manager(manager: socketio.AsyncRedisManager) -> None:
    """Stops the manager's listener and closes its connections.

    python-socketio offers no close for its Redis manager; without this the
    pub/sub connection outlives the app.

    Hook, python-socketio 5.18.1: the listener task is `manager.thread`, the
    connections `manager.pubsub` and `manager.redis` (and `RedisManager.subscriber`).
    """
    listener = getattr(manager, "thread", None)
    if listener is not None:
        listener.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await listener
    with contextlib.suppress(redis.RedisError, OSError):
        if manager.pubsub is not None:
            await manager.pubsub.aclose()
        if manager.redis is not None:
            await manager.redis.aclose()
        subscriber = getattr(manager, "subscriber", None)
        if subscriber is not None:
            await subscriber.aclose()
