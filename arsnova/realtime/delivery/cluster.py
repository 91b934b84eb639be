"""What the nodes of one deployment coordinate, beyond the emits python-socketio relays.

One process needs nothing: `Cluster` is the single-node case. With
`REDIS_URL`, `RedisCluster` adds four things every node must agree on:

- **New events on `/events`**: a node that appends to a stream announces it on
  a Redis channel, so the `/events` connections on every node deliver it at
  once (they read the events themselves from MongoDB).
- **Coalescing across nodes**: one throttled broadcast per key (a session's
  feedback, say) at a time cluster-wide, at most one per interval. A lock in
  Redis is held for the send and for the rest of its interval; so two nodes
  can never emit the same session's counts out of order (an older count
  arriving last), and a burst spread over nodes still costs one broadcast per
  interval.
- **Last value sent** (the active-user count is only sent when it changed),
  kept in Redis rather than per node.
- **Who is in a session**, for the active-user count (distinct users with a
  socket in it). Each node knows its own sockets exactly and keeps, per
  session, a Redis set of its users that expires unless refreshed; the count
  is the size of their union. A node rewrites its sets on every refresh, so
  they are right again after a Redis outage, and a dead node's sets expire.
  (Counting the database's socket registry instead costs a scan of the
  session's sockets per join: quadratic for a lecture hall joining at once.)

Keys and channels are prefixed with `arsnova:<database name>:`, so
deployments (or test runs) sharing one Redis do not mix. Redis trouble never
fails a request: the node then behaves as if alone, without waiting for Redis
(`arsnova.redisguard`: short timeouts, and Redis is skipped until it answers
again). The same channel carries **resync notices**: a node that lost messages
to the others (or heard of a gap) asks every node to resend its sessions'
state once Redis is back (`delivery/recovery.py`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

import redis.asyncio as redis
from redis.asyncio.client import Pipeline

from arsnova.realtime.background import stop_if_cancelled
from arsnova.redisguard import GAP_MARGIN, RedisGuard, client_options
from arsnova.store.common import now

if TYPE_CHECKING:
    from prometheus_client import Histogram

    from arsnova.metrics import Metrics

log = logging.getLogger(__name__)

# A node waiting for a lock looks again this often. It cannot sleep out the lock's
# time to live: while the holder sends, that is the whole lease, and the release
# shortens it to the rest of the interval (or deletes it) without telling anyone.
LOCK_POLL_MS = 25
LOCK_LEASE_MS = 10_000  # a node that dies while sending frees its lock after this
RETRY_FIRST = 0.1  # resubscribing after a failure: first after this, doubling up to RETRY_MAX
RETRY_MAX = 1.0
SUBSCRIBE_WAIT = 5.0  # at start: a node that is not listening yet would miss announcements
PRESENCE_LEASE_MS = 75_000  # a node refreshes its presence sets every 30 s (PRESENCE_REFRESH)
# Connections to Redis per node, and how long a command waits for one when all are busy.
# redis-py's default pool raises "Too many connections" at once instead (its asyncio pool
# holds 100): a hall joining or leaving at once, 100 admitted joins each with a presence
# write, a count and a broadcast lock, lost presence until the next refresh and sent
# broadcasts without their lock.
POOL_SIZE = 100
POOL_WAIT = 5.0

# KEYS[1]: a broadcast lock; ARGV: the node releasing it, the milliseconds it still holds.
RELEASE_LOCK = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if tonumber(ARGV[2]) > 0 then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return redis.call('DEL', KEYS[1])
"""

# The distinct users of a session over its nodes' sets (KEYS[1]: the set of those nodes).
COUNT_USERS = """
local keys = {}
for _, node in ipairs(redis.call('SMEMBERS', KEYS[1])) do
    local key = KEYS[1] .. ':' .. node
    if redis.call('EXISTS', key) == 1 then
        keys[#keys + 1] = key
    else
        redis.call('SREM', KEYS[1], node)
    end
end
if #keys == 0 then return 0 end
if #keys == 1 then return redis.call('SCARD', keys[1]) end
return #redis.call('SUNION', unpack(keys))
"""


class Cluster:
    """A single node: nothing to tell anyone, nothing to wait for."""

    def __init__(self) -> None:
        self.last_values: dict[str, int] = {}
        self.local_users: defaultdict[str, Counter[str]] = defaultdict(Counter)

    def count_socket(self, keyword: str, username: str, delta: int) -> bool:
        """Counts a socket of `username` into (1) or out of (-1) the session on this node.

        Whether the user thereby appeared in or left the session on this node.
        """
        users = self.local_users[keyword]
        users[username] += delta
        if users[username] > 0:
            return delta > 0 and users[username] == 1
        del users[username]
        if not users:
            del self.local_users[keyword]
        return delta < 0

    async def enter(self, keyword: str, username: str) -> None:
        """A socket of `username` joined the session (and the session's room)."""
        self.count_socket(keyword, username, 1)

    async def leave(self, keyword: str, username: str) -> None:
        self.count_socket(keyword, username, -1)

    async def active_users(self, keyword: str) -> int | None:
        """Distinct users with a socket in the session; None if that cannot be known now."""
        return len(self.local_users.get(keyword, ()))

    async def refresh(self) -> None:
        """Called every PRESENCE_REFRESH seconds."""

    async def start(
        self, poke: Callable[[str], None], resync: Callable[[datetime], None] = lambda _: None
    ) -> None:
        """`poke(stream)` will be called for events appended on other nodes; `resync(since)`
        when what other nodes sent since then may have been lost."""

    async def ask_resync(self, since: datetime) -> None:
        """Asks every other node to resend its sessions' state (`resync`)."""

    def announce(self, stream: str) -> None:
        """This node appended to `stream`."""

    async def acquire(self, key: str) -> None:
        """Waits until this node may broadcast for `key`."""

    async def release(self, key: str, hold: float) -> None:
        """The broadcast is done; others may follow after `hold` more seconds."""

    async def changed(self, key: str, value: int) -> bool:
        """Records `value` as the last sent for `key`; whether it differs from the previous.

        Zero is not kept (an empty session need not be remembered).
        """
        previous = self.last_values.pop(key, None)
        if value:
            self.last_values[key] = value
        return previous != value

    async def close(self) -> None:
        pass


class TimedRedis(redis.Redis):
    """A Redis client that times each round trip: a command, or a pipeline's batch.

    Hook, redis-py 5.2 to 8.1: commands (scripts' EVALSHA too) go through
    `execute_command`; `pipeline()` builds a `Pipeline` from the client's pool and
    response callbacks as `Redis.pipeline` does.
    """

    seconds: Histogram

    async def execute_command(self, *args: Any, **options: Any) -> Any:
        started = time.perf_counter()
        try:
            return await super().execute_command(*args, **options)
        finally:
            self.seconds.labels(str(args[0])).observe(time.perf_counter() - started)

    def pipeline(self, transaction: bool = True, shard_hint: str | None = None) -> Pipeline:
        pipe = TimedPipeline(self.connection_pool, self.response_callbacks, transaction, shard_hint)
        pipe.seconds = self.seconds
        return pipe


class TimedPipeline(Pipeline):
    seconds: Histogram

    async def execute(self, raise_on_error: bool = True) -> list[Any]:
        started = time.perf_counter()
        try:
            return await super().execute(raise_on_error)
        finally:
            self.seconds.labels("pipeline").observe(time.perf_counter() - started)


class RedisCluster(Cluster):
    """`guard` is the node's, shared with its Socket.IO manager (else one of its own):
    while it says Redis is down, nothing here asks Redis (each method's fallback is
    the single node's answer)."""

    def __init__(
        self, url: str, prefix: str, metrics: Metrics, guard: RedisGuard | None = None
    ) -> None:
        super().__init__()
        self.own_guard = guard is None
        self.guard = RedisGuard(url, "cluster") if guard is None else guard
        pool = redis.BlockingConnectionPool.from_url(
            url, max_connections=POOL_SIZE, timeout=POOL_WAIT, **client_options()
        )
        self.redis = cast(TimedRedis, TimedRedis.from_pool(pool))  # closes the pool with it
        # The channel's own client: no reconnect behind the listener's back (it resyncs).
        self.subscriber = redis.Redis.from_url(url, **client_options(subscriber=True))
        self.redis.seconds = metrics.redis_seconds
        self.prefix = prefix
        self.channel = prefix + "streams"
        self.node = uuid.uuid4().hex
        self.listener: asyncio.Task | None = None
        self.subscribed = asyncio.Event()
        self.pending: set[asyncio.Task] = set()
        self.count_users = self.redis.register_script(COUNT_USERS)
        self.release_lock = self.redis.register_script(RELEASE_LOCK)

    def presence_key(self, keyword: str) -> str:
        """The set of nodes with users in the session; `<it>:<node>` is one node's users."""
        return f"{self.prefix}presence:{keyword}"

    async def enter(self, keyword: str, username: str) -> None:
        if self.count_socket(keyword, username, 1):
            await self.write_presence(keyword, lambda pipe, key: pipe.sadd(key, username))

    async def leave(self, keyword: str, username: str) -> None:
        if self.count_socket(keyword, username, -1):
            await self.write_presence(keyword, lambda pipe, key: pipe.srem(key, username))

    def renew_presence(self, pipe: Any, keyword: str) -> None:
        """Queues on `pipe` a new lease for this node's set of the session's users (changed
        before, so a set just created gets one too) and this node's place among its nodes."""
        nodes = self.presence_key(keyword)
        pipe.pexpire(f"{nodes}:{self.node}", PRESENCE_LEASE_MS)
        pipe.sadd(nodes, self.node)
        pipe.pexpire(nodes, PRESENCE_LEASE_MS)

    async def write_presence(self, keyword: str, change: Callable) -> None:
        if not self.guard.up:
            return  # rewritten from `local_users` when Redis is back (`refresh`)
        users = f"{self.presence_key(keyword)}:{self.node}"
        try:
            async with self.redis.pipeline(transaction=False) as pipe:
                change(pipe, users)
                self.renew_presence(pipe, keyword)
                await pipe.execute()
        except (redis.RedisError, OSError) as exc:
            self.guard.failed(exc)
            log.warning("presence in %s not shared (until the next refresh): %s", keyword, exc)

    async def active_users(self, keyword: str) -> int | None:
        if not self.guard.up:
            return None
        try:
            return int(await self.count_users(keys=[self.presence_key(keyword)]))
        except (redis.RedisError, OSError) as exc:
            self.guard.failed(exc)
            log.warning("active users of %s not counted in Redis: %s", keyword, exc)
            return None

    async def refresh(self) -> None:
        """Rewrites this node's presence sets from what it knows, and extends their lease.

        Also at once after Redis was away (`delivery/recovery.py`): a restarted
        Redis has lost every node's sets.
        """
        if not self.local_users or not self.guard.up:
            return
        try:
            async with self.redis.pipeline(transaction=True) as pipe:
                for keyword, users in self.local_users.items():
                    key = f"{self.presence_key(keyword)}:{self.node}"
                    pipe.delete(key)
                    pipe.sadd(key, *users)
                    self.renew_presence(pipe, keyword)
                await pipe.execute()
        except (redis.RedisError, OSError) as exc:
            self.guard.failed(exc)
            log.warning("presence not refreshed: %s", exc)

    async def start(
        self, poke: Callable[[str], None], resync: Callable[[datetime], None] = lambda _: None
    ) -> None:
        """Listens for other nodes' announcements; waits (a little) until subscribed."""
        self.listener = asyncio.create_task(self.listen(poke, resync))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.subscribed.wait(), SUBSCRIBE_WAIT)

    async def listen(self, poke: Callable[[str], None], resync: Callable[[datetime], None]) -> None:
        """Pokes local `/events` connections for other nodes' appends, resyncs on other
        nodes' notices; resubscribes on errors (and then resyncs: it heard nothing meanwhile)."""
        delay, failed_since = RETRY_FIRST, None
        while True:
            try:
                async with self.subscriber.pubsub(ignore_subscribe_messages=True) as pubsub:
                    await pubsub.subscribe(self.channel)
                    self.subscribed.set()
                    if failed_since is not None:
                        log.warning("resubscribed to the cluster channel in Redis")
                        resync(failed_since)
                        failed_since = None
                    delay = RETRY_FIRST
                    async for message in pubsub.listen():
                        self.receive(json.loads(message["data"]), poke, resync)
            except (redis.RedisError, OSError, ValueError) as exc:
                stop_if_cancelled()
                if failed_since is None:
                    failed_since = now() - GAP_MARGIN
                    log.warning("cluster channel: %s; resubscribing", exc)
                if not isinstance(exc, ValueError):
                    self.guard.failed(exc)
                await asyncio.sleep(delay)
                delay = min(2 * delay, RETRY_MAX)

    def receive(
        self, message: Any, poke: Callable[[str], None], resync: Callable[[datetime], None]
    ) -> None:
        """`[node, stream]`: an announcement; `{"node", "resync"}`: a resync notice."""
        try:
            if isinstance(message, dict):
                if message["node"] != self.node:
                    resync(datetime.fromisoformat(message["resync"]))
                return
            node, stream = message
        except (KeyError, TypeError, ValueError):
            log.warning("cluster channel: unknown message %.200r", message)
            return
        if node != self.node:
            poke(stream)

    async def ask_resync(self, since: datetime) -> None:
        if not self.guard.up:
            return  # the guard's return calls this again
        notice = {"node": self.node, "resync": since.isoformat()}
        try:
            await self.redis.publish(self.channel, json.dumps(notice))
        except (redis.RedisError, OSError) as exc:
            self.guard.failed(exc)

    def announce(self, stream: str) -> None:
        if not self.guard.up:
            return  # dropped: every connection is poked when Redis is back
        task = asyncio.create_task(self.publish(stream))
        self.pending.add(task)
        task.add_done_callback(self.pending.discard)

    async def publish(self, stream: str) -> None:
        try:
            await self.redis.publish(self.channel, json.dumps([self.node, stream]))
        except (redis.RedisError, OSError) as exc:
            self.guard.failed(exc)
            log.warning("could not announce events of %s: %s", stream, exc)

    async def acquire(self, key: str) -> None:
        name = self.prefix + "lock:" + key
        while True:
            if not self.guard.up:
                return
            try:
                if await self.redis.set(name, self.node, nx=True, px=LOCK_LEASE_MS):
                    return
                wait_ms = await self.redis.pttl(name)
            except (redis.RedisError, OSError) as exc:
                self.guard.failed(exc)
                log.warning("broadcast lock %s unavailable, sending anyway: %s", key, exc)
                return
            await asyncio.sleep(min(max(wait_ms, 1), LOCK_POLL_MS) / 1000)

    async def release(self, key: str, hold: float) -> None:
        """Shortens the lock to `hold`, if it is still this node's (a send that outlasted
        the lease must not cut short the lock another node has taken since)."""
        if not self.guard.up:
            return
        with contextlib.suppress(redis.RedisError, OSError):
            await self.release_lock(
                keys=[self.prefix + "lock:" + key], args=[self.node, max(0, int(hold * 1000))]
            )

    async def changed(self, key: str, value: int) -> bool:
        if not self.guard.up:
            return await super().changed(key, value)
        try:
            previous = await self.redis.set(self.prefix + "last:" + key, value, get=True, ex=86400)
        except (redis.RedisError, OSError) as exc:
            self.guard.failed(exc)
            return await super().changed(key, value)
        return previous is None or int(previous) != value

    async def close(self) -> None:
        if self.listener is not None:
            self.listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.listener
        if self.pending:
            await asyncio.gather(*self.pending, return_exceptions=True)
        with contextlib.suppress(redis.RedisError, OSError):
            await self.subscriber.aclose()
        await self.redis.aclose()
        if self.own_guard:
            await self.guard.close()
