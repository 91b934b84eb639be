"""Applies `migrations/NNNN_name.py` files in order and records each once.

Each file defines `async def up(db)`, receiving the database, and must be
idempotent (create indexes, backfill fields). A recorded migration whose file
changed since it was applied is an error: applied history is never rewritten,
a change goes into a new file.
"""

from __future__ import annotations

import asyncio
import hashlib
import importlib.util
import inspect
import logging
import re
import sys
import uuid
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from types import ModuleType

from arsnova.store import Store, translate_errors

log = logging.getLogger(__name__)

LOCK_LEASE = timedelta(minutes=5)  # longer than any migration; a dead runner's lock expires
LOCK_WAIT_MARGIN = 10
LOCK_POLL = 0.2
NAME_PATTERN = re.compile(r"(\d{4})_[a-z0-9_]+\.py")


class MigrationError(Exception):
    """A migration could not be loaded or applied, or history changed (one-line message)."""


@dataclass(frozen=True)
class Migration:
    name: str
    path: Path
    checksum: str


def default_migrations_dir() -> Path:
    """The repository's `migrations/` in a checkout, else the installed data files."""
    checkout = Path(__file__).resolve().parent.parent / "migrations"
    if checkout.is_dir():
        return checkout
    return Path(sys.prefix) / "share" / "arsnova" / "migrations"


def discover(directory: Path) -> list[Migration]:
    if not directory.is_dir():
        raise MigrationError(f"migrations folder {directory} does not exist")
    migrations = []
    numbers: dict[str, str] = {}
    for path in sorted(directory.glob("*.py")):
        match = NAME_PATTERN.fullmatch(path.name)
        if match is None:
            if path.name != "__init__.py":
                raise MigrationError(f"{path.name}: name migration files NNNN_lowercase_name.py")
            continue
        number = match.group(1)
        if number in numbers:
            raise MigrationError(f"{path.name} and {numbers[number]} share the number {number}")
        numbers[number] = path.name
        checksum = hashlib.sha256(path.read_bytes()).hexdigest()
        migrations.append(Migration(path.stem, path, checksum))
    return migrations


def _load(migration: Migration) -> ModuleType:
    module_name = f"arsnova_migration_{migration.name}"
    spec = importlib.util.spec_from_file_location(module_name, migration.path)
    if spec is None or spec.loader is None:
        raise MigrationError(f"{migration.name}: cannot be loaded")
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        raise MigrationError(f"{migration.name}: failed to load: {exc!r}") from exc
    if not inspect.iscoroutinefunction(getattr(module, "up", None)):
        raise MigrationError(f"{migration.name}: must define `async def up(db)`")
    return module


async def apply(store: Store, directory: Path) -> list[str]:
    """Applies the pending migrations in order; returns the names applied now.

    Several nodes may start at once: one applies, the others wait for it and
    then find nothing left to do.
    """
    migrations = discover(directory)
    owner = uuid.uuid4().hex
    loop = asyncio.get_running_loop()
    deadline = loop.time() + LOCK_LEASE.total_seconds() + LOCK_WAIT_MARGIN
    while not await store.migrations.lock(owner, LOCK_LEASE):
        if loop.time() > deadline:
            raise MigrationError("another node holds the migration lock; try again")
        await asyncio.sleep(LOCK_POLL)
    try:
        return await _apply_pending(store, migrations)
    finally:
        with translate_errors():
            await store.migrations.unlock(owner)


async def _apply_pending(store: Store, migrations: list[Migration]) -> list[str]:
    applied = await store.migrations.applied()
    for migration in migrations:
        recorded = applied.get(migration.name)
        if recorded is not None and recorded != migration.checksum:
            raise MigrationError(
                f"{migration.name} was changed after it was applied "
                f"(recorded checksum {recorded[:12]}, file {migration.checksum[:12]}); "
                "put the change in a new migration"
            )
    done = []
    for migration in migrations:
        if migration.name in applied:
            continue
        module = _load(migration)
        log.info("applying migration %s", migration.name)
        try:
            with translate_errors():
                await module.up(store.db)
        except Exception as exc:
            raise MigrationError(f"{migration.name} failed: {exc}") from exc
        await store.migrations.record(migration.name, migration.checksum)
        done.append(migration.name)
    return done
