"""Socket.IO on the same aiohttp app and port, path `/socket.io/`."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Callable

import socketio
from aiohttp import web

from arsnova.errors import ArsnovaError
from arsnova.keys import (
    broadcaster_key,
    load_key,
    metrics_key,
    node_key,
    rate_limiter_key,
    settings_key,
    sio_key,
    store_key,
)
from arsnova.realtime.adapters.managers import (
    LocalManager,
    RedisManager,
    close_redis_manager,
    start_manager,
)
from arsnova.realtime.adapters.transport import SocketServer, aiohttp_request
from arsnova.realtime.admission import Admission
from arsnova.realtime.background import every
from arsnova.realtime.delivery.broadcaster import Broadcaster
from arsnova.realtime.delivery.cluster import Cluster, RedisCluster
from arsnova.realtime.delivery.recovery import Recovery
from arsnova.realtime.maintenance import PRESENCE_REFRESH, check_logins, refresh_presence
from arsnova.realtime.namespaces.events import EventsNamespace
from arsnova.realtime.namespaces.legacy import LegacyNamespace
from arsnova.redisguard import RedisGuard
from arsnova.services.feedback import expire_feedback
from arsnova.services.housekeeping import (
    HOUSEKEEPING_INTERVAL,
    PLACE_SWEEP_INTERVAL,
    housekeeping,
    release_places,
)
from arsnova.services.questions import (
    VOTING_CLOSE_INTERVAL,
    close_expired_voting,
    statistics_shown,
)
from arsnova.store import translate_errors
from arsnova.urls import own_origin


def origin_checker(allowed: tuple[str, ...]) -> Callable[[str, dict], bool]:
    """Same-origin clients plus the configured `ARSNOVA_CORS_ORIGINS` may connect.

    Our origin is the aiohttp request's (`urls.own_origin`, as for the CSRF check):
    its scheme as a trusted proxy states it, its `Host`. Not python-engineio's
    environ, whose scheme is any client's raw `X-Forwarded-Proto`.
    """

    def is_allowed(origin: str, environ: dict) -> bool:
        return origin == own_origin(aiohttp_request(environ)) or origin in allowed

    return is_allowed


def create_sio(app: web.Application) -> socketio.AsyncServer:
    """Builds the Socket.IO server; with `REDIS_URL` every emit reaches every node.

    Handlers run one at a time per socket (`async_handlers=False`), so a
    client's events are processed in the order it sent them.
    """
    settings = app[settings_key]
    manager: LocalManager | RedisManager = LocalManager()
    if settings.redis_url:
        channel = settings.redis_prefix + "socketio"
        # One view of Redis per node: the rate limits' (when on), so that an outage
        # costs one timeout, not one per client.
        limiter = app.get(rate_limiter_key)
        guard = None if limiter is None else limiter.guard
        if guard is None:
            guard = RedisGuard(settings.redis_url, "realtime")
        manager = RedisManager(settings.redis_url, channel, guard)
    manager.metrics = app[metrics_key]
    sio = SocketServer(
        async_mode="aiohttp",
        client_manager=manager,
        transports=list(settings.socket_transports),
        cors_allowed_origins=origin_checker(settings.cors_origins),
        cors_credentials=True,
        max_http_buffer_size=settings.max_body,
        async_handlers=False,
        logger=False,
        engineio_logger=False,
        queue_limit=settings.socket_queue_limit,
        ws_compression=settings.ws_compression,
    )
    sio.register_namespace(LegacyNamespace("/", app))
    sio.register_namespace(EventsNamespace("/events", app))
    app[metrics_key].sockets.read = functools.partial(socket_counts, sio)
    return sio


def socket_counts(sio: SocketServer) -> Counter[tuple[str, ...]]:
    """Connected sockets by namespace and transport (an upgraded Engine.IO socket is WebSocket).

    Hook, python-socketio 5.18.1: `get_participants(namespace, None)` lists every
    socket of a namespace; python-engineio 4.15.1: `sockets` and their `upgraded`.
    """
    counts: Counter[tuple[str, ...]] = Counter()
    for namespace in sio.namespace_handlers:
        for _sid, eio_sid in sio.manager.get_participants(namespace, None):
            socket = sio.eio.sockets.get(eio_sid)
            if socket is not None:
                counts[namespace, "websocket" if socket.upgraded else "polling"] += 1
    return counts


def setup_realtime(app: web.Application) -> None:
    sio = create_sio(app)
    sio.attach(app)
    app[sio_key] = sio
    app[node_key] = uuid.uuid4().hex
    app.on_shutdown.append(close_sockets)
    app.cleanup_ctx.append(realtime_ctx)


async def close_sockets(app: web.Application) -> None:
    """Closes every socket when the server stops, before aiohttp drains the open requests.

    A socket is an open request too: left open, aiohttp waits its whole shutdown
    timeout for it, then cancels it and the database may already be closed when
    its disconnect handler runs (and pages show nothing while every tap fails).
    """
    await app[sio_key].eio.close_all()


async def realtime_ctx(app: web.Application) -> AsyncIterator[None]:
    """The broadcaster and this node's background tasks, for the app's lifetime."""
    sio = app[sio_key]
    settings = app[settings_key]
    manager = sio.manager
    cluster = Cluster()
    if isinstance(manager, RedisManager):
        cluster = RedisCluster(
            manager.redis_url, settings.redis_prefix, app[metrics_key], manager.guard
        )
    broadcaster = Broadcaster(
        sio, app[store_key], settings, cluster, statistics_shown, app[metrics_key]
    )
    app[broadcaster_key] = broadcaster
    app[load_key] = Admission(settings.join_queue, settings.join_timeout, app[store_key].reachable)
    events = sio.namespace_handlers["/events"]
    broadcaster.listeners += [events.poke, cluster.announce]
    recovery = Recovery(broadcaster, cluster, events.poke_all)
    if isinstance(manager, RedisManager):
        manager.guard.listeners.append(recovery.redis_back)
        manager.on_resubscribed = recovery.request
    await cluster.start(events.poke, recovery.request)
    await start_manager(sio)
    login_check = min(5.0, settings.inactivity_warning / 4)
    work = [
        (settings.feedback_sweep_interval, functools.partial(expire_feedback, app)),
        (PRESENCE_REFRESH, functools.partial(refresh_presence, app)),
        (HOUSEKEEPING_INTERVAL, functools.partial(housekeeping, app)),
        (PLACE_SWEEP_INTERVAL, functools.partial(release_places, app)),
        (VOTING_CLOSE_INTERVAL, functools.partial(close_expired_voting, app)),
        (min(1.0, settings.heartbeat_interval), events.heartbeat),
        (login_check, functools.partial(check_logins, app)),
    ]
    tasks = [asyncio.create_task(every(interval, job)) for interval, job in work]
    yield
    for task in tasks:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    await sio.shutdown()
    await recovery.close()
    await events.close()
    await broadcaster.close()
    await cluster.close()
    with contextlib.suppress(ArsnovaError), translate_errors():
        await app[store_key].sockets.remove_node(app[node_key])
        await app[store_key].event_connections.disconnect_node(app[node_key])
    if isinstance(manager, RedisManager):
        await close_redis_manager(manager)
        await manager.guard.close()
