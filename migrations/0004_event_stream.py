"""The reliable event stream: socket tokens, the event log, connection positions, the bin."""


async def up(db):
    existing = set(await db.list_collection_names())
    for name in ("socket_tokens", "events", "event_streams", "event_connections", "question_bin"):
        if name not in existing:
            await db.create_collection(name)
    await db.socket_tokens.create_index([("token_hash", 1)], unique=True, name="token_hash_unique")
    await db.socket_tokens.create_index([("login_id", 1)], name="login")
    await db.socket_tokens.create_index([("expires_at", 1)], name="expires_at")
    await db.events.create_index(
        [("stream", 1), ("sequence", 1)], unique=True, name="stream_sequence_unique"
    )
    await db.events.create_index([("stream", 1), ("time", 1)], name="stream_time")
    await db.event_connections.create_index([("login_id", 1), ("connected", 1)], name="login")
    await db.event_connections.create_index([("updated_at", 1)], name="updated_at")
    await db.question_bin.create_index([("session_id", 1)], name="session")
    await db.question_bin.create_index([("deleted_at", 1)], name="deleted_at")
