"""Who a request is: the user of a login, and what login providers return."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from aiohttp import web

COOKIE_NAME = "JSESSIONID"  # the login cookie, named as in ARSnova (a Java servlet's)
GUEST_KEY_COOKIE = "ARSNOVA_GUEST_KEY"  # the browser's secret that resumes its guest


@dataclass(frozen=True)
class User:
    username: str
    type: str
    is_admin: bool = False


@dataclass(frozen=True)
class Identity:
    """Who logs in; `guest_key`, if set, is a new secret for the browser to keep."""

    username: str
    type: str
    guest_key: str | None = None


class LoginProvider(Protocol):
    name: str

    async def identify(self, request: web.Request, query: Mapping[str, str]) -> Identity: ...
