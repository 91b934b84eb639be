"""Single sign-on with OpenID Connect against a real provider (oidc-provider, npm, on loopback).

The person's part at the provider (its sign-in form) is done by
`tests.openid.sign_in_at_provider`; everything else is the server under test
talking to the provider: discovery, the code exchange, keys, userinfo.
"""

from __future__ import annotations

import logging
import re
import time
from urllib.parse import parse_qs, urlsplit

import pytest
from joserfc import jwt
from joserfc.jwk import OctKey, RSAKey

from arsnova.auth import COOKIE_NAME
from arsnova.errors import ArsnovaError
from arsnova.keys import providers_key
from arsnova.oidc import BINDING_COOKIE
from tests.conftest import expect_error
from tests.openid import (
    CLIENT_ID,
    CLIENT_SECRET,
    ID_TOKEN_TTL,
    OTHER_ID,
    abort_at_provider,
    free_port,
    oidc_values,
    sign_in_at_provider,
)

pytestmark = pytest.mark.usefixtures("oidc_provider")

SIGN_IN = {"type": "oidc", "successurl": "/lecturer/", "failureurl": "/?login=again"}


@pytest.fixture
async def client(aiohttp_client, oidc_server):
    return await aiohttp_client(oidc_server)


async def start(client, **params) -> str:
    """`GET /auth/login?type=oidc…`: the provider's authorization URL it redirects to."""
    query = {name: value for name, value in {**SIGN_IN, **params}.items() if value is not None}
    response = await client.get("/auth/login", params=query, allow_redirects=False)
    assert response.status == 302, await response.text()
    return response.headers["Location"]


async def come_back(client, callback_url: str):
    """The browser arriving at the callback (path and query of the provider's redirect)."""
    parts = urlsplit(callback_url)
    return await client.get(f"{parts.path}?{parts.query}", allow_redirects=False)


async def sign_in(client, account: str, **params):
    authorize = await start(client, **params)
    return await come_back(client, await sign_in_at_provider(authorize, account))


def failure_code(response) -> str:
    assert response.status == 302, response.status
    location = urlsplit(response.headers["Location"])
    assert location.path == "/"
    return parse_qs(location.query)["error"][0]


async def test_the_redirect_to_the_provider_carries_pkce_state_and_nonce(client, oidc_provider):
    listed = await (await client.get("/configuration/")).json()
    assert listed["loginTypes"] == ["guest", "oidc"]
    response = await client.get("/auth/login", params=SIGN_IN, allow_redirects=False)
    location = urlsplit(response.headers["Location"])
    assert location.netloc == f"127.0.0.1:{oidc_provider.port}"
    query = {name: values[0] for name, values in parse_qs(location.query).items()}
    assert query["client_id"] == CLIENT_ID and query["response_type"] == "code"
    assert query["code_challenge_method"] == "S256" and len(query["code_challenge"]) == 43
    assert len(query["state"]) >= 43 and len(query["nonce"]) >= 43
    assert query["redirect_uri"] == str(client.make_url("/auth/oidc/callback"))
    assert CLIENT_SECRET not in str(response.headers)
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith(f"{BINDING_COOKIE}=") and "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie and "Path=/auth/oidc/" in cookie
    assert COOKIE_NAME not in response.cookies  # no login before the provider says who it is


async def test_a_lecturer_signs_in_and_creates_a_session(client, db):
    response = await sign_in(client, "alice")
    assert response.status == 302 and response.headers["Location"] == "/lecturer/"
    assert await (await client.get("/auth/")).json() == {"username": "alice", "type": "oidc"}
    assert (await client.post("/session/", json={"name": "Physics"})).status == 201
    login = await db.logins.find_one({"username": "alice"})
    assert login["type"] == "oidc" and login["role"] == "lecturer"
    assert await db.oidc_logins.count_documents({}) == 0  # used up


async def test_a_student_may_not_create_sessions(client):
    assert (await sign_in(client, "bob")).status == 302
    assert (await (await client.get("/auth/")).json())["username"] == "bob"
    response = await client.post("/session/", json={"name": "Physics"})
    await expect_error(response, 403, "lecturer-role-required")


@pytest.mark.parametrize("keep", [True, False])
async def test_a_guest_who_signs_in_may_keep_its_sessions(client, keep):
    await client.get("/auth/login", params={"type": "guest"})
    keyword = (await (await client.post("/session/", json={"name": "Tried"})).json())["keyword"]
    extra = {"keepguest": "1"} if keep else {}
    assert (await sign_in(client, "alice", **extra)).status == 302
    owned = await (await client.get("/session/", params={"ownedonly": "true"})).json()
    assert [session["keyword"] for session in owned] == ([keyword] if keep else [])


async def test_without_redirect_urls_the_callback_answers_json(client):
    authorize = await start(client, successurl=None, failureurl=None)
    response = await come_back(client, await sign_in_at_provider(authorize, "alice"))
    assert response.status == 200
    assert await response.json() == {"username": "alice", "type": "oidc"}


async def test_a_callback_works_once(client):
    callback = await sign_in_at_provider(await start(client), "alice")
    assert (await come_back(client, callback)).status == 302
    await expect_error(await come_back(client, callback), 400, "oidc-state-invalid")


async def test_a_callback_in_another_browser_is_refused(client, aiohttp_client, oidc_server):
    callback = await sign_in_at_provider(await start(client), "alice")
    stranger = await aiohttp_client(oidc_server)
    await expect_error(await come_back(stranger, callback), 400, "oidc-state-invalid")
    assert (await stranger.get("/auth/")).status == 401
    # The stranger's try used nothing up: the browser that started it still signs in.
    assert (await come_back(client, callback)).status == 302


@pytest.mark.parametrize(
    "query",
    [
        "state=forged&code=abc",
        "code=abc",
        "state=" + "x" * 5000,
        "state=%FF%FE&code=%00",
        "state=a&state=b&error=access_denied",
        "",
    ],
)
async def test_forged_or_garbage_callbacks_are_clear_400s(client, query):
    await start(client)
    response = await client.get(f"/auth/oidc/callback?{query}", allow_redirects=False)
    assert response.status == 400, await response.text()
    assert (await response.json())["code"] in ("oidc-state-invalid", "validation-failed")


async def test_a_replayed_code_is_refused(client):
    first = parse_qs(urlsplit(await sign_in_at_provider(await start(client), "alice")).query)
    again = await sign_in_at_provider(await start(client), "alice")
    assert (await come_back(client, again)).status == 302  # the second code was fine
    await client.get("/auth/logout")
    state = parse_qs(urlsplit(await start(client)).query)["state"][0]
    # The first code (already spent? no: never spent, but bound to another PKCE verifier),
    # then a spent code, each with a fresh state of this browser.
    for code in (first["code"][0], parse_qs(urlsplit(again).query)["code"][0]):
        response = await client.get(
            "/auth/oidc/callback", params={"state": state, "code": code}, allow_redirects=False
        )
        assert failure_code(response) == "oidc-code-invalid"
        state = parse_qs(urlsplit(await start(client)).query)["state"][0]
    assert (await client.get("/auth/")).status == 401


async def test_an_expired_id_token_is_refused(client, clock):
    callback = await sign_in_at_provider(await start(client), "alice")
    clock.advance(ID_TOKEN_TTL + 120)  # the token is issued now, but checked "later"
    response = await come_back(client, callback)
    assert failure_code(response) == "oidc-token-invalid"
    assert (await client.get("/auth/")).status == 401


async def test_cancelling_at_the_provider_says_so(client):
    response = await come_back(client, await abort_at_provider(await start(client)))
    assert failure_code(response) == "oidc-login-denied"


@pytest.mark.parametrize(
    ("account", "code"),
    [("sneaky", "oidc-username-not-allowed"), ("nameless", "oidc-username-missing")],
)
async def test_names_that_are_not_ours_to_give_are_refused(client, account, code):
    assert failure_code(await sign_in(client, account)) == code
    assert (await client.get("/auth/")).status == 401


async def test_a_provider_that_goes_down_mid_sign_in(client, oidc_provider):
    callback = await sign_in_at_provider(await start(client), "alice")
    oidc_provider.stop()
    assert failure_code(await come_back(client, callback)) == "oidc-provider-unreachable"


async def test_a_provider_that_is_down_from_the_start(aiohttp_client, settings_with):
    from arsnova.app import create_app

    app = create_app(settings_with(**oidc_values(f"http://127.0.0.1:{free_port()}")))
    client = await aiohttp_client(app)
    response = await client.get("/auth/login", params=SIGN_IN, allow_redirects=False)
    assert failure_code(response) == "oidc-provider-unreachable"
    response = await client.get("/auth/login", params={"type": "oidc"})
    await expect_error(response, 503, "oidc-provider-unreachable")


async def test_without_oidc_configured_the_callback_is_a_clear_400(client_of_plain_app):
    response = await client_of_plain_app.get("/auth/oidc/callback", params={"state": "s"})
    await expect_error(response, 400, "login-type-not-configured")


@pytest.fixture
async def client_of_plain_app(aiohttp_client, server):
    return await aiohttp_client(server)


# ID tokens the provider's real keys (or others) signed: what the code exchange could bring.


class FromNow(int):
    """A time claim as seconds from when the token is made (not from collection time: the
    suite runs for many minutes)."""


def claims_for(oidc_provider, **changes) -> dict:
    moment = int(time.time())
    claims = {"iss": oidc_provider.issuer, "sub": "alice", "aud": CLIENT_ID, "nonce": "n0nce",
              "iat": moment, "exp": moment + 60}  # fmt: skip
    claims.update({
        name: moment + value if isinstance(value, FromNow) else value
        for name, value in changes.items()
    })  # fmt: skip
    return {name: value for name, value in claims.items() if value is not None}


@pytest.mark.parametrize(
    ("changes", "key", "reason"),
    [
        ({"aud": OTHER_ID}, "provider", "aud"),
        ({"aud": [CLIENT_ID, OTHER_ID]}, "provider", "authorized party"),
        ({"iss": "http://127.0.0.1:1"}, "provider", "iss"),
        ({"nonce": "another"}, "provider", "nonce"),
        ({"nonce": None}, "provider", "nonce"),
        ({"exp": FromNow(-600)}, "provider", "expired"),
        ({"iat": FromNow(3600)}, "provider", "future|not valid yet"),
        ({"iat": FromNow(-3600), "exp": FromNow(60)}, "provider", "long ago"),
        ({}, "stranger", "signature"),
        ({}, "client secret", "algorithm"),
    ],
)
async def test_id_tokens_that_do_not_hold_are_refused(
    client, oidc_server, oidc_provider, changes, key, reason
):
    provider = oidc_server.app[providers_key]["oidc"]
    claims = claims_for(oidc_provider, **changes)
    if key == "client secret":  # HS256 keyed with the secret: not accepted from anyone
        token = jwt.encode({"alg": "HS256"}, claims, OctKey.import_key(CLIENT_SECRET))
    else:
        signer = oidc_provider.key
        if key == "stranger":  # the provider's key id, another key
            signer = RSAKey.generate_key(2048, parameters={"kid": "test-1"})
        token = jwt.encode({"alg": "RS256", "kid": "test-1"}, claims, signer)
    with pytest.raises(ArsnovaError) as refused:
        await provider.validated_claims(token, "n0nce")
    assert refused.value.code == "oidc-token-invalid"
    assert re.search(reason, refused.value.message.replace("_", " ")), refused.value.message


async def test_a_token_the_provider_signed_for_us_holds(oidc_server, oidc_provider):
    provider = oidc_server.app[providers_key]["oidc"]
    token = jwt.encode(
        {"alg": "RS256", "kid": "test-1"}, claims_for(oidc_provider), oidc_provider.key
    )
    claims = await provider.validated_claims(token, "n0nce")
    assert claims["sub"] == "alice"


@pytest.mark.parametrize(
    ("extra", "code"),
    [
        ({"code": "abc", "iss": "https://evil.example"}, "oidc-issuer-mismatch"),
        ({"error": "server_error", "error_description": "boom"}, "oidc-provider-error"),
        ({"error": "<script>alert(1)</script>"}, "oidc-provider-error"),
        ({"error": "access_denied"}, "oidc-login-denied"),
        ({}, "oidc-no-code"),
    ],
)
async def test_odd_answers_from_the_provider_go_to_the_failureurl(client, extra, code):
    state = parse_qs(urlsplit(await start(client)).query)["state"][0]
    response = await client.get(
        "/auth/oidc/callback", params={"state": state, **extra}, allow_redirects=False
    )
    assert failure_code(response) == code
    assert "script" not in response.headers["Location"]


async def test_secrets_stay_secret(client, db, caplog):
    caplog.set_level(logging.INFO)  # DEBUG has the driver echo every command
    authorize = await start(client)
    sent = {name: values[0] for name, values in parse_qs(urlsplit(authorize).query).items()}
    binding = client.session.cookie_jar.filter_cookies(client.make_url("/auth/oidc/"))
    stored = str(await db.oidc_logins.find_one({}))
    assert sent["state"] not in stored and binding[BINDING_COOKIE].value not in stored
    callback = await sign_in_at_provider(authorize, "alice")
    code = parse_qs(urlsplit(callback).query)["code"][0]
    response = await come_back(client, callback)
    assert response.status == 302
    assert BINDING_COOKIE in response.cookies and not response.cookies[BINDING_COOKIE].value
    # Not the test server's own access log (aiohttp's format, with the query); the one of
    # `arsnova serve` (arsnova.logs.AccessLogger) logs the path alone.
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name != "aiohttp.access")
    seen = logged + str(response.headers) + str(await db.logins.find_one({}))
    for secret in (CLIENT_SECRET, code, sent["state"], sent["nonce"]):
        assert secret not in seen
