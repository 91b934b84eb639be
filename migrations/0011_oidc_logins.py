"""Single sign-on logins waiting for the OpenID provider's callback (`store/oidc.py`)."""


async def up(db):
    if "oidc_logins" not in set(await db.list_collection_names()):
        await db.create_collection("oidc_logins")
    await db.oidc_logins.create_index([("state_hash", 1)], unique=True, name="state_hash_unique")
    await db.oidc_logins.create_index([("expires_at", 1)], expireAfterSeconds=0, name="expiry")
