"""Liveness and readiness probes for process managers and load balancers."""

from aiohttp import web

from arsnova.api.openapi import operation
from arsnova.errors import Overloaded
from arsnova.keys import load_key, readiness_key, store_key
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
    """Ready for new clients: not overloaded, and the database answers `ping`.

    503 `overloaded` once more than ARSNOVA_OVERLOAD_QUEUE connects and joins
    wait for admission, until at most ARSNOVA_OVERLOAD_RESUME do; 503
    `database-unavailable` while the database does not answer.
    """
    app = request.app
    if not app[readiness_key].ready(app[load_key].queue_depth()):
        raise Overloaded()
    await app[store_key].ping()
    return web.json_response(health_schema.dump({"status": "ready"}))
