"""Cross-site request forgery: cookie-authenticated changes only from our own pages.

A browser sends the login cookie with a form or fetch from any site; it also
says where the request comes from (`Origin`, else `Referer`). A state-changing
request (POST, PUT, PATCH, DELETE) that carries the login cookie is refused
with 403 `cross-origin-request` when that origin is neither this server (its
`Host`, so it works behind a proxy) nor one of `ARSNOVA_CORS_ORIGINS`.
Requests without either header do not come from a browser page (curl, apps)
and cannot be forged by one; requests with an `Authorization` header are
authenticated by it, which another site cannot set without CORS.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from arsnova.api.middlewares import SOCKETIO_PATH
from arsnova.auth import COOKIE_NAME
from arsnova.errors import Forbidden
from arsnova.keys import settings_key
from arsnova.urls import split_url

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def request_origin(request: web.Request) -> str | None:
    """The page's origin as the browser states it, or None if it states none."""
    origin = request.headers.get("Origin")
    if origin is not None:
        return origin.strip()
    referer = request.headers.get("Referer")
    if referer:
        parts = split_url(referer)
        return f"{parts.scheme}://{parts.netloc}" if parts.netloc else "null"
    return None


def is_own_origin(request: web.Request, origin: str) -> bool:
    if origin in request.app[settings_key].cors_origins:
        return True
    parts = split_url(origin)
    return parts.scheme in ("http", "https") and parts.netloc.lower() == request.host.lower()


def require_own_site(request: web.Request) -> None:
    """Login and logout: refused when a page of another site sent the browser here.

    They are plain GETs (the seed's redirects), so a foreign page could
    otherwise log a visitor out, or into an identity of its choosing. The
    browser states the page's origin (`Origin`, else `Referer`); if it hides
    it (`Referrer-Policy: no-referrer`), `Sec-Fetch-Site` still says the
    request is cross-site. Typed-in addresses, curl and apps state neither.
    """
    origin = request_origin(request)
    foreign = (
        not is_own_origin(request, origin)
        if origin is not None
        else request.headers.get("Sec-Fetch-Site") in ("cross-site", "same-site")
    )
    if foreign:
        raise Forbidden(
            "Log in and out on this site itself, not from another site's page.",
            code="cross-origin-request",
        )


@web.middleware
async def csrf_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    if (
        request.method in UNSAFE_METHODS
        and COOKIE_NAME in request.cookies
        and "Authorization" not in request.headers
        and not request.path.startswith(SOCKETIO_PATH)
    ):
        origin = request_origin(request)
        if origin is not None and not is_own_origin(request, origin):
            raise Forbidden(
                f"Changes with the login cookie are only accepted from this site, not {origin}.",
                code="cross-origin-request",
            )
    return await handler(request)
