"""/auth/: guest login with the JSESSIONID cookie, logout, who am I, providers."""

import secrets
from datetime import UTC, datetime, timedelta

import pytest

from arsnova.auth import COOKIE_NAME, hash_token
from arsnova.errors import Unauthorized
from arsnova.identity import GUEST_KEY_COOKIE, LECTURER, STUDENT, Identity
from arsnova.keys import providers_key, store_key
from tests.conftest import ADMIN_NAME, expect_error, open_login_link

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


async def test_a_name_alone_never_resumes_a_guest(login, client):
    await login(GUEST)
    response = await client.get("/auth/login", params={"type": "guest", "user": GUEST})
    await expect_error(response, 409, "guest-name-taken")
    assert COOKIE_NAME not in response.cookies
    await expect_error(await client.get("/auth/"), 401, "login-required")


async def test_the_browsers_key_resumes_its_guest(login):
    first = await login(GUEST)
    await first.get("/auth/logout")
    for params in ({"type": "guest"}, {"type": "guest", "user": GUEST}):
        response = await first.get("/auth/login", params=params)
        assert (await response.json())["username"] == GUEST
    second_device = await login(like=first)
    assert second_device.username == GUEST


async def test_the_key_cookie_is_a_long_lived_secret_stored_hashed(client, db):
    response = await client.get("/auth/login", params={"type": "guest"})
    cookie = response.cookies[GUEST_KEY_COOKIE]
    assert cookie["httponly"] and cookie["samesite"] == "Lax" and cookie["path"] == "/auth/"
    assert int(cookie["max-age"]) >= 365 * 86400
    assert len(cookie.value) >= 43  # 256 random bits
    stored = await db.guest_keys.find_one({"name": (await response.json())["username"]})
    assert stored["key_hash"] == hash_token(cookie.value)
    assert cookie.value not in str(stored)


async def test_a_still_valid_login_earns_a_browser_without_a_key_one(login, db):
    """A browser of a guest from before keys existed: its login proves it, once."""
    client = await login(GUEST)
    await db.guest_keys.delete_many({"name": GUEST})
    client.session.cookie_jar.clear(lambda cookie: cookie.key == GUEST_KEY_COOKIE)
    response = await client.get("/auth/login", params={"type": "guest", "user": GUEST})
    assert (await response.json())["username"] == GUEST
    assert await db.guest_keys.count_documents({"name": GUEST}) == 1


async def test_guests_known_before_keys_are_not_free_to_take(client, db):
    from importlib import import_module

    await db.sessions.insert_one({"creator": "GuestOld01", "keyword": "00000001"})
    await db.answers.insert_one({"user": "GuestOld02"})
    await import_module("migrations.0007_identity").up(db)
    for name in ("GuestOld01", "GuestOld02"):
        response = await client.get("/auth/login", params={"type": "guest", "user": name})
        await expect_error(response, 409, "guest-name-taken")


async def test_short_legacy_guest_names_still_work(login):
    """ARSnova Mobile makes 'Guest' and five random characters."""
    assert (await login("GuestAb3dE")).username == "GuestAb3dE"


async def test_an_admins_name_needs_a_login_link(client, aiohttp_client, server):
    response = await client.get("/auth/login", params={"type": "guest", "user": ADMIN_NAME})
    await expect_error(response, 403, "guest-key-required")
    await open_login_link(client, ADMIN_NAME)
    assert (await (await client.get("/auth/")).json())["username"] == ADMIN_NAME
    await client.get("/auth/logout")
    response = await client.get("/auth/login", params={"type": "guest"})
    assert (await response.json())["username"] == ADMIN_NAME
    stranger = await aiohttp_client(server)
    response = await stranger.get("/auth/login", params={"type": "guest", "user": ADMIN_NAME})
    await expect_error(response, 403, "guest-key-required")


async def test_a_login_link_works_once_and_not_after_expiry(client, server, db):
    token = secrets.token_urlsafe(32)
    guests = server.app[store_key].guests
    await guests.create_link(hash_token(token), ADMIN_NAME, datetime.now(UTC) + timedelta(1))
    link = {"token": token}
    assert (await client.get("/auth/link", params=link, allow_redirects=False)).status == 302
    await expect_error(await client.get("/auth/link", params=link), 404, "login-link-invalid")
    late = secrets.token_urlsafe(32)
    await guests.create_link(hash_token(late), ADMIN_NAME, datetime.now(UTC) - timedelta(1))
    response = await client.get("/auth/link", params={"token": late})
    await expect_error(response, 404, "login-link-invalid")
    response = await client.get("/auth/link", params={"token": "x" * 200})
    await expect_error(response, 400, "validation-failed")
    assert token not in str(await db.login_links.find().to_list())


FOREIGN_PAGE = [
    {"Origin": "https://evil.example"},
    {"Referer": "https://evil.example/page"},
    {"Sec-Fetch-Site": "cross-site"},  # a page that sends no referrer
    {"Sec-Fetch-Site": "same-site"},
]


@pytest.mark.parametrize("headers", FOREIGN_PAGE)
async def test_another_site_cannot_log_a_visitor_in_or_out(login, headers):
    visitor = await login()
    response = await visitor.get("/auth/login", params={"user": GUEST}, headers=headers)
    await expect_error(response, 403, "cross-origin-request")
    for method in ("GET", "POST"):
        response = await visitor.request(method, "/auth/logout", headers=headers)
        await expect_error(response, 403, "cross-origin-request")
    assert (await (await visitor.get("/auth/")).json())["username"] == visitor.username


async def test_own_pages_and_configured_origins_may_log_in(aiohttp_client, settings_with):
    from arsnova.app import create_app

    client = await aiohttp_client(create_app(settings_with(cors_origins=("https://lms.example",))))
    own = str(client.make_url("/lecture"))
    for headers in (
        {"Referer": own, "Sec-Fetch-Site": "same-origin"},
        {"Origin": "https://lms.example", "Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "none"},  # typed into the address bar
        {},  # curl, apps
    ):
        response = await client.get("/auth/login", headers=headers)
        assert response.status == 200, headers
        response = await client.get("/auth/logout", headers=headers, allow_redirects=False)
        assert response.status in (204, 302), headers


@pytest.mark.parametrize(
    "name",
    ["admin", "Guest", "guest0000", "Guest" + "0" * 20 + "\n", "", "Guest-x", "Guest" + "a" * 41,
     "user-0123", "integration:moodle"],
)  # fmt: skip
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


class Directory:
    """A password login type for the dispatch of `POST /auth/login` (the real ones,
    accounts and LDAP, have their own tests against real servers): one user per role."""

    name = "directory"

    async def authenticate(self, request, user: str, password: str) -> Identity:
        if password != "right" or user not in ("prof", "kim"):
            raise Unauthorized("Wrong user or password.", code="wrong-credentials")
        return Identity(user, self.name, role=LECTURER if user == "prof" else STUDENT)


@pytest.fixture
async def directory_client(aiohttp_client, app):
    app[providers_key]["directory"] = Directory()
    return await aiohttp_client(app)


async def test_a_password_login_type_logs_in_with_a_posted_user_and_password(directory_client):
    client = directory_client
    body = {"type": "directory", "user": "prof", "password": "right"}
    response = await client.post("/auth/login", json=body)
    assert response.status == 200
    assert await response.json() == {"username": "prof", "type": "directory"}
    assert "right" not in str(response.headers)
    assert (await client.post("/session/", json={"name": "Physics"})).status == 201
    listed = await (await client.get("/configuration/")).json()
    assert listed["loginTypes"] == ["guest", "directory"]


async def test_a_student_role_may_not_create_sessions(directory_client):
    client = directory_client
    body = {"type": "directory", "user": "kim", "password": "right"}
    assert (await client.post("/auth/login", json=body)).status == 200
    response = await client.post("/session/", json={"name": "Physics"})
    await expect_error(response, 403, "lecturer-role-required")


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"type": "directory", "user": "prof", "password": "wrong"}, 401, "wrong-credentials"),
        ({"type": "guest", "user": "prof", "password": "x"}, 400, "login-type-not-password"),
        ({"type": "ldap", "user": "prof", "password": "x"}, 400, "login-type-not-configured"),
        ({"type": "directory", "user": "prof"}, 400, "validation-failed"),
    ],
)
async def test_password_logins_that_fail_say_why(directory_client, body, status, code):
    response = await directory_client.post("/auth/login", json=body)
    await expect_error(response, status, code)
    assert COOKIE_NAME not in response.cookies


async def test_a_password_login_type_is_not_a_redirecting_one(directory_client):
    response = await directory_client.get("/auth/login", params={"type": "directory"})
    await expect_error(response, 400, "login-type-needs-password")


@pytest.mark.parametrize("keep", [True, False])
async def test_a_guest_who_signs_in_for_good_may_keep_its_sessions(directory_client, keep):
    client = directory_client
    guest = await (await client.get("/auth/login", params={"type": "guest"})).json()
    keyword = (await (await client.post("/session/", json={"name": "Tried"})).json())["keyword"]
    body = {"type": "directory", "user": "prof", "password": "right", "keepGuestSessions": keep}
    signed_in = await client.post("/auth/login", json=body)
    assert signed_in.status == 200, await signed_in.text()
    owned = await (await client.get("/session/", params={"ownedonly": "true"})).json()
    assert [session["keyword"] for session in owned] == ([keyword] if keep else [])
    assert (await client.get("/auth/logout")).status in (204, 302)
    await client.get("/auth/login", params={"type": "guest", "user": guest["username"]})
    response = await client.get("/session/", params={"ownedonly": "true"})
    kept_by_guest = [] if response.status == 404 else await response.json()
    assert [session["keyword"] for session in kept_by_guest] == ([] if keep else [keyword])
