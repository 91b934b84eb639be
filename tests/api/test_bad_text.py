"""Text the database cannot store (an unpaired surrogate) is the sender's 400, everywhere.

JSON may carry `"\\ud800"`, which decodes to a lone surrogate that UTF-8 (and
so BSON) cannot encode. Every text field of every documented body is sent
one, and must be refused with `validation-failed` naming that field; socket
payloads likewise; query strings and headers cannot carry one that decodes,
but their undecodable bytes must not reach a 500 either.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
import socketio
from bson import ObjectId
from yarl import URL

from arsnova.schemas.common import UNSTORABLE
from tests.api.test_authorization import OK, TABLE, build_world
from tests.conftest import expect_error
from tests.events.conftest import EventsClient, events_client, events_to, socket_token  # noqa: F401
from tests.helpers import add_token, answers_of, assert_joined, bearer, create_question
from tests.realtime.conftest import connect_socket  # noqa: F401 (a fixture)

BAD = "\ud800"
# The roles that may call a route, in the order tried (see the authorization matrix).
CALLERS = ("owner", "participant", "admin", "platform")


def resolve(spec: dict, schema: dict) -> dict:
    if "oneOf" in schema:
        schema = schema["oneOf"][0]
    if "$ref" in schema:
        return spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def bad_value(spec: dict, schema: dict) -> Any | None:
    """A value of this property's shape with the surrogate in a text field, or None if no text."""
    schema = resolve(spec, schema)
    if schema.get("type") == "string":
        return BAD
    if schema.get("type") == "array":
        item = bad_value(spec, schema["items"])
        return None if item is None else [item]
    for name, field in schema.get("properties", {}).items():
        value = bad_value(spec, field)
        if value is not None:
            return {name: value}
    return None


def text_fields(spec: dict) -> list[tuple[str, str, str, Any]]:
    """(method, route, field, bad value) of every text field of every documented body."""
    found = []
    for route, operations in spec["paths"].items():
        for method, operation in operations.items():
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if body is None:
                continue
            for name, field in resolve(spec, body["schema"]).get("properties", {}).items():
                if field.get("readOnly"):
                    continue  # answered, never read from a body: nothing to refuse
                value = bad_value(spec, field)
                if value is not None:
                    found.append((method.upper(), route, name, value))
    return found


def query_fields(spec: dict) -> list[tuple[str, str, str]]:
    return [
        (method.upper(), route, parameter["name"])
        for route, operations in spec["paths"].items()
        for method, operation in operations.items()
        for parameter in operation.get("parameters", [])
        if parameter["in"] == "query" and bad_value(spec, parameter["schema"]) is not None
    ]


@pytest.fixture
async def callers(owner, participant, admin, anonymous, db):
    """Per role an HTTP client and its headers, and the world the table's paths point into."""
    token = await add_token(db, "moodle", ["integration"])
    anonymous.headers = bearer(token)
    world = await build_world(owner, participant, anonymous)
    clients = {
        "owner": (owner, {}),
        "participant": (participant, {}),
        "admin": (admin, {}),
        "platform": (anonymous, bearer(token)),
        "anonymous": (anonymous, {}),
    }
    return clients, world


# Refused to every caller here (no e-mail configured; only accounts change or delete
# themselves); tests/api/test_accounts.py sends them unstorable text as an account.
REFUSED_TO_ALL = {
    ("POST", "/auth/register"), ("POST", "/auth/reset"),
    ("POST", "/auth/password"), ("DELETE", "/auth/account"),
}  # fmt: skip


def caller_of(clients: dict, world, method: str, route: str) -> tuple[Any, dict, str]:
    policy, path, _body = TABLE[method, route]
    role = next(role for role in CALLERS if policy[role] == OK)
    client, headers = clients[role]
    return client, headers, path.format(**world.ids)


async def test_every_text_field_of_every_body_refuses_unstorable_text(callers, app):
    clients, world = callers
    spec = await (await clients["owner"][0].get("/openapi.json")).json()
    fields = text_fields(spec)
    assert len(fields) >= 20, fields  # the walk found the bodies
    wrong = []
    for method, route, field, value in fields:
        if (method, route) in REFUSED_TO_ALL:
            continue
        client, headers, path = caller_of(clients, world, method, route)
        raw = json.dumps({field: value})  # ASCII: the surrogate travels as the escape \ud800
        assert "\\ud800" in raw
        response = await client.request(
            method, path, data=raw, headers={**headers, "Content-Type": "application/json"}
        )
        body = await response.json()
        if (response.status, body.get("code"), body.get("errors")) != (
            400, "validation-failed", {field: [UNSTORABLE]}
        ):  # fmt: skip
            wrong.append((method, path, field, response.status, body))
    assert wrong == [], "\n".join(map(str, wrong))


async def test_every_text_field_of_every_query_is_never_a_server_error(callers):
    """A query string cannot carry a surrogate (invalid UTF-8 decodes to U+FFFD): no 500 from it."""
    clients, world = callers
    spec = await (await clients["owner"][0].get("/openapi.json")).json()
    fields = query_fields(spec)
    assert len(fields) >= 20, fields
    for method, route, field in fields:
        client, headers, path = caller_of(clients, world, method, route)
        separator = "&" if "?" in path else "?"
        url = URL(f"{path}{separator}{field}=%ED%A0%80&other=%FF", encoded=True)
        response = await client.request(method, url, headers=headers, allow_redirects=False)
        assert response.status < 500, (method, path, field, await response.text())


async def raw_get(server, path: str, header: bytes) -> tuple[int, dict]:
    """A GET with one header of raw bytes (a client library would encode them)."""
    reader, writer = await asyncio.open_connection(server.host, server.port)
    writer.write(
        f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n".encode() + header + b"\r\n\r\n"
    )
    response = await reader.read()
    writer.close()
    head, _, body = response.partition(b"\r\n\r\n")
    return int(head.split()[1]), json.loads(body)


@pytest.mark.parametrize(
    "header",
    [b"Authorization: Bearer \xff\xfe", b"Cookie: JSESSIONID=\xed\xa0\x80"],
    ids=["bearer", "cookie"],
)
async def test_undecodable_credentials_are_unknown_ones(server, header):
    status, body = await raw_get(server, "/auth/", header)
    assert status == 401, body
    assert body["code"] in ("invalid-token", "login-required"), body


async def test_socket_events_refuse_unstorable_text(
    owner,
    keyword,
    connect_socket,  # noqa: F811 (the fixture imported above; after owner, so closed first)
):
    socket = await connect_socket(owner)
    for event, payload, field in [
        ("setSession", {"keyword": BAD}, "keyword"),
        ("setFeedback", {"sessionkey": BAD, "feedback": 1}, "sessionkey"),
        ("setSession", {"keyword": keyword, BAD: 1}, BAD),
    ]:
        error = (await socket.call(event, payload))["error"]
        assert (error["code"], error["errors"]) == ("validation-failed", {field: [UNSTORABLE]})
    assert_joined(await socket.call("setSession", {"keyword": keyword}), keyword)


async def test_events_messages_refuse_unstorable_text(owner, keyword, events_client):  # noqa: F811
    client = await events_client(owner)
    for message_type, fields, field in [
        ("SessionSubscriptionMessage", {"keyword": BAD}, "keyword"),
        ("AcknowledgementMessage", {"errorInfo": {"message": BAD}}, "errorInfo"),
    ]:
        ack = await client.request(message_type, **fields)
        error = ack["errorInfo"]
        assert (error["code"], error["errors"]) == ("validation-failed", {field: [UNSTORABLE]})


async def test_an_undecodable_events_token_is_refused(server, owner):
    await socket_token(owner)
    client = EventsClient()
    try:
        with pytest.raises(socketio.exceptions.ConnectionError):
            await client.connect(server, token=BAD)
        assert client.refusal["code"] == "token-unknown", client.refusal
    finally:
        await client.close()


async def test_bad_answers_in_a_burst_fail_alone(owner, keyword, login, db):
    """40 honest students and 4 senders of bad text answer at once: one group commit's worth."""
    question = await create_question(owner, questionType="freetext", active=True)
    students = await asyncio.gather(*(login() for _ in range(44)))
    for student in students:
        assert (await student.get(f"/session/{keyword}")).status == 200
    texts = [BAD if i % 11 == 0 else f"answer {i}" for i in range(44)]
    responses = await asyncio.gather(*(
        student.post(answers_of(question), json={"answerText": text})
        for student, text in zip(students, texts, strict=True)
    ))  # fmt: skip
    for response, text in zip(responses, texts, strict=True):
        if text == BAD:
            body = await expect_error(response, 400, "validation-failed")
            assert body["errors"] == {"answerText": [UNSTORABLE]}
        else:
            assert response.status == 201, await response.text()
    stored = await db.answers.distinct("answer_text", {"question_id": ObjectId(question["_id"])})
    assert sorted(stored) == sorted(text for text in texts if text != BAD)


MALFORMED = "http://["  # urlsplit raises ValueError on it
OWN = {"Content-Type": "application/json"}
ACTIVATE = "/integration/place/{place}/activate/"


@pytest.mark.parametrize(
    ("role", "method", "path", "headers"),
    [
        ("anonymous", "GET", f"/auth/login?successurl={MALFORMED}", {}),
        ("anonymous", "GET", f"/auth/login?failureurl={MALFORMED}", {}),
        ("platform", "GET", f"/integration/session/{{course}}/request/?index_url={MALFORMED}", {}),
        ("anonymous", "GET", f"/integration/session/{{course}}/join/?index_url={MALFORMED}", {}),
        ("anonymous", "GET", f"{ACTIVATE}?token=t&index_url={MALFORMED}", {}),
        ("owner", "POST", "/session/", {**OWN, "Origin": MALFORMED}),
        ("owner", "POST", "/session/", {**OWN, "Referer": MALFORMED + "/page"}),
        ("owner", "POST", "/auth/logout", {"Referer": MALFORMED}),
    ],
)  # fmt: skip
async def test_malformed_urls_are_the_senders_400(callers, role, method, path, headers):
    clients, world = callers
    client, role_headers = clients[role]
    url = URL(path.format(**world.ids), encoded=True)
    response = await client.request(
        method, url, headers={**role_headers, **headers}, json={"name": "N"}, allow_redirects=False
    )
    await expect_error(response, 400, "invalid-url")
