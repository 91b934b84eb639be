"""CORS for the configured `ARSNOVA_CORS_ORIGINS`, with credentials, via aiohttp-cors.

Allowed origins get `Access-Control-Allow-*` headers and a preflight answer on
every API route; other origins get no CORS headers (their preflight is a 403).
`/socket.io/` is left out: python-socketio answers CORS for it itself.
"""

from __future__ import annotations

import aiohttp_cors
from aiohttp import hdrs, web

from arsnova.api.middlewares import SOCKETIO_PATH
from arsnova.keys import settings_key

EXPOSED_HEADERS = ("X-Request-Id",)


def setup_cors(app: web.Application) -> None:
    """Enables CORS on every route registered so far; call it after all routes are added."""
    origins = app[settings_key].cors_origins
    if not origins:
        return
    options = aiohttp_cors.ResourceOptions(
        allow_credentials=True,
        expose_headers=EXPOSED_HEADERS,
        allow_headers="*",
        allow_methods="*",
    )
    cors = aiohttp_cors.setup(app, defaults=dict.fromkeys(origins, options))
    for resource in list(app.router.resources()):
        if not resource.canonical.startswith(SOCKETIO_PATH):
            cors.add(resource)
    app.on_response_prepare.append(vary_on_origin)


async def vary_on_origin(request: web.Request, response: web.StreamResponse) -> None:
    """CORS headers depend on the Origin, so shared caches must not mix origins."""
    if not request.path.startswith(SOCKETIO_PATH):
        response.headers.add(hdrs.VARY, hdrs.ORIGIN)
