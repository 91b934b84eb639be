"""CORS: preflight and `Access-Control-Allow-*` headers for the configured origins only."""

import pytest

from arsnova.app import create_app
from tests.conftest import expect_error

ALLOWED = "https://lms.example"
FOREIGN = "https://evil.example"
CORS_HEADERS = (
    "Access-Control-Allow-Origin",
    "Access-Control-Allow-Credentials",
    "Access-Control-Allow-Methods",
    "Access-Control-Allow-Headers",
    "Access-Control-Expose-Headers",
)


def preflight_headers(origin: str, method: str, headers: str = "content-type") -> dict:
    return {
        "Origin": origin,
        "Access-Control-Request-Method": method,
        "Access-Control-Request-Headers": headers,
    }


def assert_no_cors(response) -> None:
    present = [name for name in CORS_HEADERS if name in response.headers]
    assert not present, present


@pytest.fixture
def app(settings_with):
    return create_app(settings_with(cors_origins=(ALLOWED, "http://localhost:3000")))


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/session/"),
        ("POST", "/session/"),
        ("PUT", "/session/12345678"),
        ("DELETE", "/session/12345678"),
        ("POST", "/session/12345678/lock"),
        ("GET", "/session/12345678/interposed/"),
        ("POST", "/session/12345678/interposed/"),
        ("DELETE", "/session/12345678/interposed/"),
        ("DELETE", "/session/12345678/interposed/0123456789abcdef01234567"),
        ("GET", "/statistics"),
        ("GET", "/auth/"),
        ("GET", "/auth/login"),
        ("GET", "/healthz"),
    ],
)
async def test_preflight_for_an_allowed_origin(client, method, path):
    headers = preflight_headers(ALLOWED, method, "Content-Type, X-Requested-With")
    response = await client.options(path, headers=headers)
    assert response.status == 200, await response.text()
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert response.headers["Access-Control-Allow-Credentials"] == "true"
    assert response.headers["Access-Control-Allow-Methods"] == method
    allowed_headers = response.headers["Access-Control-Allow-Headers"].lower().split(",")
    assert sorted(allowed_headers) == ["content-type", "x-requested-with"]
    assert "Origin" in response.headers.getall("Vary")


async def test_every_configured_origin_is_allowed(client):
    headers = preflight_headers("http://localhost:3000", "GET")
    response = await client.options("/statistics", headers=headers)
    assert response.headers["Access-Control-Allow-Origin"] == "http://localhost:3000"


async def test_actual_request_from_an_allowed_origin_gets_the_headers(client):
    response = await client.get("/statistics", headers={"Origin": ALLOWED})
    assert response.status == 200
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert response.headers["Access-Control-Allow-Credentials"] == "true"
    assert response.headers["Access-Control-Expose-Headers"] == "X-Request-Id"
    assert "Origin" in response.headers.getall("Vary")


async def test_credentialed_request_from_an_allowed_origin(login):
    client = await login()
    response = await client.get("/auth/", headers={"Origin": ALLOWED})
    assert response.status == 200
    assert (await response.json())["username"] == client.username
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert response.headers["Access-Control-Allow-Credentials"] == "true"


async def test_errors_are_json_and_carry_cors_headers(client):
    """A browser client on an allowed origin can read the error body."""
    response = await client.get("/session/12345678", headers={"Origin": ALLOWED})
    await expect_error(response, 401, "login-required")
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED


async def test_actual_request_from_a_foreign_origin_gets_no_cors_headers(client):
    response = await client.get("/statistics", headers={"Origin": FOREIGN})
    assert response.status == 200
    assert_no_cors(response)


@pytest.mark.parametrize(
    "origin", [FOREIGN, ALLOWED + "/", "http://lms.example", "https://lms.example:8443", "null"]
)
async def test_preflight_from_another_origin_is_refused(client, origin):
    response = await client.options("/session/", headers=preflight_headers(origin, "POST"))
    await expect_error(response, 403, "forbidden")
    assert_no_cors(response)


async def test_preflight_without_request_method_is_refused(client):
    response = await client.options("/session/", headers={"Origin": ALLOWED})
    await expect_error(response, 403, "forbidden")
    assert_no_cors(response)


async def test_request_without_origin_gets_no_cors_headers(client):
    response = await client.get("/statistics")
    assert response.status == 200
    assert_no_cors(response)


async def test_unknown_route_is_still_a_json_404(client):
    response = await client.get("/no/such/route", headers={"Origin": ALLOWED})
    await expect_error(response, 404, "not-found")


async def test_socketio_route_is_left_to_python_socketio(client):
    """No aiohttp-cors preflight there: engine.io answers its own CORS."""
    response = await client.options(
        "/socket.io/",
        params={"EIO": "4", "transport": "polling"},
        headers=preflight_headers(FOREIGN, "GET"),
    )
    assert response.headers.get("Access-Control-Allow-Origin") != FOREIGN
    assert "Origin" not in response.headers.getall("Vary", [])
    response = await client.get(
        "/socket.io/", params={"EIO": "4", "transport": "polling"}, headers={"Origin": ALLOWED}
    )
    assert response.status == 200
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED


async def test_actual_delete_from_an_allowed_origin(owner, keyword, participant):
    response = await participant.post(
        f"/session/{keyword}/interposed/", json={"subject": "s", "text": "t"}
    )
    question_id = (await response.json())["_id"]
    response = await owner.delete(
        f"/session/{keyword}/interposed/{question_id}", headers={"Origin": ALLOWED}
    )
    assert response.status == 204
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED
    response = await owner.delete(f"/session/{keyword}/interposed/", headers={"Origin": ALLOWED})
    assert response.status == 204
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED


class TestWithoutConfiguredOrigins:
    @pytest.fixture
    def app(self, settings_with):
        return create_app(settings_with(cors_origins=()))

    async def test_no_cors_headers_at_all(self, client):
        response = await client.get("/statistics", headers={"Origin": ALLOWED})
        assert response.status == 200
        assert_no_cors(response)
        assert "Vary" not in response.headers

    async def test_no_preflight(self, client):
        response = await client.options("/session/", headers=preflight_headers(ALLOWED, "POST"))
        await expect_error(response, 405, "method-not-allowed")
        assert_no_cors(response)
