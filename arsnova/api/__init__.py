"""HTTP routes: each module has one `routes` table, added here."""

from aiohttp import web

from arsnova.api import health


def setup_api(app: web.Application) -> None:
    app.add_routes(health.routes)
