"""/socket/…: where the Socket.IO server is, and binding a socket to the caller's login."""

from __future__ import annotations

import secrets

from aiohttp import web

from arsnova.api.openapi import TEXT, operation
from arsnova.api.params import load_body
from arsnova.auth import browser_login, current_login, hash_token, require_user
from arsnova.identity import Identity
from arsnova.keys import settings_key, store_key
from arsnova.schemas.events import SocketTokenSchema
from arsnova.schemas.feedback import SocketAssignSchema
from arsnova.urls import own_origin

routes = web.RouteTableDef()
assign_schema = SocketAssignSchema()
token_schema = SocketTokenSchema()


@routes.get("/socket/url")
@operation(responses={200: TEXT}, login=False)
async def socket_url(request: web.Request) -> web.Response:
    """The Socket.IO server's URL: `ARSNOVA_SOCKET_URL`, or this server's own origin."""
    url = request.app[settings_key].socket_url or own_origin(request)
    return web.Response(text=url, content_type="text/plain")


@routes.post("/socket/token")
@operation(responses={201: token_schema}, errors=(403,))
async def create_socket_token(request: web.Request) -> web.Response:
    """A single-use token for one `/events` connection, valid `ARSNOVA_SOCKET_TOKEN_TTL` s.

    Only its hash is stored; it works only while the caller's login does (so
    access tokens get 403 `browser-login-required`).
    """
    _user, login = await browser_login(request)
    ttl = request.app[settings_key].socket_token_ttl
    token = secrets.token_urlsafe(32)
    await request.app[store_key].socket_tokens.issue(hash_token(token), login, ttl)
    return web.json_response(token_schema.dump({"token": token, "expires_in": ttl}), status=201)


@routes.post("/socket/assign")
@operation(body=assign_schema, responses={204: None}, errors=(404, 409))
async def assign_socket(request: web.Request) -> web.Response:
    """Binds the connected socket `session` (its socket id) to the caller's login.

    404 `socket-not-found` if no such socket is connected (on any node),
    409 `socket-bound-elsewhere` if another user's login holds it already.
    """
    user = await require_user(request)
    sid = (await load_body(request, assign_schema))["session"]
    # An access token's user (current_user prefers it) has no login to follow.
    login = None if "Authorization" in request.headers else await current_login(request)
    login_id = None if login is None else login["id"]
    await request.app[store_key].sockets.bind(
        sid, Identity(user.username, user.type, role=user.role), login_id
    )
    return web.Response(status=204)
