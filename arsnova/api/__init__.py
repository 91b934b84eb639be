"""HTTP routes: each module has one `routes` table, added here."""

from aiohttp import web

from arsnova.api import auth, health, sessions


def setup_api(app: web.Application) -> None:
    for module in (health, auth, sessions):
        app.add_routes(module.routes)
