"""At most one send per key per interval, always with the latest state, never dropping the last."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter
from collections.abc import Awaitable, Callable, Hashable
from typing import TYPE_CHECKING, Generic, TypeVar

from arsnova.errors import ArsnovaError
from arsnova.realtime.background import stop_if_cancelled
from arsnova.store import translate_errors

if TYPE_CHECKING:
    from arsnova.metrics import Metrics
    from arsnova.realtime.delivery.cluster import Cluster

log = logging.getLogger(__name__)


Key = TypeVar("Key", bound=Hashable)


class Throttle(Generic[Key]):
    """Coalesces bursts of `request(key)` into calls of `send(key)`.

    The first request sends at once; requests that arrive while a send is
    running or during the `interval` after it are folded into one more send
    when that interval ends. `send` reads the current state itself, so the
    last send of a burst always carries the final state: 1,000 votes in a
    second become about 1 / interval broadcasts, not 1,000. An interval of 0
    turns coalescing off: every request gets a send of its own, in order
    (what the benchmark compares against). With several nodes, the `cluster`
    lets one send per key run at a time across all of them (named `<name>:<key>`).
    Requests and sends are counted per `name` (`arsnova_broadcast_*`).
    """

    def __init__(
        self,
        name: str,
        interval: float,
        send: Callable[[Key], Awaitable[None]],
        cluster: Cluster,
        metrics: Metrics,
    ) -> None:
        self.name = name
        self.interval = interval
        self.send = send
        self.cluster = cluster
        self.requests = metrics.broadcast_requests.labels(name)
        self.sends = metrics.sends.labels(name)
        self.send_seconds = metrics.send_seconds.labels(name)
        self.running: dict[Key, asyncio.Task] = {}
        self.waiting: Counter[Key] = Counter()  # requests no send has covered yet

    def request(self, key: Key) -> None:
        self.requests.inc()
        if key in self.running:
            self.waiting[key] = 1 if self.interval else self.waiting[key] + 1
            return
        self.running[key] = asyncio.create_task(self._run(key))

    async def _run(self, key: Key) -> None:
        try:
            loop = asyncio.get_running_loop()
            lock = ":".join((self.name, *(key if isinstance(key, tuple) else (key,))))
            while True:
                if self.interval:
                    self.waiting.pop(key, None)  # this send reads the state they changed
                await self.cluster.acquire(lock)
                started = loop.time()
                self.sends.inc()
                try:
                    with self.send_seconds.time(), translate_errors():
                        await self.send(key)
                except ArsnovaError as exc:  # the database is slow or down: try next time
                    log.warning("broadcast for %r failed: %s", key, exc.message)
                except Exception:
                    log.exception("broadcast for %r failed", key)
                await self.cluster.release(lock, started + self.interval - loop.time())
                stop_if_cancelled()
                await asyncio.sleep(self.interval)
                if self.waiting[key] <= 0:
                    self.waiting.pop(key, None)
                    return
                if not self.interval:
                    self.waiting[key] -= 1
        finally:
            del self.running[key]

    async def close(self) -> None:
        tasks = list(self.running.values())
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self.waiting.clear()
