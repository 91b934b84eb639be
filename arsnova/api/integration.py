"""/integration/…: learning platforms send their users into lecture sessions with one click.

The platform (with an access token of scope `integration`) requests a place
for a user and gets an activation link; the user's browser opens it, is
logged in as that user and lands on the session's student page. A browser
that cannot get in is sent back to the platform's `index_url` with
`notification=…`, and only to allowed hosts: never an open redirect.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any
from urllib.parse import urlencode, urlunsplit

from aiohttp import web

from arsnova.api.openapi import operation
from arsnova.api.params import load_query
from arsnova.api.sessions import session_of
from arsnova.auth import (
    PLATFORM_SCOPE,
    SERVICE_PREFIX,
    current_user,
    hash_token,
    require_scope,
    require_user,
    start_login,
)
from arsnova.errors import BadRequest, Conflict, InvalidToken, NotFound
from arsnova.identity import Identity, User
from arsnova.keys import settings_key, store_key
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
from arsnova.services.policy import manages
from arsnova.services.sessions import join_session
from arsnova.store.common import Page, now
from arsnova.store.sessions import SessionNotFound
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

USER_TYPE = "integration"
USER_PREFIX = "user-"
STUDENT_PAGE = "/join/{keyword}"
PROFILE_FIELDS = ("email", "first_name", "last_name")


def username_of(user_id: str) -> str:
    """The login name of an integration user (what answers and questions record)."""
    return USER_PREFIX + user_id


def allowed_index_url(request: web.Request, url: str | None) -> str | None:
    """`url` if it is absolute http(s) on an allowed host, else None."""
    if not url or not url.isprintable() or any(char in url for char in "\\ "):
        return None  # browsers read a backslash as a slash: never let one through
    settings = request.app[settings_key]
    parts = split_url(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    allowed = set(settings.index_url_allowed)
    if settings.default_index_url:
        allowed.add((split_url(settings.default_index_url).hostname or "").lower())
    return url if parts.hostname.lower() in allowed else None


def back_to_index(request: web.Request, index_url: str | None, notification: str) -> web.HTTPFound:
    """The redirect to the platform with `notification=…` (400 JSON if there is nowhere to go)."""
    target = index_url or request.app[settings_key].default_index_url
    if target is None:
        raise BadRequest(
            f"The link cannot be used ({notification}) and no index_url is known.",
            code=notification,
        )
    parts = split_url(target)
    query = "&".join(filter(None, [parts.query, urlencode({"notification": notification})]))
    return web.HTTPFound(urlunsplit(parts._replace(query=query)))


def timing(place: dict[str, Any], moment: datetime) -> dict[str, Any]:
    expires = place["expires_at"]
    return {
        "name": place["_id"],
        "started": place["activated_at"] or place["created_at"],
        "expires": expires,
        "countdown": None if expires is None else max(0, int((expires - moment).total_seconds())),
    }


async def session_of_place(request: web.Request, place: dict[str, Any]) -> dict[str, Any] | None:
    try:
        return await request.app[store_key].sessions.by_id(str(place["session_id"]))
    except NotFound:
        return None


async def integration(request: web.Request) -> User:
    """The platform's service account: 401 `invalid-token` without a valid bearer token."""
    user = await current_user(request)
    if user is None:
        raise InvalidToken()
    require_scope(request, PLATFORM_SCOPE)
    return user


def seen_by(user: User) -> str | None:
    """Whose users and places `user` sees: a platform its own, an admin everyone's (None)."""
    return None if user.is_admin else user.username


def may_seat(service: User, session: dict[str, Any]) -> bool:
    """A platform seats users in its own and in lecturers' sessions, not another platform's."""
    creator = session["creator"]
    return manages(service, session) or not creator.startswith(SERVICE_PREFIX)


async def seen_user(request: web.Request, user: User) -> dict[str, Any]:
    """The `{user}` of the path; 404 also for another platform's user (its existence is its own)."""
    places = request.app[store_key].places
    found = await places.user_by_id(request.match_info["user"], seen_by(user))
    if found is None:
        raise NotFound("No such user.", code="user-not-found")
    return found


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
    service = await integration(request)
    query = load_query(request, request_query_schema)
    index_url = query.get("index_url")
    if index_url is not None and allowed_index_url(request, index_url) is None:
        raise BadRequest(
            "index_url must be an absolute http(s) URL on an allowed host.",
            code="index-url-not-allowed",
        )
    session = await session_of(request)
    if not may_seat(service, session):
        raise SessionNotFound()
    if not session["active"]:
        raise Conflict("The lecture session is locked.", code="session-closed")
    store = request.app[store_key]
    settings = request.app[settings_key]
    profile = {field: query[field] for field in PROFILE_FIELDS if field in query}
    user, created = await store.places.user(
        query.get("user"), profile, service.username, seen_by(service)
    )
    token = secrets.token_urlsafe(32)
    await store.places.clear_stale_of(session["id"], user["_id"])
    place = await store.places.live_of(session["id"], user["_id"])
    if place is None:
        # The place first: the unique index settles a race of the same user's requests.
        place = await store.places.create(
            session, user, hash_token(token), settings.activation_timeout, index_url
        )
        if place is None:
            place = await store.places.live_of(session["id"], user["_id"])
        elif not await store.places.take_seat(session["id"]):
            await store.places.discard(place, forget_user=created)
            raise Conflict("The lecture session is full.", code="session-unavailable")
    if place is None:
        raise Conflict("The place could not be kept; try again.", code="place-conflict")
    place = await store.places.renew_activation(
        place["_id"], hash_token(token), settings.activation_timeout, index_url
    )
    link = {"token": token, **({"index_url": index_url} if index_url else {})}
    body = {
        "name": place["_id"],
        "user": user["_id"],
        "url": f"/integration/place/{place['_id']}/activate/?{urlencode(link)}",
        "keyword": session["keyword"],
        "session_name": session["name"],
    }
    return web.json_response(place_schema.dump(body))


@routes.get("/integration/place/{place}/activate/")
@operation(query=activation_query_schema, responses={302: None}, login=False)
async def activate_place(request: web.Request) -> web.StreamResponse:
    """Opened in the user's browser: logs it in as the place's user, then to the student page.

    Failures go back to `index_url` with `notification=` `session-invalid`
    (unknown, expired or used link), `session-deleted` (session gone or
    locked) or `session-unavailable` (the session filled up meanwhile).
    """
    store = request.app[store_key]
    index_url = allowed_index_url(request, request.query.get("index_url"))
    place = await store.places.get(request.match_info["place"])
    if place is not None:
        index_url = index_url or allowed_index_url(request, place["index_url"])
    token = request.query.get("token")
    token_hash = hash_token(token) if token and len(token) <= 200 else ""
    if place is None or not store.places.activatable(place, token_hash):
        raise back_to_index(request, index_url, "session-invalid")
    session = await session_of_place(request, place)
    if session is None or not session["active"]:
        raise back_to_index(request, index_url, "session-deleted")
    capacity = session.get("capacity")
    if capacity is not None and session.get("allocated", 0) > capacity:
        await store.places.release(place)
        raise back_to_index(request, index_url, "session-unavailable")
    activated = await store.places.activate(place, token_hash, session.get("place_duration"))
    if activated is None:
        raise back_to_index(request, index_url, "session-invalid")
    response = web.HTTPFound(STUDENT_PAGE.format(keyword=session["keyword"]))
    identity = Identity(username_of(place["user_id"]), USER_TYPE)
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
    index_url = allowed_index_url(request, request.query.get("index_url"))
    store = request.app[store_key]
    try:
        session = await session_of(request)
    except NotFound:
        raise back_to_index(request, index_url, "keyword-invalid") from None
    if not session["active"]:
        raise back_to_index(request, index_url, "session-deleted")
    user = await current_user(request)
    if user is None or user.type != USER_TYPE:
        raise back_to_index(request, index_url, "session-invalid")
    place = await store.places.live_of(session["id"], user.username.removeprefix(USER_PREFIX))
    if place is None or place["status"] != "active":
        raise back_to_index(request, index_url, "session-invalid")
    raise web.HTTPFound(STUDENT_PAGE.format(keyword=session["keyword"]))


@routes.get("/integration/user/{user}/")
@operation(responses={200: profile_schema}, errors=(403, 404))
async def user_profile(request: web.Request) -> web.Response:
    """What the platform told about one of its users (email, names); admins see all."""
    user = await require_user(request)
    if not user.is_admin:
        require_scope(request, PLATFORM_SCOPE)
    found = await seen_user(request, user)
    return web.json_response(profile_schema.dump({**found, "user": found["_id"]}))


@routes.get("/integration/user/{user}/sessions/")
@operation(responses={200: user_places_schema}, errors=(403, 404))
async def user_places(request: web.Request) -> web.Response:
    """The places of one of the platform's users that have not expired, across sessions."""
    user = await seen_user(request, await integration(request))
    store = request.app[store_key]
    moment = now()
    rows = []
    for place in await store.places.of_user(user["_id"]):
        session = await session_of_place(request, place)
        if session is None:
            continue
        extendable = bool(session.get("place_duration")) and session["active"]
        rows.append({
            **timing(place, moment),
            "keyword": session["keyword"],
            "session_name": session["name"],
            "extendable": extendable and place["status"] == "active",
        })  # fmt: skip
    return web.json_response(user_places_schema.dump(rows))


@routes.post("/integration/place/{place}/extend/")
@operation(responses={200: user_places_schema}, errors=(403, 404, 409))
async def extend_place(request: web.Request) -> web.Response:
    """Restarts an active place of the platform's users (sessions with a `placeDuration` only)."""
    service = await integration(request)
    store = request.app[store_key]
    place = await store.places.get(request.match_info["place"])
    if place is None or await store.places.user_by_id(place["user_id"], seen_by(service)) is None:
        raise NotFound("No such place.", code="place-not-found")
    session = await session_of_place(request, place)
    duration = None if session is None else session.get("place_duration")
    if not duration or not session["active"] or place["status"] != "active":
        raise Conflict("This place cannot be extended.", code="place-not-extendable")
    extended = await store.places.extend(place["_id"], duration)
    if extended is None:
        raise NotFound("No such place.", code="place-not-found")
    row = {**timing(extended, now()), "keyword": session["keyword"],
           "session_name": session["name"], "extendable": True}  # fmt: skip
    return web.json_response(user_places_schema.dump([row]))


@routes.get("/integration/catalog/sessions/")
@operation(query=catalog_query_schema, responses={200: catalog_schema}, errors=(403,))
async def catalog(request: web.Request) -> web.Response:
    """The platform's lecture sessions with state and capacity; `sessions=true` adds places.

    `state` (repeatable): RUNNING (open), STOPPING (locked, places still
    active), STOPPED (locked, no places); default RUNNING.
    """
    service = await integration(request)
    raw = {"state": request.query.getall("state", [])}
    if "sessions" in request.query:
        raw["sessions"] = request.query["sessions"]
    query = catalog_query_schema.load(raw)
    states = set(query["state"] or ["RUNNING"])
    store = request.app[store_key]
    everything = Page()
    if service.is_admin:
        sessions = await store.sessions.everything(everything)
    else:
        sessions = await store.sessions.owned(service.username, everything)
    places = await store.places.of_sessions([session["id"] for session in sessions])
    moment = now()
    rows = []
    for session in sessions:
        own = [place for place in places if str(place["session_id"]) == session["id"]]
        state = "RUNNING" if session["active"] else ("STOPPING" if own else "STOPPED")
        if state not in states:
            continue
        capacity = session.get("capacity")
        allocated = session.get("allocated", 0)
        row = {
            "keyword": session["keyword"],
            "name": session["name"],
            "state": state,
            "capacity": capacity,
            "allocated": allocated,
            "available": None if capacity is None else max(0, capacity - allocated),
        }
        if query["sessions"]:
            row["sessions"] = [{**timing(place, moment), "user": place["user_id"]} for place in own]
        rows.append(row)
    return web.json_response(catalog_schema.dump(rows))
