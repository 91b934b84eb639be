"""Socket.IO on the same aiohttp app and port, path `/socket.io/`."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable

import socketio
from aiohttp import web

from arsnova.keys import settings_key, sio_key
from arsnova.realtime.legacy import LegacyNamespace


def origin_checker(allowed: tuple[str, ...]) -> Callable[[str, dict], bool]:
    """Same-origin clients plus the configured `ARSNOVA_CORS_ORIGINS` may connect."""

    def is_allowed(origin: str, environ: dict) -> bool:
        own = f"{environ.get('wsgi.url_scheme', 'http')}://{environ.get('HTTP_HOST', '')}"
        return origin == own or origin in allowed

    return is_allowed


def create_sio(app: web.Application) -> socketio.AsyncServer:
    """Builds the Socket.IO server; with `REDIS_URL` every emit reaches every node."""
    settings = app[settings_key]
    manager = socketio.AsyncRedisManager(settings.redis_url) if settings.redis_url else None
    sio = socketio.AsyncServer(
        async_mode="aiohttp",
        client_manager=manager,
        cors_allowed_origins=origin_checker(settings.cors_origins),
        cors_credentials=True,
        max_http_buffer_size=settings.max_body,
        logger=False,
        engineio_logger=False,
    )
    sio.register_namespace(LegacyNamespace("/", app))
    return sio


def setup_realtime(app: web.Application) -> None:
    sio = create_sio(app)
    sio.attach(app)
    app[sio_key] = sio
    app.cleanup_ctx.append(realtime_ctx)


async def realtime_ctx(app: web.Application) -> AsyncIterator[None]:
    yield
    sio = app[sio_key]
    await sio.shutdown()
    if isinstance(sio.manager, socketio.AsyncRedisManager):
        await close_redis_manager(sio.manager)


async def close_redis_manager(manager: socketio.AsyncRedisManager) -> None:
    """Stops the manager's listener and closes its connections.

    python-socketio offers no close for its Redis manager; without this the
    pub/sub connection outlives the app.
    """
    listener = getattr(manager, "thread", None)
    if listener is not None:
        listener.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await listener
    if manager.pubsub is not None:
        await manager.pubsub.aclose()
    if manager.redis is not None:
        await manager.redis.aclose()
