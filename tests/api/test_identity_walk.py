"""No role learns anything that lets it log in as someone else or act as the owner.

Each role walks every route of the authorization matrix against a full
lecture (questions, answers, audience questions, votes, a platform's course
and place), with a `/` socket and an `/events` connection open meanwhile,
and everything it receives is collected. Then every string in that harvest
is tried as each kind of credential: a guest name, a login cookie, a guest
key, a bearer token, a login link, an `/events` token, an account's
activation or reset link. None may log in as an existing user, and none may
lock the owner's session. Nor does any user's name reach the log at INFO and
above. Every login type is configured (accounts, a real LDAP directory, an
OpenID provider that is down): their secrets (the directory's service
password, the client secret) reach no one, and a directory lecturer is
protected like the others.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import pytest
import socketio
from aiohttp.test_utils import TestClient, TestServer

from arsnova.auth import hash_token
from arsnova.identity import COOKIE_NAME, GUEST_KEY_COOKIE
from tests.api.test_authorization import TABLE, build_world
from tests.conftest import ADMIN_NAME, free_port, guest_key
from tests.events.conftest import EventsClient, socket_token
from tests.helpers import add_token, bearer
from tests.ldap_server import PROF, SERVICE_PASSWORD, directory
from tests.realtime.conftest import connect_to

ROLES = ("anonymous", "stranger", "participant", "other_owner", "platform")
ACCOUNT = "prof@uni.example"


OIDC_SECRET = "walk-client-secret-" + secrets.token_urlsafe(16)


@pytest.fixture
def settings(settings_with, slapd):
    """Accounts on (no e-mail): the owner's account has links under way; LDAP and single
    sign-on configured (the OpenID provider's address answers nothing)."""
    return settings_with(
        admins=frozenset({ADMIN_NAME}),
        accounts=True,
        ldap=directory(slapd.url),
        oidc_issuer=f"http://127.0.0.1:{free_port()}",
        oidc_client_id="arsnova",
        oidc_client_secret=OIDC_SECRET,
    )


async def links_under_way(db) -> set[str]:
    """An account with a pending activation and a reset link, as e-mails would carry them."""
    account = await db.accounts.insert_one({
        "email": ACCOUNT, "password_hash": "$argon2id$unused", "activated": False,
        "created_at": datetime.now(UTC),
    })  # fmt: skip
    tokens = {purpose: secrets.token_urlsafe(32) for purpose in ("activate", "reset")}
    until = datetime.now(UTC) + timedelta(hours=1)
    await db.account_tokens.insert_many([
        {"token_hash": hash_token(token), "purpose": purpose,
         "account_id": account.inserted_id, "expires_at": until,
         **({"password_hash": "$argon2id$unused"} if purpose == "activate" else {})}
        for purpose, token in tokens.items()
    ])  # fmt: skip
    return set(tokens.values())


WORDS = re.compile(r"[^\s\"'<>(){}\[\],;=&?/]{3,200}")
TOKEN_LIKE = re.compile(r"[A-Za-z0-9_-]{32,200}")  # 256-bit tokens; not 24-digit ids
CREDENTIAL_LIKE = re.compile(r"\S{3,200}")  # names, ids, tokens: no spaces
SKIPPED = ("/auth/logout", "/openapi.json")  # staying logged in; the public API description


def strings_in(value: Any) -> Iterator[str]:
    """Every string in a JSON value (keys too), and the words of each."""
    if isinstance(value, str):
        yield value
        yield from WORDS.findall(value)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from strings_in(key)
            yield from strings_in(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from strings_in(item)


class Harvest:
    """Everything one role received: bodies, redirects, socket events."""

    def __init__(self) -> None:
        self.strings: set[str] = set()

    def add(self, value: Any) -> None:
        self.strings.update(s for s in strings_in(value) if 3 <= len(s) <= 200)

    async def add_response(self, response: aiohttp.ClientResponse) -> None:
        text = await response.text()
        try:
            self.add(json.loads(text))
        except ValueError:
            self.add(text)
        self.add(response.headers.get("Location", ""))


async def open_sockets(server: TestServer, http: TestClient, keyword: str, harvest: Harvest):
    """A `/` socket that joined the lecture and an `/events` connection subscribed to it."""
    legacy = await connect_to(server, http)
    harvest.add(await legacy.call("setSession", {"keyword": keyword}))
    events = EventsClient()
    await events.connect(server, token=await socket_token(http))
    harvest.add(await events.request("SessionSubscriptionMessage", keyword=keyword))
    return legacy, events


async def try_everything(
    http: aiohttp.ClientSession, server: TestServer, db, found: str, keyword: str
) -> list[str]:
    """Uses `found` as every kind of credential; returns the names it logged in as.

    `http` keeps no cookies: each attempt sends exactly the credential tried.
    """
    url = server.make_url
    names = []
    for params, cookies in (
        ({"type": "guest", "user": found}, {}),  # a name
        ({"type": "guest"}, {GUEST_KEY_COOKIE: found}),  # a guest key
    ):
        response = await http.get(url("/auth/login"), params=params, cookies=cookies)
        if response.status == 200:
            names.append((await response.json())["username"])
            login = {COOKIE_NAME: response.cookies[COOKIE_NAME].value}
            locked = await http.post(url(f"/session/{keyword}/lock"), cookies=login)
            assert locked.status == 403, (found, locked.status)
    for cookies, headers in (
        ({COOKIE_NAME: found}, {}),
        ({}, {"Authorization": f"Bearer {found}"}),
    ):
        assert (await http.get(url("/auth/"), cookies=cookies, headers=headers)).status == 401
        response = await http.post(
            url(f"/session/{keyword}/lock"), cookies=cookies, headers=headers
        )
        assert response.status == 401, found
    response = await http.get(url("/auth/link"), params={"token": found}, allow_redirects=False)
    assert response.status in (400, 404), found
    if TOKEN_LIKE.fullmatch(found):
        for path, body in (  # the e-mailed links of accounts: activation, a new password
            ("/auth/activate", {"token": found}),
            ("/auth/reset/confirm", {"token": found, "password": "taken over"}),
        ):
            response = await http.post(url(path), json=body)
            assert response.status in (400, 404), (path, found)
        client = EventsClient()
        try:
            await client.connect(server, token=found)
        except socketio.exceptions.ConnectionError:
            pass
        else:
            names.append(
                (await db.socket_tokens.find_one({"token_hash": hash_token(found)}))["username"]
            )
        finally:
            await client.close()
    return names


# Every harvested string is tried as every credential: minutes per role in a full run.
@pytest.mark.timeout(300)
@pytest.mark.parametrize("role", ROLES)
async def test_nothing_a_role_receives_logs_it_in_as_anyone_else(
    role, server, owner, participant, admin, login, anonymous, db, aiohttp_client, caplog
):
    caplog.set_level(logging.INFO)
    platform_token = await add_token(db, "moodle", ["integration"])
    platform = await aiohttp_client(server)
    platform.headers = bearer(platform_token)
    world = await build_world(owner, participant, platform)
    keyword = world.ids["keyword"]
    other_owner = await login()
    assert (await other_owner.post("/session/", json={"name": "Other"})).status == 201
    directory_lecturer = await aiohttp_client(server)
    signed_in = await directory_lecturer.post(
        "/auth/login", json={"type": "ldap", "user": PROF.uid, "password": PROF.password}
    )
    assert (await signed_in.json())["username"] == PROF.uid
    made = await directory_lecturer.post("/session/", json={"name": "Directory"})
    assert made.status == 201
    callers = {
        "anonymous": anonymous,
        "stranger": await login(),
        "participant": participant,
        "other_owner": other_owner,
        "platform": platform,
    }
    client = callers[role]
    harvest = Harvest()
    sockets = None
    if role in ("stranger", "participant", "other_owner"):
        sockets = await open_sockets(server, client, keyword, harvest)
    # The lecture goes on while the role listens: a published question, answers, a vote.
    secrets_of_others = {
        owner.session.cookie_jar.filter_cookies(server.make_url("/"))[COOKIE_NAME].value,
        guest_key(owner), guest_key(participant), guest_key(admin), platform_token,
        await socket_token(owner), *await links_under_way(db), SERVICE_PASSWORD, OIDC_SECRET,
        PROF.password,
    }  # fmt: skip
    for (method, _route), (_policy, path, body) in TABLE.items():
        if path.startswith(SKIPPED):
            continue
        response = await client.request(
            method, path.format(**world.ids), json=body, allow_redirects=False,
            headers=getattr(client, "headers", {}),
        )  # fmt: skip
        await harvest.add_response(response)
    # The other login types, as a caller may try them.
    for method, path, body in (
        ("POST", "/auth/login", {"type": "ldap", "user": PROF.uid, "password": "guess"}),
        ("GET", "/auth/login?type=oidc&successurl=/lecturer/", None),
    ):
        response = await client.request(method, path, json=body, allow_redirects=False)
        await harvest.add_response(response)
    published = await owner.post(
        f"/session/{keyword}/lecturerquestion/",
        json={"questionType": "yesno", "subject": "Marker", "text": "?", "active": True},
    )
    assert published.status == 201
    assert (await admin.post("/announcement", json={"message": "Break"})).status == 204
    if sockets is not None:
        legacy, events = sockets
        await legacy.wait_for("lecQuestionAvail")
        await events.wait_for_event("LecturerQuestionCreatedEvent")
        await events.wait_for_event("AnnouncementEvent")
        harvest.add(legacy.received)
        harvest.add(events.messages)
        await legacy.disconnect()
        await events.close()

    assert not secrets_of_others & harvest.strings
    protected = {
        owner.username, participant.username, ADMIN_NAME, other_owner.username, PROF.uid,
    }  # fmt: skip
    protected.discard(getattr(client, "username", None))
    assert owner.username not in harvest.strings
    logged_in_as: set[str] = set()
    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as http:
        for found in sorted(filter(CREDENTIAL_LIKE.fullmatch, harvest.strings)):
            logged_in_as.update(await try_everything(http, server, db, found, keyword))
    assert not logged_in_as & protected, logged_in_as & protected
    assert len(harvest.strings) > 20  # the walk really received something
    assert not any(name in caplog.text for name in protected | {owner.username})
    assert not any(secret in caplog.text for secret in (SERVICE_PASSWORD, OIDC_SECRET))
