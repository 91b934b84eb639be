"""Every typed key for state on the application and on requests."""

from __future__ import annotations

import socketio
from aiohttp import web

from arsnova.embedded import EmbeddedServer
from arsnova.identity import LoginProvider, User
from arsnova.ratelimit import RateLimiter
from arsnova.realtime.delivery.broadcaster import Broadcaster
from arsnova.settings import Settings
from arsnova.store import Store
from arsnova.tasks import TaskRunner

settings_key = web.AppKey("settings", Settings)
store_key = web.AppKey("store", Store)
sio_key = web.AppKey("sio", socketio.AsyncServer)
embedded_key = web.AppKey("embedded", EmbeddedServer)
broadcaster_key = web.AppKey("broadcaster", Broadcaster)
task_runner_key = web.AppKey("task_runner", TaskRunner)
node_key = web.AppKey("node", str)
rate_limiter_key = web.AppKey("rate_limiter", RateLimiter)

providers_key = web.AppKey("login_providers", dict[str, LoginProvider])
openapi_key = web.AppKey("openapi", dict)

request_id_key = web.RequestKey("request_id", str)
user_key = web.RequestKey("user", User | None)
login_key = web.RequestKey("login", dict | None)
scopes_key = web.RequestKey("scopes", frozenset)
