"""Fewer database round trips under a burst: shared reads, group reads and group commits.

A lecture hall votes within a few seconds, and the embedded database serves
about a thousand commands a second. Both helpers cost nothing when requests
come one at a time (a request goes to the database at once, alone) and only
change what happens to requests that arrive while the database is busy with
the same kind of work.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable, Mapping, Sequence
from typing import Generic, TypeVar

from bson.errors import InvalidDocument, InvalidStringData

Key = TypeVar("Key", bound=Hashable)
Value = TypeVar("Value")
Item = TypeVar("Item")
Result = TypeVar("Result")
# The driver refusing to encode one item (bad text, a huge integer, a bad key) fails the whole
# bulk write before it is sent (one message holds 48 MB, far more than a burst), so none of it
# was stored and each item can be written again alone.
UNENCODABLE = (InvalidDocument, InvalidStringData, UnicodeEncodeError, OverflowError)


class SharedLookups(Generic[Key, Value]):
    """Lookups of the same key while one is in flight wait for its answer instead of asking again.

    The answer is one a concurrent read could have given them anyway; `forget`
    after a write makes later lookups ask afresh rather than join a read that
    started before it.
    """

    def __init__(self, fetch: Callable[[Key], Awaitable[Value]]) -> None:
        self.fetch = fetch
        self.in_flight: dict[Key, asyncio.Future[Value]] = {}

    async def get(self, key: Key) -> Value:
        pending = self.in_flight.get(key)
        if pending is None:
            pending = asyncio.ensure_future(self.fetch(key))
            self.in_flight[key] = pending
            pending.add_done_callback(lambda done: self._finished(key, done))
        # A caller that is cancelled leaves the lookup running for the others.
        return await asyncio.shield(pending)

    def forget(self, key: Key) -> None:
        self.in_flight.pop(key, None)

    def _finished(self, key: Key, done: asyncio.Future[Value]) -> None:
        if self.in_flight.get(key) is done:
            del self.in_flight[key]
        if not done.cancelled():
            done.exception()  # retrieved, even if every waiter went away


class GroupCommit(Generic[Item, Result]):
    """Writes that arrive while one is in flight go to the database together, in the next one.

    `write` stores a batch and returns, per item, its result (None for a plain
    write) or the error that item alone met. `submit` returns once its item is
    stored (or raises its error), as a single write would: nothing is
    acknowledged before it is durable.
    """

    def __init__(
        self, write: Callable[[list[Item]], Awaitable[Sequence[Result | BaseException]]]
    ) -> None:
        self.write = write
        self.queued: list[tuple[Item, asyncio.Future[Result]]] = []
        self.writing: list[tuple[Item, asyncio.Future[Result]]] = []
        self.writer: asyncio.Task[None] | None = None

    async def submit(self, item: Item) -> Result:
        stored: asyncio.Future[Result] = asyncio.get_running_loop().create_future()
        self.queued.append((item, stored))
        if self.writer is None:
            self.writer = asyncio.create_task(self._write_queued())
            self.writer.add_done_callback(self._stopped)
        return await asyncio.shield(stored)

    async def _write_queued(self) -> None:
        while self.queued:
            self.writing, self.queued = self.queued, []
            items = [item for item, _ in self.writing]
            outcomes: Sequence[Result | BaseException]
            try:
                outcomes = await self.write(items)
            except UNENCODABLE:
                outcomes = await asyncio.gather(*(self._write_alone(item) for item in items))
            except Exception as exc:  # the whole batch failed (the database is down, say)
                outcomes = [exc] * len(self.writing)
            for (_, stored), outcome in zip(self.writing, outcomes, strict=True):
                if isinstance(outcome, BaseException):
                    stored.set_exception(outcome)
                else:
                    stored.set_result(outcome)
        self.writing, self.writer = [], None

    async def _write_alone(self, item: Item) -> Result | BaseException:
        """One item of a batch the driver could not encode: the bad one fails alone."""
        try:
            return (await self.write([item]))[0]
        except Exception as exc:
            return exc

    def _stopped(self, writer: asyncio.Task[None]) -> None:
        """A writer that ends early tells the callers it leaves waiting: cancelled (the server
        stops) or with the error it died of, so none waits forever."""
        error = None if writer.cancelled() else writer.exception()
        if not writer.cancelled() and error is None:
            return
        for _, stored in [*self.writing, *self.queued]:
            if stored.done():
                continue
            if error is None:
                stored.cancel()
            else:
                stored.set_exception(error)
        self.writing, self.queued, self.writer = [], [], None


class GroupRead(GroupCommit[Key, Value | None]):
    """Reads that arrive while one is in flight are made together, in the next one: one query
    for their distinct keys (a lecture hall joining at once reads its logins, votes and
    answers this way).

    Unlike `SharedLookups`, no caller gets an answer read before it asked: what
    was written before `get` was called is in what it returns. `fetch` returns
    the found values by key; a key it leaves out reads as None.
    """

    def __init__(self, fetch: Callable[[list[Key]], Awaitable[Mapping[Key, Value]]]) -> None:
        async def read(keys: list[Key]) -> list[Value | None]:
            found = await fetch(list(dict.fromkeys(keys)))
            return [found.get(key) for key in keys]

        super().__init__(read)

    async def get(self, key: Key) -> Value | None:
        return await self.submit(key)
