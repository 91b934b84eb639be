"""Integration users and their places in lecture sessions (one live place per user and session)."""


async def up(db):
    existing = set(await db.list_collection_names())
    for name in ("places", "integration_users"):
        if name not in existing:
            await db.create_collection(name)
    await db.places.create_index(
        [("session_id", 1), ("user_id", 1)], unique=True, name="session_user_unique"
    )
    await db.places.create_index([("user_id", 1)], name="user")
    await db.places.create_index([("status", 1), ("activation_expires_at", 1)], name="pending")
    await db.places.create_index([("expires_at", 1)], name="expires_at")
