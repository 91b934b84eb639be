"""Peer-instruction rounds: answers and questions carry their round (`pi_round`, from 1).

Every answer given so far belongs to round 1, every question is in round 1;
the unique index "one answer per user and question" becomes one answer per
user, question and round, so a student answers again in a new round.
"""


async def up(db):
    for name in ("answers", "questions", "question_bin"):
        await db[name].update_many({"pi_round": {"$exists": False}}, {"$set": {"pi_round": 1}})
    await db.answers.create_index(
        [("question_id", 1), ("pi_round", 1), ("user", 1)],
        unique=True,
        name="question_round_user_unique",
    )
    if "question_user_unique" in await db.answers.index_information():
        await db.answers.drop_index("question_user_unique")
