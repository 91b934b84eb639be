"""/statistics: public global counts."""

from datetime import UTC, datetime, timedelta

from bson import ObjectId

from tests.conftest import expect_error

ZERO = {"answers": 0, "questions": 0, "openSessions": 0, "closedSessions": 0, "activeUsers": 0}


async def test_empty_server_counts_nothing(anonymous):
    response = await anonymous.get("/statistics")
    assert response.status == 200
    assert response.content_type == "application/json"
    assert await response.json() == ZERO


async def test_counts_sessions_questions_answers_and_active_users(owner, login, anonymous, db):
    session_id = ObjectId(owner.lecture["_id"])
    second = await login()
    response = await second.post("/session/", json={"name": "Chemistry"})
    keyword = (await response.json())["keyword"]
    assert (await second.post(f"/session/{keyword}/lock")).status == 204
    await db.questions.insert_many([{"session_id": session_id}, {"session_id": session_id}])
    await db.answers.insert_many([{"session_id": session_id, "user": str(n)} for n in range(3)])

    response = await anonymous.get("/statistics")
    assert await response.json() == {
        "answers": 3,
        "questions": 2,
        "openSessions": 1,
        "closedSessions": 1,
        "activeUsers": 2,
    }


async def test_logged_in_users_may_ask_too(owner):
    response = await owner.get("/statistics")
    assert response.status == 200
    assert (await response.json())["openSessions"] == 1


async def test_active_users_are_distinct_and_recent(login, anonymous, db, settings):
    first = await login()
    await login(like=first)  # a second login of the same user
    idle = await login()
    window = timedelta(seconds=settings.active_user_window + 1)
    await db.logins.update_many(
        {"username": idle.username}, {"$set": {"last_seen": datetime.now(UTC) - window}}
    )
    expired = await login()
    await db.logins.update_many(
        {"username": expired.username},
        {"$set": {"expires_at": datetime.now(UTC) - timedelta(seconds=1)}},
    )
    response = await anonymous.get("/statistics")
    assert (await response.json())["activeUsers"] == 1


async def test_logout_leaves_the_active_users(login, anonymous):
    client = await login()
    await client.get("/auth/logout")
    assert (await (await anonymous.get("/statistics")).json())["activeUsers"] == 0


async def test_deleted_session_is_no_longer_counted(owner, anonymous):
    assert (await owner.delete(f"/session/{owner.lecture['keyword']}")).status == 204
    body = await (await anonymous.get("/statistics")).json()
    assert body["openSessions"] == body["closedSessions"] == 0


async def test_query_parameters_are_ignored(anonymous):
    response = await anonymous.get("/statistics", params={"_": "1700000000000"})
    assert await response.json() == ZERO


async def test_statistics_is_read_only(anonymous):
    response = await anonymous.post("/statistics", json={})
    await expect_error(response, 405, "method-not-allowed")
