"""/session/…: create, list, join, lock, change and delete lecture sessions."""

import asyncio
import re

import pytest
from bson import ObjectId

from arsnova.store import sessions as session_store
from tests.conftest import expect_error

SESSION_PROPERTIES = {
    "_id", "type", "name", "shortName", "keyword", "creator", "active",
    "lastOwnerActivity", "courseType", "courseId", "courseSession", "feedbackLock", "capacity",
    "placeDuration",
}  # fmt: skip


async def test_create_returns_the_session(login):
    lecturer = await login()
    response = await lecturer.post("/session/", json={"name": "Web Engineering", "shortName": "WE"})
    assert response.status == 201
    session = await response.json()
    assert set(session) == SESSION_PROPERTIES
    assert re.fullmatch(r"[1-9]\d{7}", session["keyword"])
    assert session["creator"] == lecturer.username
    assert session["active"] is True and session["courseSession"] is False
    assert session["type"] == "session"
    assert isinstance(session["lastOwnerActivity"], int)


async def test_only_the_owner_and_admins_see_the_owners_name(owner, keyword, participant, admin):
    """The name was what a student needed to log in as the lecturer; now only its owner sees it."""
    for viewer, sees in ((owner, True), (admin, True), (participant, False)):
        session = await (await viewer.get(f"/session/{keyword}")).json()
        assert ("creator" in session) is sees
        assert (owner.username in str(session)) is sees
    listed = await participant.get("/session/", params={"visitedonly": "true"})
    assert owner.username not in await listed.text()
    online = await participant.post(f"/session/{keyword}/online")
    assert owner.username not in await online.text()


async def test_short_name_defaults_to_the_name(login):
    lecturer = await login()
    response = await lecturer.post("/session/", json={"name": "A rather long lecture name"})
    assert (await response.json())["shortName"] == "A rather lon"


async def test_read_only_properties_are_ignored(login):
    lecturer = await login()
    body = {
        "name": "X", "keyword": "11111111", "creator": "someone", "_id": "abc", "_rev": "1-a",
        "type": "session", "courseSession": True, "lastOwnerActivity": 1,
    }  # fmt: skip
    session = await (await lecturer.post("/session/", json=body)).json()
    assert session["keyword"] != "11111111"
    assert session["creator"] == lecturer.username
    assert session["courseSession"] is False


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "name"),
        ({"name": ""}, "name"),
        ({"name": "x" * 51}, "name"),
        ({"name": 5}, "name"),
        ({"name": "x", "shortName": "x" * 13}, "shortName"),
        ({"name": "x", "active": "maybe"}, "active"),
        ({"name": "x", "color": "red"}, "color"),
        ([], "_schema"),
    ],
)
async def test_create_refuses_bad_bodies(login, body, field):
    lecturer = await login()
    response = await lecturer.post("/session/", json=body)
    error = await expect_error(response, 400, "validation-failed")
    assert field in error["errors"]


async def test_create_needs_a_login_and_json(client, login):
    await expect_error(await client.post("/session/", json={"name": "x"}), 401, "login-required")
    lecturer = await login()
    response = await lecturer.post("/session/", data="name=x")
    await expect_error(response, 415, "unsupported-media-type")


async def test_keywords_are_unique_and_collisions_retried(login, monkeypatch):
    lecturer = await login()
    first = await (await lecturer.post("/session/", json={"name": "one"})).json()
    upcoming = iter([first["keyword"], first["keyword"], "87654321"])
    monkeypatch.setattr(session_store, "new_keyword", lambda: next(upcoming))
    second = await (await lecturer.post("/session/", json={"name": "two"})).json()
    assert second["keyword"] == "87654321"


async def test_concurrent_creates_get_distinct_keywords(login):
    lecturer = await login()
    responses = await asyncio.gather(
        *(lecturer.post("/session/", json={"name": f"s{i}"}) for i in range(20))
    )
    keywords = {(await response.json())["keyword"] for response in responses}
    assert len(keywords) == 20


async def test_get_records_the_visit(owner, keyword, stranger):
    response = await stranger.get(f"/session/{keyword}")
    assert response.status == 200
    assert (await response.json())["keyword"] == keyword
    visited = await stranger.get("/session/", params={"visitedonly": "true"})
    assert [s["keyword"] for s in await visited.json()] == [keyword]


@pytest.mark.parametrize("bad", ["99999999", "1234", "abcdefgh", "%00", "1" * 300])
async def test_unknown_or_invalid_keyword_is_404(owner, bad):
    await expect_error(await owner.get(f"/session/{bad}"), 404, "session-not-found")
    await expect_error(await owner.post(f"/session/{bad}/lock"), 404, "session-not-found")


async def test_anonymous_is_401_everywhere(anonymous, keyword):
    for method, path in [
        ("GET", "/session/?ownedonly=true"),
        ("GET", f"/session/{keyword}"),
        ("PUT", f"/session/{keyword}"),
        ("DELETE", f"/session/{keyword}"),
        ("POST", f"/session/{keyword}/online"),
        ("POST", f"/session/{keyword}/lock"),
    ]:
        response = await anonymous.request(method, path, json={"name": "x"})
        await expect_error(response, 401, "login-required")


async def test_seed_example_visited_sessions_exchange(owner, keyword, participant):
    """The seed's example: GET /session/?visitedonly=true&user=… answers Session[]."""
    response = await participant.get(
        "/session/",
        params={"visitedonly": "true", "user": participant.username},
        headers={"Accept": "application/json"},
    )
    assert response.status == 200
    assert response.content_type == "application/json"
    (session,) = await response.json()
    assert set(session) == SESSION_PROPERTIES - {"creator"}  # the owner's name is theirs alone
    assert session["keyword"] == keyword and session["name"] == "Physics I"
    assert session["shortName"] == "PHY1"
    assert session["active"] is True and isinstance(session["lastOwnerActivity"], int)
    assert session["courseType"] == "" and session["courseId"] == ""
    assert session["courseSession"] is False


async def test_list_without_a_true_flag_is_501_text(owner):
    for params in ({}, {"visitedonly": "false", "ownedonly": "false"}):
        response = await owner.get("/session/", params=params)
        assert response.status == 501
        assert response.content_type == "text/plain"


async def test_owned_only(owner, keyword, login):
    other = await login()
    await other.post("/session/", json={"name": "other"})
    owned = await (await owner.get("/session/", params={"ownedonly": "true"})).json()
    assert [s["keyword"] for s in owned] == [keyword]


async def test_user_parameter_must_be_yourself_unless_admin(owner, admin, keyword):
    response = await owner.get("/session/", params={"ownedonly": "true", "user": "Guestsomeone"})
    await expect_error(response, 403, "user-mismatch")
    response = await admin.get("/session/", params={"ownedonly": "true", "user": owner.username})
    assert [s["keyword"] for s in await response.json()] == [keyword]


async def test_admin_lists_every_session(owner, admin, login):
    other = await login()
    await other.post("/session/", json={"name": "other"})
    response = await admin.get("/session/")
    assert response.status == 200
    assert len(await response.json()) == 2


async def test_sort_order_limit_offset(login):
    lecturer = await login()
    for name in ("b", "d", "a", "c"):
        await lecturer.post("/session/", json={"name": name})

    async def names(**params):
        response = await lecturer.get("/session/", params={"ownedonly": "true", **params})
        return [s["name"] for s in await response.json()]

    assert await names(sort="name") == ["a", "b", "c", "d"]
    assert await names(sort="name", order="desc") == ["d", "c", "b", "a"]
    assert await names(sort="name", limit="2", offset="1") == ["b", "c"]
    assert await names() == ["b", "d", "a", "c"]  # creation order by default


@pytest.mark.parametrize(
    ("param", "value"),
    [
        ("sort", "password"),
        ("order", "up"),
        ("limit", "0"),
        ("limit", "1001"),
        ("limit", "ten"),
        ("offset", "-1"),
        ("ownedonly", "perhaps"),
    ],
)
async def test_bad_list_parameters_are_400_naming_them(owner, param, value):
    params = {"ownedonly": "true", param: value}
    response = await owner.get("/session/", params=params)
    error = await expect_error(response, 400, "validation-failed")
    assert param in error["errors"]


async def test_unknown_query_parameters_are_ignored(owner):
    response = await owner.get("/session/", params={"ownedonly": "true", "_dc": "1362473211425"})
    assert response.status == 200


async def test_lock_and_unlock(owner, keyword, participant):
    response = await owner.post(f"/session/{keyword}/lock")
    assert response.status == 204
    assert (await (await participant.get(f"/session/{keyword}")).json())["active"] is False
    assert (await owner.post(f"/session/{keyword}/lock", params={"lock": "false"})).status == 204
    assert (await (await participant.get(f"/session/{keyword}")).json())["active"] is True
    response = await owner.post(f"/session/{keyword}/lock", params={"lock": "sometimes"})
    await expect_error(response, 400, "validation-failed")


async def test_only_the_owner_or_an_admin_changes_a_session(keyword, participant, stranger, admin):
    for client in (participant, stranger):
        await expect_error(await client.post(f"/session/{keyword}/lock"), 403, "owner-only")
        response = await client.put(f"/session/{keyword}", json={"name": "hijacked"})
        await expect_error(response, 403, "owner-only")
        await expect_error(await client.delete(f"/session/{keyword}"), 403, "owner-only")
    assert (await admin.post(f"/session/{keyword}/lock")).status == 204
    response = await admin.put(f"/session/{keyword}", json={"name": "Renamed by admin"})
    assert (await response.json())["name"] == "Renamed by admin"


async def test_owner_updates_with_a_whole_legacy_object(owner, keyword):
    session = dict(owner.lecture, name="Physics II", shortName="PHY2", _rev="3-x")
    response = await owner.put(f"/session/{keyword}", json=session)
    assert response.status == 200
    updated = await response.json()
    assert (updated["name"], updated["shortName"], updated["keyword"]) == (
        "Physics II", "PHY2", keyword,
    )  # fmt: skip
    error = await owner.put(f"/session/{keyword}", json={"shortName": "x" * 13})
    await expect_error(error, 400, "validation-failed")


async def test_delete_removes_everything_of_the_session(owner, keyword, participant, db):
    session_id = ObjectId(owner.lecture["_id"])
    await db.questions.insert_one({"session_id": session_id})
    await db.answers.insert_one({"session_id": session_id, "question_id": ObjectId(), "user": "u"})
    await db.interposed_questions.insert_one({"session_id": session_id})
    assert (await owner.delete(f"/session/{keyword}")).status == 204
    await expect_error(await owner.get(f"/session/{keyword}"), 404, "session-not-found")
    for name in ("questions", "answers", "interposed_questions", "session_visits"):
        assert await db[name].count_documents({"session_id": session_id}) == 0


async def test_online_is_deprecated_but_present(keyword, stranger):
    response = await stranger.post(f"/session/{keyword}/online")
    assert response.status == 201
    body = await response.json()
    assert body["user"] == stranger.username
    assert [s["keyword"] for s in body["visitedSessions"]] == [keyword]
