"""Access tokens of learning platforms: unique names, lookup by hash."""


async def up(db):
    if "access_tokens" not in set(await db.list_collection_names()):
        await db.create_collection("access_tokens")
    await db.access_tokens.create_index([("name", 1)], unique=True, name="name_unique")
    await db.access_tokens.create_index([("token_hash", 1)], unique=True, name="token_hash_unique")
