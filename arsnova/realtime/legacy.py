"""The default namespace `/` of the legacy ARSnova clients."""

from __future__ import annotations

import logging

import socketio
from aiohttp import web

log = logging.getLogger(__name__)


class LegacyNamespace(socketio.AsyncNamespace):
    """Accepts connections; the seed's events (setSession, setFeedback) come next."""

    def __init__(self, namespace: str, app: web.Application) -> None:
        super().__init__(namespace)
        self.app = app

    async def on_connect(self, sid: str, environ: dict) -> None:
        log.debug("socket %s connected", sid)

    async def on_disconnect(self, sid: str, reason: str | None = None) -> None:
        log.debug("socket %s disconnected (%s)", sid, reason)
