"""Behind a trusted reverse proxy: the browser's address and scheme, and a Secure cookie."""

from __future__ import annotations

import pytest

from arsnova.app import create_app

FORWARDED = {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"}


@pytest.fixture
async def behind_proxy(aiohttp_client, settings_with):
    return await aiohttp_client(create_app(settings_with(trusted_proxies=("127.0.0.0/8",))))


async def test_a_login_through_an_https_proxy_gets_a_secure_cookie(behind_proxy):
    response = await behind_proxy.get("/auth/login", params={"type": "guest"}, headers=FORWARDED)
    assert response.status == 200
    cookie = response.cookies["JSESSIONID"]
    assert cookie["secure"] is True and cookie["httponly"] is True


async def test_requests_must_come_through_the_proxy_except_probes(behind_proxy):
    response = await behind_proxy.get("/auth/login", params={"type": "guest"})
    assert response.status == 400
    assert (await response.json())["code"] == "bad-request"
    assert (await behind_proxy.get("/readyz")).status == 200


async def test_without_trusted_proxies_forwarded_headers_are_ignored(client):
    response = await client.get("/auth/login", params={"type": "guest"}, headers=FORWARDED)
    assert response.status == 200
    assert not response.cookies["JSESSIONID"]["secure"]  # a client cannot claim HTTPS
