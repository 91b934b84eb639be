"""Answers to lecturer questions: who may answer, what an answer holds, and what follows.

Who may answer: a participant (or the owner) of an open session, to a
published question released for them while its voting is open (409
`voting-closed` once the owner closed it or its countdown ended), once per
peer-instruction round (the store's unique index settles two at once: 409
`already-answered`); only the author changes an answer, of the current round
only and only where the question allows it (409 `answer-change-not-allowed`,
ARSnova's one answer by default), and the author (while the session is open)
or the owner deletes one. The owner starts a new round (every participant
answers again; the earlier rounds' answers stay, for comparing) and resets a
question's answers (all rounds gone, back to round 1). Every change tells the
session that the question's statistics changed.
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
    require_list_user,
    require_open,
    require_owner_or_author,
    require_participant,
    require_published,
    require_visible,
)
from arsnova.services.questions import statistics_shown, voting_closed
from arsnova.store.answers import Answer
from arsnova.store.common import Page
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
    if answer["pi_round"] != question["pi_round"]:
        raise Conflict(
            "The answer belongs to an earlier round; answer the current one instead.",
            code="round-over",
        )
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


async def own_answer(
    app: web.Application,
    user: User,
    session: Session,
    question: Question,
    of_user: str | None,
    pi_round: int | None,
) -> Answer:
    """`createdonly`: the caller's answer (an admin's choice: anyone's) in a round (default:
    the current one, so a new round has none until answered again); 404 without one."""
    username = await require_answer_reader(app, user, session, of_user)
    in_round = question["pi_round"] if pi_round is None else pi_round
    return await app[store_key].answers.by_user(question["id"], username, in_round)


async def every_answer(
    app: web.Application,
    user: User,
    session: Session,
    question: Question,
    of_user: str | None,
    page: Page,
    pi_round: int | None,
) -> list[Answer]:
    """Every answer to the question (of one round, if given) for the owner; participants get
    the revealed free-text answers (`revealed_answers`)."""
    await require_answer_reader(app, user, session, of_user)
    if not manages(user, session):
        return await revealed_answers(app, user, session, question, page, pi_round)
    return await app[store_key].answers.of_question(question["id"], page, pi_round)


async def require_answer_reader(
    app: web.Application, user: User, session: Session, of_user: str | None
) -> str:
    """A participant asking for their own answers (admins for anyone's): whose they are."""
    await require_participant(app, user, session)
    return require_list_user(user, of_user)


async def start_new_round(app: web.Application, session: Session, question: Question) -> Question:
    """The owner's next peer-instruction round: answers go to it, everyone answers again."""
    updated = await app[store_key].questions.set_round(question)
    broadcaster = app[broadcaster_key]
    await broadcaster.round_started(session["keyword"], updated)
    broadcaster.answers_changed(session["keyword"], question["id"])
    return updated


async def reset_answers(app: web.Application, session: Session, question: Question) -> Question:
    """The owner deletes every answer of every round; the question is back in round 1.

    The round goes back first, so an answer given meanwhile lands in round 1,
    not in a round that no longer exists.
    """
    updated = await app[store_key].questions.set_round(question, 1)
    await app[store_key].answers.delete_of_question(question["id"])
    broadcaster = app[broadcaster_key]
    await broadcaster.answers_reset(session["keyword"], updated)
    broadcaster.answers_changed(session["keyword"], question["id"])
    return updated


async def hide_answer(
    app: web.Application, session: Session, question: Question, answer_id: str, hide: bool
) -> Answer:
    """The owner hides (or shows again) one free-text answer before revealing the results."""
    if question["question_type"] != "freetext":
        raise Conflict("Only free-text answers can be hidden.", code="not-freetext")
    answers = app[store_key].answers
    answer = await answers.set_hidden((await answers.by_id(answer_id, question["id"]))["id"], hide)
    app[broadcaster_key].answers_changed(session["keyword"], question["id"])
    return answer


async def revealed_answers(
    app: web.Application,
    user: User,
    session: Session,
    question: Question,
    page: Page,
    pi_round: int | None,
) -> list[Answer]:
    """The free-text answers a participant sees once the results are shown: those not hidden
    (of the current round unless another is asked for).

    Other answers are never shown to participants (403 `answers-private`).
    """
    if question["question_type"] != "freetext" or not statistics_shown(question):
        raise Forbidden("Participants see statistics, not answers.", code="answers-private")
    require_visible(user, session, question)  # released for them, as the question itself
    in_round = question["pi_round"] if pi_round is None else pi_round
    return await app[store_key].answers.of_question(question["id"], page, in_round, hidden=False)


def settle_answer(question: Question, answer: dict[str, Any]) -> dict[str, Any]:
    """The stored form of a loaded answer to `question`: normalized text and chosen option ids.

    Single-choice types take an option's exact text or, when no option text is
    a decimal number (so the two can't be confused, as on the vote and school
    scales), its index; `mc` takes ARSnova's comma-separated 0/1 flags, one per
    option, at least one 1; freetext takes 1..2000 characters. `choices` holds
    the ids of the selected options for the statistics (ids, not positions: reordering
    or editing the options never re-attributes an answer). Raises a `ValidationError`
    naming `answerText`.
    """
    settled: dict[str, Any] = {"abstention": answer["abstention"], "choices": []}
    if answer.get("answer_subject") is not None:
        settled["answer_subject"] = answer["answer_subject"]
    if answer["abstention"]:
        return settled
    text: str = answer["answer_text"]
    ids = [option["id"] for option in question["possible_answers"]]
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
        choices = [ids[index] for index, flag in enumerate(flags) if flag == "1"]
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
    return {**settled, "answer_text": options[index], "choices": [ids[index]]}
