"""The durable event log's sequences stay gap-free and unique when the counter misleads."""

from __future__ import annotations

import pytest

from arsnova import migrate
from arsnova.store import connect
from arsnova.store.events import EventLog


@pytest.fixture
async def log(mongo_uri, db_name, db):
    """The log of a migrated database (its unique index on stream and sequence)."""
    async with connect(mongo_uri, db_name, 2000) as store:
        await migrate.apply(store, migrate.default_migrations_dir())
        yield store.events


async def test_a_taken_sequence_is_skipped_to_the_next_free_one(log: EventLog, db):
    for n in range(3):
        await log.append("session:12345678", "Test", "session", {"n": n})
    # A counter behind its events, as when the database lost increments under load.
    await db.event_streams.update_one({"_id": "session:12345678"}, {"$set": {"head": 1}})

    appended = await log.append("session:12345678", "Test", "session", {"n": 3})

    assert appended["sequence"] == 4
    stored = await db.events.find({"stream": "session:12345678"}).sort("sequence").to_list(None)
    assert [(e["sequence"], e["data"]["n"]) for e in stored] == [(1, 0), (2, 1), (3, 2), (4, 3)]
    assert (await log.append("session:12345678", "Test", "session", {}))["sequence"] == 5


async def test_streams_count_on_their_own(log: EventLog):
    first = await log.append("session:1", "Test", "session", {})
    other = await log.append("session:2", "Test", "session", {})
    second = await log.append("session:1", "Test", "session", {})
    assert (first["sequence"], other["sequence"], second["sequence"]) == (1, 1, 2)
