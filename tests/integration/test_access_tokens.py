"""Access tokens for learning platforms: the CLI, bearer authentication, registration switch."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from arsnova.app import create_app
from arsnova.auth import hash_token
from tests.conftest import ADMIN_NAME, expect_error, open_login_link
from tests.helpers import add_token, bearer
from tests.test_cli import run_cli


@pytest.fixture
def cli(mongo_uri, db_name, db, tmp_path):
    """Runs `arsnova …` as a subprocess against the test's database."""

    def run(*args: str):
        env = {"MONGODB_URI": mongo_uri, "ARSNOVA_DB_NAME": db_name,
               "ARSNOVA_DATA_DIR": str(tmp_path), "ARSNOVA_LOG_LEVEL": "WARNING",
               "PATH": "/usr/bin:/bin"}  # fmt: skip
        return run_cli(*args, env=env)

    return run


def test_cli_creates_lists_and_revokes_tokens(cli, db_name, mongo_uri):
    created = cli("token", "create", "--name", "moodle", "--expires", "90d")
    assert created.returncode == 0, created.stderr
    token = created.stdout.strip()
    assert token.startswith("arsn_") and len(token) >= 40
    listed = cli("token", "list")
    assert listed.returncode == 0 and "moodle\tintegration" in listed.stdout
    assert token not in listed.stdout and "expires=never" not in listed.stdout
    again = cli("token", "create", "--name", "moodle")
    assert again.returncode == 1 and "exists already" in again.stderr
    assert cli("token", "create", "--name", "bad name").returncode == 2
    assert cli("token", "create", "--name", "x", "--expires", "soon").returncode == 2
    assert cli("token", "create", "--name", "x", "--scope", "root").returncode == 2
    revoked = cli("token", "revoke", "moodle")
    assert revoked.returncode == 0 and "revoked=-" not in cli("token", "list").stdout
    assert cli("token", "revoke", "nobody").returncode == 1

    from pymongo import MongoClient

    with MongoClient(mongo_uri) as client:
        stored = client[db_name].access_tokens.find_one({"name": "moodle"})
    assert stored["token_hash"] == hash_token(token) and token not in str(stored)


async def test_a_valid_token_is_a_service_account(client, db):
    token = await add_token(db, "moodle", ["integration"])
    response = await client.get("/auth/", headers=bearer(token))
    assert response.status == 200
    assert (await response.json())["username"] == "integration:moodle"


@pytest.mark.parametrize(
    "header",
    ["Bearer", "Bearer ", "Basic abc", "bearer unknown-token", "Token x", "Bearer " + "y" * 300],
)
async def test_bad_authorization_headers_are_401_with_www_authenticate(client, header):
    response = await client.get("/auth/", headers={"Authorization": header})
    await expect_error(response, 401, "invalid-token")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


async def test_expired_and_revoked_tokens_are_401(client, db):
    past = datetime.now(UTC) - timedelta(seconds=1)
    expired = await add_token(db, "old", ["integration"], expires_at=past)
    revoked = await add_token(db, "gone", ["integration"], revoked_at=past)
    for token in (expired, revoked):
        response = await client.post("/session/", json={"name": "x"}, headers=bearer(token))
        await expect_error(response, 401, "invalid-token")
        assert "WWW-Authenticate" in response.headers


async def test_integration_creates_lists_and_locks_course_sessions(client, db):
    token = await add_token(db, "moodle", ["integration"])
    body = {"name": "Algebra", "courseId": "course-17", "capacity": 30}
    response = await client.post("/session/", json=body, headers=bearer(token))
    assert response.status == 201, await response.text()
    session = await response.json()
    assert session["creator"] == "integration:moodle" and session["courseSession"] is True
    assert (session["courseType"], session["courseId"], session["capacity"]) == (
        "moodle",
        "course-17",
        30,
    )
    listed = await client.get("/session/?ownedonly=true", headers=bearer(token))
    assert [s["keyword"] for s in await listed.json()] == [session["keyword"]]
    locked = await client.post(f"/session/{session['keyword']}/lock", headers=bearer(token))
    assert locked.status == 204
    invalid = await client.post(
        "/session/", json={"name": "x", "capacity": 0}, headers=bearer(token)
    )
    await expect_error(invalid, 400, "validation-failed")


async def test_cookie_users_cannot_set_course_fields(login):
    """Legacy clients send whole objects back: the course fields are read-only for them."""
    lecturer = await login()
    body = {"name": "x", "capacity": 5, "courseId": "c", "courseSession": True}
    response = await lecturer.post("/session/", json=body)
    assert response.status == 201
    session = await response.json()
    assert (session["capacity"], session["courseId"], session["courseSession"]) == (None, "", False)


async def test_admin_scope_is_an_admin(client, db, owner, keyword):
    token = await add_token(db, "ops", ["admin"])
    response = await client.get("/session/", headers=bearer(token))
    assert response.status == 200 and keyword in [s["keyword"] for s in await response.json()]
    integration = await add_token(db, "lms", ["integration"])
    response = await client.delete(f"/session/{keyword}", headers=bearer(integration))
    await expect_error(response, 403, "owner-only")


async def test_registration_off_refuses_guests_but_not_admins(aiohttp_client, settings_with):
    settings = settings_with(registration=False, admins=frozenset({ADMIN_NAME}))
    client = await aiohttp_client(create_app(settings))
    response = await client.get("/auth/login", params={"type": "guest"})
    await expect_error(response, 403, "registration-closed")
    response = await client.get("/auth/login", params={"type": "guest", "user": ADMIN_NAME})
    await expect_error(response, 403, "guest-key-required")  # a name alone: never
    await open_login_link(client, ADMIN_NAME)
    await client.get("/auth/logout")
    response = await client.get("/auth/login", params={"type": "guest"})  # resumed by the key
    assert response.status == 200
    assert (await response.json())["username"] == ADMIN_NAME


async def test_integration_changes_the_capacity_of_its_session(client, db):
    token = await add_token(db, "moodle", ["integration"])
    created = await client.post("/session/", json={"name": "A"}, headers=bearer(token))
    keyword = (await created.json())["keyword"]
    response = await client.put(f"/session/{keyword}", json={"capacity": 2}, headers=bearer(token))
    assert response.status == 200 and (await response.json())["capacity"] == 2
