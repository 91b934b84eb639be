"""Platforms and roles stay apart: each token sees only its own users, places and sessions.

A platform's student (logged in through an activation link) is a student,
not the platform; an access token on a route that needs a browser login gets
a clear 403, never a 500.
"""

from __future__ import annotations

from tests.conftest import expect_error
from tests.helpers import add_token, bearer
from tests.integration.conftest import place_for
from tests.integration.test_places import REQUEST, allocated, open_link


async def test_another_platform_gets_404_for_this_platforms_users_and_places(
    platform, course, owner, db, aiohttp_client, server
):
    keyword = course["keyword"]
    response = await platform.put(
        f"/session/{keyword}", json={"placeDuration": 600}, headers=platform.headers
    )
    assert response.status == 200
    place = await place_for(platform, keyword)
    assert (await open_link(await aiohttp_client(server), place["url"])).status == 302
    user = place["user"]
    profile, places = f"/integration/user/{user}/", f"/integration/user/{user}/sessions/"
    extend = f"/integration/place/{place['name']}/extend/"
    other = bearer(await add_token(db, "ilias", ["integration"]))

    await expect_error(await platform.get(profile, headers=other), 404, "user-not-found")
    await expect_error(await platform.get(places, headers=other), 404, "user-not-found")
    await expect_error(await platform.post(extend, headers=other), 404, "place-not-found")
    for params in ({}, {"user": user}):  # no seat in another platform's session
        response = await platform.get(REQUEST.format(keyword), params=params, headers=other)
        await expect_error(response, 404, "session-not-found")
    assert await allocated(db, keyword) == 1

    # A lecturer's session serves any platform; another platform's user id is unknown there.
    lecture = owner.lecture["keyword"]
    mine = await place_for(platform, lecture, user=user)
    response = await platform.get(REQUEST.format(lecture), params={"user": user}, headers=other)
    theirs = await response.json()
    assert response.status == 200 and mine["user"] == user
    assert theirs["user"] != user and theirs["name"] != mine["name"]

    admin_token = bearer(await add_token(db, "ops", ["admin", "integration"]))
    for headers in (platform.headers, admin_token):
        assert (await platform.get(profile, headers=headers)).status == 200
        rows = await (await platform.get(places, headers=headers)).json()
        assert sorted(row["keyword"] for row in rows) == sorted([keyword, lecture])
        assert (await platform.post(extend, headers=headers)).status == 200


async def test_a_platforms_student_is_a_student_not_the_platform(
    platform, course, aiohttp_client, server
):
    place = await place_for(platform, course["keyword"])
    student = await aiohttp_client(server)
    assert (await open_link(student, place["url"])).status == 302
    body = {"name": "Mine", "courseId": "c", "courseType": "x", "capacity": 5, "placeDuration": 60}
    response = await student.post("/session/", json=body)
    assert response.status == 201, await response.text()
    created = await response.json()
    fields = ("courseSession", "courseId", "capacity", "placeDuration")
    assert [created[field] for field in fields] == [False, "", None, None]
    response = await student.put(f"/session/{created['keyword']}", json={**body, "name": "New"})
    assert response.status == 200, await response.text()
    changed = await response.json()
    assert changed["name"] == "New"
    assert [changed[field] for field in fields] == [False, "", None, None]
    for path in ("/integration/catalog/sessions/", f"/integration/user/{place['user']}/"):
        await expect_error(await student.get(path), 401, "invalid-token")


async def test_an_access_token_is_refused_where_a_browser_login_is_needed(platform, course):
    response = await platform.post("/socket/token", headers=platform.headers)
    await expect_error(response, 403, "browser-login-required")
    response = await platform.post(f"/session/{course['keyword']}/export", headers=platform.headers)
    await expect_error(response, 403, "browser-login-required")
