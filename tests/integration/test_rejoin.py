"""A returning browser goes back into its session, or back to the platform with a notification."""

from urllib.parse import parse_qs, urlsplit

from tests.integration.conftest import INDEX_URL


async def test_rejoin_sends_unknown_keywords_back_as_keyword_invalid(client):
    response = await client.get(
        "/integration/session/12345678/join/",
        params={"index_url": INDEX_URL},
        allow_redirects=False,
    )
    location = urlsplit(response.headers["Location"])
    assert location.netloc == "lms.example"
    assert parse_qs(location.query)["notification"] == ["keyword-invalid"]


def notification_of(response) -> str:
    assert response.status == 302, response.status
    location = urlsplit(response.headers["Location"])
    assert location.netloc == "lms.example"
    return parse_qs(location.query)["notification"][0]


async def test_a_returning_user_rejoins_and_others_are_sent_back(
    platform, course, aiohttp_client, server, login
):
    keyword = course["keyword"]
    path = f"/integration/session/{keyword}/join/"
    params = {"index_url": INDEX_URL}
    response = await platform.get(
        f"/integration/session/{keyword}/request/", params=params, headers=platform.headers
    )
    place = await response.json()
    browser = await aiohttp_client(server)
    assert (await browser.get(place["url"], allow_redirects=False)).status == 302
    back = await browser.get(path, params=params, allow_redirects=False)
    assert back.status == 302 and back.headers["Location"] == f"/join/{keyword}"
    guest = await login()
    assert notification_of(await guest.get(path, params=params, allow_redirects=False)) == (
        "session-invalid"
    )
    locked = await platform.post(f"/session/{keyword}/lock", headers=platform.headers)
    assert locked.status == 204
    assert notification_of(await browser.get(path, params=params, allow_redirects=False)) == (
        "session-deleted"
    )


async def test_the_platform_and_admins_see_what_it_told_about_a_user(
    platform, course, admin, login
):
    response = await platform.get(
        f"/integration/session/{course['keyword']}/request/",
        params={"email": "ada@example.org", "first_name": "Ada", "last_name": "Lovelace"},
        headers=platform.headers,
    )
    user_id = (await response.json())["user"]
    for client, headers in ((platform, platform.headers), (admin, {})):
        profile = await client.get(f"/integration/user/{user_id}/", headers=headers)
        assert profile.status == 200
        body = await profile.json()
        assert (body["email"], body["firstName"], body["lastName"]) == (
            "ada@example.org",
            "Ada",
            "Lovelace",
        )
        assert body["createdBy"] == "integration:moodle"
    student = await login()
    assert (await student.get(f"/integration/user/{user_id}/")).status == 401
    missing = await admin.get("/integration/user/nobody/")
    assert missing.status == 404
