"""Who may do what in a lecture session: the roles' rules, for REST and both socket namespaces.

The owner (the session's creator) and admins manage a session; users who
joined it take part; everybody else is a stranger to it. Participants act
only while the session is open.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiohttp import web

from arsnova.errors import Conflict, Forbidden
from arsnova.identity import STUDENT, User
from arsnova.keys import store_key
from arsnova.store.questions import Question


def manages(user: User, session: Mapping[str, Any]) -> bool:
    """The session's owner or an admin: may change it and sees everything in it."""
    return user.username == session["creator"] or user.is_admin


def require_owner(user: User, session: Mapping[str, Any]) -> None:
    """Only the session's creator (or an admin) may change it."""
    if not manages(user, session):
        raise Forbidden("Only the owner of this lecture session may do this.", code="owner-only")


def require_may_create(user: User) -> None:
    """Creating sessions is for everyone but those a login provider calls students."""
    if user.role == STUDENT:
        raise Forbidden(
            "Your login is a student's here; only lecturers create sessions.",
            code="lecturer-role-required",
        )


def require_admin(user: User) -> None:
    """What concerns the whole server (announcements to everyone): admins only."""
    if not user.is_admin:
        raise Forbidden("Only admins may do this.", code="admin-only")


def require_owner_or_author(user: User, session: Mapping[str, Any], author: str) -> None:
    """What a participant wrote (an answer, an audience question): its author or the owner."""
    if not (manages(user, session) or author == user.username):
        raise Forbidden(
            "Only the session's owner or the author may do this.", code="owner-or-author-only"
        )


def qa_moderators(session: Mapping[str, Any]) -> list[str]:
    """The session's Q&A co-moderators (named by its owner in the Q&A settings)."""
    return list(session.get("qa", {}).get("moderators", []))


def moderates_qa(user: User, session: Mapping[str, Any]) -> bool:
    """The owner, an admin or a co-moderator: Q&A's staff. Co-moderators have no other right in
    the session: every other rule asks `manages`."""
    return manages(user, session) or user.username in qa_moderators(session)


def require_qa_moderator(user: User, session: Mapping[str, Any]) -> None:
    if not moderates_qa(user, session):
        raise Forbidden(
            "Only the session's owner and its Q&A moderators may do this.", code="qa-staff-only"
        )


async def require_participant(app: web.Application, user: User, session: Mapping[str, Any]) -> None:
    """Owner, admin, a Q&A co-moderator, or a user who joined the session (visited it)."""
    if moderates_qa(user, session):
        return
    if not await app[store_key].sessions.has_visited(user.username, session["id"]):
        raise Forbidden(
            "Join this lecture session first (GET /session/{keyword}).", code="not-a-participant"
        )


def require_open(session: Mapping[str, Any]) -> None:
    """Participants may answer, ask and vote only while the session is not locked."""
    if not session["active"]:
        raise Conflict("This lecture session is locked.", code="session-locked")


def require_feedback_open(session: Mapping[str, Any]) -> None:
    """Votes are refused while the session is locked or its feedback input is."""
    require_open(session)
    if session.get("feedback_lock", False):
        raise Conflict("Feedback is locked in this lecture session.", code="feedback-locked")


def released_for(user: User) -> list[str]:
    """`courses` questions are for users of a course login, not for guests."""
    return ["all"] if user.type == "guest" else ["all", "courses"]


def require_list_user(user: User, requested: str | None) -> str:
    """The seed's `user` list parameter: your own name, or anyone's for admins."""
    if requested is None or requested == user.username:
        return user.username
    if not user.is_admin:
        raise Forbidden("You may only list your own data.", code="user-mismatch")
    return requested


def require_published(question: Question) -> None:
    """Answers go to published questions only, the owner's too."""
    if not question["active"]:
        raise Forbidden(
            "The lecturer has not published this question.", code="question-not-published"
        )


def require_visible(user: User, session: Mapping[str, Any], question: Question) -> None:
    """The owner sees every question; others the published ones released for them."""
    if manages(user, session):
        return
    require_published(question)
    if question["released_for"] not in released_for(user):
        raise Forbidden("This question is not released for you.", code="question-not-released")
