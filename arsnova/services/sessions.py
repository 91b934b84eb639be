"""Lecture sessions: creating, joining, changing, locking and deleting them, and what follows.

A session's owner is its creator. A platform's access token creates course
sessions (a course type and id, a participant capacity); anybody else plain
ones. Joining records a visit, which makes the user a participant. Locking
closes the session to answers, questions and votes, tells its sockets, and
starts its places' expiry; deleting removes everything of it, while its
places stay a while so their links can still say `session-deleted`.
The owner's presenter page shows one question at a time: which one is stored
with the session and told to the owner's pages only (students need not know).
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from arsnova.auth import SERVICE_PREFIX
from arsnova.identity import User
from arsnova.keys import broadcaster_key, rate_limiter_key, settings_key, store_key
from arsnova.ratelimit import by_address
from arsnova.services.policy import require_may_create
from arsnova.store.sessions import Session


async def create_session(
    app: web.Application, user: User, fields: dict[str, Any], *, course: bool
) -> Session:
    """A new session under a random keyword, owned by `user`; `course`: a platform's."""
    require_may_create(user)
    if course:
        fields = {"course_session": True, **fields}
        fields.setdefault("course_type", user.username.removeprefix(SERVICE_PREFIX))
    fields.setdefault("short_name", fields["name"][:12])
    return await app[store_key].sessions.create(user.username, fields)


async def find_session(
    app: web.Application, keyword: str, caller: str, address: str | None, *, join: bool = False
) -> Session:
    """The session of a keyword a client sent (404 if none), under the limits on probing.

    A wrong keyword counts against the caller (a rate-limit key) and its
    address; `join`: the lookup joins the session (counted per address).
    """
    async with app[rate_limiter_key].keyword_lookup(caller, by_address(address), join=join):
        return await app[store_key].sessions.by_keyword(keyword)


async def join_session(app: web.Application, username: str, session: Session) -> None:
    """The user takes part in the session from now on (REST, `/`, `/events` or a place)."""
    await app[store_key].sessions.record_visit(username, session)


async def change_session(app: web.Application, session: Session, fields: dict[str, Any]) -> Session:
    """Stores the owner's changes; a lock or unlock is announced and moves place expiry."""
    updated = await app[store_key].sessions.update(session["keyword"], fields)
    if session["active"] != updated["active"]:
        places = app[store_key].places
        if updated["active"]:
            await places.session_unlocked(updated["id"], updated.get("place_duration"))
        else:
            await places.session_locked(updated["id"], app[settings_key].place_grace)
        await app[broadcaster_key].session_active_changed(updated["keyword"], updated["active"])
    return updated


async def present_question(
    app: web.Application, session: Session, question_id: str | None
) -> str | None:
    """Puts a question of the session on the projector (None: none); 404 for another's."""
    store = app[store_key]
    if question_id is not None:
        question_id = (await store.questions.by_id(question_id, session["id"]))["id"]
    await store.sessions.present(session["keyword"], question_id)
    await app[broadcaster_key].presented_question_changed(session["keyword"], question_id)
    return question_id


async def delete_session(app: web.Application, session: Session) -> None:
    """Removes the session with everything in it; its places stay for the grace period."""
    store = app[store_key]
    await store.sessions.delete(session)
    await store.places.session_locked(session["id"], app[settings_key].place_grace)
    await app[broadcaster_key].session_deleted(session["keyword"])
