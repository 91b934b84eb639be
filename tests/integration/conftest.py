"""An integration (learning platform) with an access token, and its course session."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from aiohttp.test_utils import TestClient

from arsnova.auth import hash_token
from tests.conftest import ADMIN_NAME

INDEX_URL = "https://lms.example/course/17"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def add_token(db, name: str, scopes: list[str], **fields) -> str:
    """Stores an access token as `arsnova token create` would; returns the secret."""
    token = f"arsn_test_{name}_" + "x" * 30
    await db.access_tokens.insert_one({
        "name": name, "token_hash": hash_token(token), "scopes": scopes,
        "created_at": datetime.now(UTC), "expires_at": None, "revoked_at": None, **fields,
    })  # fmt: skip
    return token


@pytest.fixture
def settings(settings_with):
    return settings_with(
        index_url_allowed=("lms.example",), activation_timeout=60, admins=frozenset({ADMIN_NAME})
    )


@pytest.fixture
async def platform(client: TestClient, db) -> TestClient:
    """The platform's HTTP client; `platform.headers` carries its bearer token."""
    client.headers = bearer(await add_token(db, "moodle", ["integration"]))
    return client


@pytest.fixture
async def course(platform) -> dict:
    response = await platform.post(
        "/session/", json={"name": "Algebra", "capacity": 3}, headers=platform.headers
    )
    assert response.status == 201
    return await response.json()
