"""Abuse limits where abuse is cheap: logins, keywords, tokens, places, questions, answers, votes.

The `limits` library counts hits in fixed windows: in Redis when `REDIS_URL`
is set (so a limit holds across all nodes), else in this process's memory.
Each rule counts per caller, per address or per lecture session. A caller is
the verified user (the login behind a valid cookie, the service account
behind a valid bearer token), never a raw credential, which a script could
make up afresh for every request; without a valid one it is the address.
Limits are generous for people and tight for scripts; anything a whole
lecture hall does at once from behind one campus NAT (a thousand guest
logins and joins in a minute, and again) stays within them.

A refused HTTP request gets 429 `too-many-requests` with `Retry-After`; a
refused socket event gets the same code in its error acknowledgement.
`ARSNOVA_RATE_LIMITS=false` turns them off (benchmarks of bursts).
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

from aiohttp import web
from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.storage.redis.redispy import RedispyBridge
from limits.aio.strategies import FixedWindowRateLimiter
from limits.errors import StorageError
from redis.exceptions import RedisError

from arsnova.errors import ArsnovaError
from arsnova.settings import Settings
from arsnova.store.sessions import SessionNotFound

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class TooManyRequests(ArsnovaError):
    status = 429
    code = "too-many-requests"
    default_message = "Too many requests; try again later."

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.headers = {"Retry-After": str(retry_after)}


CALLER, ADDRESS, SESSION = "caller", "address", "session"


@dataclass(frozen=True)
class Rule:
    name: str
    limit: RateLimitItem
    per: str = CALLER  # whose hits count together: CALLER, ADDRESS or SESSION (the path's keyword)


# Per address: a full lecture hall behind one campus NAT logging in within a minute, twice.
LOGIN = Rule("login", parse("3000/minute"), ADDRESS)
# Looking a session up by keyword (REST, `setSession`, `/events` subscriptions). Students
# type the keyword on the projector, so only wrong keywords count, per caller and per
# address (a hall's typos); joins with the right one only against a NAT-sized limit
# (1,000 students a minute joining by REST and both socket namespaces, twice).
KEYWORD_MISS = Rule("keyword-miss", parse("10/10 seconds"))
KEYWORD_MISS_ADDRESS = Rule("keyword-miss-address", parse("600/minute"), ADDRESS)
JOIN = Rule("join", parse("6000/minute"), ADDRESS)
PLACE = (Rule("place", parse("1200/minute")),)
ANSWER = (Rule("answer", parse("120/minute")),)
VOTE = (Rule("vote", parse("120/minute")),)
# Audience questions: a login asks a few; a session's lecturer reads a few a second at
# most; one address (a hall behind NAT) asks in several sessions.
ASK = (
    Rule("ask", parse("20/minute")),
    Rule("ask-session", parse("300/minute"), SESSION),
    Rule("ask-address", parse("600/minute"), ADDRESS),
)
# Q&A votes: a login votes on many questions (and takes votes back), a hall behind one NAT
# more; each vote is one per user and question anyway (the database's unique index).
QA_VOTE = (
    Rule("qa-vote", parse("120/minute")),
    Rule("qa-vote-address", parse("6000/minute"), ADDRESS),
)
QA_QUESTION = "/session/{keyword}/qa/questions/{question_id}"
# Password logins (accounts, and any password type that uses them): failures per account,
# so guessing one account's password is slow, and per address, so guessing many is too.
# Failures only: a lecturer who types it right is never held up by others' mistakes.
PASSWORD_FAILURE = Rule("password-failure", parse("10/15 minutes"))
PASSWORD_FAILURE_ADDRESS = Rule("password-failure-address", parse("100/15 minutes"), ADDRESS)
# E-mail sent on request (registration, reset links): per address and per recipient.
MAIL = Rule("mail", parse("30/hour"), ADDRESS)
MAIL_RECIPIENT = Rule("mail-recipient", parse("5/hour"))
QUESTION = "/lecturerquestion/{question_id}"
# (method, route) → the rules its requests count against; routes are the app's own patterns.
HTTP_RULES: dict[tuple[str, str], tuple[Rule, ...]] = {
    ("GET", "/auth/login"): (LOGIN,),
    ("GET", "/auth/oidc/callback"): (LOGIN,),  # single sign-on: the way back counts too
    ("POST", "/auth/login"): (LOGIN,),
    ("POST", "/socket/token"): (Rule("socket-token", parse("60/minute")),),
    ("POST", "/session/"): (Rule("session", parse("60/minute")),),
    ("GET", "/integration/session/{keyword}/request/"): PLACE,
    ("POST", "/integration/session/{keyword}/request/"): PLACE,
    ("POST", "/session/{keyword}/interposed/"): ASK,
    ("POST", "/session/{keyword}/qa/questions"): ASK,  # the same limits as the legacy route's
    ("PUT", QA_QUESTION + "/vote"): QA_VOTE,
    ("DELETE", QA_QUESTION + "/vote"): QA_VOTE,
    **{
        (method, prefix + QUESTION + path): ANSWER
        for prefix in ("", "/session/{keyword}")
        for method, path in (("POST", "/answer/"), ("PUT", "/answer/{answer_id}"))
    },
}
# Any socket event (both namespaces), per socket. Votes (VOTE) count per login, over REST and
# sockets together, in the feedback service.
SOCKET_EVENTS = Rule("socket-event", parse("100/10 seconds"))


def by_user(username: str) -> str:
    """The key of a verified caller: its user name (a login's or a token's service account)."""
    return "u:" + username


def by_account(name: str) -> str:
    """The key of an account that is being logged into or mailed (its normalised name)."""
    return "e:" + name


def by_address(address: str | None) -> str:
    return "a:" + (address or "")


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
        elif isinstance(self.storage, RedisStorage) and isinstance(
            self.storage.bridge,
            RedispyBridge,  # the implementation `from_settings` asks for
        ):
            await self.storage.bridge.storage.aclose()

    async def hit(self, rule: Rule, key: str) -> None:
        """Counts one hit of `key`; raises TooManyRequests past the limit.

        If the storage fails (Redis down), the request goes through.
        """
        await self._count(rule, key, hit=True)

    async def check(self, rule: Rule, key: str) -> None:
        """Raises TooManyRequests if `key` has no hit left, without counting one."""
        await self._count(rule, key, hit=False)

    async def _count(self, rule: Rule, key: str, *, hit: bool) -> None:
        if self.strategy is None:
            return
        try:
            count = self.strategy.hit if hit else self.strategy.test
            if await count(rule.limit, rule.name, key):
                return
            reset_at, _remaining = await self.strategy.get_window_stats(rule.limit, rule.name, key)
        except (StorageError, RedisError, OSError):
            return
        retry_after = max(1, math.ceil(reset_at - time.time()))
        raise TooManyRequests(
            f"Too many {rule.name} requests; try again in {retry_after} s.", retry_after
        )

    async def vote(self, username: str) -> None:
        """A vote counts per login, whether it came over REST or a socket."""
        for rule in VOTE:
            await self.hit(rule, by_user(username))

    @contextlib.asynccontextmanager
    async def keyword_lookup(
        self, caller: str, address: str, *, join: bool = False
    ) -> AsyncIterator[None]:
        """Around a lookup of a session by keyword: a wrong keyword counts (see KEYWORD_MISS).

        Once the caller's or the address's misses are used up, lookups are
        refused before they are made, so a prober cannot tell a hit from a
        miss. `join`: the lookup joins the session (counted per address).
        """
        misses = ((KEYWORD_MISS, caller), (KEYWORD_MISS_ADDRESS, address))
        for rule, key in misses:
            await self.check(rule, key)
        if join:
            await self.hit(JOIN, address)
        try:
            yield
        except SessionNotFound:
            for rule, key in misses:
                await self.hit(rule, key)
            raise


def rate_limit_middleware(
    limiter: RateLimiter, caller_of: Callable[[web.Request], Awaitable[str]]
) -> Callable:
    """Counts requests against the HTTP_RULES of their route; `caller_of` gives the caller key."""

    @web.middleware
    async def limit(request: web.Request, handler: Handler) -> web.StreamResponse:
        resource = request.match_info.route.resource
        for rule in HTTP_RULES.get((request.method, resource.canonical if resource else ""), ()):
            if rule.per == ADDRESS:
                key = by_address(request.remote)
            elif rule.per == SESSION:
                key = "k:" + request.match_info["keyword"]
            else:
                key = await caller_of(request)
            await limiter.hit(rule, key)
        return await handler(request)

    return limit
