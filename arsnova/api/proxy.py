"""Behind a reverse proxy: the client's address and scheme, as the trusted proxy states them.

Only with `ARSNOVA_TRUSTED_PROXIES` set (the proxy's addresses or networks).
A request must then come from one of them (its peer address), with an
`X-Forwarded-For`, else it is refused with 400: without the proxy's word,
nobody can tell whose request it is. The probes stay reachable directly for
the proxy's and orchestrator's health checks.

One hop, the last: the client's address is the LAST `X-Forwarded-For` entry,
the one the trusted proxy added itself (deploy/'s nginx sets the header to
`$remote_addr`; a proxy that appends, `$proxy_add_x_forwarded_for`, works
the same). Whatever a client sent before it (school web filters and
TLS-inspecting gateways add their own) is ignored: a client can never choose
its address, and is never refused for having the header. The scheme is the
last `X-Forwarded-Proto` entry (the login cookie gets `Secure` over HTTPS).

`X-Forwarded-Host` is never read: the proxy passes the browser's own `Host`
(with its port, nginx's `$http_host`), and our own origin (links,
`/socket/url`, the CSRF and Socket.IO origin checks, `urls.own_origin`) is
built from that, so a header the client sent cannot move it.

The access log (`logs.AccessLogger`) sees the request as it arrived, before
this middleware: the client's address is also left in `client_address_key`
for it. Without `ARSNOVA_TRUSTED_PROXIES` the headers are ignored.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Awaitable, Callable

from aiohttp import web

from arsnova.errors import BadRequest
from arsnova.keys import client_address_key

PROBES = frozenset({"/healthz", "/readyz"})
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def last_entry(request: web.Request, header: str) -> str | None:
    """The last comma-separated entry of `header` (of its last line), or None without one."""
    lines = request.headers.getall(header, [])
    entries = [entry.strip() for entry in lines[-1].split(",")] if lines else []
    return entries[-1] if entries and entries[-1] else None


def peer_address(request: web.Request) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    peer = request.transport.get_extra_info("peername") if request.transport else None
    try:
        address = ipaddress.ip_address(peer[0]) if peer else None
    except ValueError:  # a Unix socket's peer
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def forwarded_middleware(trusted: tuple[str, ...]) -> Callable:
    networks: tuple[Network, ...] = tuple(
        ipaddress.ip_network(network, strict=False) for network in trusted
    )

    @web.middleware
    async def forwarded(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path in PROBES:
            return await handler(request)
        peer = peer_address(request)
        if peer is None or not any(peer in network for network in networks):
            raise BadRequest(
                "Requests must come through the reverse proxy (ARSNOVA_TRUSTED_PROXIES).",
                code="bad-request",
            )
        forwarded_for = last_entry(request, "X-Forwarded-For")
        try:
            client = str(ipaddress.ip_address(forwarded_for or ""))
        except ValueError:
            raise BadRequest(
                "The reverse proxy must say whose request this is (X-Forwarded-For).",
                code="bad-request",
            ) from None
        request[client_address_key] = client  # before clone(): the access log's request
        proto = (last_entry(request, "X-Forwarded-Proto") or "").lower()
        scheme = proto if proto in ("http", "https") else request.scheme
        return await handler(request.clone(remote=client, scheme=scheme))

    return forwarded
