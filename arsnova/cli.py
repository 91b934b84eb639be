"""The `arsnova` command: serve, migrate, token, login-link, user."""

from __future__ import annotations

import asyncio
import dataclasses
import errno
import logging
import re
import secrets
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import NoReturn, TypeVar

import click
import uvloop
from aiohttp import web

from arsnova import logs, migrate
from arsnova.app import create_app
from arsnova.auth import GUEST_NAME, hash_token
from arsnova.embedded import EmbeddedError, EmbeddedServer, embedded_database
from arsnova.errors import ArsnovaError, DatabaseUnavailable
from arsnova.keys import embedded_key
from arsnova.services.accounts import check_password_rules, hash_password, normalise_email
from arsnova.settings import Settings, SettingsError
from arsnova.store import Store, connect
from arsnova.store.accounts import RESET
from arsnova.store.api_tokens import SCOPES, TOKEN_NAME
from arsnova.workers import check_port_free, raise_open_files_limit, run_workers

log = logging.getLogger("arsnova")

SHUTDOWN_TIMEOUT = 10.0
# Connections the kernel holds for the server before it accepts them (capped by
# net.core.somaxconn). A hall that reconnects at once outruns aiohttp's 128 while
# the server is busy: the kernel then drops connection attempts, which the clients
# repeat after 1, 3, 7, 15... s (bench/run --only joinstorm: p99 of 56 s, refusals).
LISTEN_BACKLOG = 4096
T = TypeVar("T")


def fail(message: str, code: int = 1) -> NoReturn:
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
@click.option(
    "--workers",
    type=click.IntRange(1, 256),
    default=1,
    show_default=True,
    help="Server processes sharing the port (needs REDIS_URL; WebSocket-only when above 1).",
)
@click.option("--reuse-port", is_flag=True, hidden=True, help="Bind with SO_REUSEPORT (workers).")
def serve(
    host: str | None, port: int | None, no_migrate: bool, workers: int, reuse_port: bool
) -> None:
    """Serve the API, Socket.IO and the pages (embedded database unless MONGODB_URI)."""
    settings = load_settings()
    settings = dataclasses.replace(
        settings,
        host=host or settings.host,
        port=settings.port if port is None else port,
        migrate_on_start=settings.migrate_on_start and not no_migrate,
    )
    open_files = raise_open_files_limit()
    if workers > 1:
        serve_workers(settings, workers)
        return
    app = create_app(settings)
    log.info(
        "serving on http://%s:%s (up to %d open files)", settings.host, settings.port, open_files
    )
    try:
        web.run_app(
            app,
            host=settings.host,
            port=settings.port,
            reuse_port=reuse_port or None,
            backlog=LISTEN_BACKLOG,
            loop=uvloop.new_event_loop(),
            access_log_class=logs.AccessLogger,
            shutdown_timeout=SHUTDOWN_TIMEOUT,
            print=None,
        )
    except (EmbeddedError, migrate.MigrationError) as exc:
        fail(str(exc))
    except DatabaseUnavailable:
        fail(f"the database at MONGODB_URI does not answer (within {settings.db_timeout_ms} ms)")
    except OSError as exc:
        cannot_listen(settings, exc)
    embedded = app.get(embedded_key)
    if embedded is not None and embedded.failed:
        sys.exit(1)


def cannot_listen(settings: Settings, exc: OSError) -> NoReturn:
    if exc.errno == errno.EADDRINUSE:
        fail(f"cannot listen on {settings.host}:{settings.port}: the address is already in use")
    fail(f"cannot listen on {settings.host}:{settings.port}: {exc.strerror or exc}")


def serve_workers(settings: Settings, count: int) -> None:
    """`--workers N`: migrates once here, then supervises N worker processes (`workers.py`)."""
    if settings.redis_url is None:
        fail("--workers above 1 needs REDIS_URL: the workers talk through Redis", 2)
    if settings.port == 0:
        fail("--workers above 1 needs a fixed port (they share it)", 2)
    if settings.metrics_port is not None:
        # One port per process: each worker's metrics are its own.
        fail("--workers above 1 cannot share ARSNOVA_METRICS_PORT; leave it unset", 2)
    try:
        # The workers share the port (SO_REUSEPORT) and would each fail on a taken one,
        # replaced until the crash loop stops the set; this says so at once.
        check_port_free(settings.host, settings.port)
    except OSError as exc:
        cannot_listen(settings, exc)
    if "polling" in settings.socket_transports:
        log.info("workers accept Socket.IO over WebSocket only (polling needs sticky sessions)")

    def apply_migrations(store: Store) -> Awaitable[list[str]]:
        return migrate.apply(store, migrations_dir(settings))

    uri = settings.mongodb_uri
    embedded = None
    if uri is None:
        # Like a single `arsnova serve`: this process owns the data folder (its lock)
        # and runs its database, which the supervisor restarts if it dies.
        embedded = EmbeddedServer(
            settings.data_dir, settings.embedded_command, settings.embedded_start_timeout
        )
        try:
            embedded.start()
        except EmbeddedError as exc:
            fail(str(exc))
        uri = embedded.uri
    try:
        if settings.migrate_on_start:
            with_store(dataclasses.replace(settings, mongodb_uri=uri), apply_migrations,
                       migrate_first=False)  # fmt: skip
        code = run_workers(settings, count, uri, embedded)
    finally:
        if embedded is not None:
            embedded.stop()
    sys.exit(code)


def migrations_dir(settings: Settings) -> Path:
    return settings.migrations_dir or migrate.default_migrations_dir()


def with_store(
    settings: Settings, work: Callable[[Store], Awaitable[T]], *, migrate_first: bool = True
) -> T:
    """Runs `work` against the database: MONGODB_URI, or the data folder's embedded one."""
    configured_uri = settings.mongodb_uri

    async def run(uri: str) -> T:
        async with connect(uri, settings.db_name, settings.db_timeout_ms) as store:
            if migrate_first:  # the token commands rely on the unique indexes
                await migrate.apply(store, migrations_dir(settings))
            return await work(store)

    try:
        if configured_uri is not None:
            return asyncio.run(run(configured_uri))
        with embedded_database(
            settings.data_dir, settings.embedded_command, settings.embedded_start_timeout
        ) as uri:
            return asyncio.run(run(uri))
    except (EmbeddedError, migrate.MigrationError) as exc:
        fail(str(exc))
    except DatabaseUnavailable:
        fail("the database does not answer")
    except ArsnovaError as exc:
        fail(exc.message)
    raise AssertionError("unreachable")


@main.command(name="migrate")
def migrate_command() -> None:
    """Apply pending database migrations (works whether or not the server runs)."""
    settings = load_settings()
    directory = migrations_dir(settings)
    applied = with_store(
        settings, lambda store: migrate.apply(store, directory), migrate_first=False
    )
    click.echo(f"applied: {', '.join(applied)}" if applied else "nothing to apply")


@main.command(name="login-link")
@click.argument("name")
@click.option("--expires", default="15m", show_default=True, help="Lifetime such as 15m or 2h.")
def login_link(name: str, expires: str) -> None:
    """Print a single-use link that logs a browser in as guest NAME (an admin's first login).

    The browser keeps a key that resumes NAME from then on. Give the link only
    to NAME's person: anyone who opens it first becomes NAME.
    """
    if not GUEST_NAME.fullmatch(name):
        fail("a guest name is 'Guest' and 1 to 40 letters or digits", 2)
    settings = load_settings()
    secret = secrets.token_urlsafe(32)
    expires_at = datetime.now(UTC) + parse_duration(expires)
    with_store(
        settings, lambda store: store.guests.create_link(hash_token(secret), name, expires_at)
    )
    click.echo(f"http://{settings.host}:{settings.port}/auth/link?token={secret}")


@main.group()
def token() -> None:
    """Access tokens for learning platforms (Authorization: Bearer …)."""


DURATION = re.compile(r"([1-9][0-9]{0,5})([dhm])")
UNITS = {"d": 86400, "h": 3600, "m": 60}


def parse_duration(raw: str) -> timedelta:
    match = DURATION.fullmatch(raw.strip())
    if match is None:
        raise click.BadParameter("use a number and d, h or m, like 90d")
    return timedelta(seconds=int(match.group(1)) * UNITS[match.group(2)])


@token.command(name="create")
@click.option("--name", required=True, help="Who uses it, e.g. moodle (unique).")
@click.option(
    "--scope",
    "scopes",
    multiple=True,
    type=click.Choice(SCOPES),
    default=("integration",),
    show_default=True,
    help="integration: the integration API and REST as a service user; admin: REST as an admin.",
)
@click.option("--expires", help="Lifetime such as 90d, 12h or 30m (default: never).")
def token_create(name: str, scopes: tuple[str, ...], expires: str | None) -> None:
    """Create a token and print it once; only its hash is stored."""
    if not TOKEN_NAME.fullmatch(name):
        fail("a token name is 1-64 letters, digits, '.', '_' or '-'", 2)
    lifetime = None if expires is None else parse_duration(expires)
    settings = load_settings()
    secret = "arsn_" + secrets.token_urlsafe(32)
    expires_at = None if lifetime is None else datetime.now(UTC) + lifetime

    async def create(store: Store) -> None:
        await store.access_tokens.create(name, hash_token(secret), sorted(set(scopes)), expires_at)

    with_store(settings, create)
    click.echo(secret)


@token.command(name="list")
def token_list() -> None:
    """List tokens: name, scopes, created, expires, revoked (never the token)."""
    settings = load_settings()
    for row in with_store(settings, lambda store: store.access_tokens.all()):
        expires = row["expires_at"].isoformat() if row["expires_at"] else "never"
        revoked = row["revoked_at"].isoformat() if row["revoked_at"] else "-"
        click.echo(
            f"{row['name']}\t{','.join(row['scopes'])}\t{row['created_at'].isoformat()}"
            f"\texpires={expires}\trevoked={revoked}"
        )


@token.command(name="revoke")
@click.argument("name")
def token_revoke(name: str) -> None:
    """Revoke a token at once: requests with it get 401."""
    with_store(load_settings(), lambda store: store.access_tokens.revoke(name))
    click.echo(f"revoked {name}")


@main.group()
def user() -> None:
    """Registered accounts (type arsnova), for servers that send no e-mail.

    Passwords are read from the terminal (asked twice, not shown) or, when
    standard input is not a terminal, from its first line: never from the
    command line, where other users of the machine could see them.
    """


def account_email(raw: str) -> str:
    email = normalise_email(raw)
    if email is None:
        fail(f"not an e-mail address: {raw!r}", 2)
    return email


def read_password() -> str:
    if sys.stdin.isatty():
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    try:
        check_password_rules(password)
    except ArsnovaError as exc:
        fail(exc.message, 2)
    return password


@user.command(name="create")
@click.argument("email")
def user_create(email: str) -> None:
    """Create an account for EMAIL, activated at once (its password read as above)."""
    address = account_email(email)
    password = read_password()
    settings = load_settings()

    async def create(store: Store) -> bool:
        return await store.accounts.create(
            address, await hash_password(password), activated=True
        ) is not None  # fmt: skip

    if not with_store(settings, create):
        fail(f"{address} has an account already")
    click.echo(f"created and activated {address}")


@user.command(name="activate")
@click.argument("email")
def user_activate(email: str) -> None:
    """Activate EMAIL's account (registered on the pages, its e-mail lost)."""
    address = account_email(email)

    async def activate(store: Store) -> bool:
        account = await store.accounts.by_email(address)
        if account is not None:
            await store.accounts.activate(account["id"])
        return account is not None

    if not with_store(load_settings(), activate):
        fail(f"{address} has no account")
    click.echo(f"activated {address}")


@user.command(name="reset-password")
@click.argument("email")
def user_reset_password(email: str) -> None:
    """Set a new password for EMAIL's account (read as above); its logins end."""
    address = account_email(email)
    password = read_password()

    async def reset(store: Store) -> bool:
        account = await store.accounts.by_email(address)
        if account is None:
            return False
        await store.accounts.set_password(
            account["id"], await hash_password(password), activate=True
        )
        await store.accounts.drop_tokens(account["id"], RESET)
        login_ids = await store.logins.of_user(address)
        for login_id in login_ids:
            await store.socket_tokens.revoke_login(login_id)
        await store.logins.delete_ids(login_ids)  # their sockets drop at the next sweep
        return True

    if not with_store(load_settings(), reset):
        fail(f"{address} has no account")
    click.echo(f"new password set for {address}")
