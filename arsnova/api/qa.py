"""/session/{keyword}/qa/…: audience Q&A (issue 21), the rules in `services/qa.py`.

Participants, the owner, admins and the session's co-moderators call these;
staff responses carry the word filter's hits (`flagged`), nothing carries an author.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from arsnova.api.openapi import operation
from arsnova.api.params import load_body, load_query
from arsnova.api.sessions import participant_session
from arsnova.identity import User
from arsnova.schemas.qa import (
    QaListQuerySchema,
    QaPublicSettingsSchema,
    QaQuestionCreateSchema,
    QaQuestionListSchema,
    QaQuestionPatchSchema,
    QaQuestionSchema,
    QaSettingsSchema,
    QaStudentQuestionListSchema,
    QaStudentQuestionSchema,
    QaVoteSchema,
)
from arsnova.services import qa as service
from arsnova.services.policy import moderates_qa
from arsnova.store.sessions import Session

routes = web.RouteTableDef()
settings_schema = QaSettingsSchema()
public_settings_schema = QaPublicSettingsSchema()
question_schema = QaQuestionSchema()
student_question_schema = QaStudentQuestionSchema()
list_schema = QaQuestionListSchema()
student_list_schema = QaStudentQuestionListSchema()
create_schema = QaQuestionCreateSchema()
patch_schema = QaQuestionPatchSchema()
vote_schema = QaVoteSchema()
list_query_schema = QaListQuerySchema()
QUESTION = "/session/{keyword}/qa/questions/{question_id}"


def dump_question(user: User, session: Session, question: dict[str, Any]) -> dict[str, Any]:
    """Staff see the word filter's hits, participants do not."""
    staff = moderates_qa(user, session)
    return (question_schema if staff else student_question_schema).dump(question)


def dump_settings(user: User, session: Session, settings: dict[str, Any]) -> dict[str, Any]:
    staff = moderates_qa(user, session)
    return (settings_schema if staff else public_settings_schema).dump(settings)


@routes.get("/session/{keyword}/qa/settings")
@operation(responses={200: settings_schema}, errors=(403, 404))
async def get_qa_settings(request: web.Request) -> web.Response:
    """The Q&A settings and `highlightedId` (the question the presenter view shows);
    `wordFilter` and `moderators` for staff only."""
    user, session = await participant_session(request)
    settings = await service.settings_for(request.app, user, session)
    return web.json_response(dump_settings(user, session, settings))


@routes.put("/session/{keyword}/qa/settings")
@operation(body=settings_schema, responses={200: settings_schema}, errors=(403, 404))
async def put_qa_settings(request: web.Request) -> web.Response:
    """The owner changes them (left-out properties stay); co-moderators may not."""
    user, session = await participant_session(request)
    fields = await load_body(request, settings_schema)
    settings = await service.change_settings(request.app, user, session, fields)
    return web.json_response(dump_settings(user, session, settings))


@routes.get("/session/{keyword}/qa/questions")
@operation(query=list_query_schema, responses={200: list_schema}, errors=(403, 404))
async def list_qa_questions(request: web.Request) -> web.Response:
    """One page of one status (participants: `approved`, their own waiting ones first on the
    first page). `votes`: pinned, score, newest; `newest`: pinned, newest; `unanswered`."""
    user, session = await participant_session(request)
    query = load_query(request, list_query_schema)
    questions, total = await service.list_questions(request.app, user, session, query)
    schema = list_schema if moderates_qa(user, session) else student_list_schema
    return web.json_response(schema.dump({"questions": questions, "total": total}))


@routes.post("/session/{keyword}/qa/questions")
@operation(body=create_schema, responses={201: question_schema}, errors=(403, 404, 409))
async def create_qa_question(request: web.Request) -> web.Response:
    """Asks (anonymously); 409 `qa-closed`, `session-locked`. Waits for approval under
    pre-moderation or when the word filter catches a word."""
    user, session = await participant_session(request)
    fields = await load_body(request, create_schema)
    question = await service.ask(request.app, user, session, fields)
    body = dump_question(user, session, await service.view(request.app, user, question))
    return web.json_response(body, status=201)


@routes.get(QUESTION)
@operation(responses={200: question_schema}, errors=(403, 404))
async def get_qa_question(request: web.Request) -> web.Response:
    """Participants: an approved question or their own."""
    user, session = await participant_session(request)
    question_id = request.match_info["question_id"]
    question = await service.question_for(request.app, user, session, question_id)
    return web.json_response(dump_question(user, session, question))


@routes.patch(QUESTION)
@operation(body=patch_schema, responses={200: question_schema}, errors=(403, 404, 409))
async def patch_qa_question(request: web.Request) -> web.Response:
    """The author: `text`, `subject` until answered (409 `qa-question-answered`); staff:
    `status`, `answered`, `highlighted` (one per session), `pinned`, `reply`."""
    user, session = await participant_session(request)
    fields = await load_body(request, patch_schema)
    question_id = request.match_info["question_id"]
    question = await service.change(request.app, user, session, question_id, fields)
    return web.json_response(dump_question(user, session, question))


@routes.delete(QUESTION)
@operation(responses={204: None}, errors=(403, 404, 409))
async def delete_qa_question(request: web.Request) -> web.Response:
    """Staff; or its author until it is answered."""
    user, session = await participant_session(request)
    await service.delete(request.app, user, session, request.match_info["question_id"])
    return web.Response(status=204)


@routes.put(QUESTION + "/vote")
@operation(body=vote_schema, responses={200: question_schema}, errors=(403, 404, 409))
async def vote_qa_question(request: web.Request) -> web.Response:
    """One vote per user: 1, or -1 where downvotes are on (409 `qa-downvotes-off`); another
    value replaces it. An approved question only (404 otherwise)."""
    user, session = await participant_session(request)
    value = (await load_body(request, vote_schema))["value"]
    question_id = request.match_info["question_id"]
    question = await service.vote(request.app, user, session, question_id, value)
    return web.json_response(dump_question(user, session, question))


@routes.delete(QUESTION + "/vote")
@operation(responses={200: question_schema}, errors=(403, 404, 409))
async def unvote_qa_question(request: web.Request) -> web.Response:
    """Takes the caller's vote back (none: nothing changes)."""
    user, session = await participant_session(request)
    question_id = request.match_info["question_id"]
    question = await service.vote(request.app, user, session, question_id, None)
    return web.json_response(dump_question(user, session, question))
