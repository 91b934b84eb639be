"""Answers to lecturer questions: who may answer, what an answer holds, and what follows.

Who may answer: a participant (or the owner) of an open session, to a
published question released for them while its voting is open (409
`voting-closed` once the owner closed it or its countdown ended), once (the
store's unique index settles two at once: 409 `already-answered`); only the
author changes an answer, and only where the question allows it (409
`answer-change-not-allowed`, ARSnova's one answer by default), and the author
(while the session is open) or the owner deletes one. Every change
tells the session that the question's statistics changed.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web
from marshmallow import ValidationError

from arsnova.errors import Conflict, Forbidden
from arsnova.identity import User
from arsnova.keys import broadcaster_key, store_key
from arsnova.services.policy import (
    manages,
    require_open,
    require_owner_or_author,
    require_participant,
    require_published,
    require_visible,
)
from arsnova.services.questions import voting_closed
from arsnova.store.answers import Answer
from arsnova.store.questions import Question
from arsnova.store.sessions import Session


def require_answerable(user: User, session: Session, question: Question) -> None:
    """Published (for the owner too), released for the user, the session not locked and voting
    on the question open."""
    require_published(question)
    require_visible(user, session, question)
    require_open(session)
    if voting_closed(question):
        raise Conflict("Voting on this question is closed.", code="voting-closed")


async def give_answer(
    app: web.Application, user: User, session: Session, question: Question, body: dict[str, Any]
) -> Answer:
    """Stores the user's answer to the question (the loaded body) and announces it."""
    await require_participant(app, user, session)
    require_answerable(user, session, question)
    answer = await app[store_key].answers.create(
        question, user.username, settle_answer(question, body)
    )
    app[broadcaster_key].answers_changed(session["keyword"], question["id"])
    return answer


async def change_answer(
    app: web.Application,
    user: User,
    session: Session,
    question: Question,
    answer_id: str,
    body: dict[str, Any],
) -> Answer:
    """Replaces the author's own answer (the loaded body) and announces it."""
    answers = app[store_key].answers
    answer = await answers.by_id(answer_id, question["id"])
    if answer["user"] != user.username:
        raise Forbidden("Only the author may change an answer.", code="author-only")
    require_answerable(user, session, question)
    if not question.get("allow_answer_change", False):
        raise Conflict(
            "Answers to this question can't be changed.", code="answer-change-not-allowed"
        )
    updated = await answers.update(answer["id"], settle_answer(question, body))
    app[broadcaster_key].answers_changed(session["keyword"], question["id"])
    return updated


async def remove_answer(
    app: web.Application, user: User, session: Session, question: Question, answer_id: str
) -> None:
    """Deletes an answer: its author while the session is open, or the owner."""
    answers = app[store_key].answers
    answer = await answers.by_id(answer_id, question["id"])
    require_owner_or_author(user, session, answer["user"])
    if not manages(user, session):
        require_open(session)
    await answers.delete(answer["id"])
    app[broadcaster_key].answers_changed(session["keyword"], question["id"])


def settle_answer(question: Question, answer: dict[str, Any]) -> dict[str, Any]:
    """The stored form of a loaded answer to `question`: normalized text and chosen indices.

    Single-choice types take an option's exact text or, when no option text is
    a decimal number (so the two can't be confused, as on the vote and school
    scales), its index; `mc` takes ARSnova's comma-separated 0/1 flags, one per
    option, at least one 1; freetext takes 1..2000 characters. `choices` holds
    the selected option indices for the statistics. Raises a `ValidationError`
    naming `answerText`.
    """
    settled: dict[str, Any] = {"abstention": answer["abstention"], "choices": []}
    if answer.get("answer_subject") is not None:
        settled["answer_subject"] = answer["answer_subject"]
    if answer["abstention"]:
        return settled
    text: str = answer["answer_text"]
    options = [option["text"] for option in question["possible_answers"]]
    if question["question_type"] == "freetext":
        if not text.strip():
            raise ValidationError({"answerText": ["A free-text answer may not be blank."]})
        return {**settled, "answer_text": text}
    if question["question_type"] == "mc":
        flags = text.split(",")
        if len(flags) != len(options) or any(flag not in ("0", "1") for flag in flags):
            raise ValidationError(
                {"answerText": [f"Send {len(options)} comma-separated flags 0 or 1, as 1,0,1."]}
            )
        choices = [index for index, flag in enumerate(flags) if flag == "1"]
        if not choices:
            raise ValidationError({"answerText": ["Select at least one option (or abstain)."]})
        return {**settled, "answer_text": text, "choices": choices}
    if text in options:
        index = options.index(text)
    elif text.isdecimal() and text.isascii() and not any(o.isdecimal() for o in options):
        index = int(text)
        if index >= len(options):
            raise ValidationError({"answerText": [f"There are only {len(options)} options."]})
    else:
        raise ValidationError({"answerText": ["Send the text or the index of one option."]})
    return {**settled, "answer_text": options[index], "choices": [index]}
