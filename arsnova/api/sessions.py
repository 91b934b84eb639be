"""/session/…: lecture sessions (create, list, join, lock, change, delete)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from arsnova.api.openapi import TEXT, operation
from arsnova.api.params import load_body, load_query, page_of
from arsnova.auth import PLATFORM_SCOPE, caller_of, has_scope, require_user
from arsnova.identity import User
from arsnova.keys import store_key
from arsnova.schemas.session import (
    IntegrationSessionCreateSchema,
    LockQuerySchema,
    LoggedInSchema,
    ParticipantSessionSchema,
    PresentedSchema,
    SessionCreateSchema,
    SessionListQuerySchema,
    SessionSchema,
)
from arsnova.services import sessions as service
from arsnova.services.policy import manages, require_list_user, require_owner, require_participant
from arsnova.store.common import now
from arsnova.store.sessions import Session

routes = web.RouteTableDef()
session_schema = SessionSchema()
sessions_schema = SessionSchema(many=True)
participant_session_schema = ParticipantSessionSchema()
create_schema = SessionCreateSchema()
integration_create_schema = IntegrationSessionCreateSchema()
integration_update_schema = IntegrationSessionCreateSchema(partial=True)
update_schema = SessionCreateSchema(partial=True)
list_query_schema = SessionListQuerySchema()
lock_query_schema = LockQuerySchema()
logged_in_schema = LoggedInSchema()
presented_schema = PresentedSchema()


async def session_of(request: web.Request, *, join: bool = False) -> Session:
    """The lecture session named by the `{keyword}` of the path (404 if none; probing is limited).

    `join`: the caller joins it.
    """
    keyword = request.match_info["keyword"]
    caller = await caller_of(request)
    return await service.find_session(request.app, keyword, caller, request.remote, join=join)


async def owned_session(request: web.Request) -> tuple[User, Session]:
    """The caller and the session of the path, if the caller owns it (or is an admin)."""
    user = await require_user(request)
    session = await session_of(request)
    require_owner(user, session)
    return user, session


async def participant_session(request: web.Request) -> tuple[User, Session]:
    """The caller and the session of the path, if the caller takes part in it."""
    user = await require_user(request)
    session = await session_of(request)
    await require_participant(request.app, user, session)
    return user, session


def session_view(user: User, session: Session) -> dict[str, Any]:
    """The session on the wire: with its owner's name only for the owner and admins."""
    return (session_schema if manages(user, session) else participant_session_schema).dump(session)


@routes.get("/session/")
@operation(query=list_query_schema, responses={200: sessions_schema, 501: TEXT}, errors=(403,))
async def list_sessions(request: web.Request) -> web.Response:
    """Sessions the user visited (`visitedonly`) or owns (`ownedonly`); all for admins."""
    user = await require_user(request)
    query = load_query(request, list_query_schema)
    if not (query["visitedonly"] or query["ownedonly"] or user.is_admin):
        return web.Response(
            status=501,
            text="Set visitedonly=true or ownedonly=true.",
            content_type="text/plain",
        )
    username = require_list_user(user, query.get("user"))
    page = page_of(query, list_query_schema)
    sessions = request.app[store_key].sessions
    if query["ownedonly"]:
        found = await sessions.owned(username, page)
    elif query["visitedonly"]:
        found = await sessions.visited(username, page)
    else:
        found = await sessions.everything(page)
    return web.json_response([session_view(user, session) for session in found])


@routes.post("/session/")
@operation(body=create_schema, responses={201: session_schema})
async def create_session(request: web.Request) -> web.Response:
    """Creates a session under a new random keyword; the caller owns it.

    With a platform's access token it is a course session (`courseType`
    defaults to the token's name) and may set `courseId` and a participant
    `capacity`; the platform's students (logged in through a link) may not.
    """
    user = await require_user(request)
    course = has_scope(request, PLATFORM_SCOPE)
    fields = await load_body(request, integration_create_schema if course else create_schema)
    session = await service.create_session(request.app, user, fields, course=course)
    return web.json_response(session_schema.dump(session), status=201)


@routes.get("/session/{keyword}")
@operation(responses={200: session_schema}, errors=(404,))
async def get_session(request: web.Request) -> web.Response:
    """Returns the session and records the visit (joining it as a participant)."""
    user = await require_user(request)
    session = await session_of(request, join=True)
    await service.join_session(request.app, user.username, session)
    return web.json_response(session_view(user, session))


@routes.put("/session/{keyword}")
@operation(body=update_schema, responses={200: session_schema}, errors=(403, 404))
async def update_session(request: web.Request) -> web.Response:
    """Changes name, shortName or active (owner); whole legacy objects are accepted.

    With a platform's access token also `courseId`, `courseType` and `capacity`.
    """
    _user, session = await owned_session(request)
    schema = integration_update_schema if has_scope(request, PLATFORM_SCOPE) else update_schema
    updated = await service.change_session(request.app, session, await load_body(request, schema))
    return web.json_response(session_schema.dump(updated))


@routes.delete("/session/{keyword}")
@operation(responses={204: None}, errors=(403, 404))
async def delete_session(request: web.Request) -> web.Response:
    """Deletes the session with its questions, answers and interposed questions."""
    _user, session = await owned_session(request)
    await service.delete_session(request.app, session)
    return web.Response(status=204)


@routes.post("/session/{keyword}/online")
@operation(responses={201: logged_in_schema}, errors=(404,))
async def join_session_online(request: web.Request) -> web.Response:
    """Deprecated (use Socket.IO): joins the session and returns login details."""
    user = await require_user(request)
    session = await session_of(request, join=True)
    await service.join_session(request.app, user.username, session)
    visited = await request.app[store_key].sessions.visited(
        user.username, page_of({}, list_query_schema)
    )
    body = {
        "user": user.username,
        "session_id": session["id"],
        "timestamp": now(),
        "visited_sessions": visited,
    }
    return web.json_response(logged_in_schema.dump(body), status=201)


@routes.post("/session/{keyword}/lock")
@operation(query=lock_query_schema, responses={204: None}, errors=(403, 404))
async def lock_session(request: web.Request) -> web.Response:
    """`lock=true` (default) closes the session to answers, questions and votes; 204."""
    _user, session = await owned_session(request)
    query = load_query(request, lock_query_schema)
    await service.change_session(request.app, session, {"active": not query["lock"]})
    return web.Response(status=204)


@routes.put("/session/{keyword}/presented")
@operation(body=presented_schema, responses={200: presented_schema}, errors=(403, 404))
async def present_question(request: web.Request) -> web.Response:
    """Puts a question of the session on the owner's presenter page (`null`: none).

    The owner's pages (presenter and control) follow it live: `presentedQuestion`
    to the owner's sockets, `PresentedQuestionChangedEvent` (owner only) on `/events`.
    404 `question-not-found` for a question of another session.
    """
    _user, session = await owned_session(request)
    body = await load_body(request, presented_schema)
    question_id = await service.present_question(request.app, session, body["question_id"])
    return web.json_response(presented_schema.dump({"question_id": question_id}))
