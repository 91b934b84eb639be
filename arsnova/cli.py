"""The `arsnova` command: serve, migrate."""

from __future__ import annotations

import asyncio
import dataclasses
import errno
import logging
import sys
from pathlib import Path

import click
from aiohttp import web

from arsnova import logs, migrate
from arsnova.app import create_app
from arsnova.embedded import EmbeddedError, embedded_database
from arsnova.errors import DatabaseUnavailable
from arsnova.keys import embedded_key
from arsnova.settings import Settings, SettingsError
from arsnova.store import connect

log = logging.getLogger("arsnova")

SHUTDOWN_TIMEOUT = 10.0


def fail(message: str, code: int = 1) -> None:
    click.echo(f"arsnova: {message}", err=True)
    sys.exit(code)


def load_settings() -> Settings:
    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        for problem in exc.problems:
            click.echo(f"arsnova: invalid setting {problem}", err=True)
        sys.exit(2)
    logs.configure(settings.log_level, settings.log_format)
    return settings


@click.group()
@click.version_option(package_name="arsnova")
def main() -> None:
    """ARSnova-compatible classroom response server."""


@main.command()
@click.option("--host", help="Interface to listen on (overrides ARSNOVA_HOST).")
@click.option("--port", type=click.IntRange(0, 65535), help="Port (overrides ARSNOVA_PORT).")
@click.option("--no-migrate", is_flag=True, help="Do not apply pending migrations at start.")
def serve(host: str | None, port: int | None, no_migrate: bool) -> None:
    """Serve the API, Socket.IO and the pages (embedded database unless MONGODB_URI)."""
    settings = load_settings()
    settings = dataclasses.replace(
        settings,
        host=host or settings.host,
        port=settings.port if port is None else port,
        migrate_on_start=settings.migrate_on_start and not no_migrate,
    )
    app = create_app(settings)
    log.info("serving on http://%s:%s", settings.host, settings.port)
    try:
        web.run_app(
            app,
            host=settings.host,
            port=settings.port,
            access_log_class=logs.AccessLogger,
            shutdown_timeout=SHUTDOWN_TIMEOUT,
            print=None,
        )
    except (EmbeddedError, migrate.MigrationError) as exc:
        fail(str(exc))
    except DatabaseUnavailable:
        fail(f"the database at MONGODB_URI does not answer (within {settings.db_timeout_ms} ms)")
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            fail(f"cannot listen on {settings.host}:{settings.port}: the address is already in use")
        fail(f"cannot listen on {settings.host}:{settings.port}: {exc.strerror or exc}")
    embedded = app.get(embedded_key)
    if embedded is not None and embedded.failed:
        sys.exit(1)


@main.command(name="migrate")
def migrate_command() -> None:
    """Apply pending database migrations (works whether or not the server runs)."""
    settings = load_settings()
    try:
        if settings.mongodb_uri is not None:
            applied = asyncio.run(apply_migrations(settings, settings.mongodb_uri))
        else:
            with embedded_database(
                settings.data_dir, settings.embedded_command, settings.embedded_start_timeout
            ) as uri:
                applied = asyncio.run(apply_migrations(settings, uri))
    except (EmbeddedError, migrate.MigrationError) as exc:
        fail(str(exc))
    except DatabaseUnavailable:
        fail("the database does not answer")
    click.echo(f"applied: {', '.join(applied)}" if applied else "nothing to apply")


async def apply_migrations(settings: Settings, uri: str) -> list[str]:
    directory: Path = settings.migrations_dir or migrate.default_migrations_dir()
    async with connect(uri, settings.db_name, settings.db_timeout_ms) as store:
        return await migrate.apply(store, directory)
