"""Logins, the JSESSIONID cookie, login providers and roles in a lecture session.

A login is a server-side record; the cookie holds a random 256-bit token of
which only the SHA-256 hash is stored. Providers turn a login request into an
identity; only `guest` is built in, and the others of the seed (cas, google,
facebook) are refused until a provider for them is registered in
`create_app`, so OIDC or CAS can be added without touching the handlers.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Mapping

from aiohttp import web

from arsnova.errors import BadRequest, Conflict, Forbidden, InvalidToken, Unauthorized
from arsnova.identity import (
    COOKIE_NAME,
    GUEST_KEY_COOKIE,
    Identity,
    LoginProvider,
    PasswordProvider,
    User,
)
from arsnova.keys import (
    broadcaster_key,
    login_key,
    providers_key,
    scopes_key,
    settings_key,
    store_key,
    user_key,
)
from arsnova.ratelimit import by_address, by_user
from arsnova.settings import Settings
from arsnova.store.common import now
from arsnova.store.logins import Login
from arsnova.urls import own_origin, split_url

SERVICE_PREFIX = "integration:"  # user names of access-token service accounts
PLATFORM_SCOPE = "integration"  # a learning platform's token: course sessions, /integration/
MAX_TOKEN_LENGTH = 128
TOUCH_INTERVAL = 60  # seconds between writes that extend a login
GUEST_NAME = re.compile(r"Guest[A-Za-z0-9]{1,40}")  # legacy clients make "Guest" + 5 characters
GUEST_KEY_MAX_AGE = 400 * 86400  # the longest a browser keeps a cookie
GUEST_KEY_PATH = "/auth/"  # sent only where it is used: login


class GuestProvider:
    """Anonymous guests, resumed by the key their browser holds, never by their name alone.

    `user` names the guest to resume or to create. A name resumes only with
    its key (or a still-valid login of it, which then earns this browser a
    key); an unknown name becomes a new guest with a new key; a taken name is
    refused. Without `user`, the browser's key or login says who it is, else
    a new guest gets a random name. Admins' names are never created by name:
    their first key comes with a login link (`arsnova login-link`).
    """

    name = "guest"

    async def identify(self, request: web.Request, query: Mapping[str, str]) -> Identity:
        requested = query.get("user")
        if requested is not None and not GUEST_NAME.fullmatch(requested):
            raise BadRequest(
                "A guest name is 'Guest' and 1 to 40 letters or digits.", code="invalid-guest-name"
            )
        settings = request.app[settings_key]
        keyed = await guest_of_key(request)
        login = await current_login(request)
        logged_in = login["username"] if login is not None and login["type"] == "guest" else None
        name = requested or keyed or logged_in
        if not settings.registration and name not in settings.admins:
            raise Forbidden(
                "Guest self-login is turned off here; come in through your learning platform.",
                code="registration-closed",
            )
        if name is not None and name == keyed:
            return Identity(name, "guest")
        if name is not None and name == logged_in:
            return await with_new_key(request, name)
        if name in settings.admins:
            raise Forbidden(
                "An admin logs in with a login link or in a browser that holds their key.",
                code="guest-key-required",
            )
        if name is None:
            name = "Guest" + secrets.token_hex(10)
        key = secrets.token_urlsafe(32)
        if not await request.app[store_key].guests.create(name, hash_token(key)):
            raise Conflict(
                "This guest name is taken; only the browser that holds its key can resume it.",
                code="guest-name-taken",
            )
        return Identity(name, "guest", key)


async def with_new_key(request: web.Request, name: str) -> Identity:
    """The proven guest `name`, with a new key for this browser."""
    key = secrets.token_urlsafe(32)
    await request.app[store_key].guests.add_key(name, hash_token(key))
    return Identity(name, "guest", key)


async def guest_of_key(request: web.Request) -> str | None:
    """The guest that this browser's key cookie resumes, or None."""
    key = request.cookies.get(GUEST_KEY_COOKIE)
    if not key or len(key) > MAX_TOKEN_LENGTH:
        return None
    return await request.app[store_key].guests.name_of_key(hash_token(key))


def hash_token(token: str) -> str:
    # surrogatepass: header bytes that are not UTF-8 arrive as lone surrogates; they match nothing.
    return hashlib.sha256(token.encode(errors="surrogatepass")).hexdigest()


def login_provider(request: web.Request, login_type: str) -> LoginProvider:
    """The redirecting provider of `GET /auth/login`; 400 for a password one."""
    provider = configured_provider(request, login_type)
    if not isinstance(provider, LoginProvider):
        raise BadRequest(
            f"The login type {login_type!r} takes a user and password: POST /auth/login.",
            code="login-type-needs-password",
        )
    return provider


def password_provider(request: web.Request, login_type: str) -> PasswordProvider:
    """The provider of `POST /auth/login` (user and password); 400 for a redirecting one."""
    provider = configured_provider(request, login_type)
    if not isinstance(provider, PasswordProvider):
        raise BadRequest(
            f"The login type {login_type!r} takes no password: GET /auth/login.",
            code="login-type-not-password",
        )
    return provider


def configured_provider(request: web.Request, login_type: str) -> LoginProvider | PasswordProvider:
    provider = request.app[providers_key].get(login_type)
    if provider is None:
        raise BadRequest(
            f"The login type {login_type!r} is not configured on this server.",
            code="login-type-not-configured",
        )
    return provider


async def start_login(
    request: web.Request,
    response: web.StreamResponse,
    identity: Identity,
    *,
    adopt_guest: bool = False,
) -> User:
    """Creates the login record and sets its cookie on `response`.

    `adopt_guest`: the guest this browser is logged in as (its cookie login)
    hands its sessions to `identity`, which is not a guest: a guest who
    registers or signs in with single sign-on keeps what they made.
    """
    settings = request.app[settings_key]
    if adopt_guest and identity.type != "guest":
        current = await current_login(request)
        if current is not None and current["type"] == "guest":
            await request.app[store_key].sessions.hand_over(current["username"], identity.username)
    token = secrets.token_urlsafe(32)
    request[login_key] = await request.app[store_key].logins.create(
        hash_token(token), identity, settings.login_idle_timeout
    )
    response.set_cookie(
        COOKIE_NAME, token, httponly=True, samesite="Lax", path="/", secure=request.secure
    )
    if identity.guest_key is not None:
        response.set_cookie(
            GUEST_KEY_COOKIE, identity.guest_key, max_age=GUEST_KEY_MAX_AGE, httponly=True,
            samesite="Lax", path=GUEST_KEY_PATH, secure=request.secure,
        )  # fmt: skip
    user = user_of(settings, identity)
    request[user_key] = user
    return user


async def end_login(request: web.Request, response: web.StreamResponse) -> str | None:
    """Deletes the cookie's login and clears the cookie; returns the id of the login it ended."""
    token = request.cookies.get(COOKIE_NAME)
    login = None
    if token and len(token) <= MAX_TOKEN_LENGTH:
        store = request.app[store_key]
        login = await store.logins.active(hash_token(token))
        if login is not None:
            await store.socket_tokens.revoke_login(login["id"])
        await store.logins.delete(hash_token(token))
    response.del_cookie(COOKIE_NAME, path="/")
    return None if login is None else login["id"]


def user_of(settings: Settings, identity: Identity) -> User:
    return User(
        identity.username, identity.type, identity.username in settings.admins, identity.role
    )


def identity_of(login: Login) -> Identity:
    """Who a login record is (its role as its provider said at login)."""
    return Identity(login["username"], login["type"], role=login.get("role"))


async def login_of_token(
    app: web.Application, token: str | None, *, touch: bool = True
) -> Login | None:
    """The active login of a `JSESSIONID` value, or None.

    With `touch` (REST requests) the login is extended, at most once a minute,
    or at once after an inactivity warning; never while all of its `/events`
    connections report it idle. Socket traffic passes `touch=False`.
    """
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    login = await app[store_key].logins.active(hash_token(token))
    if login is None or not touch or login.get("idle"):
        return login
    if login.get("warned") or (now() - login["last_seen"]).total_seconds() > TOUCH_INTERVAL:
        await extend_login(app, login["id"])
    return login


async def extend_login(app: web.Application, login_id: str) -> None:
    """Extends the login; if it had been warned of its expiry, its sockets hear it is active."""
    settings = app[settings_key]
    before = await app[store_key].logins.touch(login_id, settings.login_idle_timeout)
    if before is not None and before.get("warned"):
        await app[broadcaster_key].login_event(
            login_id, "SessionReactivatedEvent", {"expiresIn": settings.login_idle_timeout}
        )


async def user_of_token(
    app: web.Application, token: str | None, *, touch: bool = True
) -> User | None:
    login = await login_of_token(app, token, touch=touch)
    if login is None:
        return None
    return user_of(app[settings_key], identity_of(login))


async def current_login(request: web.Request) -> Login | None:
    """The login record of this request's cookie, or None (extending it: a REST request)."""
    if login_key not in request:
        request[login_key] = await login_of_token(request.app, request.cookies.get(COOKIE_NAME))
    return request[login_key]


async def bearer_user(request: web.Request) -> User:
    """The service account of an `Authorization: Bearer` access token (401 if it is not valid).

    Scope `admin` makes it an admin; `integration` a regular user that owns
    the sessions it creates and may use the integration API.
    """
    scheme, _, credentials = request.headers["Authorization"].strip().partition(" ")
    credentials = credentials.strip()
    if scheme.lower() != "bearer" or not credentials or len(credentials) > MAX_TOKEN_LENGTH:
        raise InvalidToken()
    token = await request.app[store_key].access_tokens.valid(hash_token(credentials))
    if token is None:
        raise InvalidToken()
    request[scopes_key] = frozenset(token["scopes"])
    return User(SERVICE_PREFIX + token["name"], "integration", "admin" in token["scopes"])


def require_scope(request: web.Request, scope: str) -> None:
    """Bearer-only routes: 401 without a token, 403 `scope-missing` without `scope`."""
    if scopes_key not in request:
        raise InvalidToken("This route takes an access token (Authorization: Bearer …).")
    if scope not in request[scopes_key]:
        raise Forbidden(f"The access token lacks the scope {scope!r}.", code="scope-missing")


async def current_user(request: web.Request) -> User | None:
    """The logged-in user of this request (cookie), or the service account (bearer), or None."""
    if user_key not in request and "Authorization" in request.headers:
        request[user_key] = await bearer_user(request)
    if user_key not in request:
        login = await current_login(request)
        request[user_key] = (
            None if login is None else user_of(request.app[settings_key], identity_of(login))
        )
    return request[user_key]


async def require_user(request: web.Request) -> User:
    user = await current_user(request)
    if user is None:
        raise Unauthorized()
    return user


def has_scope(request: web.Request, scope: str) -> bool:
    """The caller is an access token with `scope` (cookie logins have no scopes)."""
    return scope in request.get(scopes_key, ())


async def browser_login(request: web.Request) -> tuple[User, Login]:
    """The caller and its cookie login, for what acts for a browser (sockets, exports).

    An access token has no login behind it: 403 `browser-login-required`.
    """
    user = await require_user(request)
    if scopes_key in request:
        raise Forbidden(
            "This route needs a browser login (the JSESSIONID cookie), not an access token.",
            code="browser-login-required",
        )
    login = await current_login(request)
    if login is None:  # without a token, the user is its cookie login's: not reached
        raise Unauthorized()
    return user, login


async def caller_of(request: web.Request) -> str:
    """Whose requests count together in rate limits: the verified user, else the address.

    Never the raw cookie or token: a script could make up a new one for every request.
    """
    try:
        user = await current_user(request)
    except Unauthorized:  # a bearer token that is not valid
        user = None
    return by_address(request.remote) if user is None else by_user(user.username)


def is_safe_redirect(request: web.Request, url: str) -> bool:
    """Relative paths, this server, or a configured CORS origin: never an open redirect."""
    parts = split_url(url)
    if not parts.scheme and not parts.netloc:
        return url.startswith("/") and not url.startswith("//") and "\\" not in url
    if parts.scheme not in ("http", "https"):
        return False
    origin = f"{parts.scheme}://{parts.netloc}"
    return origin == own_origin(request) or origin in request.app[settings_key].cors_origins
