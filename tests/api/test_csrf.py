"""Cookie-authenticated changes are refused from other sites' pages (Origin/Referer check)."""

from __future__ import annotations

import pytest

from tests.conftest import expect_error
from tests.helpers import add_token, bearer

EVIL = "https://evil.example"


@pytest.fixture
def settings(settings_with):
    return settings_with(cors_origins=("https://lms.example",))


def own_origin(client) -> str:
    return str(client.make_url("")).rstrip("/")


async def test_a_foreign_origin_cannot_change_anything_with_the_cookie(owner, keyword):
    attempts = [
        ("POST", "/session/", {"name": "Forged"}),
        ("PUT", f"/session/{keyword}", {"name": "Forged"}),
        ("POST", f"/session/{keyword}/lock", None),
        ("DELETE", f"/session/{keyword}", None),
        ("POST", "/auth/logout", None),
    ]
    for method, path, body in attempts:
        response = await owner.request(method, path, json=body, headers={"Origin": EVIL})
        body = await expect_error(response, 403, "cross-origin-request")
        assert EVIL in body["message"]
    session = await (await owner.get(f"/session/{keyword}")).json()
    assert session["name"] == "Physics I" and session["active"] is True


@pytest.mark.parametrize(
    "headers",
    [
        {"Referer": f"{EVIL}/page.html"},  # browsers that send no Origin
        {"Origin": "null"},  # sandboxed frames, data: URLs
        {"Origin": "http://127.0.0.1.evil.example"},
        {"Origin": "javascript:alert(1)"},
    ],
)
async def test_other_ways_of_naming_a_foreign_page_are_refused(owner, headers):
    response = await owner.post("/session/", json={"name": "Forged"}, headers=headers)
    await expect_error(response, 403, "cross-origin-request")


async def test_own_pages_configured_origins_and_non_browsers_may(owner):
    for headers in (
        {"Origin": own_origin(owner)},
        {"Referer": own_origin(owner) + "/lecturer/"},
        {"Origin": "https://lms.example"},  # ARSNOVA_CORS_ORIGINS
        {},  # curl, apps: no page, nothing to forge
    ):
        response = await owner.post("/session/", json={"name": "Fine"}, headers=headers)
        assert response.status == 201, (headers, await response.text())


async def test_reads_and_bearer_tokens_are_not_affected(owner, keyword, client, db):
    response = await owner.get(f"/session/{keyword}", headers={"Origin": EVIL})
    assert response.status == 200
    token = await add_token(db, "moodle", ["integration"])
    response = await client.post(
        "/session/", json={"name": "Platform"}, headers={**bearer(token), "Origin": EVIL}
    )
    assert response.status == 201


async def test_the_login_cookie_is_http_only_and_same_site(client):
    response = await client.get("/auth/login", params={"type": "guest"})
    cookie = response.cookies["JSESSIONID"]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert cookie["path"] == "/"
