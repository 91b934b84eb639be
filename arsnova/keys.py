"""Every typed key for state on the application and on requests.

Only types are imported (under TYPE_CHECKING): importing the keys imports no
store, broadcaster or server, so any module may use them without a cycle. A
key's type is its annotation (`web.AppKey[T]`), which is never evaluated.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiohttp import web

if TYPE_CHECKING:
    import socketio

    from arsnova.embedded import EmbeddedServer
    from arsnova.identity import LoginProvider, PasswordProvider, User
    from arsnova.load import Readiness
    from arsnova.mail import Mailer
    from arsnova.metrics import Metrics
    from arsnova.ratelimit import RateLimiter
    from arsnova.realtime.admission import Admission
    from arsnova.realtime.delivery.broadcaster import Broadcaster
    from arsnova.settings import Settings
    from arsnova.store import Store
    from arsnova.store.logins import Login
    from arsnova.tasks import TaskRunner

settings_key: web.AppKey[Settings] = web.AppKey("settings")
store_key: web.AppKey[Store] = web.AppKey("store")
sio_key: web.AppKey[socketio.AsyncServer] = web.AppKey("sio")
embedded_key: web.AppKey[EmbeddedServer] = web.AppKey("embedded")
broadcaster_key: web.AppKey[Broadcaster] = web.AppKey("broadcaster")
task_runner_key: web.AppKey[TaskRunner] = web.AppKey("task_runner")
node_key: web.AppKey[str] = web.AppKey("node")
rate_limiter_key: web.AppKey[RateLimiter] = web.AppKey("rate_limiter")
# The queue of connects and joins; `queue_depth()` tells how loaded the node is.
load_key: web.AppKey[Admission] = web.AppKey("load")
metrics_key: web.AppKey[Metrics] = web.AppKey("metrics")
readiness_key: web.AppKey[Readiness] = web.AppKey("readiness")

# Login types by name: redirecting ones (`GET /auth/login`) and password ones (`POST`).
providers_key: web.AppKey[dict[str, LoginProvider | PasswordProvider]] = web.AppKey(
    "login_providers"
)
mailer_key: web.AppKey[Mailer] = web.AppKey("mailer")  # only with ARSNOVA_SMTP_URL
openapi_key: web.AppKey[dict[str, Any]] = web.AppKey("openapi")

request_id_key: web.RequestKey[str] = web.RequestKey("request_id")
# Behind a trusted proxy, the client's address (api/proxy.py), for the access log.
client_address_key: web.RequestKey[str] = web.RequestKey("client_address")
user_key: web.RequestKey[User | None] = web.RequestKey("user")
login_key: web.RequestKey[Login | None] = web.RequestKey("login")
scopes_key: web.RequestKey[frozenset[str]] = web.RequestKey("scopes")
