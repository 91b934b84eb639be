"""Lecturer questions: who sees which, and what adding, changing, publishing, binning and
restoring one does, and when voting on one is open.

The owner sees every question; participants the published ones released for
them (`released_for`). A change to a published question, publishing and
unpublishing are announced to the session; an unpublished question's changes
reach the owner only. Deleting moves a question with its answers to the bin,
from which its owner restores it until `ARSNOVA_BIN_RETENTION` ends.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from aiohttp import web
from marshmallow import ValidationError

from arsnova.errors import Conflict
from arsnova.identity import User
from arsnova.keys import broadcaster_key, settings_key, store_key
from arsnova.schemas.question import MAX_POSSIBLE_ANSWERS
from arsnova.services.policy import manages, released_for, require_owner
from arsnova.store.answers import AnswerStatistics
from arsnova.store.common import Page, now
from arsnova.store.questions import PossibleAnswer, Question
from arsnova.store.sessions import Session

# What a copy of a question takes over: its content, not its state (published, revealed,
# voting, rounds) and never its answers.
COPIED_FIELDS = (
    "question_type", "subject", "text", "released_for", "possible_answers", "no_correct",
    "number", "duration", "allow_answer_change",
)  # fmt: skip
VOTING_CLOSE_INTERVAL = 1.0  # seconds between the close job's rounds: how late a close is shown
CHOICE_TYPES = frozenset({"abcd", "sc", "mc"})
# Types whose options are fixed when omitted: (default texts, the one allowed count).
DEFAULT_TEXTS: dict[str, tuple[str, ...]] = {
    "yesno": ("yes", "no"),
    "vote": tuple(str(grade) for grade in range(1, 6)),
    "school": tuple(str(grade) for grade in range(1, 7)),
}


async def questions_for(
    app: web.Application,
    user: User,
    session: Session,
    page: Page,
    unanswered_by: str | None = None,
) -> list[Question]:
    """The session's questions `user` may see, less those `unanswered_by` answered."""
    return await app[store_key].questions.of_session(
        session["id"],
        page,
        released_for=None if manages(user, session) else released_for(user),
        unanswered_by=unanswered_by,
    )


def statistics_shown(question: Question) -> bool:
    """Participants see a question's statistics only while it is published and shows them
    (on every channel: REST, `/` and `/events`); the owner always."""
    return bool(question["active"] and question["show_statistic"])


def has_correct(options: list[PossibleAnswer] | list[dict[str, Any]]) -> bool:
    return any(option.get("correct") for option in options)


def correct_shown(user: User, session: Session, question: Question) -> bool:
    """Which option is correct: the owner always knows; participants once it is revealed
    (`showAnswer`). Every channel that carries a question's options to a participant
    goes through `participant_view` (the sockets carry only ids)."""
    return manages(user, session) or question["show_answer"]


def participant_view(user: User, session: Session, question: Question) -> Question:
    """The question as `user` may see it: without the options' `correct` until revealed."""
    if correct_shown(user, session, question):
        return question
    hidden = [{"id": o["id"], "text": o["text"]} for o in question["possible_answers"]]
    return {**question, "possible_answers": hidden}  # type: ignore[typeddict-item]


async def statistics_for(
    app: web.Application, user: User, session: Session
) -> list[AnswerStatistics]:
    """Statistics of every question for the owner; of those shown, for participants."""
    questions = await questions_for(app, user, session, Page())
    if not manages(user, session):
        questions = [question for question in questions if statistics_shown(question)]
    return await app[store_key].answers.statistics(questions)


def voting_closed(question: Question) -> bool:
    """Closed by the owner (`votingDisabled`), or its countdown ended.

    Exact: a countdown's end counts from that moment, before the close job
    (`close_expired_voting`) stores and announces it.
    """
    ends_at = question.get("voting_ends_at")
    return question.get("voting_disabled", False) or (ends_at is not None and ends_at <= now())


async def add_question(app: web.Application, session: Session, fields: dict[str, Any]) -> Question:
    """Stores a new question (the loaded body, its options settled) and announces it."""
    question = await app[store_key].questions.create(session, settle_question(fields))
    await app[broadcaster_key].question_created(session["keyword"], question)
    return question


async def reorder_questions(
    app: web.Application, session: Session, question_ids: list[str]
) -> list[Question]:
    """Puts the session's questions in the order of `question_ids`, which must name each of them
    once (else `ValidationError`); the lists come in this order unless sorted otherwise.

    Each question that moved is announced as updated (`LecturerQuestionUpdatedEvent`, and
    `lecQuestionAvail` while published), so every page reloads the list in its new order.
    """
    store = app[store_key].questions
    known = {question["id"] for question in await store.of_session(session["id"], Page())}
    if len(question_ids) != len(known) or set(question_ids) != known:
        raise ValidationError({"questionIds": ["Must name every question of the session once."]})
    broadcaster = app[broadcaster_key]
    for question in await store.reorder(question_ids):
        await broadcaster.question_updated(session["keyword"], question["active"], question)
    return await store.of_session(session["id"], Page())


async def copy_question(
    app: web.Application, user: User, question: Question, target: Session
) -> Question:
    """A copy of the question in `target` (its own session: a duplicate), which the user must
    own as well: unpublished, results hidden, voting open, round 1, without answers."""
    require_owner(user, target)
    fields = {name: value for name, value in question.items() if name in COPIED_FIELDS}
    fields.update(active=False, show_statistic=False, show_answer=False)
    return await add_question(app, target, fields)


async def change_question(
    app: web.Application,
    session: Session,
    question: Question,
    changes: dict,
    *,
    force: bool = False,
) -> Question:
    """Applies the owner's changes (publishing too: `{"active": …}`) and announces them.

    Removing options that answers chose is refused (409 `option-has-answers`)
    unless `force`: then those answers are deleted with their options (their
    authors may answer again). A new type is the store's to refuse once answered.

    Closing voting (`votingDisabled` true) ends a running countdown.
    """
    if changes.get("voting_disabled"):
        changes = {**changes, "voting_ends_at": None}
    settled = settle_changes(question, changes)
    answers = app[store_key].answers
    kept = {option["id"] for option in settled.get("possible_answers", [])}
    retyped = settled.get("question_type", question["question_type"]) != question["question_type"]
    removed = [
        option["id"]
        for option in question["possible_answers"]
        if "possible_answers" in settled and not retyped and option["id"] not in kept
    ]
    chosen = removed and await answers.choosing(question["id"], removed)
    if chosen and not force:
        raise Conflict(
            f"Answers chose the options removed ({chosen}); confirm with force=true "
            "to delete those answers with them.",
            code="option-has-answers",
        )
    updated = await app[store_key].questions.update(question, settled)
    if chosen:
        await answers.delete_choosing(question["id"], removed)
        app[broadcaster_key].answers_changed(session["keyword"], question["id"])
    broadcaster = app[broadcaster_key]
    await broadcaster.question_updated(session["keyword"], question["active"], updated)
    voting = (voting_closed(question), question.get("voting_ends_at"))
    if voting != (voting_closed(updated), updated.get("voting_ends_at")):
        await broadcaster.voting_changed(session["keyword"], updated)
    return updated


async def set_voting(
    app: web.Application, session: Session, question: Question, disabled: bool
) -> Question:
    """Closes (`disabled`) or opens voting on the question; either ends a countdown."""
    changes = {"voting_disabled": disabled, "voting_ends_at": None}
    return await change_question(app, session, question, changes)


async def set_voting_of_session(app: web.Application, session: Session, disabled: bool) -> None:
    """Closes or opens voting on every question of the session (ARSnova 2's bulk `disablevote`)."""
    for question in await app[store_key].questions.of_session(session["id"], Page()):
        if question.get("voting_disabled", False) != disabled or question.get("voting_ends_at"):
            await set_voting(app, session, question, disabled)


async def start_countdown(
    app: web.Application, session: Session, question: Question, seconds: int
) -> Question:
    """Opens voting until `seconds` from now (the server's clock), then it closes by itself."""
    ends_at = now() + timedelta(seconds=seconds)
    changes = {"voting_disabled": False, "voting_ends_at": ends_at}
    return await change_question(app, session, question, changes)


async def stop_countdown(app: web.Application, session: Session, question: Question) -> Question:
    """Cancels a running countdown: voting stays open, or closed if the countdown just ended."""
    changes = {"voting_ends_at": None, "voting_disabled": voting_closed(question)}
    return await change_question(app, session, question, changes)


async def close_expired_voting(app: web.Application) -> None:
    """Closes voting on questions whose countdown ended and announces each once, cluster-wide
    (a job every node runs each second; the store's conditional update picks one node)."""
    broadcaster = app[broadcaster_key]
    for question in await app[store_key].questions.close_expired_voting():
        keyword = question["session_keyword"]
        await broadcaster.question_updated(keyword, question["active"], question)
        await broadcaster.voting_changed(keyword, question)


async def bin_question(app: web.Application, session: Session, question: Question) -> None:
    await app[store_key].questions.delete(question)
    await app[broadcaster_key].question_binned(session["keyword"], question)


async def restore_question(app: web.Application, session: Session, question_id: str) -> Question:
    question = await app[store_key].questions.restore(session["id"], question_id)
    await app[broadcaster_key].question_restored(session["keyword"], question)
    return question


def settle_question(fields: dict[str, Any]) -> dict[str, Any]:
    """A new question's fields with its possible answers settled against its type."""
    given = fields.get("possible_answers")
    options = settle_possible_answers(fields["question_type"], given)
    return settle_show_answer({**fields, "possible_answers": options}, options)


def settle_show_answer(fields: dict[str, Any], options: list[dict[str, Any]]) -> dict[str, Any]:
    """`showAnswer` means nothing without a correct option: it is stored as false then
    (ignored rather than refused, as legacy clients PUT whole questions)."""
    if fields.get("show_answer") and not has_correct(options):
        return {**fields, "show_answer": False}
    return fields


def keep_option_ids(
    stored: list[PossibleAnswer], given: list[dict[str, Any]] | None
) -> list[dict[str, Any]] | None:
    """The options of a change, each with an id: the one sent, else the stored option's of
    the same text (legacy clients send no ids), else a new one never used before (an
    answer sent while the option was being removed must not land on a newcomer)."""
    if given is None:
        return None
    by_text = {option["text"]: option["id"] for option in stored}
    return [
        option
        if "id" in option
        else {**option, "id": by_text.get(option["text"]) or uuid.uuid4().hex[:12]}
        for option in given
    ]


def settle_possible_answers(
    question_type: str, given: list[dict[str, Any]] | None
) -> list[dict[str, Any]]:
    """The options a question of `question_type` gets: checked, defaults filled, ids assigned.

    Raises a `ValidationError` naming `possibleAnswers` (400 `validation-failed`,
    as the schema's own refusals). Used on create and, with the stored values
    merged in, on update (where the type may come from the stored question).
    """

    def refuse(message: str) -> ValidationError:
        return ValidationError({"possibleAnswers": [message]})

    if question_type == "freetext":
        if given:
            raise refuse("A freetext question takes no possible answers.")
        return []
    if given is None:
        if question_type in CHOICE_TYPES:
            raise refuse(f"A {question_type} question needs 2 to {choice_limit(question_type)}.")
        return [
            {"id": str(index), "text": text, "correct": False}
            for index, text in enumerate(DEFAULT_TEXTS[question_type])
        ]
    if question_type in CHOICE_TYPES:
        limit = choice_limit(question_type)
        if not 2 <= len(given) <= limit:
            raise refuse(f"A {question_type} question needs 2 to {limit} possible answers.")
    elif len(given) != len(DEFAULT_TEXTS[question_type]):
        count = len(DEFAULT_TEXTS[question_type])
        raise refuse(f"A {question_type} question has exactly {count} possible answers.")
    settled = [
        {"correct": False, **option, "id": option.get("id", str(index))}
        for index, option in enumerate(given)
    ]
    if len({option["id"] for option in settled}) != len(settled):
        raise refuse("The ids of the possible answers must be unique.")
    if len({option["text"] for option in settled}) != len(settled):
        raise refuse("The texts of the possible answers must be unique.")
    return settled


def choice_limit(question_type: str) -> int:
    return 4 if question_type == "abcd" else MAX_POSSIBLE_ANSWERS


def settle_changes(question: Question, changes: dict[str, Any]) -> dict[str, Any]:
    """The changes of a PUT, with possibleAnswers settled against the resulting type.

    A type change without new options keeps the stored ones for choice types
    and takes the type's defaults otherwise.
    """
    question_type = changes.get("question_type", question["question_type"])
    if "possible_answers" in changes:
        given = keep_option_ids(question["possible_answers"], changes["possible_answers"])
    elif question_type == question["question_type"]:
        return settle_show_answer(changes, [dict(o) for o in question["possible_answers"]])
    else:
        stored = [dict(option) for option in question["possible_answers"]]
        given = stored if question_type in CHOICE_TYPES else None
    options = settle_possible_answers(question_type, given)
    return settle_show_answer({**changes, "possible_answers": options}, options)


async def purge_bin(app: web.Application) -> None:
    """Questions in the bin longer than `ARSNOVA_BIN_RETENTION` are gone for good
    (a housekeeping job)."""
    retention = timedelta(seconds=app[settings_key].bin_retention)
    await app[store_key].questions.purge_bin(retention)
