"""/session/{keyword}/interposed/…: questions from the audience to the lecturer.

Anonymous to the owner: no response carries the author. Lists leave out
`text` (the seed's footnote); fetching one question as the owner marks it read.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from arsnova.api.openapi import operation
from arsnova.api.params import load_body, load_query, page_of
from arsnova.api.sessions import owned_session, participant_session
from arsnova.errors import Forbidden
from arsnova.identity import User
from arsnova.keys import broadcaster_key, store_key
from arsnova.schemas.interposed import (
    AudienceQuestionCreateSchema,
    AudienceQuestionListQuerySchema,
    AudienceQuestionSchema,
    AudienceQuestionSummarySchema,
)
from arsnova.services.policy import manages, require_list_user, require_open

routes = web.RouteTableDef()
question_schema = AudienceQuestionSchema()
questions_schema = AudienceQuestionSummarySchema(many=True)
create_schema = AudienceQuestionCreateSchema()
list_query_schema = AudienceQuestionListQuerySchema()


def require_owner_or_author(user: User, session: dict[str, Any], question: dict[str, Any]) -> None:
    if not (manages(user, session) or question["author"] == user.username):
        raise Forbidden(
            "Only the owner of the session or the question's author may do this.",
            code="owner-or-author-only",
        )


@routes.get("/session/{keyword}/interposed/")
@operation(query=list_query_schema, responses={200: questions_schema}, errors=(403, 404))
async def list_audience_questions(request: web.Request) -> web.Response:
    """All questions for the owner (admin: those `user` may see), the caller's own otherwise."""
    user, session = await participant_session(request)
    query = load_query(request, list_query_schema)
    username = require_list_user(user, query.get("user"))
    sees_all = username == session["creator"] or (username == user.username and user.is_admin)
    questions = await request.app[store_key].interposed.of_session(
        session["id"], page_of(query, list_query_schema), author=None if sees_all else username
    )
    return web.json_response(questions_schema.dump(questions))


@routes.post("/session/{keyword}/interposed/")
@operation(body=create_schema, responses={201: question_schema}, errors=(403, 404, 409))
async def create_audience_question(request: web.Request) -> web.Response:
    """Any participant asks; 409 `session-locked` once the owner locked the session."""
    user, session = await participant_session(request)
    require_open(session)
    fields = await load_body(request, create_schema)
    question = await request.app[store_key].interposed.create(session, user.username, fields)
    await request.app[broadcaster_key].audience_question_created(session["keyword"], question["id"])
    return web.json_response(question_schema.dump(question), status=201)


@routes.delete("/session/{keyword}/interposed/")
@operation(responses={204: None}, errors=(403, 404))
async def delete_audience_questions(request: web.Request) -> web.Response:
    """Deletes every interposed question of the session (owner only)."""
    _user, session = await owned_session(request)
    deleted = await request.app[store_key].interposed.delete_all(session["id"])
    await request.app[broadcaster_key].audience_questions_deleted(session["keyword"], deleted)
    return web.Response(status=204)


async def own_or_authored_question(request: web.Request) -> tuple[User, dict, dict]:
    """The `{question_id}` of the path, if the caller owns the session or wrote it."""
    user, session = await participant_session(request)
    question_id = request.match_info["question_id"]
    question = await request.app[store_key].interposed.get(session["id"], question_id)
    require_owner_or_author(user, session, question)
    return user, session, question


@routes.get("/session/{keyword}/interposed/{question_id}")
@operation(responses={200: question_schema}, errors=(403, 404))
async def get_audience_question(request: web.Request) -> web.Response:
    """With `text`; the owner's (or an admin's) read sets `read`, the author's does not."""
    user, session, question = await own_or_authored_question(request)
    if manages(user, session) and not question["read"]:
        question = await request.app[store_key].interposed.mark_read(session["id"], question["id"])
        await request.app[broadcaster_key].audience_question_read(
            session["keyword"], question["id"]
        )
    return web.json_response(question_schema.dump(question))


@routes.delete("/session/{keyword}/interposed/{question_id}")
@operation(responses={204: None}, errors=(403, 404))
async def delete_audience_question(request: web.Request) -> web.Response:
    """Deletes one question (the owner, an admin or its author)."""
    _user, session, question = await own_or_authored_question(request)
    await request.app[store_key].interposed.delete(session["id"], question["id"])
    await request.app[broadcaster_key].audience_questions_deleted(
        session["keyword"], [question["id"]]
    )
    return web.Response(status=204)
