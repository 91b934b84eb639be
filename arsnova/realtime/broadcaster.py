"""The one way from the application to connected sockets: intent methods, never raw emits.

REST handlers and socket events say what happened (`question_published`,
`feedback_changed`, ...); this module decides which room hears it, under
which event names, and coalesces the high-rate ones per session.
"""

from __future__ import annotations

import logging
from typing import Any

import socketio

from arsnova.errors import NotFound
from arsnova.realtime.throttle import Throttle
from arsnova.store import Store
from arsnova.store.feedback import rounded_average

log = logging.getLogger(__name__)

NAMESPACE = "/"


def session_room(keyword: str) -> str:
    """Every socket that joined the lecture session."""
    return f"session:{keyword}"


def staff_room(keyword: str) -> str:
    """The sockets of the session's owner (and of admins) in that session."""
    return f"staff:{keyword}"


def voter_room(keyword: str, username: str) -> str:
    """One user's sockets in one session (all their tabs)."""
    return f"voter:{keyword}:{username}"


class Broadcaster:
    def __init__(self, sio: socketio.AsyncServer, store: Store, interval: float) -> None:
        self.sio = sio
        self.store = store
        self.feedback = Throttle(interval, self._send_feedback)
        self.active_users = Throttle(interval, self._send_active_users)
        self.answers = Throttle(interval, self._send_answers)
        self.sent_active_users: dict[str, int] = {}

    # Intents, coalesced per session (or question)

    def feedback_changed(self, keyword: str) -> None:
        """`feedbackData`, `updateFeedback` and `feedbackDataRoundedAverage` to the session."""
        self.feedback.request(keyword)

    def active_users_changed(self, keyword: str | None) -> None:
        """`activeUserCountData` and `updateActiveUserCount`, if the count changed."""
        if keyword is not None:
            self.active_users.request(keyword)

    def answers_changed(self, keyword: str, question_id: str) -> None:
        """`answersToLecQuestionAvail` to the owner, and to everyone while statistics show."""
        self.answers.request((keyword, question_id))

    # Intents sent at once

    async def question_published(self, keyword: str, question_id: str) -> None:
        """A question was published, or changed while published."""
        await self._emit("lecQuestionAvail", question_id, session_room(keyword))

    async def question_withdrawn(self, keyword: str, question_id: str) -> None:
        """A published question was unpublished or deleted."""
        await self._emit("lecQuestionLocked", question_id, session_room(keyword))

    async def audience_question_created(self, keyword: str, question_id: str) -> None:
        await self._emit("audQuestionAvail", question_id, staff_room(keyword))

    async def session_active_changed(self, keyword: str, active: bool) -> None:
        await self._emit("setSessionActive", active, session_room(keyword))

    async def feedback_lock_changed(self, keyword: str, locked: bool) -> None:
        await self._emit("lockFeedback", locked, session_room(keyword))

    async def feedback_reset(self, keyword: str, username: str | None = None) -> None:
        """`feedbackReset` to one user whose vote expired, or to everyone after a reset."""
        room = session_room(keyword) if username is None else voter_room(keyword, username)
        await self._emit("feedbackReset", keyword, room)
        self.feedback_changed(keyword)

    async def close(self) -> None:
        for throttle in (self.feedback, self.active_users, self.answers):
            await throttle.close()

    # Sending

    async def _emit(self, event: str, data: Any, room: str) -> None:
        """Emits; a failure (Redis down) is logged, never turned into a failed request."""
        try:
            await self.sio.emit(event, data, room=room, namespace=NAMESPACE)
        except Exception:
            log.exception("could not emit %s to %s", event, room)

    async def _send_feedback(self, keyword: str) -> None:
        counts = await self.store.feedback.counts(keyword)
        room = session_room(keyword)
        await self._emit("feedbackData", counts, room)
        await self._emit("updateFeedback", counts, room)
        await self._emit("feedbackDataRoundedAverage", rounded_average(counts), room)

    async def _send_active_users(self, keyword: str) -> None:
        count = await self.store.sockets.active_users(keyword)
        if self.sent_active_users.get(keyword) == count:
            return
        if count:
            self.sent_active_users[keyword] = count
        else:
            self.sent_active_users.pop(keyword, None)
        room = session_room(keyword)
        await self._emit("activeUserCountData", count, room)
        await self._emit("updateActiveUserCount", count, room)

    async def _send_answers(self, key: tuple[str, str]) -> None:
        keyword, question_id = key
        try:
            question = await self.store.questions.by_id(question_id)
        except NotFound:
            return
        room = session_room(keyword) if question["show_statistic"] else staff_room(keyword)
        await self._emit("answersToLecQuestionAvail", question_id, room)
