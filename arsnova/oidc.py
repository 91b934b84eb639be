"""Single sign-on with OpenID Connect: the `oidc` login type (a campus IdP, Keycloak, …).

`GET /auth/login?type=oidc` sends the browser to the provider's authorization
endpoint (authorization code flow with PKCE S256, a random `state` and
`nonce`); the provider sends it back to `GET /auth/oidc/callback`, which
exchanges the code (with the client secret) for an ID token and validates it:
signature against the provider's JWKS, issuer, audience (and `azp`), nonce,
expiry and issue time, by joserfc (Authlib's JOSE library), never by hand.

What a login in flight needs (nonce, PKCE verifier, where to go next) stays
on the server (`store/oidc.py`) under the hash of its `state`, bound to the
browser that started it by a short-lived HttpOnly cookie, and is used up by
the first callback: a replayed or forged callback finds nothing. The
provider's metadata (discovery) and keys are cached; keys are fetched again
when a token names one not seen yet (key rotation).

The user name comes from a configured claim (`preferred_username`), from the
ID token or else the userinfo endpoint; a name that looks like a guest's or a
service account's is refused. With a role claim configured (`groups`,
`roles`), a user with one of the lecturer values is a lecturer, anyone else a
student (who may not create sessions). Codes, tokens and the client secret
are never logged.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import logging
import re
import secrets
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import aiohttp
from aiohttp import web
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet
from joserfc.jwt import JWTClaimsRegistry

from arsnova.auth import GUEST_NAME, SERVICE_PREFIX, hash_token, is_safe_redirect
from arsnova.errors import ArsnovaError, BadRequest, Forbidden, Unauthorized
from arsnova.identity import LECTURER, STUDENT, Identity
from arsnova.keys import settings_key, store_key
from arsnova.schemas.auth import LoginQuerySchema
from arsnova.settings import Settings
from arsnova.store.common import now
from arsnova.store.oidc import PendingLogin, expiry
from arsnova.urls import own_origin

log = logging.getLogger(__name__)

CALLBACK_PATH = "/auth/oidc/callback"
BINDING_COOKIE = "ARSNOVA_OIDC"  # binds a login in flight to the browser that started it
BINDING_PATH = "/auth/oidc/"
PENDING_TTL = 600  # seconds a user may take at the provider
HTTP_TIMEOUT = 10.0
DISCOVERY_TTL = 3600.0
KEYS_REFRESH_INTERVAL = 60.0  # at most this often, a token with an unknown key refetches the JWKS
LEEWAY = 60  # seconds of clock skew allowed for exp and iat
MAX_TOKEN_AGE = 600  # an ID token issued longer ago than this is refused
MAX_RESPONSE = 1024 * 1024
MAX_USERNAME = 200
# Asymmetric signatures only: no `none`, no HS* (which would take the client secret as key).
ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512")
DENIED = ("access_denied", "login_required", "consent_required", "interaction_required")
ERROR_CODE = re.compile(r"[A-Za-z0-9_.-]{1,64}")

login_query_schema = LoginQuerySchema()


class ProviderUnreachable(ArsnovaError):
    status = 503
    code = "oidc-provider-unreachable"
    default_message = "The single sign-on provider cannot be reached; try again shortly."


class ProviderFailed(ArsnovaError):
    status = 502
    code = "oidc-provider-error"
    default_message = "The single sign-on provider answered in a way this server cannot use."


def state_invalid() -> BadRequest:
    return BadRequest(
        "This sign-in is unknown, expired, already used or was started in another browser;"
        " start it again.",
        code="oidc-state-invalid",
    )


def token_invalid(reason: str) -> Unauthorized:
    return Unauthorized(
        f"The single sign-on provider's ID token is not valid ({reason}).",
        code="oidc-token-invalid",
    )


class OidcProvider:
    """The `oidc` login type; one per application, holding its HTTP client and caches."""

    name = "oidc"

    def __init__(self, settings: Settings) -> None:
        assert settings.oidc_issuer and settings.oidc_client_id and settings.oidc_client_secret
        self.issuer = settings.oidc_issuer
        self.client_id = settings.oidc_client_id
        self.client_secret = settings.oidc_client_secret
        self.scopes = settings.oidc_scopes
        self.username_claim = settings.oidc_username_claim
        self.role_claim = settings.oidc_role_claim
        self.lecturer_values = settings.oidc_lecturer_values
        self.label = settings.oidc_label
        self._http: aiohttp.ClientSession | None = None
        self._metadata: dict[str, Any] | None = None
        self._metadata_at = 0.0
        self._keys: KeySet | None = None
        self._keys_at = 0.0
        self._lock = asyncio.Lock()

    async def close(self, app: web.Application | None = None) -> None:
        if self._http is not None:
            await self._http.close()
            self._http = None

    # The way out: to the provider.

    async def identify(self, request: web.Request, query: Mapping[str, str]) -> Identity:
        """Never returns: sends the browser to the provider (an HTTPFound with its cookie)."""
        params = login_query_schema.load(dict(query))
        success, failure = params.get("successurl"), params.get("failureurl")
        for url in (success, failure):
            if url is not None and not is_safe_redirect(request, url):
                raise BadRequest("Not a redirect target of this server.", code="invalid-redirect")
        metadata = await self.metadata()
        state, nonce, binding = (secrets.token_urlsafe(32) for _ in range(3))
        verifier = secrets.token_urlsafe(64)
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
        redirect_uri = callback_url(request)
        await request.app[store_key].oidc_logins.create(
            PendingLogin(
                state_hash=hash_token(state),
                binding_hash=hash_token(binding),
                nonce=nonce,
                verifier=verifier,
                redirect_uri=redirect_uri,
                success=success,
                failure=failure,
                keep_guest=params.get("keepguest", False),
                expires_at=expiry(PENDING_TTL),
            )
        )
        target = metadata["authorization_endpoint"]
        separator = "&" if urlsplit(target).query else "?"
        authorize = {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": redirect_uri,
            "scope": " ".join(self.scopes),
            "state": state,
            "nonce": nonce,
            "code_challenge": challenge.rstrip(b"=").decode(),
            "code_challenge_method": "S256",
        }
        response = web.HTTPFound(target + separator + urlencode(authorize))
        response.set_cookie(
            BINDING_COOKIE, binding, max_age=PENDING_TTL, httponly=True, samesite="Lax",
            path=BINDING_PATH, secure=request.secure,
        )  # fmt: skip
        raise response

    # The way back: the callback.

    async def take_pending(self, request: web.Request, state: str) -> PendingLogin:
        """The login in flight of `state` started in this browser, used up; 400 if there is none."""
        binding = request.cookies.get(BINDING_COOKIE)
        if not binding or len(binding) > 128 or len(state) > 128:
            raise state_invalid()
        logins = request.app[store_key].oidc_logins
        pending = await logins.take(hash_token(state), hash_token(binding))
        if pending is None:
            raise state_invalid()
        return pending

    async def finish(
        self, request: web.Request, query: Mapping[str, str], pending: PendingLogin
    ) -> Identity:
        """Who the provider says signed in: the code exchanged, the ID token checked."""
        error = query.get("error")
        if error is not None:
            shown = error if ERROR_CODE.fullmatch(error) else "unknown"
            if shown in DENIED:
                raise Unauthorized(
                    f"The single sign-on provider did not sign you in ({shown}).",
                    code="oidc-login-denied",
                )
            log.warning("OIDC provider returned the error %s", shown)
            raise ProviderFailed(f"The single sign-on provider reported an error ({shown}).")
        issuer = query.get("iss")
        if issuer is not None and issuer != self.issuer:  # RFC 9207: a mix-up of providers
            raise BadRequest(
                "The sign-in came back from another provider.", code="oidc-issuer-mismatch"
            )
        code = query.get("code")
        if not code:
            raise BadRequest("The provider sent neither a code nor an error.", code="oidc-no-code")
        tokens = await self.exchange(code, pending)
        claims = await self.validated_claims(tokens["id_token"], pending["nonce"])
        if self.missing_claims(claims):
            claims = {**await self.userinfo(tokens, claims["sub"]), **claims}
        return Identity(self.username_of(claims), self.name, role=self.role_of(claims))

    async def exchange(self, code: str, pending: PendingLogin) -> dict[str, Any]:
        """The token endpoint's answer to the code (with the PKCE verifier and client secret)."""
        metadata = await self.metadata()
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": pending["redirect_uri"],
            "code_verifier": pending["verifier"],
        }
        # client_secret_basic: id and secret form-encoded first (RFC 6749, 2.3.1).
        credentials = f"{quote(self.client_id, safe='')}:{quote(self.client_secret, safe='')}"
        headers = {
            "Authorization": "Basic " + base64.b64encode(credentials.encode()).decode(),
            "Accept": "application/json",
        }
        endpoint = metadata["token_endpoint"]
        status, body = await self.fetch("POST", endpoint, data=form, headers=headers)
        if status == 400 and isinstance(body, dict) and body.get("error") == "invalid_grant":
            raise Unauthorized(
                "The sign-in code is not valid (used already, or expired); sign in again.",
                code="oidc-code-invalid",
            )
        if status != 200 or not isinstance(body, dict):
            error = body.get("error") if isinstance(body, dict) else None
            shown = error if isinstance(error, str) and ERROR_CODE.fullmatch(error) else status
            log.warning("OIDC token endpoint refused the code: %s", shown)
            raise ProviderFailed(f"The provider refused to issue tokens ({shown}).")
        if not isinstance(body.get("id_token"), str) or len(body["id_token"]) > MAX_RESPONSE:
            raise ProviderFailed("The provider's token response holds no ID token.")
        return body

    async def validated_claims(self, id_token: str, nonce: str) -> dict[str, Any]:
        """The claims of an ID token whose signature, issuer, audience, nonce and times hold."""
        try:
            token = self.decode(id_token, await self.keys())
        except InvalidKeyIdError:  # a key the cached set lacks: the provider rotated its keys?
            try:
                token = self.decode(id_token, await self.keys(refresh=True))
            except InvalidKeyIdError:
                raise token_invalid("signed with an unknown key") from None
        claims = token.claims
        moment = int(now().timestamp())
        registry = JWTClaimsRegistry(
            now=moment,
            leeway=LEEWAY,
            iss={"essential": True, "value": self.issuer},
            sub={"essential": True},
            aud={"essential": True, "value": self.client_id},
            exp={"essential": True},
            iat={"essential": True},
        )
        try:
            registry.validate(claims)
        except JoseError as exc:
            raise token_invalid(f"{exc.error}: {exc.description or ''}".rstrip(": ")) from None
        if claims["iss"] != self.issuer or not isinstance(claims["sub"], str):
            raise token_invalid("issuer")
        audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
        azp = claims.get("azp")
        if (len(audiences) > 1 or azp is not None) and azp != self.client_id:
            raise token_invalid("authorized party")
        if claims["iat"] < moment - MAX_TOKEN_AGE - LEEWAY:
            raise token_invalid("issued too long ago")
        sent = claims.get("nonce")
        if not isinstance(sent, str) or not secrets.compare_digest(sent, nonce):
            raise token_invalid("nonce")
        return claims

    @staticmethod
    def decode(id_token: str, keys: KeySet) -> jwt.Token:
        """The token if its signature holds (InvalidKeyIdError: no key of that id here)."""
        try:
            return jwt.decode(id_token, keys, algorithms=list(ALGORITHMS))
        except InvalidKeyIdError:
            raise
        except JoseError as exc:
            raise token_invalid(exc.error.replace("_", " ")) from None
        except (ValueError, TypeError):
            raise token_invalid("not a signed JWT") from None

    def missing_claims(self, claims: Mapping[str, Any]) -> bool:
        wanted = [self.username_claim, *([self.role_claim] if self.role_claim else [])]
        return any(name not in claims for name in wanted)

    async def userinfo(self, tokens: Mapping[str, Any], subject: str) -> dict[str, Any]:
        """The userinfo endpoint's claims (providers that keep the ID token lean)."""
        endpoint = (await self.metadata()).get("userinfo_endpoint")
        access_token = tokens.get("access_token")
        if not isinstance(endpoint, str) or not isinstance(access_token, str):
            return {}
        headers = {"Authorization": f"Bearer {access_token}", "Accept": "application/json"}
        status, body = await self.fetch("GET", endpoint, headers=headers)
        if status != 200 or not isinstance(body, dict):
            raise ProviderFailed(f"The provider's userinfo endpoint answered {status}.")
        if body.get("sub") != subject:  # OIDC Core 5.3.2: it must be about the same user
            raise token_invalid("userinfo is about another subject")
        return body

    def username_of(self, claims: Mapping[str, Any]) -> str:
        name = claims.get(self.username_claim)
        if not isinstance(name, str) or not name.strip():
            raise Forbidden(
                f"The single sign-on provider gave no {self.username_claim!r} for this user.",
                code="oidc-username-missing",
            )
        if (
            len(name) > MAX_USERNAME
            or name != name.strip()
            or not name.isprintable()
            or GUEST_NAME.fullmatch(name)
            or name.startswith(SERVICE_PREFIX)
        ):
            raise Forbidden(
                "This user name cannot sign in here: it looks like a guest's or a service's.",
                code="oidc-username-not-allowed",
            )
        return name

    def role_of(self, claims: Mapping[str, Any]) -> str | None:
        if self.role_claim is None:
            return None
        value = claims.get(self.role_claim)
        values = [value] if isinstance(value, str) else value if isinstance(value, list) else []
        if any(isinstance(item, str) and item in self.lecturer_values for item in values):
            return LECTURER
        return STUDENT

    # The provider's metadata and keys, cached.

    async def metadata(self) -> dict[str, Any]:
        """The discovery document (`/.well-known/openid-configuration`), checked and cached."""
        if self._metadata is not None and time.monotonic() - self._metadata_at < DISCOVERY_TTL:
            return self._metadata
        async with self._lock:
            if self._metadata is not None and time.monotonic() - self._metadata_at < DISCOVERY_TTL:
                return self._metadata
            url = self.issuer.rstrip("/") + "/.well-known/openid-configuration"
            status, body = await self.fetch("GET", url)
            if status != 200 or not isinstance(body, dict):
                raise ProviderFailed(f"The provider's discovery document answered {status}.")
            if body.get("issuer") != self.issuer:
                log.warning("OIDC discovery names another issuer: %r", body.get("issuer"))
                raise ProviderFailed("The provider's discovery document names another issuer.")
            for name in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
                if not isinstance(body.get(name), str) or not is_web_url(body[name]):
                    raise ProviderFailed(f"The provider's discovery document lacks {name}.")
            self._metadata, self._metadata_at = body, time.monotonic()
            return body

    async def keys(self, *, refresh: bool = False) -> KeySet:
        fresh = time.monotonic() - self._keys_at < KEYS_REFRESH_INTERVAL
        if self._keys is not None and (not refresh or fresh):
            return self._keys
        status, body = await self.fetch("GET", (await self.metadata())["jwks_uri"])
        if status != 200 or not isinstance(body, dict) or not isinstance(body.get("keys"), list):
            raise ProviderFailed(f"The provider's key set answered {status}.")
        usable = [key for key in body["keys"] if isinstance(key, dict) and key.get("use") != "enc"]
        try:
            keys = KeySet.import_key_set({"keys": usable})
        except (JoseError, ValueError, TypeError, KeyError):
            raise ProviderFailed("The provider's key set cannot be read.") from None
        self._keys, self._keys_at = keys, time.monotonic()
        return keys

    async def fetch(self, method: str, url: str, **kwargs: Any) -> tuple[int, Any]:
        """(status, JSON body or None) of a request to the provider; 503 if it cannot be reached."""
        if self._http is None:
            self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=HTTP_TIMEOUT))
        try:
            async with self._http.request(method, url, allow_redirects=False, **kwargs) as reply:
                raw = bytearray()
                async for chunk in reply.content.iter_chunked(64 * 1024):
                    raw += chunk
                    if len(raw) > MAX_RESPONSE:
                        raise ProviderFailed("The provider's answer is too large.")
                status = reply.status
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            log.warning("OIDC provider unreachable (%s %s): %s", method, url, type(exc).__name__)
            raise ProviderUnreachable() from None
        try:
            return status, json.loads(raw)
        except (ValueError, RecursionError):
            return status, None


def callback_url(request: web.Request) -> str:
    """Where the provider sends the browser back (registered at the provider as is)."""
    base = request.app[settings_key].public_url or own_origin(request)
    return base + CALLBACK_PATH


def is_web_url(url: str) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme in ("https", "http") and bool(parts.hostname)
