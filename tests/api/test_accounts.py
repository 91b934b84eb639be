"""Accounts (`type=arsnova`) against a real SMTP server (aiosmtpd): the e-mailed links work once,
expire, never tell who is registered; passwords are argon2 hashes; failures are limited."""

from __future__ import annotations

import logging

import pytest
from argon2 import PasswordHasher

from arsnova.app import create_app
from arsnova.identity import COOKIE_NAME
from arsnova.keys import rate_limiter_key
from arsnova.services import accounts
from tests.conftest import expect_error
from tests.mail import body_of, link_in, token_of
from tests.realtime.conftest import connect_to
from tests.realtime.test_login_end import disconnected, on_disconnect

EMAIL = "prof.ada@uni.example"
PASSWORD = "correct horse battery"
NEW_PASSWORD = "staple and more staples"
PUBLIC = "https://arsnova.uni.example"


pytestmark = pytest.mark.usefixtures("cheap_password_hashes")


@pytest.fixture
def settings(settings_with, smtp):
    return settings_with(smtp_url=smtp.url, mail_from="ARSnova <arsnova@uni.example>",
                         public_url=PUBLIC)  # fmt: skip


@pytest.fixture
def new_client(aiohttp_client, server):
    async def make():
        return await aiohttp_client(server)

    return make


async def register(client, email=EMAIL, password=PASSWORD):
    response = await client.post("/auth/register", json={"email": email, "password": password})
    assert response.status == 202, await response.text()
    return await response.json()


async def sign_in(client, email=EMAIL, password=PASSWORD, **extra):
    body = {"type": "arsnova", "user": email, "password": password, **extra}
    return await client.post("/auth/login", json=body)


async def registered(client, smtp, email=EMAIL, password=PASSWORD) -> None:
    """Registers and activates `email` (logged in afterwards)."""
    await register(client, email, password)
    token = token_of(link_in(await smtp.wait_for(email)))
    response = await client.post("/auth/activate", json={"token": token})
    assert response.status == 200, await response.text()


async def test_register_activate_from_the_email_and_sign_in(client, new_client, smtp, db):
    await register(client, "  Prof.Ada@Uni.Example ")
    message = await smtp.wait_for(EMAIL)
    assert message["From"] == "ARSnova <arsnova@uni.example>"
    assert smtp.logins == ["arsnova"]  # the SMTP URL's user and password
    link = link_in(message)
    assert link.startswith(f"{PUBLIC}/account/activate#token=")
    await expect_error(await sign_in(client), 403, "account-not-activated")

    response = await client.post("/auth/activate", json={"token": token_of(link)})
    assert response.status == 200
    assert await response.json() == {"username": EMAIL, "type": "arsnova"}
    assert (await (await client.get("/auth/")).json())["type"] == "arsnova"
    again = await client.post("/auth/activate", json={"token": token_of(link)})
    await expect_error(again, 404, "link-invalid")

    other = await new_client()
    response = await sign_in(other, "PROF.ADA@uni.example")
    assert response.status == 200
    assert await response.json() == {"username": EMAIL, "type": "arsnova"}
    assert (await other.post("/session/", json={"name": "Physics"})).status == 201
    stored = await db.accounts.find_one({"email": EMAIL})
    assert stored["password_hash"].startswith("$argon2id$")
    assert PASSWORD not in str(stored)
    tokens = await db.account_tokens.find().to_list(None)
    assert token_of(link) not in str(tokens)


async def test_wrong_password_and_unknown_address_look_alike(client, smtp):
    await registered(client, smtp)
    wrong = await expect_error(await sign_in(client, password="wrong password"), 401,
                               "wrong-credentials")  # fmt: skip
    unknown = await expect_error(await sign_in(client, "nobody@uni.example"), 401,
                                 "wrong-credentials")  # fmt: skip
    not_email = await expect_error(await sign_in(client, "GuestABC"), 401, "wrong-credentials")
    assert wrong["message"] == unknown["message"] == not_email["message"]


async def test_registering_a_taken_address_answers_alike_and_tells_its_owner(
    client, new_client, smtp
):
    await registered(client, smtp)
    intruder = await new_client()
    second = await register(intruder, EMAIL, "the intruders password")
    fresh = await register(intruder, "someone.new@uni.example")
    assert second == fresh
    note = await smtp.wait_for(EMAIL, 2)
    assert "has an account already" in body_of(note)
    assert "/account/reset#token=" in link_in(note)
    await expect_error(await sign_in(intruder, password="the intruders password"), 401,
                       "wrong-credentials")  # fmt: skip
    assert (await sign_in(intruder)).status == 200


async def test_a_reset_of_an_unknown_address_answers_alike_and_sends_nothing(client, smtp):
    await registered(client, smtp)
    known = await client.post("/auth/reset", json={"email": EMAIL})
    unknown = await client.post("/auth/reset", json={"email": "nobody@uni.example"})
    assert known.status == unknown.status == 202
    assert await known.json() == await unknown.json()
    await smtp.wait_for(EMAIL, 2)
    assert smtp.to("nobody@uni.example") == []


async def test_an_activation_link_of_registration_b_activates_bs_password(client, new_client, smtp):
    """Someone registering another's address cannot make the link the owner opens theirs."""
    await register(client, EMAIL, PASSWORD)
    first = token_of(link_in(await smtp.wait_for(EMAIL)))
    await register(await new_client(), EMAIL, "an intruders password")
    await smtp.wait_for(EMAIL, 2)
    assert (await client.post("/auth/activate", json={"token": first})).status == 200
    assert (await sign_in(await new_client())).status == 200
    await expect_error(await sign_in(await new_client(), password="an intruders password"), 401,
                       "wrong-credentials")  # fmt: skip


async def test_links_expire(client, smtp, clock):
    await register(client)
    activation = token_of(link_in(await smtp.wait_for(EMAIL)))
    clock.advance(accounts.ACTIVATION_TTL.total_seconds() + 1)
    await expect_error(await client.post("/auth/activate", json={"token": activation}), 404,
                       "link-invalid")  # fmt: skip
    await client.post("/auth/reset", json={"email": EMAIL})
    reset = token_of(link_in(await smtp.wait_for(EMAIL, 2)))
    clock.advance(accounts.RESET_TTL.total_seconds() + 1)
    body = {"token": reset, "password": NEW_PASSWORD}
    await expect_error(await client.post("/auth/reset/confirm", json=body), 404, "link-invalid")


async def test_reset_sets_a_new_password_once_and_ends_the_accounts_logins(
    client, new_client, smtp
):
    await registered(client, smtp)
    await client.post("/auth/reset", json={"email": EMAIL})
    token = token_of(link_in(await smtp.wait_for(EMAIL, 2)))
    short = await client.post("/auth/reset/confirm", json={"token": token, "password": "short"})
    await expect_error(short, 400, "password-too-short")
    body = {"token": token, "password": NEW_PASSWORD}
    assert (await client.post("/auth/reset/confirm", json=body)).status == 204
    await expect_error(await client.get("/auth/"), 401, "login-required")
    await expect_error(await client.post("/auth/reset/confirm", json=body), 404, "link-invalid")
    await expect_error(await sign_in(client), 401, "wrong-credentials")
    assert (await sign_in(client, password=NEW_PASSWORD)).status == 200


async def test_a_reset_activates_an_account_whose_activation_mail_was_lost(client, smtp):
    await register(client)
    await smtp.wait_for(EMAIL)
    await client.post("/auth/reset", json={"email": EMAIL})
    token = token_of(link_in(await smtp.wait_for(EMAIL, 2)))
    body = {"token": token, "password": NEW_PASSWORD}
    assert (await client.post("/auth/reset/confirm", json=body)).status == 204
    assert (await sign_in(client, password=NEW_PASSWORD)).status == 200


async def test_change_password_needs_the_old_one_and_ends_other_logins(client, new_client, smtp):
    await registered(client, smtp)
    elsewhere = await new_client()
    assert (await sign_in(elsewhere)).status == 200
    wrong = {"oldPassword": "not the password", "newPassword": NEW_PASSWORD}
    await expect_error(await client.post("/auth/password", json=wrong), 403, "wrong-password")
    short = {"oldPassword": PASSWORD, "newPassword": "short"}
    await expect_error(await client.post("/auth/password", json=short), 400,
                       "password-too-short")  # fmt: skip
    body = {"oldPassword": PASSWORD, "newPassword": NEW_PASSWORD}
    assert (await client.post("/auth/password", json=body)).status == 204
    assert (await client.get("/auth/")).status == 200
    await expect_error(await elsewhere.get("/auth/"), 401, "login-required")
    await expect_error(await sign_in(elsewhere), 401, "wrong-credentials")
    assert (await sign_in(elsewhere, password=NEW_PASSWORD)).status == 200


async def test_only_an_account_has_a_password_to_change_or_delete(login):
    guest = await login()
    body = {"oldPassword": PASSWORD, "newPassword": NEW_PASSWORD}
    await expect_error(await guest.post("/auth/password", json=body), 403, "account-required")
    response = await guest.delete("/auth/account", json={"password": PASSWORD})
    await expect_error(response, 403, "account-required")


async def test_deleting_the_account_deletes_its_sessions_and_ends_its_logins(
    client, new_client, server, smtp, login, db
):
    await registered(client, smtp)
    created = await client.post("/session/", json={"name": "Physics"})
    keyword = (await created.json())["keyword"]
    question = {"questionType": "yesno", "subject": "s", "text": "t"}
    assert (await client.post(f"/session/{keyword}/lecturerquestion/", json=question)).status == 201
    student = await login()
    assert (await student.get(f"/session/{keyword}")).status == 200
    other_lecture = await (await student.post("/session/", json={"name": "Other"})).json()
    assert (await client.get(f"/session/{other_lecture['keyword']}")).status == 200
    elsewhere = await new_client()
    assert (await sign_in(elsewhere)).status == 200
    socket = await connect_to(server, elsewhere)
    gone = on_disconnect(socket)
    try:
        wrong = await client.delete("/auth/account", json={"password": "not the password"})
        await expect_error(wrong, 403, "wrong-password")
        response = await client.delete("/auth/account", json={"password": PASSWORD})
        assert response.status == 204
        assert response.cookies[COOKIE_NAME].value == ""
        await disconnected(gone)
    finally:
        await socket.disconnect()
    await expect_error(await elsewhere.get("/auth/"), 401, "login-required")
    await expect_error(await student.get(f"/session/{keyword}"), 404, "session-not-found")
    assert await db.questions.count_documents({}) == 0
    assert await db.accounts.count_documents({}) == 0
    assert await db.account_tokens.count_documents({}) == 0
    assert await db.session_visits.count_documents({"user": EMAIL}) == 0
    await expect_error(await sign_in(client), 401, "wrong-credentials")


async def test_a_guest_who_activates_or_signs_in_keeps_the_guests_sessions(login, new_client, smtp):
    guest = await login()
    made = await guest.post("/session/", json={"name": "Made as a guest"})
    keyword = (await made.json())["keyword"]
    await register(guest)
    token = token_of(link_in(await smtp.wait_for(EMAIL)))
    body = {"token": token, "keepGuestSessions": True}
    assert (await guest.post("/auth/activate", json=body)).status == 200
    owned = await (await guest.get("/session/?ownedonly=true")).json()
    assert [session["keyword"] for session in owned] == [keyword]

    second_guest = await login()
    made = await second_guest.post("/session/", json={"name": "Also as a guest"})
    second = (await made.json())["keyword"]
    assert (await sign_in(second_guest, keepGuestSessions=True)).status == 200
    owned = await (await second_guest.get("/session/?ownedonly=true")).json()
    assert sorted(session["keyword"] for session in owned) == sorted([keyword, second])


async def test_a_hash_with_old_parameters_is_replaced_at_login(client, smtp, db, monkeypatch):
    await registered(client, smtp)
    before = (await db.accounts.find_one({"email": EMAIL}))["password_hash"]
    assert "m=64,t=1" in before
    monkeypatch.setattr(accounts, "hasher", PasswordHasher(time_cost=2, memory_cost=128))
    assert (await sign_in(client)).status == 200
    after = (await db.accounts.find_one({"email": EMAIL}))["password_hash"]
    assert "m=128,t=2" in after
    assert (await sign_in(client)).status == 200


async def test_passwords_and_tokens_never_reach_the_log(client, smtp, caplog):
    caplog.set_level(logging.DEBUG)
    await registered(client, smtp)
    await sign_in(client, password="a wrong password")
    await client.post("/auth/reset", json={"email": EMAIL})
    token = token_of(link_in(await smtp.wait_for(EMAIL, 2)))
    await client.post("/auth/reset/confirm", json={"token": token, "password": NEW_PASSWORD})
    logged = caplog.text
    for secret in (PASSWORD, "a wrong password", NEW_PASSWORD, token):
        assert secret not in logged


async def test_mail_that_cannot_be_sent_changes_no_answer(aiohttp_client, settings_with, caplog):
    from tests.conftest import free_port

    dead = f"smtp://127.0.0.1:{free_port()}"
    app = create_app(settings_with(smtp_url=dead, mail_from="arsnova@uni.example"))
    client = await aiohttp_client(app)
    await register(client)
    await app[accounts.mailer_key].close()
    assert "e-mail to an address at uni.example not sent" in caplog.text
    assert "token=" not in caplog.text


@pytest.mark.parametrize(
    ("path", "body", "code"),
    [
        ("/auth/register", {"email": "not an address", "password": PASSWORD}, "invalid-email"),
        ("/auth/register", {"email": "a@b", "password": PASSWORD}, "invalid-email"),
        ("/auth/register", {"email": EMAIL, "password": "short"}, "password-too-short"),
        ("/auth/register", {"email": EMAIL}, "validation-failed"),
        ("/auth/register", {"email": 5, "password": PASSWORD}, "validation-failed"),
        ("/auth/register", {"email": "x" * 400 + "@a.de", "password": PASSWORD},
         "validation-failed"),
        ("/auth/register", {"email": "a\ud800@b.de", "password": PASSWORD},
         "validation-failed"),
        ("/auth/register", {"email": "a@b.de\nBcc: x@y.de", "password": PASSWORD},
         "invalid-email"),
        ("/auth/register", {"email": EMAIL, "password": PASSWORD, "admin": True},
         "validation-failed"),
        ("/auth/register", [EMAIL], "validation-failed"),
        ("/auth/activate", {"token": ""}, "validation-failed"),
        ("/auth/activate", {"token": "x" * 129}, "validation-failed"),
        ("/auth/activate", {"token": "nonsense", "keepGuestSessions": "yes"},
         "validation-failed"),
        ("/auth/activate", {"token": "\ud800"}, "validation-failed"),
        ("/auth/activate", {"token": "nonsense"}, "link-invalid"),
        ("/auth/reset", {"email": None}, "validation-failed"),
        ("/auth/reset", {"email": "@"}, "invalid-email"),
        ("/auth/reset/confirm", {"token": "nonsense", "password": NEW_PASSWORD}, "link-invalid"),
        ("/auth/reset/confirm", {"token": "nonsense"}, "validation-failed"),
        ("/auth/login", {"type": "arsnova", "user": "x" * 201, "password": "p"},
         "validation-failed"),
        ("/auth/login", {"type": "arsnova", "user": "\ud800", "password": "p"},
         "validation-failed"),
    ],
)  # fmt: skip
async def test_bad_input_gets_a_clear_4xx(client, path, body, code):
    response = await client.post(path, json=body)
    assert 400 <= response.status < 500
    assert (await response.json())["code"] == code


async def test_bad_bodies_of_an_accounts_own_routes_get_a_clear_4xx(client, smtp):
    await registered(client, smtp)
    unstorable = {  # each route's own fields, so that only the text can be what is refused
        "/auth/password": {"oldPassword": "\ud800", "newPassword": "\ud800"},
        "/auth/account": {"password": "\ud800"},
    }
    for method, path in (("POST", "/auth/password"), ("DELETE", "/auth/account")):
        response = await client.request(method, path, json=unstorable[path])
        body = await expect_error(response, 400, "validation-failed")
        assert set(body["errors"]) == set(unstorable[path]), body
        for body in ({}, {"password": 1}, {"oldPassword": None, "newPassword": ""}, "x" * 10):
            response = await client.request(method, path, json=body)
            await expect_error(response, 400, "validation-failed")
        response = await client.request(method, path, data=b"{", headers={"Content-Type":
                                        "application/json"})  # fmt: skip
        await expect_error(response, 400, "invalid-json")


async def test_without_smtp_registration_is_closed_and_accounts_are_off(
    aiohttp_client, settings_with
):
    client = await aiohttp_client(create_app(settings_with()))
    body = {"email": EMAIL, "password": PASSWORD}
    await expect_error(await client.post("/auth/register", json=body), 403,
                       "account-registration-closed")  # fmt: skip
    await expect_error(await client.post("/auth/reset", json={"email": EMAIL}), 403,
                       "mail-not-configured")  # fmt: skip
    await expect_error(await sign_in(client), 400, "login-type-not-configured")
    configuration = await (await client.get("/configuration/")).json()
    assert configuration["loginTypes"] == ["guest"]
    assert configuration["registrationOpen"] is False


async def test_accounts_on_without_smtp_log_in_but_do_not_register(
    aiohttp_client, settings_with, db
):
    app = create_app(settings_with(accounts=True))
    client = await aiohttp_client(app)
    configuration = await (await client.get("/configuration/")).json()
    assert configuration["loginTypes"] == ["guest", "arsnova"]
    assert configuration["registrationOpen"] is False
    body = {"email": EMAIL, "password": PASSWORD}
    await expect_error(await client.post("/auth/register", json=body), 403,
                       "account-registration-closed")  # fmt: skip
    await expect_error(await sign_in(client), 401, "wrong-credentials")


async def test_registration_open_with_smtp(client):
    configuration = await (await client.get("/configuration/")).json()
    assert configuration["loginTypes"] == ["guest", "arsnova"]
    assert configuration["registrationOpen"] is True
    assert configuration["loginLabels"] == {}


async def test_login_labels_come_from_the_providers(client):
    class Campus:
        name = "campus"
        label = "University login"

        async def identify(self, request, query):
            raise NotImplementedError

    from arsnova.keys import providers_key

    client.server.app[providers_key]["campus"] = Campus()
    configuration = await (await client.get("/configuration/")).json()
    assert configuration["loginLabels"] == {"campus": "University login"}


@pytest.fixture
async def limited(aiohttp_client, settings_with, smtp):
    app = create_app(settings_with(rate_limits=True, smtp_url=smtp.url,
                                   mail_from="arsnova@uni.example"))  # fmt: skip
    await app[rate_limiter_key].storage.reset()
    return app


async def test_failed_logins_are_limited_per_account(limited, aiohttp_client, smtp):
    client = await aiohttp_client(limited)
    await registered(client, smtp)
    for _ in range(10):
        await expect_error(await sign_in(client, password="wrong password"), 401,
                           "wrong-credentials")  # fmt: skip
    response = await sign_in(client)
    await expect_error(response, 429, "too-many-requests")
    assert int(response.headers["Retry-After"]) > 0
    assert (await sign_in(client, "other@uni.example", "x")).status == 401  # other accounts: on


async def test_failed_logins_are_limited_per_address(limited, aiohttp_client, monkeypatch):
    from limits import parse

    from arsnova import ratelimit

    rule = ratelimit.Rule("password-failure-address", parse("5/15 minutes"), ratelimit.ADDRESS)
    monkeypatch.setattr(accounts, "PASSWORD_FAILURE_ADDRESS", rule)
    client = await aiohttp_client(limited)
    for n in range(5):
        await expect_error(await sign_in(client, f"user{n}@uni.example"), 401, "wrong-credentials")
    await expect_error(await sign_in(client, "user9@uni.example"), 429, "too-many-requests")


async def test_mail_on_request_is_limited_per_recipient(limited, aiohttp_client, smtp):
    client = await aiohttp_client(limited)
    for _ in range(5):
        assert (await client.post("/auth/reset", json={"email": EMAIL})).status == 202
    response = await client.post("/auth/reset", json={"email": EMAIL})
    await expect_error(response, 429, "too-many-requests")
    body = {"email": EMAIL, "password": PASSWORD}
    await expect_error(await client.post("/auth/register", json=body), 429,
                       "too-many-requests")  # fmt: skip


async def test_the_email_speaks_the_browsers_language(client, smtp):
    body = {"email": EMAIL, "password": PASSWORD}
    headers = {"Accept-Language": "de-DE,de;q=0.9,en;q=0.8"}
    assert (await client.post("/auth/register", json=body, headers=headers)).status == 202
    message = await smtp.wait_for(EMAIL)
    assert message["Subject"] == "Aktiviere dein ARSnova-Konto"
    assert "/account/activate#token=" in link_in(message)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://mail.uni.example", ("mail.uni.example", 25, None, None, False, None)),
        ("smtp://u%40x:p%3Aw@mail.uni.example:587?starttls=true",
         ("mail.uni.example", 587, "u@x", "p:w", False, True)),
        ("smtp://127.0.0.1:2525?starttls=false", ("127.0.0.1", 2525, None, None, False, False)),
        ("smtps://u:p@mail.uni.example", ("mail.uni.example", 465, "u", "p", True, None)),
    ],
)  # fmt: skip
def test_the_smtp_url_says_where_and_how(url, expected):
    from arsnova.mail import SmtpServer

    server = SmtpServer.from_url(url)
    assert (server.hostname, server.port, server.username, server.password, server.use_tls,
            server.start_tls) == expected  # fmt: skip


async def test_a_deleted_account_leaves_its_answers_but_not_its_email(client, smtp, login, db):
    """What the account did in others' sessions stays part of their results (the answer, the
    vote, the audience questions), under an alias: its e-mail address is in no document."""
    await registered(client, smtp)
    owner = await login()
    keyword = (await (await owner.post("/session/", json={"name": "Physics"})).json())["keyword"]
    question = {"questionType": "yesno", "subject": "s", "text": "t", "active": True}
    created = await owner.post(f"/session/{keyword}/lecturerquestion/", json=question)
    question_id = (await created.json())["_id"]
    assert (await client.get(f"/session/{keyword}")).status == 200
    answered = await client.post(
        f"/lecturerquestion/{question_id}/answer/", json={"answerText": "yes"}
    )
    assert answered.status == 201, await answered.text()
    voted = await client.post(f"/session/{keyword}/feedback", json=1)
    assert voted.status < 300, await voted.text()
    asked = await client.post(f"/session/{keyword}/interposed/", json={"subject": "s", "text": "t"})
    assert asked.status == 201, await asked.text()
    qa = await client.post(f"/session/{keyword}/qa/questions", json={"text": "Why?"})
    assert qa.status == 201, await qa.text()
    qa_id = (await qa.json())["_id"]
    response = await client.put(f"/session/{keyword}/qa/questions/{qa_id}/vote", json={"value": 1})
    assert response.status == 200, await response.text()
    named = await owner.put(f"/session/{keyword}/qa/settings", json={"moderators": [EMAIL]})
    assert named.status == 200, await named.text()

    response = await client.delete("/auth/account", json={"password": PASSWORD})
    assert response.status == 204

    found = []
    for name in await db.list_collection_names():
        async for document in db[name].find():
            fields = [key for key, value in document.items() if EMAIL in str(value).lower()]
            if fields:
                found.append((name, fields))
    assert found == [], found
    statistics = await owner.get(f"/lecturerquestion/{question_id}/answer/?piround=1")
    assert [a["answerCount"] for a in await statistics.json()] == [1]
    listed = (await (await owner.get(f"/session/{keyword}/qa/questions")).json())["questions"]
    assert sorted((q["text"], q["upvotes"]) for q in listed) == [("Why?", 1), ("t", 0)]
    settings = await (await owner.get(f"/session/{keyword}/qa/settings")).json()
    assert settings["moderators"] == []
