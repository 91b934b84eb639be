"""GET /configuration/: the public address that join links and QR codes use."""

from __future__ import annotations

from arsnova.app import create_app


async def test_without_a_setting_the_public_url_is_the_requests_origin(client):
    response = await client.get("/configuration/")
    assert response.status == 200
    assert await response.json() == {
        "publicUrl": f"http://{client.host}:{client.port}",
        "loginTypes": ["guest"],
        "loginLabels": {},
        "registrationOpen": False,
    }


async def test_the_configured_public_url_wins_over_the_requests_origin(
    aiohttp_client, settings_with
):
    app = create_app(settings_with(public_url="http://192.168.1.20:8080"))
    client = await aiohttp_client(app)
    body = await (await client.get("/configuration/")).json()
    assert body["publicUrl"] == "http://192.168.1.20:8080"


async def test_behind_a_trusted_proxy_it_is_the_address_the_browser_used(
    aiohttp_client, settings_with
):
    client = await aiohttp_client(create_app(settings_with(trusted_proxies=("127.0.0.0/8",))))
    forwarded = {
        "Host": "arsnova.uni.example",  # the browser's, as the proxy passes it on
        "X-Forwarded-For": "203.0.113.9",
        "X-Forwarded-Proto": "https",
        "X-Forwarded-Host": "evil.example",  # never read (deploy/'s nginx overwrites it)
    }
    body = await (await client.get("/configuration/", headers=forwarded)).json()
    assert body["publicUrl"] == "https://arsnova.uni.example"
