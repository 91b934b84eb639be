"""Which users visited which lecture sessions (for `visitedonly` and participant checks)."""


async def up(db):
    if "session_visits" not in set(await db.list_collection_names()):
        await db.create_collection("session_visits")
    await db.session_visits.create_index(
        [("user", 1), ("session_id", 1)], unique=True, name="user_session_unique"
    )
    await db.session_visits.create_index([("session_id", 1)], name="session")
    await db.logins.create_index([("last_seen", 1)], name="last_seen")
