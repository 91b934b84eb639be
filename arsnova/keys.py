"""Every typed key for state on the application and on requests."""

from __future__ import annotations

from typing import TYPE_CHECKING

import socketio
from aiohttp import web

if TYPE_CHECKING:
    from arsnova.embedded import EmbeddedServer
    from arsnova.settings import Settings
    from arsnova.store import Store

settings_key = web.AppKey("settings", "Settings")
store_key = web.AppKey("store", "Store")
sio_key = web.AppKey("sio", socketio.AsyncServer)
embedded_key = web.AppKey("embedded", "EmbeddedServer | None")
mongodb_uri_key = web.AppKey("mongodb_uri", str)
exit_code_key = web.AppKey("exit_code", list[int])

request_id_key = web.RequestKey("request_id", str)
