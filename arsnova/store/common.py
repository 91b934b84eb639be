"""Helpers shared by the repositories: ids, paging, documents to typed plain dicts.

Nothing of the driver's leaves `store/`: each repository returns its documents
as the `TypedDict` declared at the top of its module, with `_id` as the string
`id` and every other ObjectId as a string.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar, cast, overload

from bson import ObjectId
from bson.errors import InvalidId
from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.cursor import AsyncCursor

from arsnova.errors import NotFound
from arsnova.store.batching import SharedLookups

# A repository's document type (a TypedDict), which `plain` declares the stored document to be.
Document = TypeVar("Document")
T = TypeVar("T")
# A stored document as the driver reads it, before `plain`.
Raw = dict[str, Any]


@dataclass(frozen=True)
class Page:
    """Sorting and slicing of a list; `sort` is a stored field name (whitelisted by the API)."""

    sort: str | None = None
    descending: bool = False
    limit: int | None = None
    offset: int = 0


class Clock:
    """The one clock the application reads its time from: UTC wall-clock time plus an offset.

    Every time the server stores or compares (vote, login, token and place expiry,
    the bin's retention, the event log's age, ...) comes from `now()`, which reads
    the process's `clock`. Tests move it forward with `clock.advance(seconds)`
    instead of waiting an expiry out, and `clock.reset()` afterwards; the real
    database still stores and compares those times. The one thing that does not
    see the offset is a TTL index, which the database server runs on its own
    clock: it deletes such documents later than the application deems them
    expired, never earlier, so every query also filters on the expiry itself.
    Intervals of background work (sweeps, heartbeats, broadcasts) are real time.
    """

    def __init__(self) -> None:
        self.offset = timedelta()

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, seconds: float) -> None:
        """Moves the time forward (never back: what is stored stays in the past)."""
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        self.offset += timedelta(seconds=seconds)

    def reset(self) -> None:
        self.offset = timedelta()


clock = Clock()


def now() -> datetime:
    """The application's current time (`clock`'s), timezone-aware UTC."""
    return clock.now()


def object_id(value: str) -> ObjectId | None:
    """The ObjectId of a wire id, or None for anything malformed (callers answer 404)."""
    try:
        return ObjectId(value)
    except (InvalidId, TypeError):
        return None


def stored_id(value: str) -> ObjectId:
    """The ObjectId of an `id` this store handed out (always well-formed, unlike a wire id)."""
    return ObjectId(value)


@overload
def plain(document: Mapping[str, Any], kind: type[Document]) -> Document: ...
@overload
def plain(document: Mapping[str, Any] | None, kind: type[Document]) -> Document | None: ...
def plain(document: Mapping[str, Any] | None, kind: type[Document]) -> Document | None:
    """A stored document as `kind`: `_id` as the string `id`, other ObjectIds as strings.

    The driver's documents are untyped; `kind` is the shape the calling
    repository writes, which this cast declares rather than checks.
    """
    if document is None:
        return None
    result = {key: str(value) if isinstance(value, ObjectId) else value
              for key, value in document.items() if key != "_id"}  # fmt: skip
    result["id"] = str(document["_id"])
    return cast(Document, result)


async def find_by_id(
    collection: AsyncCollection[Raw],
    raw_id: str,
    kind: type[Document],
    missing: type[NotFound],
    **scope: Any,
) -> Document:
    """The document with this wire id (and `scope`'s fields); `missing` if malformed or absent."""
    oid = object_id(raw_id)
    document = None if oid is None else await collection.find_one({"_id": oid, **scope})
    if document is None:
        raise missing()
    return plain(document, kind)


async def shared_by_id(
    lookups: SharedLookups[ObjectId, Raw | None],
    raw_id: str,
    kind: type[Document],
    missing: type[NotFound],
    **scope: Any,
) -> Document:
    """`find_by_id` through lookups shared by concurrent callers; `scope` is checked here."""
    oid = object_id(raw_id)
    document = None if oid is None else await lookups.get(oid)
    if document is None or any(document.get(key) != value for key, value in scope.items()):
        raise missing()
    return plain(document, kind)


DUPLICATE_KEY = 11000  # the server's error code for a unique index violated
IN_CHUNK = 100  # values per `$in` of a periodic check over every socket's login


def chunked(values: list[T], size: int = IN_CHUNK) -> Iterator[list[T]]:
    """`values` in lists of at most `size`.

    A periodic check asks about every login a node's sockets hold: 5,000
    at once. The embedded database checks each document it finds against
    the whole `$in` list again, so one query over N values costs N²
    comparisons (12.5 million at 5,000, longer than the 5 s between
    checks); in chunks of 100 it costs 100·N.
    """
    for start in range(0, len(values), size):
        yield values[start : start + size]


async def undo_if_session_deleted(
    collection: AsyncCollection[Raw], written: list[dict[str, Any]]
) -> None:
    """Removes what was just written (each selector has its `session_id`) to a deleted session.

    Every write tied to a session calls this after writing, and
    `SessionRepo.delete` removes the session before its documents. So a write
    that still saw its session here finished before that sweep, which removes
    it; one that did not removes itself. Nothing outlives its session, without
    a lock and at the cost of one read per write (per group commit).
    """
    ids = list({selector["session_id"] for selector in written})
    alive = set(await collection.database["sessions"].distinct("_id", {"_id": {"$in": ids}}))
    orphans = [selector for selector in written if selector["session_id"] not in alive]
    if orphans:
        await collection.delete_many({"$or": orphans})


def paged(
    cursor: AsyncCursor[Raw], page: Page, default_sort: str | tuple[str, ...]
) -> AsyncCursor[Raw]:
    """Sorted by `page.sort`, else by the default field (or fields, in turn); then by `_id`."""
    direction = DESCENDING if page.descending else ASCENDING
    defaults = (default_sort,) if isinstance(default_sort, str) else default_sort
    fields = (page.sort,) if page.sort else defaults
    cursor = cursor.sort([*((name, direction) for name in fields), ("_id", direction)])
    if page.offset:
        cursor = cursor.skip(page.offset)
    if page.limit:
        cursor = cursor.limit(page.limit)
    return cursor


async def paged_list(
    cursor: AsyncCursor[Raw], page: Page, default_sort: str | tuple[str, ...], kind: type[Document]
) -> list[Document]:
    return [plain(doc, kind) for doc in await paged(cursor, page, default_sort).to_list(None)]
