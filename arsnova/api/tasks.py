"""Long-running jobs (a session export) and global announcements, both seen on `/events`."""

from __future__ import annotations

from aiohttp import web

from arsnova.api.openapi import operation
from arsnova.api.params import load_body
from arsnova.api.sessions import owned_session
from arsnova.auth import browser_login, require_user
from arsnova.keys import broadcaster_key, store_key, task_runner_key
from arsnova.schemas.task import AnnouncementSchema, TaskSchema
from arsnova.services.policy import require_admin

routes = web.RouteTableDef()
task_schema = TaskSchema()
announcement_schema = AnnouncementSchema()


@routes.post("/session/{keyword}/export")
@operation(responses={202: task_schema}, errors=(403, 404))
async def export_session(request: web.Request) -> web.Response:
    """Starts an export of the session (owner); progress arrives as TaskEvents on `/events`."""
    user, session = await owned_session(request)
    _user, login = await browser_login(request)
    task = await request.app[store_key].tasks.create(
        "export", user.username, login["id"], session["keyword"]
    )
    request.app[task_runner_key].start_export(task, session)
    return web.json_response(task_schema.dump(task), status=202)


@routes.get("/task/{task_id}")
@operation(responses={200: task_schema}, errors=(404,))
async def get_task(request: web.Request) -> web.Response:
    """A task's status, progress and, once finished, its result (only for who started it)."""
    user = await require_user(request)
    task = await request.app[store_key].tasks.get(request.match_info["task_id"], user.username)
    return web.json_response(task_schema.dump(task))


@routes.post("/announcement")
@operation(body=announcement_schema, responses={204: None}, errors=(403,))
async def announce(request: web.Request) -> web.Response:
    """Sends an AnnouncementEvent to every `/events` connection (admins only)."""
    require_admin(await require_user(request))
    message = (await load_body(request, announcement_schema))["message"]
    await request.app[broadcaster_key].global_event("AnnouncementEvent", {"message": message})
    return web.Response(status=204)
