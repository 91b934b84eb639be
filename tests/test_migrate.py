"""Migrations: applied in order, recorded once, history protected, failures stop the start."""

import asyncio
import contextlib
import re
import shutil
import textwrap
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from aiohttp import web
from bson import ObjectId
from pymongo.errors import DuplicateKeyError

from arsnova import migrate
from arsnova.app import create_app
from arsnova.store import connect

RECORDING = """
async def up(db):
    await db.trail.insert_one({{"step": {step!r}}})
"""


def write(directory, name, body):
    (directory / name).write_text(textwrap.dedent(body))


@pytest.fixture
def db_name() -> str:
    """A database never migrated before (the suite otherwise reuses migrated ones)."""
    return f"test_migrate_{uuid.uuid4().hex[:12]}"


@pytest.fixture
async def store(mongo_uri, db_name, db):
    async with connect(mongo_uri, db_name, 2000) as store:
        yield store


@pytest.fixture
def folder(tmp_path):
    directory = tmp_path / "migrations"
    directory.mkdir()
    return directory


async def test_applied_in_numeric_order_and_recorded(store, db, folder):
    for name in ("0002_second.py", "0010_third.py", "0001_first.py"):
        write(folder, name, RECORDING.format(step=name[:4]))
    assert await migrate.apply(store, folder) == ["0001_first", "0002_second", "0010_third"]
    steps = [doc["step"] async for doc in db.trail.find().sort("_id", 1)]
    assert steps == ["0001", "0002", "0010"]
    records = await db.migrations.find().to_list(None)
    assert {r["_id"] for r in records} == {"0001_first", "0002_second", "0010_third"}
    assert all(len(r["checksum"]) == 64 and r["applied_at"] for r in records)


async def test_rerun_is_a_no_op(store, db, folder):
    write(folder, "0001_first.py", RECORDING.format(step="a"))
    await migrate.apply(store, folder)
    assert await migrate.apply(store, folder) == []
    assert await db.trail.count_documents({}) == 1


async def test_nodes_starting_together_apply_each_migration_once(mongo_uri, db_name, db):
    """Four runners at once on a fresh database (the project's own migrations): one applies."""
    directory = migrate.default_migrations_dir()
    async with contextlib.AsyncExitStack() as stack:
        stores = [
            await stack.enter_async_context(connect(mongo_uri, db_name, 5000)) for _ in range(4)
        ]
        results = await asyncio.gather(*(migrate.apply(store, directory) for store in stores))
    applied = [names for names in results if names]
    assert len(applied) == 1 and applied[0] == [m.name for m in migrate.discover(directory)]
    assert await db.migration_lock.count_documents({}) == 0


async def test_a_dead_runners_lock_is_taken_over(store, db, folder):
    write(folder, "0001_first.py", RECORDING.format(step="a"))
    expired = datetime.now(UTC) - timedelta(seconds=1)
    await db.migration_lock.insert_one({"_id": "apply", "owner": "dead", "expires_at": expired})
    assert await migrate.apply(store, folder) == ["0001_first"]


async def test_new_file_applied_after_old_ones(store, db, folder):
    write(folder, "0001_first.py", RECORDING.format(step="a"))
    await migrate.apply(store, folder)
    write(folder, "0002_second.py", RECORDING.format(step="b"))
    assert await migrate.apply(store, folder) == ["0002_second"]


async def test_changed_applied_file_is_an_error(store, db, folder):
    write(folder, "0001_first.py", RECORDING.format(step="a"))
    await migrate.apply(store, folder)
    write(folder, "0001_first.py", RECORDING.format(step="changed"))
    write(folder, "0002_second.py", RECORDING.format(step="b"))
    with pytest.raises(migrate.MigrationError, match="0001_first was changed after it was applied"):
        await migrate.apply(store, folder)
    assert await db.trail.count_documents({}) == 1


async def test_failing_migration_stops_and_is_not_recorded(store, db, folder):
    write(folder, "0001_first.py", RECORDING.format(step="a"))
    write(folder, "0002_broken.py", "async def up(db):\n    raise RuntimeError('boom')\n")
    write(folder, "0003_later.py", RECORDING.format(step="c"))
    with pytest.raises(migrate.MigrationError, match="0002_broken failed: boom"):
        await migrate.apply(store, folder)
    assert set(await store.migrations.applied()) == {"0001_first"}
    assert await db.trail.count_documents({"step": "c"}) == 0


@pytest.mark.parametrize(
    ("name", "body", "message"),
    [
        ("1_short.py", "", "name migration files NNNN_lowercase_name.py"),
        ("0001_sync.py", "def up(db):\n    pass\n", "must define `async def up(db)`"),
        ("0001_syntax.py", "async def up(db)\n", "failed to load"),
    ],
)
async def test_malformed_files_are_clear_errors(store, folder, name, body, message):
    write(folder, name, body)
    with pytest.raises(migrate.MigrationError, match=re.escape(message)):
        await migrate.apply(store, folder)


async def test_duplicate_numbers_refused(store, folder):
    write(folder, "0001_a.py", RECORDING.format(step="a"))
    write(folder, "0001_b.py", RECORDING.format(step="b"))
    with pytest.raises(migrate.MigrationError, match="share the number 0001"):
        await migrate.apply(store, folder)


async def test_failing_migration_stops_app_start(settings_with, folder):
    write(folder, "0001_broken.py", "async def up(db):\n    raise RuntimeError('boom')\n")
    runner = web.AppRunner(create_app(settings_with(migrations_dir=folder)))
    try:
        with pytest.raises(migrate.MigrationError, match="0001_broken failed"):
            await runner.setup()
    finally:
        await runner.cleanup()


async def test_project_migrations_create_the_data_model(client, db):
    """The app applies the repository's own migrations at start."""
    assert "0001_initial" in {doc["_id"] async for doc in db.migrations.find()}
    indexes = await db.sessions.index_information()
    assert indexes["keyword_unique"]["unique"] is True
    answer_indexes = await db.answers.index_information()
    assert answer_indexes["question_round_user_unique"]["key"] == [
        ("question_id", 1), ("pi_round", 1), ("user", 1),
    ]  # fmt: skip
    assert "question_user_unique" not in answer_indexes
    assert (await db.logins.index_information())["expiry_ttl"]["expireAfterSeconds"] == 0


async def test_pi_rounds_put_what_exists_in_round_one(store, db, folder):
    """Answers and questions from before peer-instruction rounds are in round 1, and the
    one-answer index becomes one answer per user, question and round."""
    source = migrate.default_migrations_dir()
    (rounds,) = source.glob("[0-9][0-9][0-9][0-9]_pi_rounds.py")
    for path in source.glob("[0-9][0-9][0-9][0-9]_*.py"):
        if path.name < rounds.name:
            shutil.copy(path, folder)
    await migrate.apply(store, folder)
    question, binned = ObjectId(), ObjectId()
    await db.questions.insert_one({"_id": question, "subject": "old"})
    await db.question_bin.insert_one({"_id": binned, "subject": "binned"})
    await db.answers.insert_one({"question_id": question, "user": "ann", "choices": [0]})
    await db.answers.insert_one({"question_id": question, "user": "bob", "pi_round": 1})
    shutil.copy(rounds, folder)
    assert await migrate.apply(store, folder) == [rounds.stem]
    for collection in (db.questions, db.question_bin, db.answers):
        assert {doc.get("pi_round") async for doc in collection.find()} == {1}
    assert (await db.answers.find_one({"user": "ann"}))["choices"] == [0]
    indexes = await db.answers.index_information()
    assert "question_user_unique" not in indexes
    await db.answers.insert_one({"question_id": question, "user": "ann", "pi_round": 2})
    with pytest.raises(DuplicateKeyError):
        await db.answers.insert_one({"question_id": question, "user": "ann", "pi_round": 2})
