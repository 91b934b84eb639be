"""Behind a reverse proxy: the client's address, scheme and host from its X-Forwarded-* headers.

Only with `ARSNOVA_TRUSTED_PROXIES` set (the proxy's addresses or networks),
and then strictly (aiohttp-remotes' `XForwardedStrict`): a request must come
from a trusted proxy with exactly one forwarded hop, else it is refused with
400. Without it the headers are ignored, so a client cannot claim another
address (which rate limits count by) or HTTPS. With it, the login cookie gets
`Secure` when the proxy says the browser used HTTPS. The probes stay
reachable directly for the proxy's and orchestrator's health checks.
"""

from __future__ import annotations

from collections.abc import Callable

from aiohttp_remotes import XForwardedStrict

PROBES = ("/healthz", "/readyz")


def forwarded_middleware(trusted: tuple[str, ...]) -> Callable:
    return XForwardedStrict([list(trusted)], white_paths=PROBES).middleware
