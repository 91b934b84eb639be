"""Questions with a running voting countdown, found by the close job every second (issue 18)."""


async def up(db):
    await db.questions.create_index([("voting_ends_at", 1)], name="voting_ends_at")
