"""Helpers shared by the test modules (fixtures live in the conftest files).

The REST helpers take any HTTP client whose paths are relative to the server:
a pytest-aiohttp `TestClient`, or an `aiohttp.ClientSession` with a `base_url`.
Each asserts the status code of its call, so a test reads as what it does.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from pymongo import monitoring

from arsnova.auth import hash_token

WAIT = 10  # seconds a wait for something that must come may take (a loaded CI machine)
CHOICE_TYPES = ("sc", "mc", "abcd")
# The question `create_question` makes unless told otherwise (its options for choice types).
QUESTION = {"questionType": "sc", "subject": "Units", "text": "What is the SI unit of force?"}
OPTIONS = [{"text": "Newton", "correct": True}, {"text": "Joule"}, {"text": "Watt"}]


def assert_joined(ack: Any, keyword: str) -> dict[str, Any]:
    """A `setSession` acknowledgement that joined `keyword`; an error ack (or none) fails."""
    assert isinstance(ack, dict) and ack.get("keyword") == keyword, ack
    return ack


async def eventually(
    check: Callable[[], object | Awaitable[object]], within: float = WAIT, what: object = ""
) -> None:
    """Polls `check()` (plain or async) until it is true; fails naming `what` after `within` s.

    For effects that send no reply: a background task's, another process's.
    """
    try:
        async with asyncio.timeout(within):
            while True:
                result = check()
                if inspect.isawaitable(result):
                    result = await result
                if result:
                    return
                await asyncio.sleep(0.02)
    except TimeoutError:
        pytest.fail(f"not within {within} s: {what or check}")


# --- REST: lectures, questions, answers, audience questions ----------------------------------


def questions_path(keyword: str) -> str:
    """A session's collection of lecturer questions."""
    return f"/session/{keyword}/lecturerquestion/"


def question_path(question_id: str, keyword: str | None = None) -> str:
    """A lecturer question's path, with the session prefix when `keyword` is given."""
    prefix = f"/session/{keyword}" if keyword else ""
    return f"{prefix}/lecturerquestion/{question_id}"


def answers_of(question: dict, keyword: str | None = None) -> str:
    """The answer collection of a question, with the session prefix when `keyword` is given."""
    return question_path(question["_id"], keyword) + "/answer/"


async def create_lecture(
    client, name: str = "Physics I", *, headers: dict | None = None, **fields: Any
) -> str:
    """A new lecture session of `client`'s login (or a platform's `headers`): its keyword."""
    response = await client.post("/session/", json={"name": name, **fields}, headers=headers)
    assert response.status == 201, await response.text()
    return (await response.json())["keyword"]


async def create_question(
    owner, keyword: str | None = None, *, options: list[str] | None = None, **fields: Any
) -> dict:
    """A lecturer question in `keyword` (by default the owner fixture's `owner.lecture`).

    `fields` change the body of `QUESTION` (`active=True` publishes it). A choice
    question gets `OPTIONS` (the first correct), or `options` (none correct).
    """
    keyword = keyword or owner.lecture["keyword"]
    body = {**QUESTION, **fields}
    if "possibleAnswers" not in body:
        if options is not None:
            body["possibleAnswers"] = [{"text": text} for text in options]
        elif body["questionType"] in CHOICE_TYPES:
            body["possibleAnswers"] = OPTIONS
    response = await owner.post(questions_path(keyword), json=body)
    assert response.status == 201, await response.text()
    return await response.json()


async def publish(owner, question_id: str, publish: str = "true", keyword: str | None = None):
    """Publishes a question (or withdraws it: `publish="false"`)."""
    path = question_path(question_id, keyword) + "/publish"
    response = await owner.post(path, params={"publish": publish})
    assert response.status == 204, await response.text()


async def give_answer(
    client, question: dict | str, body: dict | None = None, *, text: str = "Joule", status=201
) -> dict:
    """`client` answers a question (its JSON or id): `body`, else `{"answerText": text}`.

    The response must have `status`; its JSON is returned.
    """
    question = {"_id": question} if isinstance(question, str) else question
    response = await client.post(
        answers_of(question), json={"answerText": text} if body is None else body
    )
    assert response.status == status, await response.text()
    return await response.json()


async def ask_audience_question(
    client, keyword: str, subject: str = "Entropy", text: str = "Why?"
) -> dict:
    """A participant's anonymous question to the lecturer (an interposed question)."""
    path = f"/session/{keyword}/interposed/"
    response = await client.post(path, json={"subject": subject, "text": text})
    assert response.status == 201, await response.text()
    return await response.json()


# --- integrations (learning platforms) ----------------------------------------------------


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def add_token(db, name: str, scopes: list[str], **fields: Any) -> str:
    """Stores an access token as `arsnova token create` would; returns the secret."""
    token = f"arsn_test_{name}_" + "x" * 30
    await db.access_tokens.insert_one({
        "name": name, "token_hash": hash_token(token), "scopes": scopes,
        "created_at": datetime.now(UTC), "expires_at": None, "revoked_at": None, **fields,
    })  # fmt: skip
    return token


async def as_platform(client, db, name: str = "moodle"):
    """`client` as a learning platform: `client.headers` carry a new integration token."""
    client.headers = bearer(await add_token(db, name, ["integration"]))
    return client


# --- Database commands ----------------------------------------------------------------------


class CommandCounter(monitoring.CommandListener):
    """Counts the commands clients of this process send to one database, while `counting`.

    Registered once for the process (PyMongo has no way to remove a listener),
    so it sees the clients created after that: the apps a test then starts.
    """

    def __init__(self) -> None:
        self.database: str | None = None
        self.names: Counter[str] = Counter()
        self.request_ids: set[int] = set()  # of the commands started while counting
        self.failures: list[str] = []

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if event.database_name == self.database:
            self.names[event.command_name] += 1
            self.request_ids.add(event.request_id)

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        if event.request_id in self.request_ids:
            self.failures.append(f"{event.command_name}: {event.failure.get('errmsg', '')}")

    @contextlib.contextmanager
    def counting(self, database: str) -> Iterator[Counter[str]]:
        """The commands sent to `database` within the block, by name (`failures`: which of
        them failed, with the database's or the driver's message)."""
        self.database, self.names, self.request_ids, self.failures = database, Counter(), set(), []
        try:
            yield self.names
        finally:
            self.database = None


command_counter = CommandCounter()
monitoring.register(command_counter)
