"""Lecturer questions: who sees which, and what adding, changing, publishing, binning and
restoring one does.

The owner sees every question; participants the published ones released for
them (`released_for`). A change to a published question, publishing and
unpublishing are announced to the session; an unpublished question's changes
reach the owner only. Deleting moves a question with its answers to the bin,
from which its owner restores it until `ARSNOVA_BIN_RETENTION` ends.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from aiohttp import web

from arsnova.identity import User
from arsnova.keys import broadcaster_key, settings_key, store_key
from arsnova.schemas.question import settle_changes
from arsnova.services.policy import manages, released_for
from arsnova.store.common import Page


async def questions_for(
    app: web.Application,
    user: User,
    session: dict[str, Any],
    page: Page,
    unanswered_by: str | None = None,
) -> list[dict[str, Any]]:
    """The session's questions `user` may see, less those `unanswered_by` answered."""
    return await app[store_key].questions.of_session(
        session["id"],
        page,
        released_for=None if manages(user, session) else released_for(user),
        unanswered_by=unanswered_by,
    )


def statistics_shown(question: dict[str, Any]) -> bool:
    """Participants see a question's statistics only while it is published and shows them
    (on every channel: REST, `/` and `/events`); the owner always."""
    return bool(question["active"] and question["show_statistic"])


async def statistics_for(
    app: web.Application, user: User, session: dict[str, Any]
) -> list[dict[str, Any]]:
    """Statistics of every question for the owner; of those shown, for participants."""
    questions = await questions_for(app, user, session, Page())
    if not manages(user, session):
        questions = [question for question in questions if statistics_shown(question)]
    return await app[store_key].answers.statistics(questions)


async def add_question(
    app: web.Application, session: dict[str, Any], fields: dict[str, Any]
) -> dict[str, Any]:
    question = await app[store_key].questions.create(session, fields)
    await app[broadcaster_key].question_created(session["keyword"], question)
    return question


async def change_question(
    app: web.Application, session: dict[str, Any], question: dict[str, Any], changes: dict
) -> dict[str, Any]:
    """Applies the owner's changes (publishing too: `{"active": …}`) and announces them."""
    updated = await app[store_key].questions.update(question, settle_changes(question, changes))
    await app[broadcaster_key].question_updated(session["keyword"], question["active"], updated)
    return updated


async def bin_question(
    app: web.Application, session: dict[str, Any], question: dict[str, Any]
) -> None:
    await app[store_key].questions.delete(question)
    await app[broadcaster_key].question_binned(session["keyword"], question)


async def restore_question(
    app: web.Application, session: dict[str, Any], question_id: str
) -> dict[str, Any]:
    question = await app[store_key].questions.restore(session["id"], question_id)
    await app[broadcaster_key].question_restored(session["keyword"], question)
    return question


async def purge_bin(app: web.Application) -> None:
    """Questions in the bin longer than `ARSNOVA_BIN_RETENTION` are gone for good
    (a housekeeping job)."""
    retention = timedelta(seconds=app[settings_key].bin_retention)
    await app[store_key].questions.purge_bin(retention)
