"""Guest identities bound to browser keys, single-use login links, sockets by login.

Every guest name already in the data is registered without a key, so that
from now on it can be resumed only by a login that is still valid (which
then binds a key), never by a new browser that merely knows the name.
"""

GUEST_SOURCES = (
    ("logins", "username", {"type": "guest"}),
    ("sessions", "creator", {}),
    ("session_visits", "user", {}),
    ("answers", "user", {}),
    ("interposed_questions", "author", {}),
    ("feedback", "user", {}),
)
NOT_GUESTS = ("integration:", "user-")  # service accounts and platform users


async def up(db):
    existing = set(await db.list_collection_names())
    for name in ("guests", "guest_keys", "login_links"):
        if name not in existing:
            await db.create_collection(name)
    await db.guest_keys.create_index([("key_hash", 1)], unique=True, name="key_hash_unique")
    await db.login_links.create_index([("token_hash", 1)], unique=True, name="token_hash_unique")
    await db.login_links.create_index([("expires_at", 1)], expireAfterSeconds=0, name="expiry")
    await db.sockets.create_index([("login_id", 1)], name="login")  # a logout drops them
    names: set[str] = set()
    for collection, field, query in GUEST_SOURCES:
        if collection in existing:
            names.update(await db[collection].distinct(field, query))
    for name in names:
        if isinstance(name, str) and not name.startswith(NOT_GUESTS):
            await db.guests.update_one(
                {"_id": name}, {"$setOnInsert": {"migrated": True}}, upsert=True
            )
