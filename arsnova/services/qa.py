"""Audience Q&A (issue 21): ask, moderate, vote; the rules of docs/qa.md.

Staff are the owner, admins and the session's co-moderators
(`policy.moderates_qa`); co-moderators have no other right in the session.
Participants see approved questions and their own; the author is stored for
`mine` and the author's rights, and never shown to anyone. The legacy
interposed routes (`services/audience.py`) ask through `ask` too.
"""

from __future__ import annotations

import copy
from typing import Any

from aiohttp import web

from arsnova.auth import user_of
from arsnova.errors import Conflict, Forbidden
from arsnova.identity import User
from arsnova.keys import broadcaster_key, settings_key, store_key
from arsnova.services import wordfilter
from arsnova.services.policy import moderates_qa, qa_moderators, require_open, require_owner
from arsnova.store.interposed import AudienceQuestion, AudienceQuestionNotFound
from arsnova.store.sessions import Session

DEFAULT_SETTINGS: dict[str, Any] = {
    "moderation": "none",
    "downvotes": False,
    "open": True,
    "word_filter": {
        "enabled": True,
        "languages": ["de", "en"],
        "extra_words": [],
        "allowed_words": [],
    },
    "moderators": [],
}
OWN_PENDING = 20  # a participant's own waiting questions shown atop the first page


def settings_of(session: Session) -> dict[str, Any]:
    """The session's Q&A settings, defaults filled in."""
    stored = session.get("qa", {})
    settings = copy.deepcopy(DEFAULT_SETTINGS)
    settings.update({key: value for key, value in stored.items() if key != "word_filter"})
    settings["word_filter"].update(stored.get("word_filter", {}))
    return settings


async def settings_for(app: web.Application, user: User, session: Session) -> dict[str, Any]:
    """The settings and the highlighted question's id (`highlighted_id`)."""
    highlighted = await app[store_key].qa.highlighted(session["id"])
    return {**settings_of(session), "highlighted_id": highlighted}


async def change_settings(
    app: web.Application, user: User, session: Session, fields: dict[str, Any]
) -> dict[str, Any]:
    """The owner's (or an admin's) change; co-moderators may not."""
    require_owner(user, session)
    settings = settings_of(session)
    settings["word_filter"].update(fields.pop("word_filter", {}))
    settings.update(fields)
    settings["moderators"] = list(dict.fromkeys(settings["moderators"]))
    updated = await app[store_key].sessions.update(session["keyword"], {"qa": settings})
    await app[broadcaster_key].qa_settings_changed(session["keyword"], settings)
    named_or_dropped = set(qa_moderators(session)) ^ set(settings["moderators"])
    if named_or_dropped:
        await regroup_staff(app, updated, named_or_dropped)
    return await settings_for(app, user, updated)


async def regroup_staff(app: web.Application, session: Session, users: set[str]) -> None:
    """The sockets of co-moderators named or dropped move at once, not at their next join: a
    dropped one gets no further queue event (unless it is an owner or admin all the same)."""
    keyword = session["keyword"]
    for sid, identity in await app[store_key].sockets.in_session(keyword, users):
        moderator = moderates_qa(user_of(app[settings_key], identity), session)
        await app[broadcaster_key].qa_staff_changed(keyword, sid, moderator)


def visible(question: AudienceQuestion) -> bool:
    """Seen by every participant (not only staff and its author)."""
    return question["status"] == "approved"


async def views(
    app: web.Application, user: User, questions: list[AudienceQuestion]
) -> list[dict[str, Any]]:
    """The questions with the caller's vote (`my_vote`) and whether the caller asked (`mine`)."""
    if not questions:
        return []
    session_id = questions[0]["session_id"]
    votes = await app[store_key].qa.my_votes(
        session_id, user.username, [q["id"] for q in questions]
    )
    return [
        {**q, "my_vote": votes.get(q["id"], 0), "mine": q["author"] == user.username}
        for q in questions
    ]


async def view(app: web.Application, user: User, question: AudienceQuestion) -> dict[str, Any]:
    return (await views(app, user, [question]))[0]


async def list_questions(
    app: web.Application, user: User, session: Session, query: dict[str, Any]
) -> tuple[list[dict[str, Any]], int]:
    """One page of one status; participants: approved only, their own waiting ones first."""
    repo = app[store_key].qa
    staff = moderates_qa(user, session)
    status = query["status"]
    if status != "approved" and not staff:
        raise Forbidden("Only Q&A staff see waiting and hidden questions.", code="qa-staff-only")
    found, total = await repo.page(
        session["id"], status, query["sort"], query["offset"], query["limit"]
    )
    if not staff and query["offset"] == 0:
        own = await repo.of_author(session["id"], user.username, "pending", OWN_PENDING)
        found, total = own + found, total + len(own)
    return await views(app, user, found), total


async def question_for(
    app: web.Application, user: User, session: Session, question_id: str
) -> dict[str, Any]:
    question = await readable(app, user, session, question_id)
    return await view(app, user, question)


async def readable(
    app: web.Application, user: User, session: Session, question_id: str
) -> AudienceQuestion:
    """A question the caller may see: staff any, participants approved ones and their own."""
    question = await app[store_key].qa.get(session["id"], question_id)
    if not (
        visible(question) or question["author"] == user.username or moderates_qa(user, session)
    ):
        raise AudienceQuestionNotFound()
    return question


def screened(session: Session, user: User, fields: dict[str, Any], status: str) -> dict[str, Any]:
    """The status (and word filter hits) a participant's new or edited text gives a question."""
    settings = settings_of(session)
    texts = [fields.get("subject", ""), fields.get("text", "")]
    flagged = [] if moderates_qa(user, session) else wordfilter.hits(settings["word_filter"], texts)
    if flagged:
        status = "pending"
    return {"status": status, "flagged": flagged}


async def ask(
    app: web.Application, user: User, session: Session, fields: dict[str, Any]
) -> AudienceQuestion:
    """Stores a question: waiting under pre-moderation or on a word filter hit, else approved."""
    require_open(session)
    staff = moderates_qa(user, session)
    settings = settings_of(session)
    if not settings["open"] and not staff:
        raise Conflict("Q&A is closed for new questions.", code="qa-closed")
    initial = "pending" if settings["moderation"] == "pre" and not staff else "approved"
    stored = {**fields, **screened(session, user, fields, initial)}
    question = await app[store_key].interposed.create(session, user.username, stored)
    await app[store_key].qa.count(session["id"], {question["status"]: 1})
    broadcaster = app[broadcaster_key]
    await broadcaster.audience_question_created(session["keyword"], question["id"])
    await broadcaster.qa_question_created(session["keyword"], question["id"], question["status"])
    return question


AUTHOR_FIELDS = ("text", "subject")


async def change(
    app: web.Application, user: User, session: Session, question_id: str, fields: dict[str, Any]
) -> dict[str, Any]:
    """The author edits the text until it is answered; staff moderate (the rest)."""
    repo = app[store_key].qa
    question = await readable(app, user, session, question_id)
    staff = moderates_qa(user, session)
    edit = {key: fields[key] for key in AUTHOR_FIELDS if key in fields}
    moderation = {key: value for key, value in fields.items() if key not in AUTHOR_FIELDS}
    if edit and question["author"] != user.username:
        raise Forbidden("Only its author edits a question.", code="qa-author-only")
    if moderation and not staff:
        raise Forbidden("Only Q&A staff moderate questions.", code="qa-staff-only")
    changes: dict[str, Any] = {**moderation}
    condition: dict[str, Any] = {}
    if edit:
        if question["answered"]:
            raise question_answered()
        condition["answered"] = False
        changes.update(edit)
        screen = screened(session, user, {**question, **edit}, question["status"])
        changes["flagged"] = screen["flagged"]  # the edited text's hits replace the old ones
        if screen["flagged"] and "status" not in moderation and question["status"] == "approved":
            changes["status"] = "pending"  # back to the queue
    status = changes.get("status", question["status"])
    if status != "approved":
        if changes.get("highlighted"):
            raise Conflict("Only an approved question is highlighted.", code="qa-not-approved")
        if question["highlighted"]:
            changes["highlighted"] = False
    if not changes:
        return await view(app, user, question)
    if "status" in changes:
        condition["status"] = question["status"]  # counted from this one
    updated = await repo.update(session["id"], question["id"], changes, **condition)
    if updated is None:
        if edit and (await repo.get(session["id"], question["id"]))["answered"]:
            raise question_answered()
        raise Conflict("The question changed meanwhile; try again.", code="qa-question-changed")
    if updated["status"] != question["status"]:
        await repo.count(session["id"], {question["status"]: -1, updated["status"]: 1})
    unhighlighted = []
    if changes.get("highlighted"):
        unhighlighted = await repo.unhighlight_others(session["id"], updated["id"])
    await announce_change(app, session["keyword"], question, updated, bool(unhighlighted))
    return await view(app, user, updated)


def question_answered() -> Conflict:
    return Conflict("An answered question cannot be changed.", code="qa-question-answered")


async def announce_change(
    app: web.Application,
    keyword: str,
    before: AudienceQuestion,
    after: AudienceQuestion,
    others_unhighlighted: bool,
) -> None:
    broadcaster = app[broadcaster_key]
    question_id = after["id"]
    shown = visible(after)
    if before["status"] != after["status"]:
        if shown:
            await broadcaster.qa_question_approved(keyword, question_id)
        else:  # everyone removes it; a queued one hidden: staff only
            await broadcaster.qa_question_hidden(keyword, question_id, visible(before))
    if before["answered"] != after["answered"]:
        await broadcaster.qa_question_answered(keyword, question_id, after["answered"], shown)
    if before["highlighted"] != after["highlighted"] or others_unhighlighted:
        await broadcaster.qa_question_highlighted(
            keyword, question_id if after["highlighted"] else None
        )
    content = ("text", "subject", "pinned", "reply", "flagged")
    if any(before.get(key) != after.get(key) for key in content):
        await broadcaster.qa_question_changed(keyword, question_id, shown)


async def delete(app: web.Application, user: User, session: Session, question_id: str) -> None:
    """Staff delete any question; its author one not answered yet."""
    question = await readable(app, user, session, question_id)
    if not moderates_qa(user, session):
        if question["author"] != user.username:
            raise Forbidden("Only its author or Q&A staff delete a question.",
                            code="owner-or-author-only")  # fmt: skip
        if question["answered"]:
            raise question_answered()
    await app[store_key].interposed.delete(session["id"], question["id"])
    broadcaster = app[broadcaster_key]
    await broadcaster.audience_questions_deleted(session["keyword"], [question["id"]])
    await broadcaster.qa_question_deleted(session["keyword"], question["id"], visible(question))
    if question["highlighted"]:
        await broadcaster.qa_question_highlighted(session["keyword"], None)


async def vote(
    app: web.Application, user: User, session: Session, question_id: str, value: int | None
) -> dict[str, Any]:
    """Votes (1, -1) or takes one's vote back (None) on an approved question."""
    require_open(session)
    repo = app[store_key].qa
    question = await repo.shared_get(session["id"], question_id)
    if not visible(question):
        raise AudienceQuestionNotFound()
    if value == -1 and not settings_of(session)["downvotes"]:
        raise Conflict("Downvotes are off in this session.", code="qa-downvotes-off")
    counted, changed = await repo.vote(session["id"], question["id"], user.username, value)
    if changed:
        app[broadcaster_key].qa_votes_changed(session["keyword"], question["id"])
    return {**counted, "my_vote": value or 0, "mine": counted["author"] == user.username}
