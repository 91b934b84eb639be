"""An integration (learning platform) with an access token, and its course session."""

from __future__ import annotations

import pytest

from tests.conftest import ADMIN_NAME

INDEX_URL = "https://lms.example/course/17"


@pytest.fixture
def settings(settings_with):
    return settings_with(
        index_url_allowed=("lms.example",), activation_timeout=60, admins=frozenset({ADMIN_NAME})
    )


async def place_for(platform, keyword: str, **params) -> dict:
    """The place a platform requests for its user (query `params`) in a session: its JSON."""
    params.setdefault("index_url", INDEX_URL)
    response = await platform.get(
        f"/integration/session/{keyword}/request/", params=params, headers=platform.headers
    )
    assert response.status == 200, await response.text()
    return await response.json()


@pytest.fixture
async def course(platform) -> dict:
    response = await platform.post(
        "/session/", json={"name": "Algebra", "capacity": 3}, headers=platform.headers
    )
    assert response.status == 201
    return await response.json()
