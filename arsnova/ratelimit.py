"""Abuse limits where abuse is cheap: logins, tokens, place requests, answers, votes, sockets.

The `limits` library counts hits in fixed windows: in Redis when `REDIS_URL`
is set (so a limit holds across all nodes), else in this process's memory.
Each rule counts per caller: the login cookie (or bearer token, hashed) when
there is one, else the client's address. Limits are generous for people and
tight for scripts; anything a whole lecture hall does at once from behind one
campus NAT (a thousand guest logins in a minute, and again) stays within them.

A refused HTTP request gets 429 `too-many-requests` with `Retry-After`; a
refused socket event gets the same code in its error acknowledgement.
`ARSNOVA_RATE_LIMITS=false` turns them off (benchmarks of bursts).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiohttp import web
from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import FixedWindowRateLimiter
from limits.errors import StorageError
from redis.exceptions import RedisError

from arsnova.errors import ArsnovaError
from arsnova.identity import COOKIE_NAME
from arsnova.settings import Settings

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class TooManyRequests(ArsnovaError):
    status = 429
    code = "too-many-requests"
    default_message = "Too many requests; try again later."

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.headers = {"Retry-After": str(retry_after)}


@dataclass(frozen=True)
class Rule:
    name: str
    limit: RateLimitItem


# (method, route) → rule; routes are the app's own patterns (their canonical paths).
# Per address: a full lecture hall behind one campus NAT logging in within a minute, twice.
LOGIN = Rule("login", parse("3000/minute"))
PLACE = Rule("place", parse("1200/minute"))
ANSWER = Rule("answer", parse("120/minute"))
VOTE = Rule("vote", parse("120/minute"))
QUESTION = "/lecturerquestion/{question_id}"
HTTP_RULES: dict[tuple[str, str], Rule] = {
    ("GET", "/auth/login"): LOGIN,
    ("POST", "/socket/token"): Rule("socket-token", parse("60/minute")),
    ("POST", "/session/"): Rule("session", parse("60/minute")),
    ("GET", "/integration/session/{keyword}/request/"): PLACE,
    ("POST", "/integration/session/{keyword}/request/"): PLACE,
    ("POST", "/session/{keyword}/interposed/"): Rule("ask", parse("20/minute")),
    ("POST", "/session/{keyword}/feedback"): VOTE,
    **{
        (method, prefix + QUESTION + path): ANSWER
        for prefix in ("", "/session/{keyword}")
        for method, path in (("POST", "/answer/"), ("PUT", "/answer/{answer_id}"))
    },
}
# Any socket event (both namespaces), per socket; votes also count per login as over REST.
SOCKET_EVENTS = Rule("socket-event", parse("100/10 seconds"))


class RateLimiter:
    def __init__(self, storage: Storage | None) -> None:
        """`storage` None: limits off."""
        self.storage = storage
        self.strategy = None if storage is None else FixedWindowRateLimiter(storage)

    @classmethod
    def from_settings(cls, settings: Settings) -> RateLimiter:
        if not settings.rate_limits:
            return cls(None)
        if settings.redis_url is None:
            return cls(MemoryStorage())
        prefix = settings.redis_prefix + "limits"
        storage = RedisStorage(
            "async+" + settings.redis_url,
            implementation="redispy",
            key_prefix=prefix,
            wrap_exceptions=True,
        )
        return cls(storage)

    async def close(self) -> None:
        """Stops the memory storage's expiry task, or closes the Redis connections."""
        if isinstance(self.storage, MemoryStorage) and self.storage.timer is not None:
            self.storage.timer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.storage.timer
        elif isinstance(self.storage, RedisStorage):
            await self.storage.bridge.storage.aclose()

    async def hit(self, rule: Rule, caller: str) -> None:
        """Counts one hit of `caller`; raises TooManyRequests past the limit.

        If the storage fails (Redis down), the request goes through.
        """
        if self.strategy is None:
            return
        try:
            if await self.strategy.hit(rule.limit, rule.name, caller):
                return
            reset_at, _remaining = await self.strategy.get_window_stats(
                rule.limit, rule.name, caller
            )
        except (StorageError, RedisError, OSError):
            return
        retry_after = max(1, math.ceil(reset_at - time.time()))
        raise TooManyRequests(
            f"Too many {rule.name} requests; try again in {retry_after} s.", retry_after
        )


def caller_of(request: web.Request) -> str:
    """Whose requests count together: the login or token (hashed), else the address."""
    credential = request.cookies.get(COOKIE_NAME) or request.headers.get("Authorization")
    if credential:
        return "c:" + hashlib.sha256(credential.encode()).hexdigest()[:32]
    return "a:" + (request.remote or "")


def rate_limit_middleware(limiter: RateLimiter) -> Callable:
    @web.middleware
    async def limit(request: web.Request, handler: Handler) -> web.StreamResponse:
        resource = request.match_info.route.resource
        rule = HTTP_RULES.get((request.method, resource.canonical if resource else ""))
        if rule is not None:
            caller = "a:" + (request.remote or "") if rule is LOGIN else caller_of(request)
            await limiter.hit(rule, caller)
        return await handler(request)

    return limit
