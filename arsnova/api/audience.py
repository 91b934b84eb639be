"""/session/{keyword}/interposed/…: questions from the audience to the lecturer.

Anonymous to the owner: no response carries the author. Lists leave out
`text` (the seed's footnote); fetching one question as the owner marks it read.
"""

from __future__ import annotations

from aiohttp import web

from arsnova.api.openapi import operation
from arsnova.api.params import load_body, load_query, page_of
from arsnova.api.sessions import owned_session, participant_session
from arsnova.schemas.interposed import (
    AudienceQuestionCreateSchema,
    AudienceQuestionListQuerySchema,
    AudienceQuestionSchema,
    AudienceQuestionSummarySchema,
)
from arsnova.services import audience as service

routes = web.RouteTableDef()
question_schema = AudienceQuestionSchema()
questions_schema = AudienceQuestionSummarySchema(many=True)
create_schema = AudienceQuestionCreateSchema()
list_query_schema = AudienceQuestionListQuerySchema()


@routes.get("/session/{keyword}/interposed/")
@operation(query=list_query_schema, responses={200: questions_schema}, errors=(403, 404))
async def list_audience_questions(request: web.Request) -> web.Response:
    """All questions for the owner (admin: those `user` may see), the caller's own otherwise."""
    user, session = await participant_session(request)
    query = load_query(request, list_query_schema)
    page = page_of(query, list_query_schema)
    questions = await service.questions_for(request.app, user, session, query.get("user"), page)
    return web.json_response(questions_schema.dump(questions))


@routes.post("/session/{keyword}/interposed/")
@operation(body=create_schema, responses={201: question_schema}, errors=(403, 404, 409))
async def create_audience_question(request: web.Request) -> web.Response:
    """Any participant asks; 409 `session-locked` once the owner locked the session."""
    user, session = await participant_session(request)
    question = await service.ask(
        request.app, user, session, await load_body(request, create_schema)
    )
    return web.json_response(question_schema.dump(question), status=201)


@routes.delete("/session/{keyword}/interposed/")
@operation(responses={204: None}, errors=(403, 404))
async def delete_audience_questions(request: web.Request) -> web.Response:
    """Deletes every interposed question of the session (owner only)."""
    _user, session = await owned_session(request)
    await service.clear(request.app, session)
    return web.Response(status=204)


@routes.get("/session/{keyword}/interposed/{question_id}")
@operation(responses={200: question_schema}, errors=(403, 404))
async def get_audience_question(request: web.Request) -> web.Response:
    """With `text`; the owner's (or an admin's) read sets `read`, the author's does not."""
    user, session = await participant_session(request)
    question_id = request.match_info["question_id"]
    question = await service.question_for(request.app, user, session, question_id)
    return web.json_response(question_schema.dump(question))


@routes.delete("/session/{keyword}/interposed/{question_id}")
@operation(responses={204: None}, errors=(403, 404))
async def delete_audience_question(request: web.Request) -> web.Response:
    """Deletes one question (the owner, an admin or its author)."""
    user, session = await participant_session(request)
    await service.withdraw(request.app, user, session, request.match_info["question_id"])
    return web.Response(status=204)
