"""Audience questions: participants ask the lecturer, anonymously.

Any participant asks while the session is open; the owner (and admins) see
every question, an author their own. The owner's first read of a question
marks it read; the owner or its author deletes it. The author is stored for
that, and never shown.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from arsnova.identity import User
from arsnova.keys import broadcaster_key, store_key
from arsnova.services import qa
from arsnova.services.policy import manages, require_list_user, require_owner_or_author
from arsnova.store.common import Page
from arsnova.store.interposed import AudienceQuestion
from arsnova.store.sessions import Session


async def ask(
    app: web.Application, user: User, session: Session, fields: dict[str, Any]
) -> AudienceQuestion:
    """Stores a participant's question and tells the lecturer: a Q&A question (its moderation,
    word filter and `open` setting apply)."""
    return await qa.ask(app, user, session, fields)


async def questions_for(
    app: web.Application, user: User, session: Session, requested: str | None, page: Page
) -> list[AudienceQuestion]:
    """Every question for the owner (an admin: those `requested` may see), else one's own."""
    username = require_list_user(user, requested)
    sees_all = username == session["creator"] or (username == user.username and user.is_admin)
    return await app[store_key].interposed.of_session(
        session["id"], page, author=None if sees_all else username
    )


async def question_for(
    app: web.Application, user: User, session: Session, question_id: str
) -> AudienceQuestion:
    """One question with its text, for the owner or its author; the owner's read marks it read."""
    question = await owned_or_authored(app, user, session, question_id)
    if manages(user, session) and not question["read"]:
        question = await app[store_key].interposed.mark_read(session["id"], question["id"])
        await app[broadcaster_key].audience_question_read(session["keyword"], question["id"])
    return question


async def withdraw(app: web.Application, user: User, session: Session, question_id: str) -> None:
    """Deletes one question: the owner's or its author's call."""
    question = await owned_or_authored(app, user, session, question_id)
    await app[store_key].interposed.delete(session["id"], question["id"])
    broadcaster = app[broadcaster_key]
    await broadcaster.audience_questions_deleted(session["keyword"], [question["id"]])
    shown = question.get("status", "approved") == "approved"
    await broadcaster.qa_question_deleted(session["keyword"], question["id"], shown)
    if question.get("highlighted"):
        await broadcaster.qa_question_highlighted(session["keyword"], None)


async def clear(app: web.Application, session: Session) -> None:
    """Deletes every question of the session (the owner's call, checked by the caller)."""
    deleted = await app[store_key].interposed.delete_all(session["id"])
    await app[broadcaster_key].audience_questions_deleted(session["keyword"], deleted)
    await app[broadcaster_key].qa_questions_cleared(session["keyword"])


async def owned_or_authored(
    app: web.Application, user: User, session: Session, question_id: str
) -> AudienceQuestion:
    question = await app[store_key].interposed.get(session["id"], question_id)
    require_owner_or_author(user, session, question["author"])
    return question
