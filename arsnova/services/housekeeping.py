"""What each node forgets on a schedule (`realtime/server.py` runs the jobs `every` interval).

The rule of what expires when lives with its domain where there is one:
`questions.purge_bin` (the bin, after `ARSNOVA_BIN_RETENTION`) and
`feedback.expire_feedback` (votes, after `ARSNOVA_FEEDBACK_TTL`). Here is the
rest: the `/events` log (`ARSNOVA_EVENT_LOG_MAX_AGE`, `ARSNOVA_EVENT_LOG_MAX_EVENTS`),
used socket tokens, ended `/events` connections, and places.
"""

from __future__ import annotations

from datetime import timedelta

from aiohttp import web

from arsnova.keys import settings_key, store_key
from arsnova.services.questions import purge_bin

HOUSEKEEPING_INTERVAL = 60.0
PLACE_SWEEP_INTERVAL = 1.0


async def housekeeping(app: web.Application) -> None:
    """Purges the bin, prunes the event log, forgets used tokens and old connections."""
    settings = app[settings_key]
    store = app[store_key]
    await purge_bin(app)
    await store.events.prune(settings.event_log_max_age, settings.event_log_max_events)
    await store.socket_tokens.purge()
    await store.event_connections.purge(timedelta(seconds=settings.event_log_max_age))


async def release_places(app: web.Application) -> None:
    """Gives back the seats of places not activated in time or past their expiry."""
    await app[store_key].places.release_stale()
