"""/auth/: login (redirecting, as the seed's clients expect), logout, who am I."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlunsplit

from aiohttp import web

from arsnova.api.csrf import require_own_site
from arsnova.api.openapi import operation
from arsnova.api.params import load_body, load_query
from arsnova.auth import (
    configured_provider,
    end_login,
    hash_token,
    is_safe_redirect,
    login_provider,
    password_provider,
    require_user,
    start_login,
    with_new_key,
)
from arsnova.errors import ArsnovaError, BadRequest, NotFound
from arsnova.keys import store_key
from arsnova.oidc import BINDING_COOKIE, BINDING_PATH, CALLBACK_PATH, OidcProvider
from arsnova.realtime.maintenance import disconnect_login
from arsnova.schemas.auth import (
    LoginLinkQuerySchema,
    LoginQuerySchema,
    OidcCallbackQuerySchema,
    PasswordLoginSchema,
    WhoAmISchema,
)
from arsnova.urls import split_url

routes = web.RouteTableDef()
login_query_schema = LoginQuerySchema()
who_am_i_schema = WhoAmISchema()
link_query_schema = LoginLinkQuerySchema()
password_login_schema = PasswordLoginSchema()
oidc_callback_schema = OidcCallbackQuerySchema()


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
@operation(
    query=login_query_schema,
    responses={200: who_am_i_schema, 302: None},
    errors=(403, 409),
    login=False,
)
async def login(request: web.Request) -> web.StreamResponse:
    """Logs in with a provider (`type`, default guest); redirects to `successurl` when given.

    On failure the browser goes to `failureurl` with `error=<code>`, or the
    caller gets the JSON error.
    """
    require_own_site(request)
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


@routes.get(CALLBACK_PATH)
@operation(
    query=oidc_callback_schema,
    responses={200: who_am_i_schema, 302: None},
    errors=(401, 403, 502, 503),
    login=False,
)
async def oidc_callback(request: web.Request) -> web.StreamResponse:
    """Single sign-on (OpenID Connect): the provider sends the browser back here.

    The `state` must be of a sign-in this browser started (`GET
    /auth/login?type=oidc`), once; else 400 `oidc-state-invalid`. Then the
    browser goes to that sign-in's `successurl`, logged in, or to its
    `failureurl` with `error=<code>` (`oidc-login-denied`, `oidc-code-invalid`,
    `oidc-token-invalid`, `oidc-username-not-allowed`,
    `oidc-provider-unreachable`, …); without those URLs, the JSON answer.
    """
    query = load_query(request, oidc_callback_schema)
    provider = configured_provider(request, OidcProvider.name)
    if not isinstance(provider, OidcProvider):  # another kind registered under the name
        raise BadRequest("Single sign-on is not configured here.", code="login-type-not-configured")
    pending = await provider.take_pending(request, query["state"])
    try:
        identity = await provider.finish(request, query, pending)
    except ArsnovaError as exc:
        if pending["failure"] is None:
            raise
        failed = web.HTTPFound(with_error(pending["failure"], exc.code))
        failed.del_cookie(BINDING_COOKIE, path=BINDING_PATH)
        raise failed from None
    success = pending["success"]
    body = who_am_i_schema.dump({"username": identity.username, "type": identity.type})
    response = web.HTTPFound(success) if success else web.json_response(body)
    response.del_cookie(BINDING_COOKIE, path=BINDING_PATH)
    await start_login(request, response, identity, adopt_guest=pending["keep_guest"])
    if isinstance(response, web.HTTPFound):
        raise response
    return response


@routes.post("/auth/login")
@operation(
    body=password_login_schema, responses={200: who_am_i_schema}, errors=(403, 503), login=False
)
async def password_login(request: web.Request) -> web.Response:
    """Logs in with a user name (or e-mail) and password of a password login type.

    401 `wrong-credentials` alike for an unknown user and a wrong password.
    """
    require_own_site(request)
    body = await load_body(request, password_login_schema)
    provider = password_provider(request, body["type"])
    identity = await provider.authenticate(request, body["user"], body["password"])
    response = web.json_response(
        who_am_i_schema.dump({"username": identity.username, "type": identity.type})
    )
    await start_login(request, response, identity, adopt_guest=body["keep_guest_sessions"])
    return response


@routes.get("/auth/logout")
@routes.post("/auth/logout")
@operation(responses={204: None, 302: None}, errors=(403,), login=False)
async def logout(request: web.Request) -> web.StreamResponse:
    """Ends the login; redirects back to the referring page of this server, else 204.

    The login's sockets (both namespaces, on every node) are disconnected at
    once. The browser keeps its guest key, so logging in again resumes the
    same guest.
    """
    require_own_site(request)
    referer = request.headers.get("Referer")
    if referer and is_safe_redirect(request, referer):
        response: web.StreamResponse = web.HTTPFound(referer)
    else:
        response = web.Response(status=204)
    ended = await end_login(request, response)
    if ended is not None:
        await disconnect_login(request.app, ended)
    if isinstance(response, web.HTTPFound):
        raise response
    return response


@routes.get("/auth/link")
@operation(query=link_query_schema, responses={302: None}, errors=(404,), login=False)
async def login_link(request: web.Request) -> web.StreamResponse:
    """Opens a login link of `arsnova login-link` (once): logs in, keeps a key, goes to `/`.

    This is how an admin of `ARSNOVA_ADMINS` first logs in, since an admin's
    name alone never logs anyone in. The token is in the query, which the
    access log leaves out.
    """
    token = load_query(request, link_query_schema)["token"]
    name = await request.app[store_key].guests.redeem_link(hash_token(token))
    if name is None:
        raise NotFound(
            "This login link was used already or has expired.", code="login-link-invalid"
        )
    response = web.HTTPFound("/")
    await start_login(request, response, await with_new_key(request, name))
    raise response


@routes.get("/auth/")
@operation(responses={200: who_am_i_schema})
async def get_login(request: web.Request) -> web.Response:
    """Who is logged in: `{username, type}`, or 401."""
    user = await require_user(request)
    return web.json_response(who_am_i_schema.dump({"username": user.username, "type": user.type}))
