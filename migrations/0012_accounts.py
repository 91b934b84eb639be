"""Registered accounts (`type=arsnova`): one per e-mail address; their single-use link tokens;
logins by user name (a deleted account's or a changed password's logins end at once)."""


async def up(db):
    existing = set(await db.list_collection_names())
    for name in ("accounts", "account_tokens"):
        if name not in existing:
            await db.create_collection(name)
    await db.accounts.create_index([("email", 1)], unique=True, name="email_unique")
    await db.account_tokens.create_index([("token_hash", 1)], unique=True, name="token_hash_unique")
    await db.account_tokens.create_index([("account_id", 1)], name="account")
    await db.account_tokens.create_index([("expires_at", 1)], expireAfterSeconds=0, name="expiry")
    await db.logins.create_index([("username", 1)], name="username")
