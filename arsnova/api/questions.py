"""[/session/{keyword}]/lecturerquestion/…: lecturer questions and their answers.

Every route past the collection also exists without the `/session/{keyword}`
prefix, as the seed's brackets say; with it, a question of another session
is 404. Answers are anonymous: only their author sees `user`, and
participants see statistics, never other users' answers.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from arsnova.api.openapi import operation
from arsnova.api.params import load_body, load_query, page_of
from arsnova.api.sessions import owned_session, participant_session, session_of
from arsnova.auth import caller_of, require_user
from arsnova.identity import User
from arsnova.keys import store_key
from arsnova.schemas.answer import (
    AnonymousAnswerSchema,
    AnswerCreateSchema,
    AnswerListQuerySchema,
    AnswerSchema,
    HideQuerySchema,
    RevealedAnswerSchema,
)
from arsnova.schemas.question import (
    BinnedQuestionSchema,
    CopyQuerySchema,
    CountdownQuerySchema,
    DisableVoteQuerySchema,
    PublishQuerySchema,
    QuestionCreateSchema,
    QuestionListQuerySchema,
    QuestionOrderSchema,
    QuestionSchema,
    QuestionStatisticsSchema,
    QuestionUpdateQuerySchema,
    SessionDisableVoteQuerySchema,
)
from arsnova.services import questions as service
from arsnova.services.answers import (
    change_answer,
    every_answer,
    give_answer,
    hide_answer,
    own_answer,
    remove_answer,
    reset_answers,
    start_new_round,
)
from arsnova.services.policy import (
    manages,
    require_list_user,
    require_owner,
    require_participant,
    require_visible,
)
from arsnova.services.sessions import find_session
from arsnova.store.common import now
from arsnova.store.questions import Question
from arsnova.store.sessions import Session

routes = web.RouteTableDef()
question_schema = QuestionSchema()
questions_schema = QuestionSchema(many=True)
binned_schema = BinnedQuestionSchema(many=True)
create_schema = QuestionCreateSchema()
update_schema = QuestionCreateSchema(partial=True)
list_query_schema = QuestionListQuerySchema()
publish_query_schema = PublishQuerySchema()
update_query_schema = QuestionUpdateQuerySchema()
statistics_schema = QuestionStatisticsSchema(many=True)
disable_vote_query_schema = DisableVoteQuerySchema()
session_disable_vote_query_schema = SessionDisableVoteQuerySchema()
countdown_query_schema = CountdownQuerySchema()
copy_query_schema = CopyQuerySchema()
order_schema = QuestionOrderSchema()
answer_schema = AnswerSchema()
answers_schema = AnswerSchema(many=True)
anonymous_answers_schema = AnonymousAnswerSchema(many=True)
anonymous_answer_schema = AnonymousAnswerSchema()
answer_body_schema = AnswerCreateSchema()
answer_query_schema = AnswerListQuerySchema()
revealed_schema = RevealedAnswerSchema(many=True)
hide_query_schema = HideQuerySchema()

COLLECTION = "/session/{keyword}/lecturerquestion/"
# Not "disablevote" there: that is POST /lecturerquestion/disablevote (a session's questions).
ONE = "/lecturerquestion/{question_id:(?!disablevote$)[^/]+}"
# Not "statistics" or "order" there: those are GET …/statistics and PUT …/order of the session.
PREFIXED = "/session/{keyword}/lecturerquestion/{question_id:(?!(?:statistics|order)$)[^/]+}"


def dump_question(user: User, session: Session, question: Question) -> dict[str, Any]:
    """The question as `user` may see it (`services.questions.participant_view`), with
    `serverTime`, so a client counts a countdown down by the server's clock."""
    return question_schema.dump(
        {**service.participant_view(user, session, question), "server_time": now()}
    )


async def question_of(request: web.Request) -> tuple[Session, Question]:
    """The session and question of the path; with the keyword prefix they must match."""
    store = request.app[store_key]
    question_id = request.match_info["question_id"]
    if "keyword" in request.match_info:
        session = await session_of(request)
        return session, await store.questions.by_id(question_id, session["id"])
    question = await store.questions.by_id(question_id)
    return await store.sessions.by_id(question["session_id"]), question


async def owned_question(request: web.Request) -> tuple[Session, Question]:
    """The session and question of the path, if the caller owns the session (or is an admin)."""
    user = await require_user(request)
    session, question = await question_of(request)
    require_owner(user, session)
    return session, question


@routes.get(COLLECTION)
@operation(query=list_query_schema, responses={200: questions_schema}, errors=(403, 404))
async def list_questions(request: web.Request) -> web.Response:
    """All questions for the owner; participants get the published ones released for them.

    `unansweredonly=true` leaves out those `user` (default: the caller) answered.
    """
    user, session = await participant_session(request)
    query = load_query(request, list_query_schema)
    username = require_list_user(user, query.get("user"))
    page = page_of(query, list_query_schema)
    unanswered_by = username if query["unansweredonly"] else None
    questions = await service.questions_for(request.app, user, session, page, unanswered_by)
    return web.json_response([dump_question(user, session, q) for q in questions])


@routes.put(COLLECTION + "order")
@operation(body=order_schema, responses={200: questions_schema}, errors=(403, 404))
async def reorder_questions(request: web.Request) -> web.Response:
    """Puts the session's questions in a new order (owner): `questionIds` names every question of
    the session once (else 400 `validation-failed`). The lists (`GET …/lecturerquestion/`) come
    in this order unless `sort` is given; new questions go last. Every page hears of it: each
    moved question's `LecturerQuestionUpdatedEvent` (and `lecQuestionAvail` while published).
    Answers the session's questions in their new order.
    """
    user, session = await owned_session(request)
    body = await load_body(request, order_schema)
    questions = await service.reorder_questions(request.app, session, body["question_ids"])
    return web.json_response([dump_question(user, session, q) for q in questions])


@routes.post(COLLECTION)
@operation(body=create_schema, responses={201: question_schema}, errors=(403, 404))
async def create_question(request: web.Request) -> web.Response:
    """Adds a question (owner); unpublished (`active` false) unless sent otherwise."""
    user, session = await owned_session(request)
    question = await service.add_question(
        request.app, session, await load_body(request, create_schema)
    )
    return web.json_response(dump_question(user, session, question), status=201)


@routes.get("/session/{keyword}/lecturerquestion/statistics")
@operation(responses={200: statistics_schema}, errors=(403, 404))
async def get_question_statistics(request: web.Request) -> web.Response:
    """Per question: answerCounts (one per option, in their current order), total, abstentions
    of the current peer-instruction round (`piRound`), and the same for every round in `rounds`.

    The owner gets every question; participants those visible to them with
    `showStatistic`. `total` includes abstentions; an mc answer counts once
    for each option it selects.
    """
    user, session = await participant_session(request)
    statistics = await service.statistics_for(request.app, user, session)
    return web.json_response(statistics_schema.dump(statistics))


@routes.get(PREFIXED)
@routes.get(ONE)
@operation(responses={200: question_schema}, errors=(403, 404))
async def get_question(request: web.Request) -> web.Response:
    """One question; participants only a published one released for them."""
    user = await require_user(request)
    session, question = await question_of(request)
    await require_participant(request.app, user, session)
    require_visible(user, session, question)
    return web.json_response(dump_question(user, session, question))


@routes.put(PREFIXED)
@routes.put(ONE)
@operation(
    query=update_query_schema, body=update_schema, responses={204: None}, errors=(403, 404, 409)
)
async def update_question(request: web.Request) -> web.Response:
    """Changes the fields sent (owner); whole legacy objects are accepted. 204 as the seed says.

    Options keep their `id` (sent, else matched by text, else a new one): answers
    follow their option when options are reordered or edited. 409
    `question-has-answers` for a new type once answered; 409 `option-has-answers`
    for removing an option that answers chose, unless `force=true` (those
    answers are deleted). `showAnswer` is stored as false while no option is correct.
    """
    session, question = await owned_question(request)
    query = load_query(request, update_query_schema)
    changes = await load_body(request, update_schema)
    await service.change_question(request.app, session, question, changes, force=query["force"])
    return web.Response(status=204)


@routes.delete(PREFIXED)
@routes.delete(ONE)
@operation(responses={204: None}, errors=(403, 404))
async def delete_question(request: web.Request) -> web.Response:
    """Moves the question, with its answers, to the session's bin (owner); see `…/bin/`."""
    session, question = await owned_question(request)
    await service.bin_question(request.app, session, question)
    return web.Response(status=204)


@routes.post(PREFIXED + "/publish")
@routes.post(ONE + "/publish")
@operation(query=publish_query_schema, responses={204: None}, errors=(403, 404))
async def publish_question(request: web.Request) -> web.Response:
    """`publish=true` (default) shows the question to the audience, `false` hides it; 204."""
    session, question = await owned_question(request)
    query = load_query(request, publish_query_schema)
    await service.change_question(request.app, session, question, {"active": query["publish"]})
    return web.Response(status=204)


@routes.post(PREFIXED + "/copy")
@routes.post(ONE + "/copy")
@operation(query=copy_query_schema, responses={201: question_schema}, errors=(403, 404))
async def copy_question(request: web.Request) -> web.Response:
    """Copies the question (owner) into this session, or with `to` into another session the
    caller owns (403 `owner-only` otherwise): unpublished, without answers; 201."""
    user = await require_user(request)
    session, question = await owned_question(request)
    keyword = load_query(request, copy_query_schema).get("to", session["keyword"])
    target = session
    if keyword != session["keyword"]:
        caller = await caller_of(request)
        target = await find_session(request.app, keyword, caller, request.remote)
    copy = await service.copy_question(request.app, user, question, target)
    return web.json_response(question_schema.dump(copy), status=201)


@routes.post("/lecturerquestion/disablevote")
@operation(query=session_disable_vote_query_schema, responses={204: None}, errors=(403, 404))
async def disable_votes(request: web.Request) -> web.Response:
    """Closes (`disable=true`, default) or opens voting on every question of `sessionkey`
    (owner), as ARSnova 2's; running countdowns end. 204."""
    user = await require_user(request)
    query = load_query(request, session_disable_vote_query_schema)
    session = await find_session(
        request.app, query["sessionkey"], await caller_of(request), request.remote
    )
    require_owner(user, session)
    await service.set_voting_of_session(request.app, session, query["disable"])
    return web.Response(status=204)


@routes.post(PREFIXED + "/disablevote")
@routes.post(ONE + "/disablevote")
@operation(query=disable_vote_query_schema, responses={204: None}, errors=(403, 404))
async def disable_vote(request: web.Request) -> web.Response:
    """Closes (`disable=true`, default) or opens voting on the question (owner); 204.

    A closed question stays visible, with its results if shown; answers to it
    are 409 `voting-closed`. Either ends a running countdown.
    """
    session, question = await owned_question(request)
    query = load_query(request, disable_vote_query_schema)
    await service.set_voting(request.app, session, question, query["disable"])
    return web.Response(status=204)


@routes.post(PREFIXED + "/countdown")
@routes.post(ONE + "/countdown")
@operation(query=countdown_query_schema, responses={200: question_schema}, errors=(403, 404))
async def start_countdown(request: web.Request) -> web.Response:
    """Opens voting for `seconds` (owner): it closes by itself then, on every node.

    The question answers with `votingEndsAt` and `serverTime` (both the server's
    clock, epoch millis). A new countdown replaces a running one.
    """
    user = await require_user(request)
    session, question = await owned_question(request)
    seconds = load_query(request, countdown_query_schema)["seconds"]
    started = await service.start_countdown(request.app, session, question, seconds)
    return web.json_response(dump_question(user, session, started))


@routes.delete(PREFIXED + "/countdown")
@routes.delete(ONE + "/countdown")
@operation(responses={200: question_schema}, errors=(403, 404))
async def stop_countdown(request: web.Request) -> web.Response:
    """Cancels the question's countdown (owner): voting stays open (closed if it had ended)."""
    user = await require_user(request)
    session, question = await owned_question(request)
    stopped = await service.stop_countdown(request.app, session, question)
    return web.json_response(dump_question(user, session, stopped))


@routes.get(PREFIXED + "/answer/")
@routes.get(ONE + "/answer/")
@operation(
    query=answer_query_schema,
    responses={200: {"oneOf": [anonymous_answers_schema, answer_schema, revealed_schema]}},
    errors=(403, 404),
)
async def list_answers(request: web.Request) -> web.Response:
    """The owner gets every answer, without `user`; with `createdonly=true` one's own Answer
    of the current peer-instruction round. `piround` limits either to that round.

    Participants may ask for their own; and, of a free-text question whose
    results are shown, for the answers the owner did not hide (text, subject,
    time only). Anything else is 403 `answers-private`.
    """
    user = await require_user(request)
    session, question = await question_of(request)
    query = load_query(request, answer_query_schema)
    if query["createdonly"]:
        answer = await own_answer(
            request.app, user, session, question, query.get("user"), query.get("piround")
        )
        return web.json_response(answer_schema.dump(answer))
    page = page_of(query, answer_query_schema)
    found = await every_answer(
        request.app, user, session, question, query.get("user"), page, query.get("piround")
    )
    listed = anonymous_answers_schema if manages(user, session) else revealed_schema
    return web.json_response(listed.dump(found))


@routes.post(PREFIXED + "/answer/")
@routes.post(ONE + "/answer/")
@operation(body=answer_body_schema, responses={201: answer_schema}, errors=(403, 404, 409))
async def create_answer(request: web.Request) -> web.Response:
    """Answers a published question, once per user and round (409 `already-answered`).

    403 `question-not-published`, 409 `session-locked` once the session is locked,
    409 `voting-closed` once voting on the question is closed (or its countdown ended).
    """
    user = await require_user(request)
    session, question = await question_of(request)
    body = await load_body(request, answer_body_schema)
    answer = await give_answer(request.app, user, session, question, body)
    return web.json_response(answer_schema.dump(answer), status=201)


@routes.put(PREFIXED + "/answer/{answer_id}")
@routes.put(ONE + "/answer/{answer_id}")
@operation(body=answer_body_schema, responses={200: answers_schema}, errors=(403, 404, 409))
async def update_answer(request: web.Request) -> web.Response:
    """Changes one's own answer while voting is open; answers `[Answer]`, the seed's quirk.

    409 `answer-change-not-allowed` unless the question has `allowAnswerChange`,
    409 `round-over` for an answer of an earlier peer-instruction round; the
    statistics count the new answer instead of the old one.
    """
    user = await require_user(request)
    session, question = await question_of(request)
    body = await load_body(request, answer_body_schema)
    answer_id = request.match_info["answer_id"]
    updated = await change_answer(request.app, user, session, question, answer_id, body)
    return web.json_response(answers_schema.dump([updated]))


@routes.post(PREFIXED + "/answer/{answer_id}/hide")
@routes.post(ONE + "/answer/{answer_id}/hide")
@operation(
    query=hide_query_schema, responses={200: anonymous_answer_schema}, errors=(403, 404, 409)
)
async def hide_free_text_answer(request: web.Request) -> web.Response:
    """`hide=true` (default) hides a free-text answer from participants when the results
    are revealed, `false` shows it again (owner). 409 `not-freetext` for other types."""
    session, question = await owned_question(request)
    hide = load_query(request, hide_query_schema)["hide"]
    answer_id = request.match_info["answer_id"]
    answer = await hide_answer(request.app, session, question, answer_id, hide)
    return web.json_response(anonymous_answer_schema.dump(answer))


@routes.delete(PREFIXED + "/answer/{answer_id}")
@routes.delete(ONE + "/answer/{answer_id}")
@operation(responses={204: None}, errors=(403, 404, 409))
async def delete_answer(request: web.Request) -> web.Response:
    """The author (while the session is open) or the owner deletes an answer."""
    user = await require_user(request)
    session, question = await question_of(request)
    await remove_answer(request.app, user, session, question, request.match_info["answer_id"])
    return web.Response(status=204)


@routes.delete(PREFIXED + "/answer/")
@routes.delete(ONE + "/answer/")
@operation(responses={200: question_schema}, errors=(403, 404))
async def delete_answers(request: web.Request) -> web.Response:
    """Deletes every answer of every round (owner); the question is back in round 1.

    ARSnova 2's reset of a question's answers: `PiRoundResetEvent`, `resetPiRound`.
    """
    session, question = await owned_question(request)
    updated = await reset_answers(request.app, session, question)
    return web.json_response(question_schema.dump(updated))


@routes.post(PREFIXED + "/startnewpiround")
@routes.post(ONE + "/startnewpiround")
@operation(responses={200: question_schema}, errors=(403, 404))
async def start_pi_round(request: web.Request) -> web.Response:
    """Starts the next peer-instruction round now (owner): answers go to it, every participant
    answers again, the earlier rounds' answers stay for comparing (statistics' `rounds`).

    No limit on the number of rounds. `PiRoundStartedEvent`, `startDelayedPiRound`.
    """
    session, question = await owned_question(request)
    updated = await start_new_round(request.app, session, question)
    return web.json_response(question_schema.dump(updated))


@routes.get("/session/{keyword}/bin/")
@operation(query=list_query_schema, responses={200: binned_schema}, errors=(403, 404))
async def list_bin(request: web.Request) -> web.Response:
    """Deleted questions of the session, restorable until `ARSNOVA_BIN_RETENTION` ends (owner)."""
    _user, session = await owned_session(request)
    page = page_of(load_query(request, list_query_schema), list_query_schema)
    binned = await request.app[store_key].questions.binned(session["id"], page)
    return web.json_response(binned_schema.dump(binned))


@routes.post("/session/{keyword}/bin/{question_id}/restore")
@operation(responses={200: question_schema}, errors=(403, 404))
async def restore_question(request: web.Request) -> web.Response:
    """Puts a deleted question back, with its answers (owner)."""
    user, session = await owned_session(request)
    question_id = request.match_info["question_id"]
    question = await service.restore_question(request.app, session, question_id)
    return web.json_response(dump_question(user, session, question))
