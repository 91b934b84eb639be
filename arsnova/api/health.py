"""Liveness and readiness probes for process managers and load balancers."""

from aiohttp import web

from arsnova.api.openapi import operation
from arsnova.keys import store_key
from arsnova.schemas import HealthSchema

routes = web.RouteTableDef()
health_schema = HealthSchema()


@routes.get("/healthz")
@operation(responses={200: health_schema}, login=False)
async def get_health(request: web.Request) -> web.Response:
    """The process is up and serving."""
    return web.json_response(health_schema.dump({"status": "ok"}))


@routes.get("/readyz")
@operation(responses={200: health_schema}, errors=(503,), login=False)
async def get_readiness(request: web.Request) -> web.Response:
    """The database answers `ping`; 503 `database-unavailable` otherwise."""
    await request.app[store_key].ping()
    return web.json_response(health_schema.dump({"status": "ready"}))
