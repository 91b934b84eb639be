"""The one error path: every failure is JSON with a stable code and the right status."""

import io
import logging

import pytest
from aiohttp import web
from marshmallow import fields

from arsnova.api.params import load_body
from arsnova.app import create_app
from arsnova.errors import NotFound
from arsnova.schemas import BaseSchema
from tests.conftest import expect_error


class EchoSchema(BaseSchema):
    name = fields.String(required=True)
    count = fields.Integer()


async def post_echo(request: web.Request) -> web.Response:
    return web.json_response(await load_body(request, EchoSchema()))


async def get_boom(request: web.Request) -> web.Response:
    raise RuntimeError("secret internal detail")


async def get_missing(request: web.Request) -> web.Response:
    raise NotFound("No such lecture session.", code="session-not-found")


@pytest.fixture
def app(settings):
    """The real app plus three probe routes that use the shared body and error helpers."""
    app = create_app(settings)
    app.router.add_post("/probe/echo", post_echo)
    app.router.add_get("/probe/boom", get_boom)
    app.router.add_get("/probe/missing", get_missing)
    return app


async def test_valid_body_passes(client):
    response = await client.post("/probe/echo", json={"name": "x", "count": 2})
    assert response.status == 200
    assert await response.json() == {"name": "x", "count": 2}


async def test_unknown_route_is_404(client):
    await expect_error(await client.get("/no/such/route"), 404, "not-found")


async def test_wrong_method_is_405_with_allow(client):
    response = await client.delete("/healthz")
    await expect_error(response, 405, "method-not-allowed")
    assert "GET" in response.headers["Allow"]


@pytest.mark.parametrize(
    "body", [b"{", b"not json", b"", b"\xff\xfe", b"[" * 100_000 + b"]" * 100_000]
)
async def test_invalid_json_is_400(client, body):
    response = await client.post(
        "/probe/echo", data=body, headers={"Content-Type": "application/json"}
    )
    await expect_error(response, 400, "invalid-json")


async def test_body_over_limit_is_413(client, settings):
    big = b'{"name": "' + b"x" * settings.max_body + b'"}'
    response = await client.post(
        "/probe/echo", data=io.BytesIO(big), headers={"Content-Type": "application/json"}
    )
    await expect_error(response, 413, "body-too-large")


async def test_chunked_body_over_limit_is_413(client, settings):
    async def chunks():
        for _ in range(settings.max_body // 65536 + 2):
            yield b"x" * 65536

    response = await client.post(
        "/probe/echo", data=chunks(), headers={"Content-Type": "application/json"}
    )
    await expect_error(response, 413, "body-too-large")


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded"])
async def test_other_content_type_is_415(client, content_type):
    response = await client.post(
        "/probe/echo", data=b'{"name": "x"}', headers={"Content-Type": content_type}
    )
    await expect_error(response, 415, "unsupported-media-type")


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"count": 1}, "name"),
        ({"name": 5}, "name"),
        ({"name": "x", "count": "many"}, "count"),
        ({"name": "x", "extra": True}, "extra"),
        ([1, 2], "_schema"),
        ("text", "_schema"),
    ],
)
async def test_invalid_fields_are_400_with_field_named(client, payload, field):
    body = await expect_error(
        await client.post("/probe/echo", json=payload), 400, "validation-failed"
    )
    assert field in body["errors"]


async def test_domain_error_keeps_its_code(client):
    body = await expect_error(await client.get("/probe/missing"), 404, "session-not-found")
    assert body["message"] == "No such lecture session."


async def test_unexpected_exception_is_generic_500_with_request_id(client, caplog):
    with caplog.at_level(logging.ERROR, logger="arsnova.api.middlewares"):
        response = await client.get("/probe/boom")
    body = await expect_error(response, 500, "internal-error")
    assert "secret internal detail" not in await response.text()
    assert body["requestId"] == response.headers["X-Request-Id"]
    (record,) = [r for r in caplog.records if r.name == "arsnova.api.middlewares"]
    assert record.request_id == body["requestId"]
    assert "secret internal detail" in caplog.text


async def test_socketio_endpoint_is_left_alone(client):
    response = await client.get("/socket.io/", params={"EIO": "4", "transport": "polling"})
    assert response.status == 200
    assert (await response.text()).startswith("0{")
    bad = await client.get("/socket.io/", params={"EIO": "4", "transport": "nonsense"})
    assert bad.status == 400
    assert "X-Request-Id" not in bad.headers
