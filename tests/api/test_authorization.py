"""The authorization matrix: every route and socket event, for every kind of caller, from one table.

Each route has a policy; each policy says, per role, whether the call gets
past authorization ("ok": any status below 500 but 401 and 403) or exactly which
refusal it gets. The table must list every route the app serves: a new route
without a policy fails `test_every_route_has_a_policy`.

Every role gets a world of its own (a lecture session with a question, an
answer, an audience question, an export task, a platform's course and place),
so destructive calls of one role cannot hide the outcome for another.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from arsnova.api.openapi import documented_routes
from tests.helpers import add_token, assert_joined, bearer
from tests.realtime.conftest import connect_socket  # noqa: F401 (a fixture)

ROLES = ("anonymous", "stranger", "participant", "owner", "admin", "platform", "unscoped")
OK = "ok"

# Policies: the expected outcome per role.
PUBLIC = dict.fromkeys(ROLES, OK)
LOGIN = {**PUBLIC, "anonymous": 401}
BROWSER = {**LOGIN, "platform": 403, "unscoped": 403}  # acts for a cookie login, not a token
PARTICIPANT = {**LOGIN, "stranger": 403, "platform": 403, "unscoped": 403}
OWNER = {**PARTICIPANT, "participant": 403}
AUTHOR = {**OWNER, "participant": OK, "owner": 403, "admin": 403}  # only the answer's author
OWNER_OR_AUTHOR = {**OWNER, "participant": OK}
ADMIN = {**OWNER, "owner": 403}
MINE = {
    **LOGIN,
    "stranger": 404,
    "participant": 404,
    "admin": 404,
    "platform": 404,
    "unscoped": 404,
}  # fmt: skip  (someone else's task does not exist for you)
# Bearer-only: cookie logins (even admins) are 401 `invalid-token`.
PLATFORM = {**dict.fromkeys(ROLES, 401), "platform": OK, "unscoped": 403}
PLATFORM_OR_ADMIN = {**PLATFORM, "admin": OK}
# An account's own (tests/api/test_accounts.py): no role here is one (`account-required`).
ACCOUNT = {**dict.fromkeys(ROLES, 403), "anonymous": 401}
# What sends e-mail: the matrix's server has none configured (403 for all alike).
NO_MAIL = dict.fromkeys(ROLES, 403)

Q = "/lecturerquestion/{question}"
SQ = "/session/{keyword}/lecturerquestion/{question}"
QA = "/session/{keyword}/qa/questions/{asked}"  # the participant's question is a Q&A one
QA_ROUTE = "/session/{keyword}/qa/questions/{question_id}"
ANSWER = {"answerText": "A"}
QUESTION = {"questionType": "abcd", "subject": "s", "text": "t",
            "possibleAnswers": [{"text": "A"}, {"text": "B"}]}  # fmt: skip

# (method, route) → (policy, path, body). Reads first, then changes, deletions, visits last.
TABLE: dict[tuple[str, str], tuple[dict, str, Any]] = {
    ("GET", "/healthz"): (PUBLIC, "/healthz", None),
    ("GET", "/readyz"): (PUBLIC, "/readyz", None),
    # For the scraper's network (loopback by default, which the test clients are).
    ("GET", "/metrics"): (PUBLIC, "/metrics", None),
    ("GET", "/openapi.json"): (PUBLIC, "/openapi.json", None),
    ("GET", "/statistics"): (PUBLIC, "/statistics", None),
    ("GET", "/socket/url"): (PUBLIC, "/socket/url", None),
    ("GET", "/configuration/"): (PUBLIC, "/configuration/", None),
    ("GET", "/auth/login"): (PUBLIC, "/auth/login?type=nonsense", None),
    ("GET", "/auth/link"): (PUBLIC, "/auth/link?token=nonsense", None),
    ("GET", "/auth/oidc/callback"): (PUBLIC, "/auth/oidc/callback?state=nonsense", None),
    ("POST", "/auth/login"): (
        PUBLIC, "/auth/login", {"type": "nonsense", "user": "u", "password": "p"}),
    ("GET", "/auth/"): (LOGIN, "/auth/", None),
    ("POST", "/auth/register"): (
        NO_MAIL, "/auth/register", {"email": "new@uni.example", "password": "long enough"}),
    ("POST", "/auth/reset"): (NO_MAIL, "/auth/reset", {"email": "new@uni.example"}),
    ("POST", "/auth/activate"): (PUBLIC, "/auth/activate", {"token": "nonsense"}),
    ("POST", "/auth/reset/confirm"): (
        PUBLIC, "/auth/reset/confirm", {"token": "nonsense", "password": "long enough"}),
    ("POST", "/auth/password"): (
        ACCOUNT, "/auth/password", {"oldPassword": "long enough", "newPassword": "longer"}),
    ("DELETE", "/auth/account"): (ACCOUNT, "/auth/account", {"password": "long enough"}),
    ("GET", "/session/"): (LOGIN, "/session/?ownedonly=true", None),
    ("GET", "/session/{keyword}/lecturerquestion/"): (
        PARTICIPANT, "/session/{keyword}/lecturerquestion/", None),
    ("GET", "/session/{keyword}/lecturerquestion/statistics"): (
        PARTICIPANT, "/session/{keyword}/lecturerquestion/statistics", None),
    ("GET", Q.replace("{question}", "{question_id}")): (PARTICIPANT, Q, None),
    ("GET", SQ.replace("{question}", "{question_id}")): (PARTICIPANT, SQ, None),
    ("GET", "/lecturerquestion/{question_id}/answer/"): (
        PARTICIPANT, Q + "/answer/?createdonly=true", None),
    ("GET", "/session/{keyword}/lecturerquestion/{question_id}/answer/"): (
        PARTICIPANT, SQ + "/answer/?createdonly=true", None),
    ("GET", "/session/{keyword}/results.xlsx"): (OWNER, "/session/{keyword}/results.xlsx", None),
    ("GET", "/session/{keyword}/results.csv"): (OWNER, "/session/{keyword}/results.csv", None),
    ("GET", "/session/{keyword}/interposed/"): (
        PARTICIPANT, "/session/{keyword}/interposed/", None),
    ("GET", "/session/{keyword}/interposed/{question_id}"): (
        OWNER_OR_AUTHOR, "/session/{keyword}/interposed/{asked}", None),
    ("GET", "/session/{keyword}/feedback"): (PARTICIPANT, "/session/{keyword}/feedback", None),
    ("GET", "/session/{keyword}/qa/settings"): (
        PARTICIPANT, "/session/{keyword}/qa/settings", None),
    ("GET", "/session/{keyword}/qa/questions"): (
        PARTICIPANT, "/session/{keyword}/qa/questions", None),
    ("GET", QA_ROUTE): (PARTICIPANT, QA, None),
    ("GET", "/session/{keyword}/myfeedback"): (
        PARTICIPANT, "/session/{keyword}/myfeedback", None),
    ("GET", "/session/{keyword}/bin/"): (OWNER, "/session/{keyword}/bin/", None),
    ("GET", "/task/{task_id}"): (MINE, "/task/{task}", None),
    ("GET", "/integration/catalog/sessions/"): (PLATFORM, "/integration/catalog/sessions/", None),
    ("GET", "/integration/user/{user}/"): (PLATFORM_OR_ADMIN, "/integration/user/{user}/", None),
    ("GET", "/integration/user/{user}/sessions/"): (
        PLATFORM, "/integration/user/{user}/sessions/", None),
    ("GET", "/integration/session/{keyword}/request/"): (
        PLATFORM, "/integration/session/{course}/request/", None),
    ("POST", "/integration/session/{keyword}/request/"): (
        PLATFORM, "/integration/session/{course}/request/", None),
    ("POST", "/integration/place/{place}/extend/"): (
        PLATFORM, "/integration/place/{place}/extend/", None),
    # Opened by a browser with the link's own credential: no login needed.
    ("GET", "/integration/place/{place}/activate/"): (
        PUBLIC, "/integration/place/{place}/activate/?token=wrong", None),
    ("GET", "/integration/session/{keyword}/join/"): (
        PUBLIC, "/integration/session/{course}/join/", None),
    ("POST", "/socket/token"): (BROWSER, "/socket/token", None),
    ("POST", "/socket/assign"): (LOGIN, "/socket/assign", {"session": "nosuchsocket"}),
    ("POST", "/session/"): (LOGIN, "/session/", {"name": "Mine"}),
    ("POST", "/session/{keyword}/feedback"): (
        PARTICIPANT, "/session/{keyword}/feedback", {"value": 1}),
    ("POST", "/session/{keyword}/interposed/"): (
        PARTICIPANT, "/session/{keyword}/interposed/", {"subject": "s", "text": "t"}),
    ("POST", "/session/{keyword}/qa/questions"): (
        PARTICIPANT, "/session/{keyword}/qa/questions", {"text": "t"}),
    ("PUT", QA_ROUTE + "/vote"): (PARTICIPANT, QA + "/vote", {"value": 1}),
    ("DELETE", QA_ROUTE + "/vote"): (PARTICIPANT, QA + "/vote", None),
    # Only its author edits the text; co-moderators (not a role here): tests/api/test_qa.py.
    ("PATCH", QA_ROUTE): (AUTHOR, QA, {"text": "edited"}),
    ("PUT", "/session/{keyword}/qa/settings"): (
        OWNER, "/session/{keyword}/qa/settings", {"downvotes": True}),
    ("POST", "/lecturerquestion/{question_id}/answer/"): (PARTICIPANT, Q + "/answer/", ANSWER),
    ("POST", "/session/{keyword}/lecturerquestion/{question_id}/answer/"): (
        PARTICIPANT, SQ + "/answer/", ANSWER),
    ("PUT", "/lecturerquestion/{question_id}/answer/{answer_id}"): (
        AUTHOR, Q + "/answer/{answer}", ANSWER),
    ("PUT", "/session/{keyword}/lecturerquestion/{question_id}/answer/{answer_id}"): (
        AUTHOR, SQ + "/answer/{answer}", ANSWER),
    ("POST", "/lecturerquestion/{question_id}/answer/{answer_id}/hide"): (
        OWNER, Q + "/answer/{answer}/hide?hide=false", None),
    ("POST", "/session/{keyword}/lecturerquestion/{question_id}/answer/{answer_id}/hide"): (
        OWNER, SQ + "/answer/{answer}/hide?hide=false", None),
    ("POST", "/announcement"): (ADMIN, "/announcement", {"message": "hello"}),
    ("POST", "/session/{keyword}/lecturerquestion/"): (
        OWNER, "/session/{keyword}/lecturerquestion/", QUESTION),
    ("PUT", Q.replace("{question}", "{question_id}")): (OWNER, Q, {"subject": "new"}),
    ("PUT", SQ.replace("{question}", "{question_id}")): (OWNER, SQ, {"subject": "new"}),
    ("POST", "/lecturerquestion/{question_id}/publish"): (OWNER, Q + "/publish", None),
    ("POST", "/session/{keyword}/lecturerquestion/{question_id}/publish"): (
        OWNER, SQ + "/publish", None),
    ("POST", "/lecturerquestion/{question_id}/disablevote"): (
        OWNER, Q + "/disablevote?disable=false", None),
    ("POST", "/session/{keyword}/lecturerquestion/{question_id}/disablevote"): (
        OWNER, SQ + "/disablevote?disable=false", None),
    ("POST", "/lecturerquestion/disablevote"): (
        OWNER, "/lecturerquestion/disablevote?sessionkey={keyword}&disable=false", None),
    ("POST", "/lecturerquestion/{question_id}/countdown"): (
        OWNER, Q + "/countdown?seconds=600", None),
    ("POST", "/session/{keyword}/lecturerquestion/{question_id}/countdown"): (
        OWNER, SQ + "/countdown?seconds=600", None),
    ("DELETE", "/lecturerquestion/{question_id}/countdown"): (OWNER, Q + "/countdown", None),
    ("DELETE", "/session/{keyword}/lecturerquestion/{question_id}/countdown"): (
        OWNER, SQ + "/countdown", None),
    ("PUT", "/session/{keyword}"): (OWNER, "/session/{keyword}", {"name": "Renamed"}),
    ("PUT", "/session/{keyword}/presented"): (
        OWNER, "/session/{keyword}/presented", {"questionId": None}),
    ("POST", "/session/{keyword}/lockfeedbackinput"): (
        OWNER, "/session/{keyword}/lockfeedbackinput?lock=false", None),
    ("POST", "/session/{keyword}/export"): (OWNER, "/session/{keyword}/export", None),
    ("POST", "/session/{keyword}/bin/{question_id}/restore"): (
        OWNER, "/session/{keyword}/bin/{binned}/restore", None),
    ("DELETE", "/session/{keyword}/feedback"): (OWNER, "/session/{keyword}/feedback", None),
    ("DELETE", QA_ROUTE): (OWNER_OR_AUTHOR, QA, None),
    ("DELETE", "/session/{keyword}/interposed/{question_id}"): (
        OWNER_OR_AUTHOR, "/session/{keyword}/interposed/{asked}", None),
    ("DELETE", "/session/{keyword}/interposed/"): (OWNER, "/session/{keyword}/interposed/", None),
    ("DELETE", "/lecturerquestion/{question_id}/answer/{answer_id}"): (
        OWNER_OR_AUTHOR, Q + "/answer/{answer}", None),
    ("DELETE", "/session/{keyword}/lecturerquestion/{question_id}/answer/{answer_id}"): (
        OWNER_OR_AUTHOR, SQ + "/answer/{answer}", None),
    # A new round and a reset leave the answer above in an earlier round, or gone: after it.
    ("PUT", "/session/{keyword}/lecturerquestion/order"): (
        OWNER, "/session/{keyword}/lecturerquestion/order", {"questionIds": []}),
    ("POST", "/lecturerquestion/{question_id}/copy"): (OWNER, Q + "/copy", None),
    ("POST", "/session/{keyword}/lecturerquestion/{question_id}/copy"): (OWNER, SQ + "/copy", None),
    ("POST", "/lecturerquestion/{question_id}/startnewpiround"): (
        OWNER, Q + "/startnewpiround", None),
    ("POST", "/session/{keyword}/lecturerquestion/{question_id}/startnewpiround"): (
        OWNER, SQ + "/startnewpiround", None),
    ("DELETE", "/lecturerquestion/{question_id}/answer/"): (OWNER, Q + "/answer/", None),
    ("DELETE", "/session/{keyword}/lecturerquestion/{question_id}/answer/"): (
        OWNER, SQ + "/answer/", None),
    ("DELETE", SQ.replace("{question}", "{question_id}")): (OWNER, SQ, None),
    ("DELETE", Q.replace("{question}", "{question_id}")): (OWNER, Q, None),
    ("POST", "/session/{keyword}/lock"): (OWNER, "/session/{keyword}/lock?lock=true", None),
    ("DELETE", "/session/{keyword}"): (OWNER, "/session/{keyword}", None),
    # Visiting joins the session (a stranger becomes a participant): after the checks above.
    ("GET", "/session/{keyword}"): (LOGIN, "/session/{keyword}", None),
    ("POST", "/session/{keyword}/online"): (LOGIN, "/session/{keyword}/online", None),
    ("GET", "/auth/logout"): (PUBLIC, "/auth/logout", None),
    ("POST", "/auth/logout"): (PUBLIC, "/auth/logout", None),
}  # fmt: skip


@dataclass
class World:
    """What the calls refer to, made by the owner, the participant and a platform."""

    ids: dict[str, str] = field(default_factory=dict)


async def call(client: TestClient, method: str, path: str, **kwargs) -> Any:
    response = await client.request(method, path, **kwargs)
    assert response.status < 300, (method, path, response.status, await response.text())
    return await response.json() if response.status not in (204,) else None


async def build_world(owner: TestClient, participant: TestClient, platform: TestClient) -> World:
    session = await call(owner, "POST", "/session/", json={"name": "Matrix"})
    keyword = session["keyword"]
    question = await call(owner, "POST", f"/session/{keyword}/lecturerquestion/",
                          json={**QUESTION, "active": True})  # fmt: skip
    binned = await call(owner, "POST", f"/session/{keyword}/lecturerquestion/", json=QUESTION)
    await call(owner, "DELETE", f"/lecturerquestion/{binned['_id']}")
    task = await call(owner, "POST", f"/session/{keyword}/export")
    await call(participant, "GET", f"/session/{keyword}")
    answer = await call(participant, "POST", f"/lecturerquestion/{question['_id']}/answer/",
                        json=ANSWER)  # fmt: skip
    asked = await call(participant, "POST", f"/session/{keyword}/interposed/",
                       json={"subject": "s", "text": "t"})  # fmt: skip
    course = await call(platform, "POST", "/session/", json={"name": "Course"},
                        headers=platform.headers)  # fmt: skip
    place = await call(platform, "GET", f"/integration/session/{course['keyword']}/request/",
                       headers=platform.headers)  # fmt: skip
    return World({
        "keyword": keyword, "question": question["_id"], "binned": binned["_id"],
        "task": task["_id"], "answer": answer["_id"], "asked": asked["_id"],
        "course": course["keyword"], "place": place["name"], "user": place["user"],
    })  # fmt: skip


def test_every_route_has_a_policy(app):
    served = {(method, path) for method, path, _handler in documented_routes(app)}
    assert served == set(TABLE), {
        "missing from the table": sorted(served - set(TABLE)),
        "not served": sorted(set(TABLE) - served),
    }


@pytest.mark.parametrize("role", ROLES)
async def test_each_role_gets_exactly_what_its_policy_says(
    role, owner, participant, stranger, admin, anonymous, db
):
    platform_token = await add_token(db, f"moodle{role}", ["integration"])
    unscoped_token = await add_token(db, f"other{role}", [])
    anonymous.headers = bearer(platform_token)
    world = await build_world(owner, participant, anonymous)
    anonymous.headers = {}
    callers = {
        "anonymous": (anonymous, {}),
        "stranger": (stranger, {}),
        "participant": (participant, {}),
        "owner": (owner, {}),
        "admin": (admin, {}),
        "platform": (anonymous, bearer(platform_token)),
        "unscoped": (anonymous, bearer(unscoped_token)),
    }
    client, headers = callers[role]
    wrong = []
    for (method, _route), (policy, path, body) in TABLE.items():
        url = path.format(**world.ids)
        response = await client.request(
            method, url, json=body, headers=headers, allow_redirects=False
        )
        expected = policy[role]
        # A server error is no pass: "ok" means handled, neither refused nor failed.
        passed = response.status not in (401, 403) and response.status < 500
        if not passed if expected == OK else response.status != expected:
            wrong.append((method, url, expected, response.status, await response.text()))
    assert wrong == [], "\n".join(map(str, wrong))


@pytest.mark.parametrize("scopes", [["integration"], ["admin"]])
async def test_an_access_token_never_gets_a_server_error(
    scopes, app, owner, participant, anonymous, db
):
    """Every route, with a valid token of each scope: on its own course, then on another session."""
    assert {(method, path) for method, path, _handler in documented_routes(app)} == set(TABLE)
    platform_token = await add_token(db, "moodle", ["integration"])
    anonymous.headers = bearer(platform_token)
    world = await build_world(owner, participant, anonymous)
    token = platform_token if scopes == ["integration"] else await add_token(db, "ops", scopes)
    failed = []
    for keyword in (world.ids["course"], world.ids["keyword"]):
        ids = {**world.ids, "keyword": keyword}
        for (method, _route), (_policy, path, body) in TABLE.items():
            url = path.format(**ids)
            response = await anonymous.request(
                method, url, json=body, headers=bearer(token), allow_redirects=False
            )
            if response.status >= 500:
                failed.append((method, url, response.status, await response.text()))
    assert failed == [], "\n".join(map(str, failed))


# Socket events: an unbound socket is refused; every login may join and vote.
async def test_socket_events_need_a_bound_login(
    connect_socket,  # noqa: F811 (the fixture imported above)
    stranger,
    owner,
):
    keyword = owner.lecture["keyword"]
    unbound = await connect_socket()
    ack = await unbound.call("setSession", {"keyword": keyword})
    assert ack["error"]["code"] == "socket-not-bound"
    ack = await unbound.call("setFeedback", {"sessionkey": keyword, "feedback": 1})
    assert ack["error"]["code"] == "socket-not-bound"
    bound = await connect_socket(stranger)
    assert_joined(await bound.call("setSession", {"keyword": keyword}), keyword)
    assert await bound.call("setFeedback", {"sessionkey": keyword, "feedback": 1}) == {
        "feedback": 1
    }
