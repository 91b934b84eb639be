"""How every Redis client of the app behaves when Redis stops answering or goes away.

Redis is an accelerator here, never a dependency of a request: the rate
limits, the node coordination (`realtime/delivery/cluster.py`) and
python-socketio's relay of emits (`realtime/adapters/managers.py`) all have a
way to do without it. So a Redis that is slow to answer must not hold a
request up, and one that is gone must not be waited for:

- **Short, explicit timeouts** (`client_options`): a command or a connect
  fails after `REDIS_TIMEOUT`, not redis-py's default of never; no retry
  after a timeout (redis-py 6 and later retry three times with backoff by
  default, which turned a stopped Redis into a 5-10 s wait per command), one
  immediate retry on a new connection after a connection error (a pooled
  connection to a Redis that restarted fails once; without it every stale
  connection made a failure after the restart; not for subscriptions, whose
  listeners must see every break: what was published meanwhile is lost); an
  idle pooled connection is checked with a PING before reuse.
- **Stop asking while it is down** (`RedisGuard`): the first failure marks
  Redis down; until a background probe gets an answer again, callers skip
  Redis at once and take their fallback (rate limits count per node in
  memory, cross-node messages are dropped, presence and counts come from the
  database). So an outage costs the requests in flight at its start one
  timeout, and the rest nothing.
- **Heal after it**: when the probe gets an answer, the guard tells its
  listeners how long ago the trouble began (the realtime layer then resends
  every session's state; see `realtime/delivery/recovery.py`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import redis.asyncio as redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from arsnova.store.common import now

log = logging.getLogger(__name__)

REDIS_TIMEOUT = 1.0  # seconds a command or a connect may take (Redis answers in well under 1 ms)
HEALTH_CHECK_INTERVAL = 10  # seconds idle after which a pooled connection is PINGed before reuse
PROBE_INTERVAL = 0.25  # seconds between the probes of a Redis that is down
# Messages that failed may still have been in flight a timeout before the failure was seen.
GAP_MARGIN = timedelta(seconds=2 * REDIS_TIMEOUT)


def client_options(*, subscriber: bool = False) -> dict[str, Any]:
    """Options for every redis-py client the app creates (`Redis.from_url`, pools).

    `subscriber`: for a client of subscriptions: no retry (a reconnect is the
    listener's), and no read timeout (a subscription waits for messages as long as
    none come; older redis-py versions apply `socket_timeout` to that wait too).
    """
    retries = 0 if subscriber else 1
    return {
        "socket_timeout": None if subscriber else REDIS_TIMEOUT,
        "socket_connect_timeout": REDIS_TIMEOUT,
        "socket_keepalive": True,
        "health_check_interval": HEALTH_CHECK_INTERVAL,
        "retry": Retry(NoBackoff(), retries, supported_errors=(redis.ConnectionError,)),
    }


class RedisGuard:
    """Whether Redis is worth asking now; watches for its return after a failure.

    `listeners` are called with the time (the store's clock) from which
    messages may have been lost, once Redis answers again.
    """

    def __init__(self, url: str, name: str) -> None:
        self.url = url
        self.name = name
        self.down_since: datetime | None = None
        self.down_at = 0.0
        self.probe: asyncio.Task | None = None
        self.listeners: list[Callable[[datetime], None]] = []
        self.closed = False

    @property
    def up(self) -> bool:
        return self.down_since is None

    def failed(self, exc: BaseException) -> None:
        """A command failed: Redis is skipped until the probe gets an answer."""
        if self.down_since is None:
            self.down_since = now() - GAP_MARGIN
            self.down_at = time.monotonic()
            log.warning("Redis (%s) unavailable, working without it: %r", self.name, exc)
        if not self.closed and (self.probe is None or self.probe.done()):
            with contextlib.suppress(RuntimeError):  # no running loop: nothing to watch from
                self.probe = asyncio.get_running_loop().create_task(self.watch())

    async def watch(self) -> None:
        client = redis.Redis.from_url(self.url, **client_options())
        try:
            while True:
                await asyncio.sleep(PROBE_INTERVAL)
                try:
                    await client.ping()
                except (redis.RedisError, OSError):
                    continue
                break
        finally:
            with contextlib.suppress(redis.RedisError, OSError):
                await client.aclose()
        since, self.down_since = self.down_since, None
        log.warning(
            "Redis (%s) answers again after %.1f s", self.name, time.monotonic() - self.down_at
        )
        for listener in self.listeners:
            if since is not None:
                listener(since)

    async def close(self) -> None:
        self.closed = True
        if self.probe is not None:
            self.probe.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.probe
