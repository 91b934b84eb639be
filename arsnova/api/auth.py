"""/auth/: login (redirecting, as the seed's clients expect), logout, who am I."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlunsplit

from aiohttp import web

from arsnova.api.openapi import operation
from arsnova.api.params import load_query
from arsnova.auth import end_login, is_safe_redirect, login_provider, require_user, start_login
from arsnova.errors import ArsnovaError, BadRequest
from arsnova.schemas.auth import LoginQuerySchema, WhoAmISchema
from arsnova.urls import split_url

routes = web.RouteTableDef()
login_query_schema = LoginQuerySchema()
who_am_i_schema = WhoAmISchema()


def checked_redirect(request: web.Request, url: str | None, name: str) -> str | None:
    if url is not None and not is_safe_redirect(request, url):
        raise BadRequest(
            f"{name} must be a path on this server or an allowed origin.", code="invalid-redirect"
        )
    return url


def with_error(url: str, code: str) -> str:
    parts = split_url(url)
    query = urlencode([*parse_qsl(parts.query), ("error", code)])
    return urlunsplit(parts._replace(query=query))


@routes.get("/auth/login")
@operation(query=login_query_schema, responses={200: who_am_i_schema, 302: None}, login=False)
async def login(request: web.Request) -> web.StreamResponse:
    """Logs in with a provider (`type`, default guest); redirects to `successurl` when given.

    On failure the browser goes to `failureurl` with `error=<code>`, or the
    caller gets the JSON error.
    """
    query = load_query(request, login_query_schema)
    success = checked_redirect(request, query.get("successurl"), "successurl")
    failure = checked_redirect(request, query.get("failureurl"), "failureurl")
    try:
        identity = await login_provider(request, query["type"]).identify(request, request.query)
    except ArsnovaError as exc:
        if failure is None:
            raise
        raise web.HTTPFound(with_error(failure, exc.code)) from None
    body = who_am_i_schema.dump({"username": identity.username, "type": identity.type})
    response = web.HTTPFound(success) if success else web.json_response(body)
    await start_login(request, response, identity)
    if isinstance(response, web.HTTPFound):
        raise response
    return response


@routes.get("/auth/logout")
@routes.post("/auth/logout")
@operation(responses={204: None, 302: None}, login=False)
async def logout(request: web.Request) -> web.StreamResponse:
    """Ends the login; redirects back to the referring page of this server, else 204."""
    referer = request.headers.get("Referer")
    if referer and is_safe_redirect(request, referer):
        response: web.StreamResponse = web.HTTPFound(referer)
    else:
        response = web.Response(status=204)
    await end_login(request, response)
    if isinstance(response, web.HTTPFound):
        raise response
    return response


@routes.get("/auth/")
@operation(responses={200: who_am_i_schema})
async def get_login(request: web.Request) -> web.Response:
    """Who is logged in: `{username, type}`, or 401."""
    user = await require_user(request)
    return web.json_response(who_am_i_schema.dump({"username": user.username, "type": user.type}))
