"""The default namespace `/` of the legacy ARSnova clients: setSession and setFeedback.

A socket belongs to a login either from the `JSESSIONID` cookie of its
handshake or through `POST /socket/assign`. Events from a socket that is
not bound are refused; a socket whose login ended is disconnected: at once
on logout (`disconnect_login`), on expiry by the sweep that also drops
`/events` connections (`check_logins`).
Every event gets an acknowledgement: the result, or `{"error": {"code",
"message"}}`; nothing a client sends can crash the server or leak a traceback.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import socketio
from aiohttp import web

from arsnova.auth import COOKIE_NAME, identity_of, login_of_token, user_of
from arsnova.errors import (
    ArsnovaError,
    BadRequest,
    Conflict,
    Forbidden,
    InternalError,
    Unauthorized,
)
from arsnova.identity import Identity, User
from arsnova.keys import (
    broadcaster_key,
    load_key,
    node_key,
    rate_limiter_key,
    settings_key,
    store_key,
)
from arsnova.metrics import counted
from arsnova.ratelimit import SOCKET_EVENTS, by_user
from arsnova.realtime.adapters.transport import aiohttp_request
from arsnova.realtime.delivery.broadcaster import (
    moderator_room,
    session_room,
    staff_room,
    voter_room,
)
from arsnova.realtime.namespaces.payloads import connection_refused, error_body, load
from arsnova.schemas.feedback import JoinedSchema, SetFeedbackSchema, SetSessionSchema
from arsnova.services.feedback import feedback_summary, give_feedback
from arsnova.services.policy import manages, moderates_qa, released_for
from arsnova.services.sessions import find_session, join_session
from arsnova.store import translate_errors
from arsnova.store.sessions import Session

log = logging.getLogger(__name__)

set_session_schema = SetSessionSchema()
set_feedback_schema = SetFeedbackSchema()
joined_schema = JoinedSchema()
LIFECYCLE = ("connect", "disconnect")


@dataclass
class SocketState:
    address: str
    user: User | None = None
    login_id: str | None = None  # None while unbound, or bound by an access token
    keyword: str | None = None  # the session whose rooms it is in
    counted_in: str | None = None  # the session whose active users count it


def error_ack(exc: ArsnovaError) -> dict[str, Any]:
    return {"error": error_body(exc)}


class LegacyNamespace(socketio.AsyncNamespace):
    def __init__(self, namespace: str, app: web.Application) -> None:
        super().__init__(namespace)
        self.app = app
        self.sockets: dict[str, SocketState] = {}
        self.events: dict[str, Callable[[str, Any], Awaitable[Any]]] = {
            "setSession": self.set_session,
            "setFeedback": self.set_feedback,
        }

    async def trigger_event(self, event: str, *args: Any) -> Any:
        """Routes client events; unknown ones and forged lifecycle events get an error ack."""
        sid = args[0]
        connected = self.server.manager.is_connected(sid, self.namespace)
        if event in LIFECYCLE and not connected:
            return await super().trigger_event(event, *args)
        handler = self.events.get(event)
        try:
            await self.app[rate_limiter_key].hit(SOCKET_EVENTS, "s:" + sid)
            if handler is None:
                raise BadRequest(f"There is no event {event!r}.", code="unknown-event")
            with translate_errors():
                return await handler(sid, args[1] if len(args) > 1 else None)
        except ArsnovaError as exc:
            return error_ack(exc)
        except Exception:
            log.exception("socket event %r from %s failed", event, sid)
            return error_ack(InternalError())

    @counted("connect")
    async def on_connect(self, sid: str, environ: dict, auth: Any = None) -> None:
        """Registers the socket, bound to the login of its cookie if it has one, in its turn
        (`realtime/admission.py`).

        The address comes from the aiohttp request: python-engineio's environ
        hard-codes REMOTE_ADDR.
        """
        request = aiohttp_request(environ)
        address = request.remote or ""
        token = request.cookies.get(COOKIE_NAME)

        async def register() -> tuple[Identity | None, str | None]:
            login = await login_of_token(self.app, token, touch=False)
            identity = None if login is None else identity_of(login)
            login_id = None if login is None else login["id"]
            await self.app[store_key].sockets.add(
                sid, self.app[node_key], address, identity, login_id
            )
            return identity, login_id

        try:
            identity, login_id = await self.app[load_key].admit(register)
        except ArsnovaError as exc:
            raise connection_refused(exc) from None
        user = None if identity is None else user_of(self.app[settings_key], identity)
        self.sockets[sid] = SocketState(address, user, login_id)
        log.debug("socket %s connected from %s as %s", sid, address, user)

    async def on_disconnect(self, sid: str, reason: str | None = None) -> None:
        state = self.sockets.pop(sid, None)
        with contextlib.suppress(ArsnovaError), translate_errors():
            await self.app[store_key].sockets.remove(sid)
        if state is not None and state.counted_in is not None and state.user is not None:
            await self.app[broadcaster_key].left(state.counted_in, state.user.username)
        log.debug("socket %s disconnected (%s)", sid, reason)

    def login_ids(self) -> dict[str, str]:
        """The login of each socket bound to one (for `check_logins`)."""
        return {sid: state.login_id for sid, state in self.sockets.items() if state.login_id}

    def state_of(self, sid: str) -> SocketState:
        """A connected socket's state. A socket can go while its event waits (its turn to
        join, the database): what it asked is then not done, and its answer goes nowhere."""
        state = self.sockets.get(sid)
        if state is None:
            raise Conflict("This socket disconnected.", code="socket-disconnected")
        return state

    async def bound_user(self, sid: str) -> User:
        """The socket's user; an assign on any node is picked up from the database.

        A login that ended before the pick-up binds nothing (the sweep only
        knows the logins of sockets it has seen bound).
        """
        state = self.state_of(sid)
        if state.user is None:
            store = self.app[store_key]
            binding = await store.sockets.binding_of(sid)
            login_id = None if binding is None else binding[1]
            if binding is None or (login_id and not await store.logins.alive([login_id])):
                raise Unauthorized(
                    "Bind this socket to your login first (POST /socket/assign).",
                    code="socket-not-bound",
                )
            state.user, state.login_id = user_of(self.app[settings_key], binding[0]), login_id
        return state.user

    @counted("join")
    async def set_session(self, sid: str, data: Any) -> dict[str, Any]:
        """Joins a lecture session's room, leaving the previous one, in its turn
        (`realtime/admission.py`); returns the session's live state."""
        return await self.app[load_key].admit(lambda: self.join(sid, data))

    async def join(self, sid: str, data: Any) -> dict[str, Any]:
        user = await self.bound_user(sid)
        keyword = load(set_session_schema, data)["keyword"]
        store = self.app[store_key]
        caller, address = by_user(user.username), self.state_of(sid).address
        session = await find_session(self.app, keyword, caller, address, join=True)
        # Independent round trips run together: a lecture hall joins at once.
        await asyncio.gather(
            join_session(self.app, user.username, session), store.sockets.join(sid, keyword)
        )
        await self.move(sid, user, self.state_of(sid).keyword, session)
        broadcaster = self.app[broadcaster_key]
        await self.count_in(sid, keyword, user.username)
        summary, unanswered, active_users, my_feedback = await asyncio.gather(
            feedback_summary(self.app, session),
            store.questions.unanswered(session["id"], user.username, released_for(user)),
            broadcaster.active_user_count(keyword),
            store.feedback.of_user(session["id"], user.username),
        )
        return joined_schema.dump({
            "keyword": keyword,
            "active": session["active"],
            "feedback_lock": summary["feedback_lock"],
            "feedback_data": summary["values"],
            "rounded_average": summary["rounded_average"],
            "active_users": active_users,
            "my_feedback": my_feedback,
            "unanswered": [question["id"] for question in unanswered],
        })  # fmt: skip

    async def count_in(self, sid: str, keyword: str, username: str) -> None:
        """Counts the socket among the session's active users, once it is in the room.

        `counted_in` changes with no await between the check and the change,
        so a disconnect handled meanwhile uncounts exactly what was counted.
        """
        state = self.sockets.get(sid)
        if state is None or state.counted_in == keyword:
            return
        before, state.counted_in = state.counted_in, keyword
        broadcaster = self.app[broadcaster_key]
        if before is not None:
            await broadcaster.left(before, username)
        await broadcaster.entered(keyword, username)

    async def move(self, sid: str, user: User, previous: str | None, session: Session) -> None:
        if previous is not None:
            for room in (
                session_room(previous),
                staff_room(previous),
                moderator_room(previous),
                voter_room(previous, user.username),
            ):
                await self.leave_room(sid, room)
        keyword = session["keyword"]
        await self.enter_room(sid, session_room(keyword))
        await self.enter_room(sid, voter_room(keyword, user.username))
        if manages(user, session):
            await self.enter_room(sid, staff_room(keyword))
        if moderates_qa(user, session):  # named or dropped later: services.qa.regroup_staff
            await self.enter_room(sid, moderator_room(keyword))
        self.state_of(sid).keyword = keyword

    async def set_feedback(self, sid: str, data: Any) -> dict[str, Any]:
        """Records the user's vote in the session this socket joined."""
        user = await self.bound_user(sid)
        vote = load(set_feedback_schema, data)
        keyword = vote["sessionkey"]
        if self.state_of(sid).keyword != keyword:
            raise Forbidden("Join this lecture session first (setSession).", code="not-in-session")
        session = await self.app[store_key].sessions.by_keyword(keyword)
        await give_feedback(self.app, session, user, vote["feedback"])
        return {"feedback": vote["feedback"]}
