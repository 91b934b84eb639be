"""A real OpenID provider for the single sign-on tests: `oidc-provider` (npm) under Node.js.

`OpenIdProvider` runs tests/js/oidc_provider.mjs on a loopback port with two
clients (`arsnova`, the server under test, and `other`), a few accounts and a
signing key made here, so that tests can also sign tokens as the provider
would (a wrong audience, say). `sign_in_at_provider` does what a person does
on the provider's pages, with an HTTP client of its own (the provider's
cookies), and returns the callback URL the provider sends the browser to.

The fixtures: `oidc_settings` (the app's settings for it; the app's server
gets a port fixed in advance, as the provider must know the redirect URI)
and `oidc_provider`, started after the server and stopped after the test.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from urllib.parse import urljoin

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from joserfc.jwk import RSAKey

from tests.conftest import free_port, port_open, stop_child

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "tests" / "js" / "oidc_provider.mjs"
CLIENT_ID = "arsnova"
CLIENT_SECRET = "arsnova-secret-" + "s" * 20
OTHER_ID = "other"
OTHER_SECRET = "other-secret-" + "o" * 20
ID_TOKEN_TTL = 120  # seconds: short, so that a test moves the app's clock past it
ACCOUNTS = {
    "alice": {"preferred_username": "alice", "name": "Alice Lecturer", "groups": ["lecturers"]},
    "bob": {"preferred_username": "bob", "name": "Bob Student", "groups": ["students"]},
    "sneaky": {"preferred_username": "Guest12345", "groups": ["lecturers"]},
    "nameless": {"groups": ["lecturers"]},
}
START_TIMEOUT = 20


class OpenIdProvider:
    def __init__(self, folder: Path, port: int, redirect_uris: list[str]) -> None:
        self.folder = folder
        self.port = port
        self.redirect_uris = redirect_uris
        self.key = RSAKey.generate_key(2048, parameters={"kid": "test-1", "use": "sig"})
        self.process: subprocess.Popen | None = None

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        if shutil.which("node") is None:
            pytest.fail("the single sign-on tests need Node.js (and `npm ci`: oidc-provider)")
        self.folder.mkdir(parents=True, exist_ok=True)
        config = self.folder / "config.json"
        clients = [
            {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET},
            {"client_id": OTHER_ID, "client_secret": OTHER_SECRET},
        ]
        config.write_text(
            json.dumps({
                "port": self.port,
                "clients": [{**c, "redirect_uris": self.redirect_uris} for c in clients],
                "accounts": ACCOUNTS,
                "jwks": {"keys": [self.key.as_dict(private=True)]},
                "idTokenTtl": ID_TOKEN_TTL,
            })
        )  # fmt: skip
        log = self.folder / "provider.log"
        with log.open("w") as output:
            self.process = subprocess.Popen(
                ["node", str(SCRIPT), str(config)], cwd=ROOT, stdout=output, stderr=output
            )
        deadline = time.monotonic() + START_TIMEOUT
        while not port_open(self.port):
            if self.process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"oidc-provider did not start: see {log}")
            time.sleep(0.05)

    def stop(self) -> None:
        stop_child(self.process)


async def sign_in_at_provider(authorize_url: str, account: str) -> str:
    """Signs in on the provider's pages (a fresh browser there); the URL it sends us back to."""
    jar = aiohttp.CookieJar(unsafe=True)  # cookies of 127.0.0.1
    async with aiohttp.ClientSession(cookie_jar=jar) as browser:
        response = await browser.get(authorize_url, allow_redirects=False)
        assert response.status in (302, 303), await response.text()
        interaction = urljoin(authorize_url, response.headers["Location"])
        form = {"prompt": "login", "login": account, "password": "any"}
        response = await browser.post(interaction, data=form, allow_redirects=False)
        return await follow_to_callback(browser, response, authorize_url)


async def abort_at_provider(authorize_url: str) -> str:
    """Cancels the sign-in on the provider's pages: the URL it sends us back to."""
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as browser:
        response = await browser.get(authorize_url, allow_redirects=False)
        interaction = urljoin(authorize_url, response.headers["Location"])
        response = await browser.get(interaction + "/abort", allow_redirects=False)
        return await follow_to_callback(browser, response, authorize_url)


async def follow_to_callback(
    browser: aiohttp.ClientSession, response: aiohttp.ClientResponse, base: str
) -> str:
    for _ in range(5):
        assert response.status in (302, 303), await response.text()
        location = urljoin(base, response.headers["Location"])
        if "/auth/oidc/callback" in location:
            return location
        response = await browser.get(location, allow_redirects=False)
    raise AssertionError("the provider never sent the browser back")


def oidc_values(issuer: str, **overrides: object) -> dict[str, object]:
    values: dict[str, object] = {
        "oidc_issuer": issuer,
        "oidc_client_id": CLIENT_ID,
        "oidc_client_secret": CLIENT_SECRET,
        "oidc_scopes": ("openid", "profile", "email", "groups"),
        "oidc_role_claim": "groups",
        "oidc_lecturer_values": frozenset({"lecturers"}),
        "oidc_label": "University login",
    }
    values.update(overrides)
    return values


@pytest.fixture
def oidc_port() -> int:
    return free_port()


@pytest.fixture
def server_port() -> int:
    return free_port()


@pytest.fixture
def oidc_settings(settings_with, oidc_port: int):
    return settings_with(**oidc_values(f"http://127.0.0.1:{oidc_port}"))


@pytest.fixture
async def oidc_server(aiohttp_server, oidc_settings, server_port: int) -> TestServer:
    from arsnova.app import create_app

    app: web.Application = create_app(oidc_settings)
    return await aiohttp_server(app, port=server_port)


@pytest.fixture
def oidc_provider(
    oidc_server: TestServer, oidc_port: int, tmp_path: Path
) -> Iterator[OpenIdProvider]:
    callback = str(oidc_server.make_url("/auth/oidc/callback"))
    provider = OpenIdProvider(tmp_path / "oidc-provider", oidc_port, [callback])
    provider.start()
    try:
        yield provider
    finally:
        provider.stop()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session
