"""HTTP routes: each module has one `routes` table, added here."""

from aiohttp import web

from arsnova.api import (
    accounts,
    audience,
    auth,
    configuration,
    feedback,
    health,
    integration,
    qa,
    questions,
    results,
    sessions,
    sockets,
    statistics,
    tasks,
)
from arsnova.api.openapi import setup_openapi


def setup_api(app: web.Application) -> None:
    setup_openapi(app)
    for module in (
        health,
        integration,
        auth,
        accounts,
        sessions,
        questions,
        audience,
        qa,
        feedback,
        sockets,
        configuration,
        statistics,
        tasks,
        results,
    ):
        app.add_routes(module.routes)
