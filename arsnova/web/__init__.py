"""The lecturer and student web pages: static HTML, CSS and JavaScript.

The pages use only the public REST API and Socket.IO events; the server only
hands out the files. The browser libraries (the official socket.io-client and
a QR code generator) come from npm and are copied into `static/vendor/` by
`make assets`, so nothing is loaded from a CDN.
"""

from __future__ import annotations

import logging
from pathlib import Path
from urllib.parse import quote, urlsplit

from aiohttp import web

from arsnova.auth import caller_of, current_user
from arsnova.errors import ArsnovaError
from arsnova.keys import settings_key
from arsnova.services.policy import manages
from arsnova.services.sessions import find_session
from arsnova.store.sessions import SessionNotFound

log = logging.getLogger(__name__)

STATIC = Path(__file__).parent / "static"
VENDOR_FILES = ("socket.io.esm.min.js", "qrcode.mjs")
PAGE_PREFIXES = ("/static/", "/lecturer/", "/presenter/", "/join/", "/account/")
# Modules, styles and images only from this server; no inline script at all.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self' {sockets}; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)

routes = web.RouteTableDef()


def page_response(request: web.Request, path: Path) -> web.FileResponse:
    """An HTML page with the headers every page gets (ours and the API's /docs)."""
    response = web.FileResponse(path)
    response.headers["Content-Security-Policy"] = content_security_policy(request)
    response.headers["X-Frame-Options"] = "DENY"  # frame-ancestors for browsers without CSP 2
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["Cache-Control"] = "no-cache"
    return response


def page(name: str):
    async def handler(request: web.Request) -> web.FileResponse:
        return page_response(request, STATIC / f"{name}.html")

    handler.__doc__ = f"The {name} page."
    return handler


def content_security_policy(request: web.Request) -> str:
    """Allows a configured Socket.IO origin besides this one ('self' covers ws:// here)."""
    socket_url = request.app[settings_key].socket_url
    if socket_url is None:
        return CONTENT_SECURITY_POLICY.format(sockets="")
    parts = urlsplit(socket_url)
    web_socket = "wss" if parts.scheme == "https" else "ws"
    sockets = f"{parts.scheme}://{parts.netloc} {web_socket}://{parts.netloc}"
    return CONTENT_SECURITY_POLICY.format(sockets=sockets)


routes.get("/")(page("landing"))
routes.get("/lecturer/")(page("lecturer"))
routes.get("/join/{keyword}")(page("student"))
# The account page: the e-mails' activation and reset links, its settings (api/accounts.py).
for path in ("/account/", "/account/activate", "/account/reset"):
    routes.get(path)(page("account"))


@routes.get("/lecturer/{keyword}")
@routes.get("/presenter/{keyword}")
async def owner_page(request: web.Request) -> web.StreamResponse:
    """The lecturer (control) or presenter page of one session, for its owner and admins only.

    Anyone else logged in is sent to the student page of the session; an
    unknown keyword to the landing page, which says so. Without a login the
    lecturer page offers one (and the reload comes back here; the presenter
    page sends there for it). The lookup counts against the probing limits
    like the REST one; when it cannot be made (limits, database) the page
    comes anyway and shows the API's error.
    """
    user = session = None
    try:
        user = await current_user(request)
        if user is not None:
            keyword = request.match_info["keyword"]
            caller = await caller_of(request)
            session = await find_session(request.app, keyword, caller, request.remote)
    except SessionNotFound:
        raise web.HTTPFound("/?notification=keyword-invalid") from None
    except ArsnovaError:
        pass
    if user is not None and session is not None and not manages(user, session):
        raise web.HTTPFound(f"/join/{quote(session['keyword'], safe='')}")
    name = request.path.split("/")[1]  # "lecturer" or "presenter", as routed above
    return page_response(request, STATIC / f"{name}.html")


@routes.get("/join/")
async def join_without_keyword(request: web.Request) -> web.Response:
    """The landing page asks for the keyword."""
    raise web.HTTPFound("/")


def setup_web(app: web.Application) -> None:
    missing = [name for name in VENDOR_FILES if not (STATIC / "vendor" / name).is_file()]
    if missing:
        log.error(
            "web pages are missing %s in %s: run `make assets` (npm) first",
            ", ".join(missing),
            STATIC / "vendor",
        )
    app.add_routes(routes)
    app.router.add_static("/static/", STATIC)
