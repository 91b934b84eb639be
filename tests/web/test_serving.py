"""How the pages are served: local assets only, strict headers, the browser libraries from npm."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from arsnova.api.openapi import documented_routes
from arsnova.app import create_app
from arsnova.web import STATIC

ROOT = Path(__file__).resolve().parents[2]
PAGES = {"/": "landing", "/lecturer/": "lecturer", "/lecturer/12345678": "lecturer"}
# The official builds, copied by `make assets` from node_modules.
VENDORED = {
    "socket.io.esm.min.js": ROOT / "node_modules/socket.io-client/dist/socket.io.esm.min.js",
    "qrcode.mjs": ROOT / "node_modules/qrcode-generator/dist/qrcode.mjs",
}
REFERENCE = re.compile(r"""(?:src|href)=["']([^"']+)["']|from\s+["']([^"']+)["']""")


@pytest.mark.parametrize(("path", "name"), [*PAGES.items(), ("/join/12345678", "student")])
async def test_each_page_is_served_with_a_strict_content_security_policy(client, path, name):
    response = await client.get(path)
    assert response.status == 200
    assert response.content_type == "text/html"
    assert await response.text() == (STATIC / f"{name}.html").read_text()
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self';" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"


async def test_the_policy_allows_a_configured_socket_server(aiohttp_client, settings_with):
    app = create_app(settings_with(socket_url="https://live.example:8443"))
    response = await (await aiohttp_client(app)).get("/join/12345678")
    policy = response.headers["Content-Security-Policy"]
    assert "connect-src 'self' https://live.example:8443 wss://live.example:8443;" in policy


async def test_join_without_a_keyword_goes_to_the_landing_page(client):
    response = await client.get("/join/", allow_redirects=False)
    assert response.status == 302 and response.headers["Location"] == "/"


async def test_unknown_files_are_404s(client):
    for path in ("/static/js/nothing.js", "/static/../setup.cfg", "/lecturer/1/2"):
        assert (await client.get(path)).status == 404, path


@pytest.mark.parametrize("name", sorted(VENDORED))
async def test_the_browser_libraries_are_the_official_npm_builds(client, name):
    response = await client.get(f"/static/vendor/{name}")
    assert response.status == 200
    assert await response.read() == VENDORED[name].read_bytes()


def test_pages_and_scripts_reference_only_this_server():
    """No CDN: every src, href and import of our files is a path on this server."""
    files = [*STATIC.glob("*.html"), *STATIC.glob("js/*.js")]
    references = [
        (path.name, target)
        for path in files
        for match in REFERENCE.finditer(path.read_text())
        for target in match.groups()
        if target
    ]
    assert len(references) > 20
    outside = [(name, target) for name, target in references if not target.startswith(("/", "#"))]
    assert outside == []


def test_the_pages_are_not_in_the_openapi_document_but_the_api_is(app):
    paths = {path for _method, path, _handler in documented_routes(app)}
    assert "/session/" in paths
    assert not {"/", "/lecturer/", "/join/{keyword}"} & paths
