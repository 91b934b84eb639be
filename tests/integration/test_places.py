"""Requesting a place, activating it in a browser, and being sent back with a notification."""

from __future__ import annotations

import asyncio
import time
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import socketio

from arsnova.app import create_app
from arsnova.auth import COOKIE_NAME
from arsnova.services.housekeeping import release_places
from tests.conftest import expect_error
from tests.helpers import add_token, as_platform, assert_joined, bearer, create_lecture
from tests.integration.conftest import INDEX_URL, place_for

REQUEST = "/integration/session/{}/request/"
SOCKET_TIMEOUT = 5


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


# Helpers


async def request_place(platform, keyword: str, method: str = "GET", **params):
    """The platform requests a place (query parameters, bearer token); the raw response."""
    call = platform.get if method == "GET" else platform.post
    return await call(REQUEST.format(keyword), params=params, headers=platform.headers)


async def open_link(browser, url: str):
    """Opens an activation link without following the redirect."""
    return await browser.get(url, allow_redirects=False)


def sent_back(response, index_url: str = INDEX_URL) -> str:
    """The `notification` of a redirect back to `index_url` (which it must go to)."""
    assert response.status == 302, response.status
    location = urlsplit(response.headers["Location"])
    expected = urlsplit(index_url)
    assert (location.scheme, location.hostname, location.path) == (
        expected.scheme,
        expected.hostname,
        expected.path,
    ), response.headers["Location"]
    return parse_qs(location.query)["notification"][0]


def with_query(url: str, **changes: str) -> str:
    """`url` with some of its query parameters replaced (or dropped when the value is None)."""
    parts = urlsplit(url)
    query = {key: values[0] for key, values in parse_qs(parts.query).items()}
    query.update(changes)
    query = {key: value for key, value in query.items() if value is not None}
    return f"{parts.path}?{urlencode(query)}"


async def allocated(db, keyword: str) -> int:
    session = await db.sessions.find_one({"keyword": keyword})
    return session.get("allocated", 0)


async def lock(platform, keyword: str) -> None:
    response = await platform.post(f"/session/{keyword}/lock", headers=platform.headers)
    assert response.status == 204, await response.text()


def now_ms() -> int:
    return int(time.time() * 1000)


# Requests and users


async def test_request_answers_the_place_and_creates_users(platform, db):
    keyword = await create_lecture(platform, "Geometry", headers=platform.headers)
    first = await place_for(platform, keyword)
    assert set(first) == {"name", "user", "url", "keyword", "sessionName"}
    assert first["keyword"] == keyword and first["sessionName"] == "Geometry"
    assert first["url"].startswith(f"/integration/place/{first['name']}/activate/?")
    link = parse_qs(urlsplit(first["url"]).query)
    assert link["index_url"] == [INDEX_URL] and len(link["token"][0]) >= 32

    second = await place_for(platform, keyword, method="POST")
    assert second["user"] != first["user"] and second["name"] != first["name"]

    known = await place_for(platform, keyword, method="POST", user=first["user"])
    assert known["user"] == first["user"] and known["name"] == first["name"]

    unknown = await place_for(platform, keyword, user="never-seen-before")
    assert unknown["user"] not in (first["user"], second["user"], "never-seen-before")
    assert await db.integration_users.count_documents({}) == 3


async def test_profile_fields_are_stored_with_the_user(platform, course, db):
    profile = {"email": "ada@example.org", "first_name": "Ada", "last_name": "Lovelace"}
    place = await place_for(platform, course["keyword"], **profile)
    stored = await db.integration_users.find_one({"_id": place["user"]})
    assert {field: stored.get(field) for field in profile} == profile
    assert stored["created_by"] == "integration:moodle"


async def test_the_same_user_gets_the_same_place_with_a_fresh_link(
    platform, course, db, aiohttp_client, server
):
    keyword = course["keyword"]
    first = await place_for(platform, keyword)
    again = await place_for(platform, keyword, user=first["user"])
    assert again["name"] == first["name"] and again["user"] == first["user"]
    assert again["url"] != first["url"]
    assert await allocated(db, keyword) == 1
    assert await db.places.count_documents({"user_id": first["user"]}) == 1

    browser = await aiohttp_client(server)
    assert sent_back(await open_link(browser, first["url"])) == "session-invalid"
    landed = await open_link(browser, again["url"])
    assert landed.status == 302 and landed.headers["Location"] == f"/join/{keyword}"

    # An activated user asking again still holds one seat, and the new link works.
    third = await place_for(platform, keyword, user=first["user"])
    assert third["name"] == first["name"] and await allocated(db, keyword) == 1
    other = await aiohttp_client(server)
    assert (await open_link(other, third["url"])).headers["Location"] == f"/join/{keyword}"
    assert await allocated(db, keyword) == 1


# Authentication


async def test_without_a_token_the_integration_api_is_401_invalid_token(client, platform, course):
    keyword = course["keyword"]
    place = await place_for(platform, keyword)
    for method, path in (
        ("GET", REQUEST.format(keyword)),
        ("POST", REQUEST.format(keyword)),
        ("GET", "/integration/catalog/sessions/"),
        ("GET", f"/integration/user/{place['user']}/sessions/"),
        ("POST", f"/integration/place/{place['name']}/extend/"),
    ):
        response = await client.request(method, path)
        await expect_error(response, 401, "invalid-token")
        assert response.headers["WWW-Authenticate"].startswith("Bearer"), path


async def test_a_cookie_login_is_not_an_integration(login, course):
    guest = await login()
    for path in (REQUEST.format(course["keyword"]), "/integration/catalog/sessions/"):
        response = await guest.get(path, params={"index_url": INDEX_URL})
        await expect_error(response, 401, "invalid-token")
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


async def test_an_admin_token_lacks_the_integration_scope(platform, course, db):
    admin = bearer(await add_token(db, "ops", ["admin"]))
    place = await place_for(platform, course["keyword"])
    for method, path in (
        ("GET", REQUEST.format(course["keyword"])),
        ("POST", REQUEST.format(course["keyword"])),
        ("GET", "/integration/catalog/sessions/"),
        ("GET", f"/integration/user/{place['user']}/sessions/"),
    ):
        response = await platform.request(method, path, headers=admin)
        await expect_error(response, 403, "scope-missing")
    assert await allocated(db, course["keyword"]) == 1


# Activation


async def test_an_activated_browser_is_a_logged_in_participant(
    platform, course, aiohttp_client, server
):
    keyword = course["keyword"]
    place = await place_for(platform, keyword, first_name="Ada")
    browser = await aiohttp_client(server)
    before = await browser.get(f"/session/{keyword}/lecturerquestion/")
    assert before.status == 401
    landed = await open_link(browser, place["url"])
    assert landed.status == 302 and landed.headers["Location"] == f"/join/{keyword}"
    me = await browser.get("/auth/")
    assert me.status == 200 and (await me.json())["username"] == f"user-{place['user']}"
    questions = await browser.get(f"/session/{keyword}/lecturerquestion/")
    assert questions.status == 200, await questions.text()
    assert await questions.json() == []
    assert sent_back(await open_link(browser, place["url"])) == "session-invalid"
    stranger = await aiohttp_client(server)
    assert sent_back(await open_link(stranger, place["url"])) == "session-invalid"
    assert (await stranger.get("/auth/")).status == 401


async def test_a_place_not_activated_in_time_is_released(
    aiohttp_server, aiohttp_client, settings_with, db, clock
):
    app = create_app(settings_with(index_url_allowed=("lms.example",), activation_timeout=60))
    server = await aiohttp_server(app)
    platform = await as_platform(await aiohttp_client(server), db)
    keyword = await create_lecture(platform, "Geometry", capacity=3, headers=platform.headers)
    place = await place_for(platform, keyword)
    assert await allocated(db, keyword) == 1
    await release_places(app)
    assert await allocated(db, keyword) == 1  # not yet
    clock.advance(61)
    await release_places(app)
    assert await allocated(db, keyword) == 0
    assert await db.places.count_documents({"_id": place["name"]}) == 0
    browser = await aiohttp_client(server)
    assert sent_back(await open_link(browser, place["url"])) == "session-invalid"
    assert (await browser.get("/auth/")).status == 401
    # The user can ask again and gets a new place with a working link.
    again = await place_for(platform, keyword, user=place["user"])
    assert again["user"] == place["user"] and await allocated(db, keyword) == 1
    landed = await open_link(browser, again["url"])
    assert landed.headers["Location"] == f"/join/{keyword}"


# Notifications on the way back


async def test_unknown_place_wrong_token_and_used_token_are_session_invalid(
    platform, course, aiohttp_client, server, db
):
    place = await place_for(platform, course["keyword"])
    browser = await aiohttp_client(server)
    unknown = place["url"].replace(place["name"], "f" * 24)
    assert sent_back(await open_link(browser, unknown)) == "session-invalid"
    wrong = with_query(place["url"], token="x" * 43)
    assert sent_back(await open_link(browser, wrong)) == "session-invalid"
    huge = with_query(place["url"], token="x" * 300)
    assert sent_back(await open_link(browser, huge)) == "session-invalid"
    assert (await browser.get("/auth/")).status == 401
    assert (await open_link(browser, place["url"])).headers["Location"].startswith("/join/")
    assert sent_back(await open_link(browser, place["url"])) == "session-invalid"
    assert await allocated(db, course["keyword"]) == 1


async def test_activation_without_a_token_goes_back_as_session_invalid(
    platform, course, aiohttp_client, server
):
    place = await place_for(platform, course["keyword"])
    browser = await aiohttp_client(server)
    for url in (with_query(place["url"], token=None), with_query(place["url"], token="")):
        assert sent_back(await open_link(browser, url)) == "session-invalid"
    assert (await open_link(browser, place["url"])).headers["Location"].startswith("/join/")


async def test_a_locked_session_is_session_deleted(platform, course, aiohttp_client, server):
    place = await place_for(platform, course["keyword"])
    await lock(platform, course["keyword"])
    browser = await aiohttp_client(server)
    assert sent_back(await open_link(browser, place["url"])) == "session-deleted"
    assert (await browser.get("/auth/")).status == 401


async def test_a_deleted_session_is_session_deleted(platform, course, aiohttp_client, server):
    place = await place_for(platform, course["keyword"])
    response = await platform.delete(f"/session/{course['keyword']}", headers=platform.headers)
    assert response.status == 204
    browser = await aiohttp_client(server)
    assert sent_back(await open_link(browser, place["url"])) == "session-deleted"
    assert (await browser.get("/auth/")).status == 401


async def test_a_lowered_capacity_is_session_unavailable(
    platform, course, aiohttp_client, server, db
):
    keyword = course["keyword"]
    await place_for(platform, keyword)
    second = await place_for(platform, keyword)
    response = await platform.put(
        f"/session/{keyword}", json={"capacity": 1}, headers=platform.headers
    )
    assert response.status == 200 and (await response.json())["capacity"] == 1
    browser = await aiohttp_client(server)
    assert sent_back(await open_link(browser, second["url"])) == "session-unavailable"
    assert (await browser.get("/auth/")).status == 401
    assert await allocated(db, keyword) == 1
    assert await db.places.count_documents({"_id": second["name"]}) == 0
    full = await request_place(platform, keyword, index_url=INDEX_URL)
    await expect_error(full, 409, "session-unavailable")


async def test_a_wrong_token_does_not_release_a_place_of_a_full_session(
    platform, course, aiohttp_client, server, db
):
    """Only the link's holder may give the place up: a guessed token changes nothing."""
    keyword = course["keyword"]
    await place_for(platform, keyword)
    second = await place_for(platform, keyword)
    response = await platform.put(
        f"/session/{keyword}", json={"capacity": 1}, headers=platform.headers
    )
    assert response.status == 200
    browser = await aiohttp_client(server)
    wrong = with_query(second["url"], token="x" * 43)
    response = await open_link(browser, wrong)
    assert await db.places.count_documents({"_id": second["name"]}) == 1
    assert await allocated(db, keyword) == 2
    assert sent_back(response) == "session-invalid"


async def test_without_index_url_the_default_index_url_is_used(
    aiohttp_server, aiohttp_client, settings_with, db
):
    home = "https://lms.example/home"
    settings = settings_with(default_index_url=home, index_url_allowed=("lms.example",))
    server = await aiohttp_server(create_app(settings))
    platform = await as_platform(await aiohttp_client(server), db)
    keyword = await create_lecture(platform, "Geometry", headers=platform.headers)
    response = await request_place(platform, keyword)
    assert response.status == 200
    place = await response.json()
    assert "index_url" not in parse_qs(urlsplit(place["url"]).query)
    browser = await aiohttp_client(server)
    wrong = with_query(place["url"], token="x" * 43)
    assert sent_back(await open_link(browser, wrong), home) == "session-invalid"
    tampered = with_query(wrong, index_url="https://evil.example/")
    assert sent_back(await open_link(browser, tampered), home) == "session-invalid"
    unknown = "/integration/place/nothing/activate/?token=abc"
    assert sent_back(await open_link(browser, unknown), home) == "session-invalid"


async def test_without_any_index_url_the_notification_comes_as_json(
    platform, course, aiohttp_client, server
):
    response = await request_place(platform, course["keyword"])
    assert response.status == 200
    place = await response.json()
    browser = await aiohttp_client(server)
    wrong = with_query(place["url"], token="x" * 43)
    await expect_error(await open_link(browser, wrong), 400, "session-invalid")
    await lock(platform, course["keyword"])
    await expect_error(await open_link(browser, place["url"]), 400, "session-deleted")


async def test_the_notification_lands_in_the_query_of_the_index_url(
    platform, course, aiohttp_client, server
):
    index_url = "https://lms.example/course/17?tab=2#top"
    place = await place_for(platform, course["keyword"], index_url=index_url)
    browser = await aiohttp_client(server)
    wrong = with_query(place["url"], token="x" * 43)
    response = await open_link(browser, wrong)
    assert response.status == 302
    location = urlsplit(response.headers["Location"])
    assert location.hostname == "lms.example" and location.path == "/course/17"
    assert parse_qs(location.query) == {"tab": ["2"], "notification": ["session-invalid"]}


# Open redirects


@pytest.mark.parametrize(
    "index_url",
    [
        "https://evil.example/course/17",
        "https://lms.example.evil.example/",
        "https://lms.example@evil.example/",
        "javascript:alert(document.cookie)",
        "/course/17",
        "course/17",
        "//evil.example/course",
        "ftp://lms.example/course",
        "https://evil.example\\@lms.example/",
    ],
)
async def test_index_urls_off_the_allowed_hosts_are_refused(platform, course, db, index_url):
    for method in ("GET", "POST"):
        response = await request_place(platform, course["keyword"], method, index_url=index_url)
        await expect_error(response, 400, "index-url-not-allowed")
    assert await allocated(db, course["keyword"]) == 0
    assert await db.places.count_documents({}) == 0


@pytest.mark.parametrize(
    "tampered",
    [
        "https://evil.example/",
        "//evil.example/",
        "javascript:alert(1)",
        "https://lms.example@evil.example/",
        "https://evil.example\\@lms.example/",
    ],
)
async def test_a_tampered_index_url_in_the_link_never_leaves_the_allowed_hosts(
    platform, course, aiohttp_client, server, tampered
):
    place = await place_for(platform, course["keyword"])
    browser = await aiohttp_client(server)
    for token in ("x" * 43, None):
        response = await open_link(
            browser, with_query(place["url"], token=token, index_url=tampered)
        )
        assert response.status == 302, await response.text()
        assert "evil.example" not in response.headers["Location"]
        assert sent_back(response) == "session-invalid"
    await lock(platform, course["keyword"])
    response = await open_link(browser, with_query(place["url"], index_url=tampered))
    assert sent_back(response) == "session-deleted"


# Capacity


async def test_a_burst_never_overfills_the_session(platform, course, db):
    keyword = course["keyword"]
    responses = await asyncio.gather(
        *(
            request_place(platform, keyword, index_url=INDEX_URL, first_name=f"S{n}")
            for n in range(20)
        )
    )
    statuses = sorted(response.status for response in responses)
    assert statuses == [200] * 3 + [409] * 17
    for response in responses:
        if response.status == 409:
            await expect_error(response, 409, "session-unavailable")
    users = {(await response.json())["user"] for response in responses if response.status == 200}
    assert len(users) == 3
    assert await allocated(db, keyword) == 3
    assert await db.places.count_documents({}) == 3


async def test_a_burst_of_the_same_user_takes_one_seat_and_is_never_full(platform, course, db):
    """Double clicks in the platform: one place, one seat, and never a spurious "full"."""
    user = (await place_for(platform, course["keyword"]))["user"]
    keyword = await create_lecture(platform, "Geometry", capacity=1, headers=platform.headers)
    responses = await asyncio.gather(
        *(request_place(platform, keyword, index_url=INDEX_URL, user=user) for _ in range(10))
    )
    names = {(await r.json())["name"] for r in responses if r.status == 200}
    assert len(names) == 1
    assert await allocated(db, keyword) == 1
    assert await db.places.count_documents({"keyword": keyword}) == 1
    assert [response.status for response in responses] == [200] * 10


async def test_locked_and_unknown_sessions_are_refused(platform, course, db):
    await lock(platform, course["keyword"])
    response = await request_place(platform, course["keyword"], index_url=INDEX_URL)
    await expect_error(response, 409, "session-closed")
    response = await request_place(platform, "99999999", index_url=INDEX_URL)
    assert response.status == 404
    assert (await response.json())["code"] == "session-not-found"
    assert await allocated(db, course["keyword"]) == 0


# Bad input


@pytest.mark.parametrize(
    "params",
    [
        {"user": "bad user"},
        {"user": "ab/cd"},
        {"user": "x" * 65},
        {"user": ""},
        {"email": "not-an-email"},
        {"email": "a@"},
        {"first_name": ""},
        {"first_name": "x" * 101},
        {"last_name": ""},
        {"last_name": "x" * 101},
        {"index_url": "https://lms.example/" + "x" * 1981},
        {"index_url": ""},
    ],
)
async def test_bad_request_parameters_are_400(platform, course, db, params):
    for method in ("GET", "POST"):
        response = await request_place(platform, course["keyword"], method, **params)
        body = await expect_error(response, 400, "validation-failed")
        assert set(body["errors"]) == set(params), body
    assert await allocated(db, course["keyword"]) == 0
    assert await db.integration_users.count_documents({}) == 0


async def test_longest_valid_parameters_are_accepted(platform, course):
    params = {
        "user": "A-z_9" + "x" * 59,
        "first_name": "x" * 100,
        "last_name": "y" * 100,
        "index_url": "https://lms.example/" + "x" * 1980,
    }
    place = await place_for(platform, course["keyword"], **params)
    assert len(place["user"]) == 32  # unknown to the server: a new id


async def test_catalog_refuses_bad_parameters(platform):
    for query in ("state=BOGUS", "state=RUNNING&state=running", "sessions=maybe"):
        response = await platform.get(
            f"/integration/catalog/sessions/?{query}", headers=platform.headers
        )
        await expect_error(response, 400, "validation-failed")


# Listings


async def test_the_users_places_while_the_session_runs_and_after_it_is_locked(
    platform, course, aiohttp_client, server
):
    keyword = course["keyword"]
    before = now_ms()
    place = await place_for(platform, keyword)
    other = await create_lecture(platform, "Topology", headers=platform.headers)
    elsewhere = await place_for(platform, other, user=place["user"])
    path = f"/integration/user/{place['user']}/sessions/"
    response = await platform.get(path, headers=platform.headers)
    assert response.status == 200
    rows = await response.json()
    assert [row["name"] for row in rows] == [place["name"], elsewhere["name"]]
    row = rows[0]
    assert set(row) == {
        "name", "keyword", "sessionName", "started", "expires", "countdown", "extendable"
    }  # fmt: skip
    assert (row["keyword"], row["sessionName"]) == (keyword, "Algebra")
    assert before - 1000 <= row["started"] <= now_ms() + 1000
    assert (row["expires"], row["countdown"], row["extendable"]) == (None, None, False)

    browser = await aiohttp_client(server)
    await open_link(browser, place["url"])
    await lock(platform, keyword)
    rows = await (await platform.get(path, headers=platform.headers)).json()
    row = next(row for row in rows if row["keyword"] == keyword)
    assert 880 <= row["countdown"] <= 900  # place_grace
    assert now_ms() + 880_000 <= row["expires"] <= now_ms() + 901_000
    assert row["extendable"] is False
    unlocked = next(row for row in rows if row["keyword"] == other)
    assert unlocked["expires"] is None and unlocked["countdown"] is None

    response = await platform.post(f"/session/{keyword}/lock?lock=false", headers=platform.headers)
    assert response.status == 204
    rows = await (await platform.get(path, headers=platform.headers)).json()
    assert [(row["expires"], row["countdown"]) for row in rows] == [(None, None)] * 2

    nobody = await platform.get("/integration/user/nobody/sessions/", headers=platform.headers)
    await expect_error(nobody, 404, "user-not-found")


async def test_places_of_a_session_with_a_place_duration_expire_and_extend(
    platform, course, aiohttp_client, server
):
    keyword = course["keyword"]
    response = await platform.put(
        f"/session/{keyword}", json={"placeDuration": 600}, headers=platform.headers
    )
    assert response.status == 200 and (await response.json())["placeDuration"] == 600
    place = await place_for(platform, keyword)
    pending = await place_for(platform, keyword)
    path = f"/integration/user/{place['user']}/sessions/"
    [row] = await (await platform.get(path, headers=platform.headers)).json()
    assert (row["expires"], row["countdown"], row["extendable"]) == (None, None, False)

    browser = await aiohttp_client(server)
    assert (await open_link(browser, place["url"])).status == 302
    [row] = await (await platform.get(path, headers=platform.headers)).json()
    assert row["extendable"] is True
    assert 590 <= row["countdown"] <= 600
    assert now_ms() + 590_000 <= row["expires"] <= now_ms() + 601_000

    extend = f"/integration/place/{place['name']}/extend/"
    response = await platform.post(extend, headers=platform.headers)
    assert response.status == 200, await response.text()
    [extended] = await response.json()
    assert extended["name"] == place["name"] and extended["extendable"] is True
    assert extended["expires"] >= row["expires"] and 590 <= extended["countdown"] <= 600

    response = await platform.post(
        f"/integration/place/{pending['name']}/extend/", headers=platform.headers
    )
    await expect_error(response, 409, "place-not-extendable")
    response = await platform.post("/integration/place/nothing/extend/", headers=platform.headers)
    await expect_error(response, 404, "place-not-found")

    await lock(platform, keyword)
    response = await platform.post(extend, headers=platform.headers)
    await expect_error(response, 409, "place-not-extendable")
    [row] = await (await platform.get(path, headers=platform.headers)).json()
    assert row["extendable"] is False and row["countdown"] <= 600


async def test_places_without_a_place_duration_are_not_extendable(
    platform, course, aiohttp_client, server
):
    place = await place_for(platform, course["keyword"])
    browser = await aiohttp_client(server)
    assert (await open_link(browser, place["url"])).status == 302
    response = await platform.post(
        f"/integration/place/{place['name']}/extend/", headers=platform.headers
    )
    await expect_error(response, 409, "place-not-extendable")


async def test_the_catalog_lists_sessions_by_state(platform, course, aiohttp_client, server):
    catalog = "/integration/catalog/sessions/"
    running = course["keyword"]
    stopping = await create_lecture(platform, "Stopping", capacity=5, headers=platform.headers)
    stopped = await create_lecture(platform, "Stopped", headers=platform.headers)
    place = await place_for(platform, running, first_name="Ada")
    await place_for(platform, stopping)
    await lock(platform, stopping)
    await lock(platform, stopped)
    browser = await aiohttp_client(server)
    await open_link(browser, place["url"])

    rows = await (await platform.get(catalog, headers=platform.headers)).json()
    assert [row["keyword"] for row in rows] == [running]
    row = rows[0]
    assert row == {
        "keyword": running, "name": "Algebra", "state": "RUNNING",
        "capacity": 3, "allocated": 1, "available": 2,
    }  # fmt: skip

    response = await platform.get(
        f"{catalog}?state=RUNNING&state=STOPPING", headers=platform.headers
    )
    states = {row["keyword"]: row["state"] for row in await response.json()}
    assert states == {running: "RUNNING", stopping: "STOPPING"}

    response = await platform.get(f"{catalog}?state=STOPPED", headers=platform.headers)
    [row] = await response.json()
    assert (row["keyword"], row["state"], row["capacity"], row["available"]) == (
        stopped, "STOPPED", None, None,
    )  # fmt: skip

    response = await platform.get(
        f"{catalog}?state=RUNNING&state=STOPPING&state=STOPPED&sessions=true",
        headers=platform.headers,
    )
    rows = {row["keyword"]: row for row in await response.json()}
    assert set(rows) == {running, stopping, stopped}
    [entry] = rows[running]["sessions"]
    assert set(entry) == {"name", "user", "started", "expires", "countdown"}
    assert (entry["name"], entry["user"], entry["expires"], entry["countdown"]) == (
        place["name"], place["user"], None, None,
    )  # fmt: skip
    [locked_place] = rows[stopping]["sessions"]
    assert 880 <= locked_place["countdown"] <= 900
    assert rows[stopped]["sessions"] == []
    assert rows[stopping]["allocated"] == 1 and rows[stopping]["available"] == 4


async def test_another_platform_does_not_see_this_platforms_sessions(
    platform, course, db, aiohttp_client, server
):
    await place_for(platform, course["keyword"])
    other = await aiohttp_client(server)
    await as_platform(other, db, "ilias")
    own = await create_lecture(other, "Own", headers=other.headers)
    response = await other.get(
        "/integration/catalog/sessions/?state=RUNNING&state=STOPPING&state=STOPPED",
        headers=other.headers,
    )
    assert response.status == 200
    assert [row["keyword"] for row in await response.json()] == [own]
    mine = await platform.get("/integration/catalog/sessions/", headers=platform.headers)
    assert [row["keyword"] for row in await mine.json()] == [course["keyword"]]


# Deleting the session


async def test_a_student_socket_hears_that_its_session_was_deleted(
    platform, course, aiohttp_client, server
):
    keyword = course["keyword"]
    place = await place_for(platform, keyword)
    browser = await aiohttp_client(server)
    assert (await open_link(browser, place["url"])).status == 302
    cookie = browser.session.cookie_jar.filter_cookies(server.make_url("/"))[COOKIE_NAME]
    socket = socketio.AsyncClient(reconnection=False)
    notified = asyncio.get_running_loop().create_future()
    socket.on("notification", lambda data: notified.done() or notified.set_result(data))
    await socket.connect(
        str(server.make_url("/")),
        transports=["websocket"],
        headers={"Cookie": f"{COOKIE_NAME}={cookie.value}"},
    )
    try:
        joined = await socket.call("setSession", {"keyword": keyword}, timeout=SOCKET_TIMEOUT)
        assert_joined(joined, keyword)
        response = await platform.delete(f"/session/{keyword}", headers=platform.headers)
        assert response.status == 204
        data = await asyncio.wait_for(notified, SOCKET_TIMEOUT)
        assert data == {"notification": "session-deleted", "keyword": keyword}
    finally:
        await socket.disconnect()
    assert sent_back(await open_link(browser, place["url"])) == "session-invalid"
