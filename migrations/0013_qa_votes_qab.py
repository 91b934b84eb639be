"""Audience Q&A (issue 21): one vote per user and question, the list's sorts; old ones approved.

Questions asked before Q&A get its defaults (approved, unanswered, no votes),
so every list query can ask for a status exactly and use an index.
"""

DEFAULTS = {
    "status": "approved",
    "answered": False,
    "highlighted": False,
    "pinned": False,
    "reply": None,
    "upvotes": 0,
    "downvotes": 0,
    "score": 0,
    "flagged": [],
}


async def up(db):
    if "qa_votes" not in set(await db.list_collection_names()):
        await db.create_collection("qa_votes")
    # The database enforces one vote per user and question, not a read before the write.
    await db.qa_votes.create_index(
        [("question_id", 1), ("user", 1)], unique=True, name="question_user_unique"
    )
    # A user's votes in a session (the list's `myVote`); its prefix serves session deletions.
    await db.qa_votes.create_index([("session_id", 1), ("user", 1)], name="session_user")
    questions = db.interposed_questions
    for name, value in DEFAULTS.items():
        await questions.update_many({name: {"$exists": False}}, {"$set": {name: value}})
    # The list's three orders within one status (store/qa.py SORTS), and an author's own. The
    # embedded database walks an index for equalities on its leading fields (and a range on the
    # next one), never for a sort under a filter: store/qa.py asks in those terms.
    await questions.create_index(
        [("session_id", 1), ("status", 1), ("pinned", -1), ("score", -1), ("timestamp", -1)],
        name="qa_votes_order",
    )
    await questions.create_index(
        [("session_id", 1), ("status", 1), ("pinned", -1), ("timestamp", -1)],
        name="qa_newest_order",
    )
    await questions.create_index(
        [("session_id", 1), ("status", 1), ("answered", 1), ("score", -1), ("timestamp", -1)],
        name="qa_unanswered_order",
    )
    await questions.create_index(
        [("session_id", 1), ("author", 1), ("status", 1)], name="session_author_status"
    )
    await questions.create_index(
        [("session_id", 1), ("highlighted", 1)], name="session_highlighted"
    )
    # How many questions each session has of each status (a list's `total` without a count).
    if "qa_counts" not in set(await db.list_collection_names()):
        await db.create_collection("qa_counts")
    await db.qa_counts.create_index([("session_id", 1)], unique=True, name="session_unique")
    pipeline = [{"$group": {"_id": {"session_id": "$session_id", "status": "$status"},
                            "n": {"$sum": 1}}}]  # fmt: skip
    counts = {}
    async for group in await questions.aggregate(pipeline):
        counts.setdefault(group["_id"]["session_id"], {})[group["_id"]["status"]] = group["n"]
    for session_id, by_status in counts.items():
        await db.qa_counts.update_one({"session_id": session_id}, {"$set": by_status}, upsert=True)
