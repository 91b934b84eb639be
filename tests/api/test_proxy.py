"""Behind a trusted reverse proxy: the browser's address and scheme, and a Secure cookie."""

from __future__ import annotations

import pytest
from limits import parse

from arsnova import ratelimit
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


async def test_the_client_is_the_last_hop_the_proxy_added(
    aiohttp_client, settings_with, monkeypatch
):
    """A client's own X-Forwarded-For (a web filter's) is ignored, not refused: the hop the
    proxy added, the last, is the address rate limits count by (one login a minute here)."""
    one_a_minute = ratelimit.Rule("login", parse("1/minute"), ratelimit.ADDRESS)
    monkeypatch.setitem(ratelimit.HTTP_RULES, ("GET", "/auth/login"), (one_a_minute,))
    settings = settings_with(trusted_proxies=("127.0.0.0/8",), rate_limits=True)
    proxy = await aiohttp_client(create_app(settings))

    async def log_in(forwarded_for: str) -> int:
        headers = {**FORWARDED, "X-Forwarded-For": forwarded_for}
        response = await proxy.get("/auth/login", params={"type": "guest"}, headers=headers)
        return response.status

    assert await log_in("1.2.3.4, 203.0.113.9") == 200
    assert await log_in("5.6.7.8, 203.0.113.9") == 429  # the same client, whatever it claims
    assert await log_in("203.0.113.10") == 200  # another client


@pytest.mark.parametrize("forwarded_for", ["unknown", "", "1.2.3.4, "])
async def test_a_proxy_hop_that_is_no_address_is_refused(behind_proxy, forwarded_for):
    headers = {"X-Forwarded-For": forwarded_for}
    response = await behind_proxy.get("/auth/login", params={"type": "guest"}, headers=headers)
    assert response.status == 400
    assert (await response.json())["code"] == "bad-request"


async def test_x_forwarded_host_is_never_our_origin(behind_proxy):
    headers = {**FORWARDED, "X-Forwarded-Host": "evil.example"}
    response = await behind_proxy.get("/socket/url", headers=headers)
    assert await response.text() == f"https://{behind_proxy.host}:{behind_proxy.port}"
