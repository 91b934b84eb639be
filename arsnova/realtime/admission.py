"""Admission control: a lecture hall that connects and joins at once waits its turn, never fails.

After a Wi-Fi blip or a restart every student of a hall reconnects within a
second or two. Let through all at once, their database work piles up until
the driver's timeouts fire and students read `database-unavailable`, although
the database is only busy. Here at most `CONCURRENCY` connects and joins of
this node work at once (their reads and writes go to the database together:
`store/batching.py`); the others wait in a queue of `ARSNOVA_JOIN_QUEUE`
places, each for up to `ARSNOVA_JOIN_TIMEOUT_S` in all. Work that meets a
database timeout while the database is still reachable is tried again within
that time. A client is refused only when the queue is full or its time ran
out (`server-busy`, with `retryAfterMs`: the pages retry with jitter), or at
once when the database cannot be reached at all (`database-unavailable`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from arsnova.errors import ArsnovaError, DatabaseUnavailable
from arsnova.store import translate_errors

T = TypeVar("T")

CONCURRENCY = 100  # connects and joins of one node at work at once
RETRY_PAUSE = 0.25  # seconds between attempts while the database times out
MIN_RETRY_MS = 1000
MAX_RETRY_MS = 30_000


class ServerBusy(ArsnovaError):
    status = 503
    code = "server-busy"
    default_message = "Many people are joining right now; trying again shortly."

    def __init__(self, retry_after_ms: int) -> None:
        super().__init__()
        self.retry_after_ms = retry_after_ms


class Admission:
    """The queue in front of one node's connects and joins.

    `reachable()` tells a database that cannot be reached (no server the
    driver could send a write to) from one that is only slow.
    """

    def __init__(
        self,
        queue_limit: int,
        timeout: float,
        reachable: Callable[[], bool],
        concurrency: int = CONCURRENCY,
    ) -> None:
        self.queue_limit = queue_limit
        self.timeout = timeout
        self.reachable = reachable
        self.concurrency = concurrency
        self.slots = asyncio.Semaphore(concurrency)
        self.waiting = 0
        self.work_seconds = 0.05  # a moving average of one admitted piece of work

    def queue_depth(self) -> int:
        """Connects and joins waiting for their turn (for readiness and metrics)."""
        return self.waiting

    def retry_after_ms(self) -> int:
        """About when the queue of now will have gone through."""
        estimate = 1000 * self.waiting * self.work_seconds / self.concurrency
        return int(min(MAX_RETRY_MS, max(MIN_RETRY_MS, estimate)))

    async def admit(self, work: Callable[[], Awaitable[T]], *, retry: bool = True) -> T:
        """Runs `work` in its turn; `retry`: it may run again after a database timeout
        (it repeats nothing a second run would record twice)."""
        # `waiting` first: Semaphore.locked() looks at every waiter (Python 3.11), so
        # asking it at each admission made a full queue cost O(n²) (bench --profile).
        if self.waiting >= self.queue_limit and self.slots.locked():
            raise ServerBusy(self.retry_after_ms())
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.timeout
        self.waiting += 1
        try:
            async with asyncio.timeout_at(deadline):
                await self.slots.acquire()
        except TimeoutError:
            raise ServerBusy(self.retry_after_ms()) from None
        finally:
            self.waiting -= 1
        try:
            while True:
                started = loop.time()
                try:
                    with translate_errors():
                        result = await work()
                except DatabaseUnavailable:
                    late = loop.time() + RETRY_PAUSE >= deadline
                    if not retry or late or not self.reachable():
                        raise
                    await asyncio.sleep(RETRY_PAUSE)
                    continue
                self.work_seconds = 0.9 * self.work_seconds + 0.1 * (loop.time() - started)
                return result
        finally:
            self.slots.release()
