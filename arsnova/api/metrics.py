"""`GET /metrics` for Prometheus: on the public port, or on `ARSNOVA_METRICS_PORT` alone.

Only for scrapers: a request must come from `ARSNOVA_METRICS_NETWORKS`
(loopback unless set; behind `ARSNOVA_TRUSTED_PROXIES` the client's own
address counts, not the proxy's) and, with `ARSNOVA_METRICS_TOKEN`, carry it
as a bearer token. With a metrics port the public one does not serve the
route at all.
"""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import AsyncIterator

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST

from arsnova.api.middlewares import error_middleware
from arsnova.api.openapi import TEXT, operation
from arsnova.errors import Forbidden, InvalidToken
from arsnova.keys import metrics_key, settings_key
from arsnova.settings import Settings

routes = web.RouteTableDef()
METRICS_PATH = "/metrics"


@routes.get(METRICS_PATH)
@operation(responses={200: TEXT}, errors=(401, 403), login=False)
async def get_metrics(request: web.Request) -> web.Response:
    """Prometheus metrics of this node (text format), for its scraper only.

    From `ARSNOVA_METRICS_NETWORKS` (default loopback), else 403; with
    `ARSNOVA_METRICS_TOKEN` set, only with `Authorization: Bearer <token>`, else 401.
    """
    check_scraper(request, request.app[settings_key])
    body = request.app[metrics_key].render()
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})


def check_scraper(request: web.Request, settings: Settings) -> None:
    try:
        address = ipaddress.ip_address(request.remote or "")
    except ValueError:
        address = None
    networks = (
        ipaddress.ip_network(network, strict=False) for network in settings.metrics_networks
    )
    if address is None or not any(address in network for network in networks):
        raise Forbidden(
            "Metrics are served to ARSNOVA_METRICS_NETWORKS only.", code="network-not-allowed"
        )
    if settings.metrics_token is None:
        return
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(
        token.strip().encode(), settings.metrics_token.encode()
    ):
        raise InvalidToken("Send ARSNOVA_METRICS_TOKEN as a bearer token.")


def setup_metrics_route(app: web.Application) -> None:
    """The route on the public port, or a listener of its own on `ARSNOVA_METRICS_PORT`."""
    settings = app[settings_key]
    if settings.metrics_port is None:
        app.add_routes(routes)
    else:
        app.cleanup_ctx.append(metrics_port_ctx)


async def metrics_port_ctx(app: web.Application) -> AsyncIterator[None]:
    settings = app[settings_key]
    scraper_app = web.Application(middlewares=[error_middleware])
    scraper_app[settings_key] = settings
    scraper_app[metrics_key] = app[metrics_key]
    scraper_app.add_routes(routes)
    runner = web.AppRunner(scraper_app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, settings.host, settings.metrics_port).start()
    yield
    await runner.cleanup()
