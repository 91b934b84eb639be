"""deploy/'s nginx (Debian's, tests/balancer.py) in front of `arsnova serve` with
`ARSNOVA_TRUSTED_PROXIES`, over HTTPS with deploy/nginx.conf's own server block, on
port 443 (on a loopback address of its own) and on another port.

The browser is on 127.0.0.7 (its connections are bound there), nginx reaches the
node from 127.0.0.1, the only trusted proxy: so the address the node saw (its
access log's `remote`, the same one rate limits count by) tells the client from
the proxy. A client's own `X-Forwarded-For` (web filters add one) is neither
refused nor believed; the pages' writes and Socket.IO work on any port (nginx
passes the browser's Host with its port), over HTTP/1.1 and HTTP/2 (curl), and a
client's `X-Forwarded-Host` moves nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import shutil
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
import socketio

from arsnova.auth import COOKIE_NAME
from tests.balancer import NGINX, Nginx
from tests.helpers import WAIT, assert_joined, eventually
from tests.realtime.conftest import Socket
from tests.serve import Serve, serve_env

CLIENT = "127.0.0.7"  # the browser's address; nginx's (the trusted proxy's) is 127.0.0.1
FORGED = "1.2.3.4"
EVIL = "evil.example"
CURL = shutil.which("curl")


def free_https_address() -> str:
    """A loopback address whose port 443 is free (the whole 127/8 is loopback)."""
    for _attempt in range(20):
        host = f"127.{random.randint(1, 254)}.{random.randint(0, 254)}.{random.randint(1, 254)}"
        with socket.socket() as probe:
            try:
                probe.bind((host, 443))
            except PermissionError:
                pytest.fail("the port-443 proxy tests need to bind port 443 (root, as in CI)")
            except OSError:
                continue
            return host
    pytest.fail("no loopback address with a free port 443")


@pytest.fixture
async def node(mongo_uri, db_name, db, tmp_path: Path, start_serve) -> Serve:
    """A node that trusts only 127.0.0.1 (nginx) and logs every request as JSON."""
    env = serve_env(
        mongo_uri,
        db_name,
        tmp_path / "data",
        ARSNOVA_TRUSTED_PROXIES="127.0.0.1",
        ARSNOVA_LOG_LEVEL="INFO",
        ARSNOVA_LOG_FORMAT="json",
    )
    return await start_serve(env)


@pytest.fixture(params=["port-443", "other-port"])
async def proxy(request, node: Serve, tmp_path: Path) -> AsyncIterator[Nginx]:
    """deploy/nginx.conf's HTTPS server on 443 (a loopback address of its own) or a free port."""
    if NGINX is None:
        pytest.fail("the proxy tests need nginx: apt-get install nginx (.ci/run does)")
    folder = tmp_path / "nginx"
    folder.mkdir()
    if request.param == "port-443":
        nginx = Nginx(folder, [node], host=free_https_address(), port=443, tls=True)
    else:
        nginx = Nginx(folder, [node], tls=True)
    try:
        await nginx.start()
        yield nginx
    finally:
        await nginx.stop()


@pytest.fixture
async def browser() -> AsyncIterator[aiohttp.ClientSession]:
    """A browser on CLIENT's address (it does not check the test certificate)."""
    connector = aiohttp.TCPConnector(ssl=False, local_addr=(CLIENT, 0))
    async with aiohttp.ClientSession(
        connector=connector,
        cookie_jar=aiohttp.CookieJar(unsafe=True),
        timeout=aiohttp.ClientTimeout(total=WAIT),
    ) as session:
        yield session


def access_log(node: Serve) -> list[dict]:
    lines = node.log.read_text().splitlines()
    return [json.loads(line) for line in lines if line.startswith("{")]


async def remote_of(node: Serve, response: aiohttp.ClientResponse) -> str:
    """The address the node logged for `response`'s request (by its X-Request-Id)."""
    request_id = response.headers["X-Request-Id"]
    found: list[dict] = []

    def logged() -> bool:
        found[:] = [entry for entry in access_log(node) if entry.get("request_id") == request_id]
        return bool(found)

    await eventually(logged, what=f"the access log line of request {request_id}")
    return found[0]["remote"]


def no_errors(node: Serve) -> None:
    errors = [entry for entry in access_log(node) if entry.get("levelname") == "ERROR"]
    assert errors == []


async def log_in(
    browser: aiohttp.ClientSession, proxy: Nginx, **headers: str
) -> aiohttp.ClientResponse:
    """A guest login through `proxy` (its response, for `remote_of`)."""
    async with browser.get(
        proxy.url + "/auth/login", params={"type": "guest"}, headers=headers
    ) as response:
        assert response.status == 200, await response.text()
        return response


def cookie_of(browser: aiohttp.ClientSession) -> str:
    return next(cookie.value for cookie in browser.cookie_jar if cookie.key == COOKIE_NAME)


@contextlib.asynccontextmanager
async def socket_through(proxy: Nginx, cookie: str, **headers: str) -> AsyncIterator[Socket]:
    """A WebSocket through `proxy` from CLIENT, with the login `cookie`."""
    connector = aiohttp.TCPConnector(ssl=False, local_addr=(CLIENT, 0))
    async with aiohttp.ClientSession(connector=connector) as http:
        client = socketio.AsyncClient(reconnection=False, http_session=http, ssl_verify=False)
        await client.connect(
            proxy.url,
            transports=["websocket"],
            headers={"Cookie": f"{COOKIE_NAME}={cookie}", **headers},
            wait_timeout=WAIT,
        )
        socket = Socket(client)
        try:
            yield socket
        finally:
            await socket.disconnect()


async def test_the_node_sees_the_client_never_the_proxy_nor_a_forged_address(
    proxy: Nginx, node: Serve, browser
):
    """With or without a client's X-Forwarded-For: 200, and the client's own address.

    The old configuration appended to the client's header and the app took exactly
    one hop: 400 (and an ERROR line) for every request that came with one; without
    one, the access log named the proxy.
    """
    for forwarded_for in (None, FORGED, f"{FORGED}, 10.1.2.3", "unknown"):
        headers = {} if forwarded_for is None else {"X-Forwarded-For": forwarded_for}
        response = await log_in(browser, proxy, **headers)
        assert await remote_of(node, response) == CLIENT, forwarded_for
        async with browser.get(proxy.url + "/socket/url", headers=headers) as response:
            assert response.status == 200
            assert await remote_of(node, response) == CLIENT, forwarded_for
        page = {"Origin": proxy.origin, **headers}
        async with socket_through(proxy, cookie_of(browser), **page) as sock:
            ack = await sock.call("setFeedback", {"sessionkey": "12345678", "feedback": 1})
            assert ack["error"]["code"] == "not-in-session", ack  # connected, with its login
    # Past the proxy, straight to the node: refused (the client could say anything there).
    async with browser.get(node.url + "/auth/login", params={"type": "guest"}) as direct:
        assert direct.status == 400
    no_errors(node)


async def test_our_origin_is_the_browsers_on_any_port_never_a_forwarded_host(
    proxy: Nginx, node: Serve, browser
):
    """Host keeps the port: our own origin is the browser's, for /socket/url, the CSRF check
    on writes and the Socket.IO origin check; over HTTP/2 too (where Host is :authority).
    A client's `X-Forwarded-Host: evil.example` is neither our origin nor an allowed one.

    Failed before: on any port but 443, Host lost the port (writes 403, Socket.IO 400,
    /socket/url without the port); on every port a client's X-Forwarded-Host passed
    nginx and was trusted (/socket/url answered https://evil.example, and a page there
    could write with the login cookie). Keeping the port where the browser sends none
    matters too (`$host:$server_port` would break port 443).
    """
    await log_in(browser, proxy)
    async with browser.get(proxy.url + "/socket/url") as response:
        assert await response.text() == proxy.origin
    page = {"Origin": proxy.origin}
    async with browser.post(proxy.url + "/session/", json={"name": "Hall"}, headers=page) as made:
        assert made.status == 201, await made.text()
        keyword = (await made.json())["keyword"]
    path = f"/session/{keyword}/feedback"
    async with browser.post(proxy.url + path, json=2, headers=page) as voted:
        assert voted.status == 201, await voted.text()
    async with socket_through(proxy, cookie_of(browser), **page) as sock:
        assert_joined(await sock.call("setSession", {"keyword": keyword}), keyword)
        ack = await sock.call("setFeedback", {"sessionkey": keyword, "feedback": 3})
        assert ack == {"feedback": 3}
    assert CURL is not None, "the HTTP/2 check needs curl"
    curl = await asyncio.create_subprocess_exec(
        CURL, "--silent", "--insecure", "--http2", "--interface", CLIENT,
        "--write-out", " %{http_version}", proxy.url + "/socket/url",
        stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    async with asyncio.timeout(WAIT):
        http2, _ = await curl.communicate()
    assert http2.decode() == f"{proxy.origin} 2", http2
    no_errors(node)

    forged = {"X-Forwarded-Host": EVIL}
    async with browser.get(proxy.url + "/socket/url", headers=forged) as response:
        assert await response.text() == proxy.origin
    evil_page = {**forged, "Origin": f"https://{EVIL}"}
    async with browser.post(
        proxy.url + "/session/", json={"name": "Hall"}, headers=evil_page
    ) as response:
        assert response.status == 403
        assert (await response.json())["code"] == "cross-origin-request"
    with pytest.raises(socketio.exceptions.ConnectionError):  # (python-engineio logs it)
        async with socket_through(proxy, cookie_of(browser), **evil_page):
            pass
