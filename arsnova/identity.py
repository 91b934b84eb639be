"""Who a request is: the user of a login, and what login providers return."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from aiohttp import web

COOKIE_NAME = "JSESSIONID"  # the login cookie, named as in ARSnova (a Java servlet's)
GUEST_KEY_COOKIE = "ARSNOVA_GUEST_KEY"  # the browser's secret that resumes its guest


@dataclass(frozen=True)
class User:
    username: str
    type: str
    is_admin: bool = False
    role: str | None = None  # see `Identity.role`


@dataclass(frozen=True)
class Identity:
    """Who logs in; `guest_key`, if set, is a new secret for the browser to keep.

    `role` is what a login provider says the user is (`LECTURER` or
    `STUDENT`, mapped from its claims or groups by settings); None where it
    says nothing, which restricts nothing. A student may not create sessions.
    """

    username: str
    type: str
    guest_key: str | None = None
    role: str | None = None


LECTURER = "lecturer"
STUDENT = "student"


@runtime_checkable
class LoginProvider(Protocol):
    """A login type of `GET /auth/login?type=…` (guest, single sign-on redirects)."""

    name: str

    async def identify(self, request: web.Request, query: Mapping[str, str]) -> Identity: ...


@runtime_checkable
class PasswordProvider(Protocol):
    """A login type of `POST /auth/login` with `user` and `password` (accounts, LDAP).

    Raises an `ArsnovaError` (401 `wrong-credentials` for a wrong name or
    password alike, 503 for a directory that cannot be reached).
    """

    name: str

    async def authenticate(self, request: web.Request, user: str, password: str) -> Identity: ...
