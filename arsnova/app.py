"""The one place where the application is assembled."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from aiohttp import web

from arsnova import migrate
from arsnova.api import setup_api
from arsnova.api.cors import setup_cors
from arsnova.api.csrf import csrf_middleware
from arsnova.api.metrics import setup_metrics_route
from arsnova.api.middlewares import error_middleware
from arsnova.api.proxy import forwarded_middleware
from arsnova.auth import GuestProvider, caller_of
from arsnova.embedded import EmbeddedServer
from arsnova.identity import LoginProvider, PasswordProvider
from arsnova.keys import (
    broadcaster_key,
    embedded_key,
    load_key,
    mailer_key,
    metrics_key,
    providers_key,
    rate_limiter_key,
    readiness_key,
    settings_key,
    store_key,
    task_runner_key,
)
from arsnova.load import Readiness
from arsnova.mail import Mailer
from arsnova.metrics import Metrics, metrics_middleware
from arsnova.oidc import OidcProvider
from arsnova.ratelimit import RateLimiter, rate_limit_middleware
from arsnova.realtime.server import setup_realtime
from arsnova.services.accounts import AccountProvider
from arsnova.settings import Settings
from arsnova.store import connect, monitoring
from arsnova.tasks import TaskRunner
from arsnova.web import setup_web

log = logging.getLogger(__name__)

MAX_REQUEST_LINE = 64 * 1024


def create_app(settings: Settings) -> web.Application:
    limiter = RateLimiter.from_settings(settings)
    middlewares = [
        metrics_middleware,
        error_middleware,
        csrf_middleware,
        rate_limit_middleware(limiter, caller_of),
    ]
    if settings.trusted_proxies:
        middlewares.insert(2, forwarded_middleware(settings.trusted_proxies))
    app = web.Application(
        client_max_size=settings.max_body,
        middlewares=middlewares,
        # Room for every query parameter at its documented maximum, percent-encoded:
        # longer request lines get aiohttp's own plain-text 400, before any handler.
        handler_args={"max_line_size": MAX_REQUEST_LINE},
    )
    app[rate_limiter_key] = limiter
    app.on_cleanup.append(close_rate_limiter)
    app[settings_key] = settings
    app[metrics_key] = Metrics()
    app[readiness_key] = Readiness(settings.overload_queue, settings.overload_resume)
    observe_load(app)
    providers: tuple[LoginProvider | PasswordProvider, ...] = (GuestProvider(),)
    if settings.ldap is not None:
        # ldap3 is loaded only where LDAP is configured.
        from arsnova.ldap import LdapProvider

        ldap = LdapProvider(settings.ldap)
        providers += (ldap,)
        app.on_cleanup.append(ldap.cleanup)
    if settings.oidc_issuer:
        oidc = OidcProvider(settings)
        app.on_cleanup.append(oidc.close)
        providers += (oidc,)
    if settings.accounts_enabled:
        providers += (AccountProvider(),)
    if settings.smtp_url is not None and settings.mail_from is not None:
        app[mailer_key] = Mailer(settings.smtp_url, settings.mail_from)
        app.on_cleanup.append(close_mailer)
    app[providers_key] = {provider.name: provider for provider in providers}
    if settings.embedded:
        app.cleanup_ctx.append(embedded_ctx)
    app.cleanup_ctx.append(store_ctx)
    if settings.migrate_on_start:
        app.cleanup_ctx.append(migrations_ctx)
    setup_api(app)
    setup_metrics_route(app)
    setup_realtime(app)
    setup_web(app)
    app.cleanup_ctx.append(tasks_ctx)
    setup_cors(app)  # last: it must see every route
    return app


def observe_load(app: web.Application) -> None:
    """The queue depth and readiness as `/readyz` last judged them (a scrape changes neither)."""
    metrics = app[metrics_key]
    metrics.queue_depth.read = lambda: {(): app[load_key].queue_depth()}
    metrics.ready.read = lambda: {(): 0 if app[readiness_key].overloaded else 1}


async def close_mailer(app: web.Application) -> None:
    await app[mailer_key].close()


async def close_rate_limiter(app: web.Application) -> None:
    await app[rate_limiter_key].close()


def database_uri(app: web.Application) -> str:
    settings = app[settings_key]
    if settings.mongodb_uri is not None:
        return settings.mongodb_uri
    return app[embedded_key].uri


async def embedded_ctx(app: web.Application) -> AsyncIterator[None]:
    """Runs the embedded database for the app's lifetime and restarts it if it crashes.

    It is started from the event loop's (main) thread on purpose: the child's
    parent-death signal is tied to the thread that spawned it.
    """
    settings = app[settings_key]
    server = EmbeddedServer(
        settings.data_dir, settings.embedded_command, settings.embedded_start_timeout
    )
    server.start()
    app[embedded_key] = server
    watcher = asyncio.create_task(server.watch())
    try:
        yield
    finally:
        watcher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watcher
        await asyncio.get_running_loop().run_in_executor(None, server.stop)


async def store_ctx(app: web.Application) -> AsyncIterator[None]:
    settings = app[settings_key]
    listeners = monitoring.listeners(app[metrics_key])
    async with connect(
        database_uri(app),
        settings.db_name,
        settings.db_timeout_ms,
        listeners,
        shared_sockets=settings.redis_url is not None,  # several nodes share Redis
    ) as store:
        app[store_key] = store
        yield


async def tasks_ctx(app: web.Application) -> AsyncIterator[None]:
    """Background jobs; after the realtime context, which provides the broadcaster."""
    runner = TaskRunner(app[store_key], app[broadcaster_key], app[metrics_key])
    app[task_runner_key] = runner
    yield
    await runner.close()


async def migrations_ctx(app: web.Application) -> AsyncIterator[None]:
    settings = app[settings_key]
    directory = settings.migrations_dir or migrate.default_migrations_dir()
    applied = await migrate.apply(app[store_key], directory)
    if applied:
        log.info("applied migrations: %s", ", ".join(applied))
    yield
