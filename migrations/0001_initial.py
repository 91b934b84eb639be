"""Collections and indexes of the lecture data model."""


async def up(db):
    existing = set(await db.list_collection_names())
    for name in ("sessions", "questions", "answers", "interposed_questions", "logins"):
        if name not in existing:
            await db.create_collection(name)

    await db.sessions.create_index([("keyword", 1)], unique=True, name="keyword_unique")
    await db.sessions.create_index([("creator", 1)], name="creator")
    await db.questions.create_index([("session_id", 1), ("timestamp", 1)], name="session_time")
    # One answer per user and question, enforced by the database, not by read-then-write.
    await db.answers.create_index(
        [("question_id", 1), ("user", 1)], unique=True, name="question_user_unique"
    )
    await db.answers.create_index([("session_id", 1)], name="session")
    await db.interposed_questions.create_index(
        [("session_id", 1), ("timestamp", 1)], name="session_time"
    )
    await db.logins.create_index([("token_hash", 1)], unique=True, name="token_hash_unique")
    await db.logins.create_index([("expires_at", 1)], expireAfterSeconds=0, name="expiry_ttl")
