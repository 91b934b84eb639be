"""Single sign-on logins on their way through the OpenID provider (state, nonce, PKCE verifier).

A pending login is stored under the SHA-256 hash of its `state`, with the hash
of the browser-binding secret its cookie holds; the nonce and PKCE verifier
are per-login secrets that never leave the server but in the token request.
`take` removes it as it reads it: a callback works once. The TTL index removes
the ones abandoned at the provider.
"""

from __future__ import annotations

import hmac
from datetime import datetime, timedelta
from typing import TypedDict

from pymongo.asynchronous.database import AsyncDatabase

from arsnova.store.common import now


class PendingLogin(TypedDict):
    state_hash: str
    binding_hash: str  # SHA-256 of the secret in this browser's cookie
    nonce: str
    verifier: str  # PKCE code_verifier
    redirect_uri: str
    success: str | None
    failure: str | None
    keep_guest: bool
    expires_at: datetime


class OidcLoginRepo:
    def __init__(self, db: AsyncDatabase) -> None:
        self.collection = db["oidc_logins"]

    async def create(self, pending: PendingLogin) -> None:
        await self.collection.insert_one(dict(pending))

    async def take(self, state_hash: str, binding_hash: str) -> PendingLogin | None:
        """The unexpired pending login of a state started by this browser (its binding), which
        this call uses up; None if there is none."""
        found = await self.collection.find_one_and_delete(
            {"state_hash": state_hash, "binding_hash": binding_hash, "expires_at": {"$gt": now()}}
        )
        if found is None or not hmac.compare_digest(found["state_hash"], state_hash):
            return None
        found.pop("_id", None)
        return PendingLogin(**found)  # type: ignore[typeddict-item]


def expiry(seconds: int) -> datetime:
    return now() + timedelta(seconds=seconds)
