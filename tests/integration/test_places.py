"""Requesting a place, activating it in a browser, and being sent back with a notification."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from tests.integration.conftest import INDEX_URL


async def test_request_activate_and_land_on_the_student_page(
    platform, course, aiohttp_client, server
):
    keyword = course["keyword"]
    response = await platform.get(
        f"/integration/session/{keyword}/request/",
        params={"index_url": INDEX_URL, "email": "ada@example.org", "first_name": "Ada"},
        headers=platform.headers,
    )
    assert response.status == 200, await response.text()
    place = await response.json()
    assert place["keyword"] == keyword and place["sessionName"] == "Algebra"
    browser = await aiohttp_client(server)
    landed = await browser.get(place["url"], allow_redirects=False)
    assert landed.status == 302 and landed.headers["Location"] == f"/join/{keyword}"
    me = await (await browser.get("/auth/")).json()
    assert me["username"] == f"user-{place['user']}"
    reused = await browser.get(place["url"], allow_redirects=False)
    location = urlsplit(reused.headers["Location"])
    assert parse_qs(location.query)["notification"] == ["session-invalid"]
