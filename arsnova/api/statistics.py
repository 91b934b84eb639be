"""/statistics: public global counts (no login needed)."""

from __future__ import annotations

from aiohttp import web

from arsnova.api.openapi import operation
from arsnova.keys import settings_key, store_key
from arsnova.schemas.statistics import StatisticsSchema

routes = web.RouteTableDef()
statistics_schema = StatisticsSchema()


@routes.get("/statistics")
@operation(responses={200: statistics_schema}, login=False)
async def get_statistics(request: web.Request) -> web.Response:
    """Stored answers and questions, open and locked sessions, recently active users."""
    store = request.app[store_key]
    window = request.app[settings_key].active_user_window
    counts = {
        "answers": await store.statistics.answers(),
        "questions": await store.statistics.questions(),
        "open_sessions": await store.sessions.count(active=True),
        "closed_sessions": await store.sessions.count(active=False),
        "active_users": await store.logins.active_users(window),
    }
    return web.json_response(statistics_schema.dump(counts))
