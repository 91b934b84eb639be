"""Background work of each node on its sockets: presence, and the sockets of ended logins.

The jobs that are not about sockets (feedback expiry, the bin, the event log,
places) live with their services (`services/housekeeping.py`).
"""

from __future__ import annotations

from datetime import timedelta

from aiohttp import web

from arsnova.keys import broadcaster_key, node_key, sio_key, store_key
from arsnova.store.common import now

PRESENCE_REFRESH = 30.0  # seconds between this node's signs of life
PRESENCE_STALE = timedelta(seconds=3 * PRESENCE_REFRESH)


async def refresh_presence(app: web.Application) -> None:
    """Marks this node alive and drops the sockets of nodes that died without cleanup."""
    sockets = app[store_key].sockets
    await sockets.refresh(app[node_key])
    await app[broadcaster_key].cluster.refresh()
    for keyword in await sockets.remove_stale(now() - PRESENCE_STALE):
        app[broadcaster_key].active_users_changed(keyword)


async def disconnect_login(app: web.Application, login_id: str) -> None:
    """Drops a logged-out login's sockets of both namespaces at once.

    python-socketio's Redis manager carries a disconnect to the node that
    holds the socket, in order with the emits after it, so the login hears
    nothing more; `check_logins` is the safety net (and handles expiry).
    """
    sio = app[sio_key]
    store = app[store_key]
    for sid in await store.sockets.of_login(login_id):
        await sio.disconnect(sid, namespace="/")
    for sid in await store.event_connections.connected_sids(login_id):
        await sio.disconnect(sid, namespace="/events")


async def check_logins(app: web.Application) -> None:
    """Warns logins about to expire, and disconnects the sockets of ended ones.

    Every node sweeps its own sockets of both namespaces against the shared
    logins, so a logout or an expiry drops a login's sockets on every node.
    """
    sio = app[sio_key]
    await sio.namespace_handlers["/events"].warn_expiring()
    bound = {name: handler.login_ids() for name, handler in sio.namespace_handlers.items()}
    login_ids = {login_id for sockets in bound.values() for login_id in sockets.values()}
    if not login_ids:
        return
    alive = set(await app[store_key].logins.alive(list(login_ids)))
    for namespace, sockets in bound.items():
        for sid, login_id in sockets.items():
            if login_id not in alive:
                await sio.disconnect(sid, namespace=namespace)
