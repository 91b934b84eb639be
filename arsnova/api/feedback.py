"""/session/{keyword}/feedback…: live feedback for clients without a socket."""

from __future__ import annotations

from aiohttp import web

from arsnova.api.openapi import operation
from arsnova.api.params import load_body, load_query
from arsnova.api.sessions import owned_session, participant_session
from arsnova.keys import broadcaster_key, store_key
from arsnova.schemas.feedback import (
    FeedbackLockQuerySchema,
    FeedbackSchema,
    FeedbackVoteSchema,
    MyFeedbackSchema,
)
from arsnova.schemas.session import SessionSchema
from arsnova.services.feedback import feedback_summary, give_feedback

routes = web.RouteTableDef()
feedback_schema = FeedbackSchema()
vote_schema = FeedbackVoteSchema()
my_feedback_schema = MyFeedbackSchema()
lock_query_schema = FeedbackLockQuerySchema()
session_schema = SessionSchema()


@routes.get("/session/{keyword}/feedback")
@operation(responses={200: feedback_schema}, errors=(403, 404))
async def get_feedback(request: web.Request) -> web.Response:
    """The current counts `[faster, ok, slower, away]` and their rounded average."""
    _user, session = await participant_session(request)
    return web.json_response(feedback_schema.dump(await feedback_summary(request.app, session)))


@routes.post("/session/{keyword}/feedback")
@operation(
    body=vote_schema,
    body_also={"type": "integer", "minimum": 0, "maximum": 3},
    responses={201: feedback_schema},
    errors=(403, 404, 409),
)
async def post_feedback(request: web.Request) -> web.Response:
    """Gives the caller's vote (0 faster, 1 ok, 2 slower, 3 away); the body may be a bare number.

    409 `session-locked` or `feedback-locked` while the owner locked either.
    """
    user, session = await participant_session(request)
    value = (await load_body(request, vote_schema))["value"]
    await give_feedback(request.app, session, user, value)
    summary = await feedback_summary(request.app, session)
    return web.json_response(feedback_schema.dump(summary), status=201)


@routes.delete("/session/{keyword}/feedback")
@operation(responses={204: None}, errors=(403, 404))
async def reset_feedback(request: web.Request) -> web.Response:
    """Clears every vote of the session (owner); voters get `feedbackReset`."""
    _user, session = await owned_session(request)
    await request.app[store_key].feedback.reset(session["id"])
    await request.app[broadcaster_key].feedback_reset(session["keyword"])
    return web.Response(status=204)


@routes.get("/session/{keyword}/myfeedback")
@operation(responses={200: my_feedback_schema}, errors=(403, 404))
async def get_my_feedback(request: web.Request) -> web.Response:
    """The caller's current vote, or null."""
    user, session = await participant_session(request)
    value = await request.app[store_key].feedback.of_user(session["id"], user.username)
    return web.json_response(my_feedback_schema.dump({"value": value}))


@routes.post("/session/{keyword}/lockfeedbackinput")
@operation(query=lock_query_schema, responses={200: session_schema}, errors=(403, 404))
async def lock_feedback_input(request: web.Request) -> web.Response:
    """`lock=true` (default) refuses new votes, `false` accepts them again (owner)."""
    _user, session = await owned_session(request)
    locked = load_query(request, lock_query_schema)["lock"]
    updated = await request.app[store_key].sessions.update(
        session["keyword"], {"feedback_lock": locked}
    )
    await request.app[broadcaster_key].feedback_lock_changed(session["keyword"], locked)
    return web.json_response(session_schema.dump(updated))
