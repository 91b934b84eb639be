"""The roles of the authorization matrix, each an HTTP client with its own login."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient

from tests.conftest import ADMIN_NAME


@pytest.fixture
async def owner(login) -> TestClient:
    """The lecturer: `owner.lecture` is the lecture session (JSON) they created.

    (Not `owner.session`: that is TestClient's own aiohttp ClientSession.)
    """
    client = await login()
    response = await client.post("/session/", json={"name": "Physics I", "shortName": "PHY1"})
    assert response.status == 201
    client.lecture = await response.json()
    return client


@pytest.fixture
def keyword(owner: TestClient) -> str:
    return owner.lecture["keyword"]


@pytest.fixture
async def participant(login, keyword: str) -> TestClient:
    """A student who joined the owner's session (GET /session/{keyword})."""
    client = await login()
    assert (await client.get(f"/session/{keyword}")).status == 200
    return client


@pytest.fixture
async def stranger(login) -> TestClient:
    """Logged in, but never joined the owner's session."""
    return await login()


@pytest.fixture
async def admin(login) -> TestClient:
    return await login(ADMIN_NAME)


@pytest.fixture
def anonymous(client: TestClient) -> TestClient:
    return client


async def expect_error(response, status: int, code: str) -> dict:
    """Asserts the JSON error shape: status, stable code, a message, a request id."""
    assert response.status == status, await response.text()
    assert response.content_type == "application/json"
    body = await response.json()
    assert body["code"] == code, body
    assert isinstance(body["message"], str) and body["message"]
    assert response.headers["X-Request-Id"]
    return body
