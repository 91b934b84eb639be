"""/auth/: guest login with the JSESSIONID cookie, logout, who am I, providers."""

from datetime import timedelta

import pytest

from arsnova.auth import COOKIE_NAME, hash_token
from tests.conftest import expect_error

GUEST = "Guest" + "0123456789" * 2


async def test_guest_login_answers_json_and_sets_a_safe_cookie(client, db):
    response = await client.get("/auth/login", params={"type": "guest"})
    assert response.status == 200
    body = await response.json()
    assert body["type"] == "guest"
    assert body["username"].startswith("Guest") and len(body["username"]) == 25
    header = response.headers["Set-Cookie"]
    assert header.startswith(f"{COOKIE_NAME}=")
    assert "HttpOnly" in header and "SameSite=Lax" in header and "Path=/" in header
    token = response.cookies[COOKIE_NAME].value
    assert len(token) >= 43  # 256 random bits
    stored = await db.logins.find_one({"username": body["username"]})
    assert stored["token_hash"] == hash_token(token)
    assert token not in str(stored)


async def test_who_am_i(client):
    await expect_error(await client.get("/auth/"), 401, "login-required")
    await client.get("/auth/login", params={"type": "guest", "user": GUEST})
    response = await client.get("/auth/")
    assert response.status == 200
    assert await response.json() == {"username": GUEST, "type": "guest"}


async def test_type_defaults_to_guest(client):
    response = await client.get("/auth/login")
    assert (await response.json())["type"] == "guest"


async def test_stored_guest_name_resumes_the_identity(login):
    first = await login(GUEST)
    second = await login(GUEST)
    assert first.username == second.username == GUEST


@pytest.mark.parametrize(
    "name",
    ["admin", "Guest", "Guest" + "g" * 20, "guest" + "0" * 20, "Guest" + "0" * 20 + "\n", ""],
)
async def test_invalid_guest_name_is_refused(client, name):
    response = await client.get("/auth/login", params={"type": "guest", "user": name})
    code = "validation-failed" if name == "" else "invalid-guest-name"
    await expect_error(response, 400, code)


@pytest.mark.parametrize("login_type", ["cas", "google", "facebook", "ldap", "x" * 41])
async def test_unconfigured_login_type_is_a_clear_400(client, login_type):
    response = await client.get("/auth/login", params={"type": login_type})
    code = "validation-failed" if len(login_type) > 40 else "login-type-not-configured"
    await expect_error(response, 400, code)


async def test_login_redirects_to_successurl(client):
    response = await client.get(
        "/auth/login",
        params={"type": "guest", "successurl": "/lecture?x=1", "failureurl": "/"},
        allow_redirects=False,
    )
    assert response.status == 302
    assert response.headers["Location"] == "/lecture?x=1"
    assert COOKIE_NAME in response.cookies
    assert (await client.get("/auth/")).status == 200


async def test_failed_login_redirects_to_failureurl_with_the_code(client):
    response = await client.get(
        "/auth/login",
        params={"type": "cas", "successurl": "/ok", "failureurl": "/login?lang=de"},
        allow_redirects=False,
    )
    assert response.status == 302
    assert response.headers["Location"] == "/login?lang=de&error=login-type-not-configured"
    assert COOKIE_NAME not in response.cookies


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.example/",
        "//evil.example/path",
        "javascript:alert(1)",
        "relative/path",
        "/\\evil.example",
    ],
)
async def test_open_redirects_refused(client, url):
    for name in ("successurl", "failureurl"):
        response = await client.get(
            "/auth/login", params={"type": "guest", name: url}, allow_redirects=False
        )
        await expect_error(response, 400, "invalid-redirect")


async def test_redirect_to_a_configured_origin_allowed(aiohttp_client, settings_with):
    from arsnova.app import create_app

    client = await aiohttp_client(create_app(settings_with(cors_origins=("https://lms.example",))))
    response = await client.get(
        "/auth/login",
        params={"successurl": "https://lms.example/course/7"},
        allow_redirects=False,
    )
    assert response.headers["Location"] == "https://lms.example/course/7"


async def test_logout_ends_the_login(login, db):
    client = await login()
    response = await client.get("/auth/logout", allow_redirects=False)
    assert response.status == 204
    assert await db.logins.count_documents({"username": client.username}) == 0
    await expect_error(await client.get("/auth/"), 401, "login-required")


async def test_logout_redirects_back_to_a_page_of_this_server(login, server):
    client = await login()
    referer = str(server.make_url("/lecture"))
    response = await client.post(
        "/auth/logout", headers={"Referer": referer}, allow_redirects=False
    )
    assert response.status == 302 and response.headers["Location"] == referer
    foreign = await client.get(
        "/auth/logout", headers={"Referer": "https://evil.example/"}, allow_redirects=False
    )
    assert foreign.status == 204


async def test_forged_or_garbage_cookie_is_anonymous(client):
    for value in ("forged", "x" * 5000, ""):
        client.session.cookie_jar.update_cookies({COOKIE_NAME: value})
        await expect_error(await client.get("/auth/"), 401, "login-required")


async def test_expired_login_is_refused(login, db):
    client = await login()
    await db.logins.update_many(
        {"username": client.username},
        [{"$set": {"expires_at": {"$subtract": ["$created_at", 1000]}}}],
    )
    await expect_error(await client.get("/auth/"), 401, "login-required")


async def test_use_extends_an_idle_login(login, db):
    client = await login()
    stored = await db.logins.find_one({"username": client.username})
    stale = stored["last_seen"] - timedelta(minutes=5)
    await db.logins.update_one(
        {"_id": stored["_id"]},
        {"$set": {"last_seen": stale, "expires_at": stored["expires_at"] - timedelta(minutes=5)}},
    )
    assert (await client.get("/auth/")).status == 200
    touched = await db.logins.find_one({"_id": stored["_id"]})
    assert touched["last_seen"] > stale
    assert touched["expires_at"] > stored["expires_at"] - timedelta(minutes=5)
