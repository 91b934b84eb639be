"""The `ldap` login type against a real OpenLDAP server (tests/ldap_server.py's `slapd`)."""

from __future__ import annotations

import asyncio
import logging
import socket
import time
from collections.abc import Iterator

import pytest

from arsnova.auth import COOKIE_NAME
from arsnova.errors import Unauthorized
from arsnova.identity import LECTURER, STUDENT
from arsnova.keys import providers_key
from tests.conftest import expect_error, free_port
from tests.ldap_server import (
    GUEST_LOOKALIKE,
    PROF,
    SERVICE_LOOKALIKE,
    SPECIAL,
    SUFFIX,
    TWINS,
    directory,
)
from tests.ldap_server import (
    STUDENT as KIM,
)


@pytest.fixture
def ldap_client(slapd, start_server, aiohttp_client):
    """`await ldap_client(**ldap_overrides)`: a client of a server with the `ldap` type."""

    async def make(**overrides):
        server = await start_server(ldap=directory(**{"url": slapd.url, **overrides}))
        return await aiohttp_client(server)

    return make


async def ldap_login(client, user: str, password: str, **extra):
    return await client.post(
        "/auth/login", json={"type": "ldap", "user": user, "password": password, **extra}
    )


async def test_a_lecturer_logs_in_and_creates_a_session(ldap_client, db):
    client = await ldap_client()
    response = await ldap_login(client, PROF.uid, PROF.password)
    assert response.status == 200, await response.text()
    assert await response.json() == {"username": "prof", "type": "ldap"}
    assert PROF.password not in str(response.headers)
    assert await (await client.get("/auth/")).json() == {"username": "prof", "type": "ldap"}
    stored = await db.logins.find_one({"username": "prof"})
    assert stored["type"] == "ldap" and stored["role"] == LECTURER
    assert PROF.password not in str(stored)
    assert (await client.post("/session/", json={"name": "Physics"})).status == 201


async def test_a_student_logs_in_but_may_not_create_sessions(ldap_client, db):
    client = await ldap_client()
    assert (await ldap_login(client, KIM.uid, KIM.password)).status == 200
    assert (await db.logins.find_one({"username": "kim"}))["role"] == STUDENT
    response = await client.post("/session/", json={"name": "Physics"})
    await expect_error(response, 403, "lecturer-role-required")


async def test_the_user_name_is_the_directorys_not_what_was_typed(ldap_client):
    client = await ldap_client()
    response = await ldap_login(client, " PROF ", PROF.password)
    assert (await response.json())["username"] == "prof"


async def test_a_name_with_filter_characters_is_looked_up_literally(ldap_client, db):
    client = await ldap_client()
    response = await ldap_login(client, SPECIAL.uid, SPECIAL.password)
    assert response.status == 200, await response.text()
    assert (await response.json())["username"] == SPECIAL.uid
    # Its DN (with ë, ü and a space) is looked up escaped in the group as well.
    assert (await db.logins.find_one({"username": SPECIAL.uid}))["role"] == LECTURER


async def test_without_a_role_mapping_the_login_carries_no_role(ldap_client, db):
    client = await ldap_client(lecturer_group=None)
    assert (await ldap_login(client, KIM.uid, KIM.password)).status == 200
    assert (await db.logins.find_one({"username": "kim"}))["role"] is None
    assert (await client.post("/session/", json={"name": "Physics"})).status == 201


async def test_lecturers_by_a_filter_on_their_entry(ldap_client, db):
    client = await ldap_client(lecturer_group=None, lecturer_filter="(employeeType=staff)")
    assert (await ldap_login(client, PROF.uid, PROF.password)).status == 200
    assert (await ldap_login(client, SPECIAL.uid, SPECIAL.password)).status == 200
    assert (await db.logins.find_one({"username": "prof"}))["role"] == LECTURER
    assert (await db.logins.find_one({"username": SPECIAL.uid}))["role"] == STUDENT


async def test_an_active_directory_style_filter_and_attribute(ldap_client):
    """Another user filter and the name from another attribute (AD: sAMAccountName)."""
    client = await ldap_client(
        user_filter="(&(objectClass=inetOrgPerson)(|(uid={user})(mail={user})))",
        user_attribute="uid",
        search_base=SUFFIX,
    )
    response = await ldap_login(client, "person0@example.org", PROF.password)
    assert (await response.json())["username"] == "prof"


@pytest.mark.parametrize(
    ("user", "password"),
    [
        (PROF.uid, "wrong"),  # a wrong password
        (PROF.uid, PROF.password + " "),
        (PROF.uid, " "),  # a password of a space is a password, and a wrong one
        ("nobody", PROF.password),  # an unknown user: the same answer
        ("*", PROF.password),  # filter injection: every entry (several: refused anyway)
        ("pro*", PROF.password),  # … one entry, prof's, if the * were not escaped
        ("*)(uid=*", PROF.password),
        (")(uid=*", PROF.password),
        ("prof)(|(uid=*", PROF.password),
        ("x)(|(objectClass=*)(uid=prof", PROF.password),
        ("prof\x00", PROF.password),
        ("prof\\2a", PROF.password),
        (SPECIAL.uid[:8], SPECIAL.password),  # "o'hara(*": a prefix of a real name
        (TWINS[0].uid, TWINS[0].password),  # two entries found: neither logs in
        (PROF.dn, PROF.password),  # a DN is not a user name here
    ],
)
async def test_wrong_credentials_are_refused_alike(ldap_client, user, password):
    client = await ldap_client()
    response = await ldap_login(client, user, password)
    await expect_error(response, 401, "wrong-credentials")
    assert COOKIE_NAME not in response.cookies
    await expect_error(await client.get("/auth/"), 401, "login-required")


async def test_an_empty_password_never_binds(ldap_client, slapd):
    """To a directory, a DN with an empty password is an anonymous bind that succeeds."""
    client = await ldap_client()
    response = await ldap_login(client, PROF.uid, "")
    await expect_error(response, 400, "validation-failed")  # the schema refuses it first
    provider = client.server.app[providers_key]["ldap"]
    for user, password in ((PROF.uid, ""), ("", PROF.password), (PROF.uid, "\udc80")):
        with pytest.raises(Unauthorized) as refused:
            await provider.authenticate(None, user, password)
        assert refused.value.code == "wrong-credentials"
    await expect_error(await client.get("/auth/"), 401, "login-required")


@pytest.mark.parametrize("person", [GUEST_LOOKALIKE, SERVICE_LOOKALIKE])
async def test_directory_names_of_guests_or_service_accounts_are_refused(
    ldap_client, person, caplog
):
    client = await ldap_client()
    with caplog.at_level(logging.INFO):
        response = await ldap_login(client, person.uid, person.password)
    await expect_error(response, 403, "username-not-allowed")
    assert COOKIE_NAME not in response.cookies
    assert "reserved" in caplog.text and person.uid not in caplog.text  # no names in the log


async def test_a_guest_keeps_its_sessions_when_signing_in(ldap_client, db):
    client = await ldap_client()
    await client.get("/auth/login", params={"type": "guest"})
    created = await client.post("/session/", json={"name": "Tried as a guest"})
    keyword = (await created.json())["keyword"]
    response = await ldap_login(client, PROF.uid, PROF.password, keepGuestSessions=True)
    assert response.status == 200
    assert (await db.sessions.find_one({"keyword": keyword}))["creator"] == "prof"


async def test_configuration_offers_ldap_with_its_label(ldap_client):
    client = await ldap_client()
    body = await (await client.get("/configuration/")).json()
    assert body["loginTypes"] == ["guest", "ldap"]
    assert client.server.app[providers_key]["ldap"].label == "Example University"


async def test_a_refused_service_account_is_a_directory_error_not_the_users(ldap_client, caplog):
    client = await ldap_client(bind_password="not-the-service-password")
    with caplog.at_level(logging.ERROR, logger="arsnova.ldap"):
        response = await ldap_login(client, PROF.uid, PROF.password)
    await expect_error(response, 503, "directory-unavailable")
    assert "ARSNOVA_LDAP_BIND_PASSWORD" in caplog.text
    assert "not-the-service-password" not in caplog.text


async def test_a_search_base_that_does_not_exist_is_logged(ldap_client, caplog):
    client = await ldap_client(search_base="ou=nowhere,dc=example,dc=org")
    with caplog.at_level(logging.ERROR, logger="arsnova.ldap"):
        response = await ldap_login(client, PROF.uid, PROF.password)
    await expect_error(response, 401, "wrong-credentials")
    assert "ARSNOVA_LDAP_SEARCH_BASE" in caplog.text


async def test_passwords_and_names_never_reach_the_logs(ldap_client, caplog):
    client = await ldap_client()
    with caplog.at_level(logging.DEBUG):
        await ldap_login(client, PROF.uid, PROF.password)
        await ldap_login(client, PROF.uid, "wrong-but-secret")
        await ldap_login(client, TWINS[0].uid, TWINS[0].password)
    for secret in (PROF.password, "wrong-but-secret", TWINS[0].password, "service-secret"):
        assert secret not in caplog.text
    info = "\n".join(r.getMessage() for r in caplog.records if r.levelno >= logging.INFO)
    assert "more than one entry" in info
    assert "twin" not in info and "prof" not in info


@pytest.mark.parametrize(
    "body",
    [
        {"type": "ldap", "user": 5, "password": "x"},
        {"type": "ldap", "user": "prof", "password": ["x"]},
        {"type": "ldap", "user": "prof", "password": None},
        {"type": "ldap", "user": "", "password": "x"},
        {"type": "ldap", "user": "p" * 201, "password": "x"},
        {"type": "ldap", "user": "prof", "password": "x" * 1001},
        {"type": "ldap", "user": "prof", "password": "x", "keepGuestSessions": "maybe"},
        {"type": "ldap", "user": "prof", "password": "x", "surprise": 1},
        {"type": "ldap", "user": "\ud800", "password": "x"},  # not UTF-8: nothing to send
        {"type": "ldap", "user": "prof", "password": "\udc80"},
        [],
        "prof",
    ],
)
async def test_bad_input_is_a_clear_4xx(ldap_client, body):
    client = await ldap_client()
    response = await client.post("/auth/login", json=body)
    assert 400 <= response.status < 500, await response.text()
    assert (await response.json())["code"]


async def test_raw_bad_json_is_a_clear_4xx(ldap_client):
    client = await ldap_client()
    for raw in (b'{"type": "ldap", "user": "\\ud800\\udc00\\ud800", "password": "x"}', b"{"):
        response = await client.post(
            "/auth/login", data=raw, headers={"Content-Type": "application/json"}
        )
        assert 400 <= response.status < 500, await response.text()


# TLS: the directory's certificate is checked (the test CA, the address it was made for).


@pytest.mark.parametrize("how", ["starttls", "ldaps"])
async def test_logins_over_tls_with_the_directorys_ca(slapd, ldap_client, how):
    url = slapd.ldaps_url if how == "ldaps" else slapd.url
    client = await ldap_client(url=url, start_tls=how == "starttls", ca_file=slapd.ca_file)
    response = await ldap_login(client, PROF.uid, PROF.password)
    assert response.status == 200, await response.text()


@pytest.mark.parametrize("how", ["starttls", "ldaps"])
async def test_a_certificate_the_server_does_not_trust_is_refused(slapd, ldap_client, how):
    """Without the test CA (the system's CAs only), no password is sent: 503."""
    url = slapd.ldaps_url if how == "ldaps" else slapd.url
    client = await ldap_client(url=url, start_tls=how == "starttls")
    response = await ldap_login(client, PROF.uid, PROF.password)
    await expect_error(response, 503, "directory-unavailable")


async def test_a_certificate_for_another_name_is_refused(slapd, ldap_client, tmp_path):
    """The certificate is for 127.0.0.1 and localhost; 127.0.0.2 is the same server."""
    url = slapd.ldaps_url.replace("127.0.0.1", "127.0.0.2")
    client = await ldap_client(url=url, ca_file=slapd.ca_file)
    response = await ldap_login(client, PROF.uid, PROF.password)
    await expect_error(response, 503, "directory-unavailable")


# A directory that is down.


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts connections (the kernel does) and never answers: a hung directory."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(100)
        yield listener.getsockname()[1]


async def test_an_unreachable_directory_answers_503_at_once(start_server, aiohttp_client):
    server = await start_server(ldap=directory(f"ldap://127.0.0.1:{free_port()}"))
    client = await aiohttp_client(server)
    started = time.monotonic()
    response = await ldap_login(client, PROF.uid, PROF.password)
    body = await expect_error(response, 503, "directory-unavailable")
    assert "guest" in body["message"]
    assert response.headers["Retry-After"]
    assert time.monotonic() - started < 2


async def test_a_hung_directory_blocks_neither_guests_nor_other_requests(
    start_server, aiohttp_client, silent_port
):
    """Logins into a directory that never answers end with 503 after the timeout, more
    of them at once than the provider has threads; guests log in meanwhile, promptly."""
    timeout = 3
    server = await start_server(ldap=directory(f"ldap://127.0.0.1:{silent_port}", timeout=timeout))
    lecturers = [await aiohttp_client(server) for _ in range(12)]
    guests = [await aiohttp_client(server) for _ in range(10)]

    async def timed(coroutine):
        started = time.monotonic()
        response = await coroutine
        await response.read()
        return response, time.monotonic() - started

    started = time.monotonic()
    ldap_logins = [
        asyncio.create_task(timed(ldap_login(client, PROF.uid, PROF.password)))
        for client in lecturers
    ]
    await asyncio.sleep(0.2)  # the LDAP logins wait for the directory now
    guest_logins = await asyncio.gather(
        *(timed(client.get("/auth/login", params={"type": "guest"})) for client in guests)
    )
    assert not any(task.done() for task in ldap_logins)
    for response, took in guest_logins:
        assert response.status == 200
        assert took < 2.5
    health = await guests[0].get("/healthz")
    assert health.status == 200
    for response, _ in await asyncio.gather(*ldap_logins):
        await expect_error(response, 503, "directory-unavailable")
    # 12 logins, 8 threads: the last wait for a thread, then their own timeout.
    assert time.monotonic() - started < 6 * timeout + 2


async def test_logins_work_again_when_the_directory_is_back(slapd, ldap_client):
    client = await ldap_client()
    slapd.stop()
    try:
        response = await ldap_login(client, PROF.uid, PROF.password)
        await expect_error(response, 503, "directory-unavailable")
    finally:
        slapd.run()
    assert (await ldap_login(client, PROF.uid, PROF.password)).status == 200
