"""Feedback votes (one per user and session) and the registry of connected sockets."""


async def up(db):
    existing = set(await db.list_collection_names())
    for name in ("feedback", "sockets"):
        if name not in existing:
            await db.create_collection(name)
    await db.feedback.create_index(
        [("session_id", 1), ("user", 1)], unique=True, name="session_user_unique"
    )
    await db.feedback.create_index([("keyword", 1), ("value", 1)], name="keyword_value")
    await db.feedback.create_index([("expires_at", 1)], name="expires_at")
    await db.sockets.create_index([("keyword", 1), ("user", 1)], name="keyword_user")
    await db.sockets.create_index([("node", 1)], name="node")
    await db.sockets.create_index([("seen_at", 1)], name="seen_at")
