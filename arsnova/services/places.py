"""Places: the seats a learning platform requests for its users in lecture sessions.

A platform (an access token of scope `integration`) seats users in its own
sessions and in lecturers' ones, never in another platform's; it sees only
the users it sent in (an admin sees everyone's). A user holds at most one
live place per session: asking again returns it with a fresh single-use
activation link. Opening the link in a browser logs it in as that user
(`user-<id>`, login type `integration`) and joins the session. A link that
cannot be used sends the browser back to the platform's `index_url`, on an
allowed host only (never an open redirect), with a `notification`.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable, Iterable, Mapping
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from arsnova.auth import SERVICE_PREFIX, hash_token
from arsnova.errors import BadRequest, Conflict, NotFound
from arsnova.identity import Identity, User
from arsnova.keys import settings_key, store_key
from arsnova.services.policy import manages
from arsnova.settings import Settings
from arsnova.store.common import Page, now
from arsnova.store.places import Place, PlatformUser
from arsnova.store.sessions import Session, SessionNotFound
from arsnova.urls import split_url

USER_TYPE = "integration"
USER_PREFIX = "user-"
PROFILE_FIELDS = ("email", "first_name", "last_name")
MAX_LINK_TOKEN = 200


class LinkRefused(BadRequest):
    """A browser's link that cannot be used: it goes back to `index_url` with `notification=`
    the code, and where no index_url is known the browser gets this 400 instead."""

    def __init__(self, notification: str, index_url: str | None) -> None:
        super().__init__(
            f"The link cannot be used ({notification}) and no index_url is known.",
            code=notification,
        )
        self.index_url = index_url


# Platform users


def username_of(user_id: str) -> str:
    """The login name of a platform user (what answers and questions record)."""
    return USER_PREFIX + user_id


def user_id_of(user: User | None) -> str | None:
    """The platform user a login is, or None for anybody else."""
    if user is None or user.type != USER_TYPE:
        return None
    return user.username.removeprefix(USER_PREFIX)


def seen_by(user: User) -> str | None:
    """Whose users and places `user` sees: a platform its own, an admin everyone's (None)."""
    return None if user.is_admin else user.username


async def platform_user(app: web.Application, viewer: User, user_id: str) -> PlatformUser:
    """One of the viewer's users; 404 also for another platform's (its existence is its own)."""
    found = await app[store_key].places.user_by_id(user_id, seen_by(viewer))
    if found is None:
        raise NotFound("No such user.", code="user-not-found")
    return found


async def profile_of(app: web.Application, viewer: User, user_id: str) -> dict[str, Any]:
    """What the platform told about one of its users (email, names)."""
    found = await platform_user(app, viewer, user_id)
    return {**found, "user": found["id"]}


# Index URLs


def allowed_index_url(settings: Settings, url: str | None) -> str | None:
    """`url` if it is absolute http(s) on an allowed host, else None."""
    if not url or not url.isprintable() or any(char in url for char in "\\ "):
        return None  # browsers read a backslash as a slash: never let one through
    parts = split_url(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    allowed = set(settings.index_url_allowed)
    if settings.default_index_url:
        allowed.add((split_url(settings.default_index_url).hostname or "").lower())
    return url if parts.hostname.lower() in allowed else None


def require_index_url(settings: Settings, url: str | None) -> str | None:
    """The index_url a platform sent (or None); 400 `index-url-not-allowed` off allowed hosts."""
    if url is not None and allowed_index_url(settings, url) is None:
        raise BadRequest(
            "index_url must be an absolute http(s) URL on an allowed host.",
            code="index-url-not-allowed",
        )
    return url


def refusal(settings: Settings, *urls: str | None) -> Callable[[str], LinkRefused]:
    """Refusals of a link, back to the first allowed of `urls`, else the default index_url."""
    allowed = (allowed_index_url(settings, url) for url in urls)
    target = next(filter(None, allowed), None) or settings.default_index_url
    return lambda notification: LinkRefused(notification, target)


# Places


def may_seat(platform: User, session: Mapping[str, Any]) -> bool:
    """A platform seats users in its own and in lecturers' sessions, not another platform's."""
    return manages(platform, session) or not session["creator"].startswith(SERVICE_PREFIX)


async def request_place(
    app: web.Application,
    platform: User,
    session: Mapping[str, Any],
    asked: Mapping[str, Any],
    index_url: str | None,
) -> dict[str, Any]:
    """A place for the user `asked` names (a new user without one), with a fresh activation link.

    `asked`: the loaded request, `user` and the profile fields. 404 for another
    platform's session, 409 `session-closed` while it is locked and
    `session-unavailable` when it is full.
    """
    if not may_seat(platform, session):
        raise SessionNotFound()
    if not session["active"]:
        raise Conflict("The lecture session is locked.", code="session-closed")
    places = app[store_key].places
    timeout = app[settings_key].activation_timeout
    profile = {field: asked[field] for field in PROFILE_FIELDS if field in asked}
    user, created = await places.user(
        asked.get("user"), profile, platform.username, seen_by(platform)
    )
    token = secrets.token_urlsafe(32)
    await places.clear_stale_of(session["id"], user["id"])
    place = await places.live_of(session["id"], user["id"])
    if place is None:
        # The place first: the unique index settles a race of the same user's requests.
        place = await places.create(session, user, hash_token(token), timeout, index_url)
        if place is None:
            place = await places.live_of(session["id"], user["id"])
        elif not await places.take_seat(session["id"]):
            await places.discard(place, forget_user=created)
            raise Conflict("The lecture session is full.", code="session-unavailable")
    if place is not None:
        place = await places.renew_activation(place["id"], hash_token(token), timeout, index_url)
    if place is None:
        raise Conflict("The place could not be kept; try again.", code="place-conflict")
    link = {"token": token, **({"index_url": index_url} if index_url else {})}
    return {
        "name": place["id"],
        "user": user["id"],
        "url": f"/integration/place/{place['id']}/activate/?{urlencode(link)}",
        "keyword": session["keyword"],
        "session_name": session["name"],
    }


async def activate(
    app: web.Application, place_id: str, token: str | None, index_url: str | None
) -> tuple[Identity, Session]:
    """Uses a place's activation link: the identity to log the browser in as, and its session.

    `LinkRefused` with `session-invalid` (unknown, expired or used link),
    `session-deleted` (the session gone or locked) or `session-unavailable`
    (it filled up meanwhile: the place is released).
    """
    places = app[store_key].places
    place = await places.get(place_id)
    refuse = refusal(app[settings_key], index_url, None if place is None else place["index_url"])
    token_hash = hash_token(token) if token and len(token) <= MAX_LINK_TOKEN else ""
    if place is None or not places.activatable(place, token_hash):
        raise refuse("session-invalid")
    session = await session_of_place(app, place)
    if session is None or not session["active"]:
        raise refuse("session-deleted")
    capacity = session.get("capacity")
    if capacity is not None and session.get("allocated", 0) > capacity:
        await places.release(place)
        raise refuse("session-unavailable")
    if await places.activate(place, token_hash, session.get("place_duration")) is None:
        raise refuse("session-invalid")
    return Identity(username_of(place["user_id"]), USER_TYPE), session


async def rejoin(
    app: web.Application,
    index_url: str | None,
    find_session: Callable[[], Awaitable[Session]],
    caller: Callable[[], Awaitable[User | None]],
) -> Session:
    """The session a returning browser goes back into, with a live, activated place of the
    platform user it is logged in as.

    The lookups are the request's, called in this order: `find_session` (404:
    `keyword-invalid`), then, for an open session (else `session-deleted`),
    `caller`; `LinkRefused` `session-invalid` without such a place or login.
    """
    refuse = refusal(app[settings_key], index_url)
    try:
        session = await find_session()
    except NotFound:
        raise refuse("keyword-invalid") from None
    if not session["active"]:
        raise refuse("session-deleted")
    user_id = user_id_of(await caller())
    if user_id is None:
        raise refuse("session-invalid")
    place = await app[store_key].places.live_of(session["id"], user_id)
    if place is None or place["status"] != "active":
        raise refuse("session-invalid")
    return session


async def session_of_place(app: web.Application, place: Place) -> Session | None:
    """The place's session, or None once it is deleted."""
    try:
        return await app[store_key].sessions.by_id(place["session_id"])
    except NotFound:
        return None


def timing(place: Place, moment: datetime) -> dict[str, Any]:
    """A place's name, start, expiry and seconds left at `moment`."""
    expires = place["expires_at"]
    return {
        "name": place["id"],
        "started": place["activated_at"] or place["created_at"],
        "expires": expires,
        "countdown": None if expires is None else max(0, int((expires - moment).total_seconds())),
    }


async def places_of_user(app: web.Application, viewer: User, user_id: str) -> list[dict[str, Any]]:
    """The places of one of the viewer's users that have not expired, across sessions."""
    user = await platform_user(app, viewer, user_id)
    moment = now()
    rows = []
    for place in await app[store_key].places.of_user(user["id"]):
        session = await session_of_place(app, place)
        if session is None:
            continue
        extendable = bool(session.get("place_duration")) and session["active"]
        rows.append({
            **timing(place, moment),
            "keyword": session["keyword"],
            "session_name": session["name"],
            "extendable": extendable and place["status"] == "active",
        })  # fmt: skip
    return rows


async def extend_place(app: web.Application, platform: User, place_id: str) -> dict[str, Any]:
    """Restarts an active place of the platform's users, in a running session with a
    `placeDuration`; 404 `place-not-found`, 409 `place-not-extendable`."""
    places = app[store_key].places
    place = await places.get(place_id)
    if place is None or await places.user_by_id(place["user_id"], seen_by(platform)) is None:
        raise NotFound("No such place.", code="place-not-found")
    session = await session_of_place(app, place)
    duration = None if session is None else session.get("place_duration")
    if session is None or not duration or not session["active"] or place["status"] != "active":
        raise Conflict("This place cannot be extended.", code="place-not-extendable")
    extended = await places.extend(place["id"], duration)
    if extended is None:
        raise NotFound("No such place.", code="place-not-found")
    return {**timing(extended, now()), "keyword": session["keyword"],
            "session_name": session["name"], "extendable": True}  # fmt: skip


async def catalog(
    app: web.Application, platform: User, states: Iterable[str], with_places: bool
) -> list[dict[str, Any]]:
    """The platform's sessions (an admin's: all) in `states` (none: RUNNING), with capacity.

    RUNNING: open; STOPPING: locked, places still live; STOPPED: locked, none.
    `with_places` adds each session's places.
    """
    wanted = set(states) or {"RUNNING"}
    store = app[store_key]
    everything = Page()
    if platform.is_admin:
        sessions = await store.sessions.everything(everything)
    else:
        sessions = await store.sessions.owned(platform.username, everything)
    places = await store.places.of_sessions([session["id"] for session in sessions])
    moment = now()
    rows = []
    for session in sessions:
        own = [place for place in places if place["session_id"] == session["id"]]
        state = "RUNNING" if session["active"] else ("STOPPING" if own else "STOPPED")
        if state not in wanted:
            continue
        capacity = session.get("capacity")
        allocated = session.get("allocated", 0)
        row: dict[str, Any] = {
            "keyword": session["keyword"],
            "name": session["name"],
            "state": state,
            "capacity": capacity,
            "allocated": allocated,
            "available": None if capacity is None else max(0, capacity - allocated),
        }
        if with_places:
            row["sessions"] = [{**timing(place, moment), "user": place["user_id"]} for place in own]
        rows.append(row)
    return rows
