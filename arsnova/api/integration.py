"""/integration/…: learning platforms send their users into lecture sessions with one click.

The platform (with an access token of scope `integration`) requests a place
for a user and gets an activation link; the user's browser opens it, is
logged in as that user and lands on the session's student page. A browser
that cannot get in is sent back to the platform's `index_url` with
`notification=…`, and only to allowed hosts: never an open redirect.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from urllib.parse import urlencode, urlunsplit

from aiohttp import web

from arsnova.api.openapi import operation
from arsnova.api.params import load_query
from arsnova.api.sessions import session_of
from arsnova.auth import PLATFORM_SCOPE, current_user, require_scope, require_user, start_login
from arsnova.errors import InvalidToken
from arsnova.identity import User
from arsnova.keys import settings_key
from arsnova.schemas.integration import (
    ActivationQuerySchema,
    CatalogQuerySchema,
    CatalogSessionSchema,
    IntegrationUserSchema,
    JoinQuerySchema,
    PlaceRequestQuerySchema,
    PlaceSchema,
    UserPlaceSchema,
)
from arsnova.services import places as service
from arsnova.services.places import LinkRefused
from arsnova.services.sessions import join_session
from arsnova.urls import split_url

routes = web.RouteTableDef()
request_query_schema = PlaceRequestQuerySchema()
place_schema = PlaceSchema()
activation_query_schema = ActivationQuerySchema()
join_query_schema = JoinQuerySchema()
profile_schema = IntegrationUserSchema()
user_places_schema = UserPlaceSchema(many=True)
catalog_query_schema = CatalogQuerySchema()
catalog_schema = CatalogSessionSchema(many=True)

STUDENT_PAGE = "/join/{keyword}"


@contextmanager
def back_to_index() -> Iterator[None]:
    """A refused link redirects to the platform's index_url with `notification=…`
    (400 JSON if there is nowhere to go)."""
    try:
        yield
    except LinkRefused as refused:
        if refused.index_url is None:
            raise
        parts = split_url(refused.index_url)
        notification = urlencode({"notification": refused.code})
        query = "&".join(filter(None, [parts.query, notification]))
        raise web.HTTPFound(urlunsplit(parts._replace(query=query))) from None


async def integration(request: web.Request) -> User:
    """The platform's service account: 401 `invalid-token` without a valid bearer token."""
    user = await current_user(request)
    if user is None:
        raise InvalidToken()
    require_scope(request, PLATFORM_SCOPE)
    return user


@routes.get("/integration/session/{keyword}/request/")
@routes.post("/integration/session/{keyword}/request/")
@operation(query=request_query_schema, responses={200: place_schema}, errors=(403, 404, 409))
async def request_place(request: web.Request) -> web.Response:
    """A place for a user (new without `user`), with a single-use activation link.

    A user who holds a place in the session gets it back with a fresh link
    (another platform's user is unknown here: a new one); 404
    `session-not-found` also for another platform's session; 409
    `session-unavailable` when the session is full, `session-closed` while
    it is locked; 400 `index-url-not-allowed` for a host not in
    `ARSNOVA_INDEX_URL_ALLOWED`.
    """
    platform = await integration(request)
    query = load_query(request, request_query_schema)
    index_url = service.require_index_url(request.app[settings_key], query.get("index_url"))
    session = await session_of(request)
    place = await service.request_place(request.app, platform, session, query, index_url)
    return web.json_response(place_schema.dump(place))


@routes.get("/integration/place/{place}/activate/")
@operation(query=activation_query_schema, responses={302: None}, login=False)
async def activate_place(request: web.Request) -> web.StreamResponse:
    """Opened in the user's browser: logs it in as the place's user, then to the student page.

    Failures go back to `index_url` with `notification=` `session-invalid`
    (unknown, expired or used link), `session-deleted` (session gone or
    locked) or `session-unavailable` (the session filled up meanwhile).
    """
    with back_to_index():
        identity, session = await service.activate(
            request.app,
            request.match_info["place"],
            request.query.get("token"),
            request.query.get("index_url"),
        )
    response = web.HTTPFound(STUDENT_PAGE.format(keyword=session["keyword"]))
    await start_login(request, response, identity)
    await join_session(request.app, identity.username, session)
    raise response


@routes.get("/integration/session/{keyword}/join/")
@operation(query=join_query_schema, responses={302: None}, login=False)
async def rejoin(request: web.Request) -> web.StreamResponse:
    """A returning browser (still logged in as a platform user) goes back into the session.

    Without a live place it goes back to `index_url` with `notification=`
    `keyword-invalid` (no such session), `session-deleted` (locked) or
    `session-invalid` (no place, or not logged in as a platform user).
    """
    with back_to_index():
        session = await service.rejoin(
            request.app,
            request.query.get("index_url"),
            partial(session_of, request),
            partial(current_user, request),
        )
    raise web.HTTPFound(STUDENT_PAGE.format(keyword=session["keyword"]))


@routes.get("/integration/user/{user}/")
@operation(responses={200: profile_schema}, errors=(403, 404))
async def user_profile(request: web.Request) -> web.Response:
    """What the platform told about one of its users (email, names); admins see all."""
    user = await require_user(request)
    if not user.is_admin:
        require_scope(request, PLATFORM_SCOPE)
    profile = await service.profile_of(request.app, user, request.match_info["user"])
    return web.json_response(profile_schema.dump(profile))


@routes.get("/integration/user/{user}/sessions/")
@operation(responses={200: user_places_schema}, errors=(403, 404))
async def user_places(request: web.Request) -> web.Response:
    """The places of one of the platform's users that have not expired, across sessions."""
    platform = await integration(request)
    rows = await service.places_of_user(request.app, platform, request.match_info["user"])
    return web.json_response(user_places_schema.dump(rows))


@routes.post("/integration/place/{place}/extend/")
@operation(responses={200: user_places_schema}, errors=(403, 404, 409))
async def extend_place(request: web.Request) -> web.Response:
    """Restarts an active place of the platform's users (sessions with a `placeDuration` only)."""
    platform = await integration(request)
    row = await service.extend_place(request.app, platform, request.match_info["place"])
    return web.json_response(user_places_schema.dump([row]))


@routes.get("/integration/catalog/sessions/")
@operation(query=catalog_query_schema, responses={200: catalog_schema}, errors=(403,))
async def catalog(request: web.Request) -> web.Response:
    """The platform's lecture sessions with state and capacity; `sessions=true` adds places.

    `state` (repeatable): RUNNING (open), STOPPING (locked, places still
    active), STOPPED (locked, no places); default RUNNING.
    """
    platform = await integration(request)
    raw: dict[str, object] = {"state": request.query.getall("state", [])}
    if "sessions" in request.query:
        raw["sessions"] = request.query["sessions"]
    query = catalog_query_schema.load(raw)
    rows = await service.catalog(request.app, platform, query["state"], query["sessions"])
    return web.json_response(catalog_schema.dump(rows))
