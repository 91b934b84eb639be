"""The one way from the application to connected clients: intent methods, never raw emits.

REST handlers, socket events and background tasks say what happened
(`question_updated`, `feedback_changed`, ...). This module decides who hears
it: the legacy Socket.IO events of namespace `/` (to rooms) and the events
of the reliable `/events` stream (appended to the durable log first, then
the stream is told to deliver). The high-rate ones are coalesced per
session or question.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

import socketio

from arsnova.errors import NotFound
from arsnova.realtime.delivery.cluster import Cluster
from arsnova.realtime.delivery.throttle import Throttle
from arsnova.schemas.question import QuestionStatisticsSchema, VotingSchema
from arsnova.settings import Settings
from arsnova.store import Store
from arsnova.store.common import now
from arsnova.store.events import GLOBAL_STREAM, login_stream, session_stream
from arsnova.store.feedback import rounded_average
from arsnova.store.questions import Question

if TYPE_CHECKING:
    from arsnova.metrics import Metrics

log = logging.getLogger(__name__)

NAMESPACE = "/"
ALL = "all"
STAFF = "staff"
# Q&A's staff: STAFF and the session's Q&A co-moderators (only Q&A events have this audience).
MODERATORS = "moderators"
# A published question released for course users only: everyone in the session but guests.
COURSES = "courses"
# The logged events whose legacy counterpart a resync resends (the newest one since the gap).
QUESTION_EVENTS = [
    "LecturerQuestionCreatedEvent",
    "LecturerQuestionUpdatedEvent",
    "LecturerQuestionPublishedEvent",
    "LecturerQuestionUnpublishedEvent",
    "SentToBinEvent",
    "RestoredFromBinEvent",
]
SESSION_EVENTS = ["SessionLockedEvent", "SessionUnlockedEvent", "FeedbackLockChangedEvent"]
USERS_EVENT = "ActiveUsersChangedEvent"
statistics_schema = QuestionStatisticsSchema()
voting_schema = VotingSchema()


def session_room(keyword: str) -> str:
    """Every socket that joined the lecture session."""
    return f"session:{keyword}"


def staff_room(keyword: str) -> str:
    """The sockets of the session's owner (and of admins) in that session."""
    return f"staff:{keyword}"


def moderator_room(keyword: str) -> str:
    """The sockets of the session's Q&A staff: its owner, admins and co-moderators in it."""
    return f"qa-staff:{keyword}"


def audience_of(question: Question, shown: bool) -> str:
    """Who a question's events reach on `/events`: while `shown` (published, or its
    statistics shown), everyone `policy.released_for` lets see it; else staff."""
    if not shown:
        return STAFF
    return COURSES if question["released_for"] == "courses" else ALL


def question_room(keyword: str, question: Question) -> str:
    """Who hears of a question's legacy events: the session while it is published, else staff."""
    return session_room(keyword) if question["active"] else staff_room(keyword)


def voter_room(keyword: str, username: str) -> str:
    """One user's sockets in one session (all their tabs)."""
    return f"voter:{keyword}:{username}"


class Broadcaster:
    """`statistics_shown` is the service rule of who sees a question's statistics
    (`services.questions.statistics_shown`, passed in by `realtime.server`): delivery
    imports no service."""

    def __init__(
        self,
        sio: socketio.AsyncServer,
        store: Store,
        settings: Settings,
        cluster: Cluster,
        statistics_shown: Callable[[Question], bool],
        metrics: Metrics,
    ) -> None:
        self.sio = sio
        self.store = store
        self.cluster = cluster
        self.statistics_shown = statistics_shown
        self.emit_seconds = metrics.emit_seconds
        interval = settings.broadcast_interval
        self.feedback = Throttle("feedback", interval, self._send_feedback, cluster, metrics)
        # Each count goes to every socket in the session, and a lecture hall joining
        # at once changes it with every join: at 10 a second, 5,000 joins would cost
        # 50,000 packets a second; the count on a screen can wait a second.
        users_interval = max(interval, settings.user_count_interval)
        self.active_users = Throttle(
            "users", users_interval, self._send_active_users, cluster, metrics
        )
        self.answers = Throttle("answers", interval, self._send_answers, cluster, metrics)
        self.qa_votes = Throttle("qa-votes", interval, self._send_qa_votes, cluster, metrics)
        self.listeners: list[Callable[[str], None]] = []

    # Intents, coalesced per session (or question)

    def feedback_changed(self, keyword: str) -> None:
        """`feedbackData`, `updateFeedback`, `feedbackDataRoundedAverage`; FeedbackChangedEvent."""
        self.feedback.request(keyword)

    def active_users_changed(self, keyword: str | None) -> None:
        """`activeUserCountData`, `updateActiveUserCount`, ActiveUsersChangedEvent, on change."""
        if keyword is not None:
            self.active_users.request(keyword)

    async def entered(self, keyword: str, username: str) -> None:
        """A socket of the user is now in the session's room."""
        await self.cluster.enter(keyword, username)
        self.active_users_changed(keyword)

    async def left(self, keyword: str, username: str) -> None:
        await self.cluster.leave(keyword, username)
        self.active_users_changed(keyword)

    async def active_user_count(self, keyword: str) -> int:
        """Distinct users with a socket in the session (three tabs count once).

        The cluster keeps it; the database's socket registry counts it when
        Redis cannot (a scan of the session's sockets).
        """
        count = await self.cluster.active_users(keyword)
        return await self.store.sockets.active_users(keyword) if count is None else count

    def answers_changed(self, keyword: str, question_id: str) -> None:
        """`answersToLecQuestionAvail` and AnswersChangedEvent (with the statistics).

        To the owner, and to everyone while `statistics_shown` (read when the event is sent).
        """
        self.answers.request((keyword, question_id))

    def qa_votes_changed(self, keyword: str, question_id: str) -> None:
        """QaVotesChangedEvent / `qaVotesChanged` with the counts, to everyone (approved only)."""
        self.qa_votes.request((keyword, question_id))

    # Intents delivered at once

    async def question_created(self, keyword: str, question: Question) -> None:
        audience = audience_of(question, question["active"])
        await self._publish_session(
            keyword, "LecturerQuestionCreatedEvent", question_data(question), audience
        )
        if question["active"]:
            await self._emit("lecQuestionAvail", question["id"], session_room(keyword))

    async def question_updated(self, keyword: str, was_active: bool, question: Question) -> None:
        """A question was changed, published or unpublished."""
        active = question["active"]
        data = question_data(question)
        audience = audience_of(question, active or was_active)
        await self._publish_session(keyword, "LecturerQuestionUpdatedEvent", data, audience)
        if active and not was_active:
            await self._publish_session(keyword, "LecturerQuestionPublishedEvent", data, audience)
        elif was_active and not active:
            await self._publish_session(keyword, "LecturerQuestionUnpublishedEvent", data, audience)
        if active:
            await self._emit("lecQuestionAvail", question["id"], session_room(keyword))
        elif was_active:
            await self._emit("lecQuestionLocked", question["id"], session_room(keyword))

    async def round_started(self, keyword: str, question: Question) -> None:
        """A new peer-instruction round: PiRoundStartedEvent; ARSnova 2's `startDelayedPiRound`
        (started now, no end time: `endTime` 0)."""
        await self._round_event(keyword, question, "PiRoundStartedEvent", "startDelayedPiRound", {
            "round": question["pi_round"],
            "startTime": int(now().timestamp() * 1000),
            "endTime": 0,
        })  # fmt: skip

    async def answers_reset(self, keyword: str, question: Question) -> None:
        """Every answer of the question deleted, back to round 1: PiRoundResetEvent;
        ARSnova 2's `resetPiRound`."""
        await self._round_event(keyword, question, "PiRoundResetEvent", "resetPiRound", {})

    async def _round_event(
        self, keyword: str, question: Question, event_type: str, legacy: str, extra: dict
    ) -> None:
        """To everyone while the question is published, else to the owner."""
        active = question["active"]
        data = question_data(question)
        audience = audience_of(question, active)
        await self._publish_session(keyword, event_type, data, audience)
        payload = {"_id": question["id"], "variant": "lecture", **extra}
        await self._emit(legacy, payload, question_room(keyword, question))

    async def voting_changed(self, keyword: str, question: Question) -> None:
        """Voting on a question closed, opened, or got or lost a countdown: ARSnova 2's `lockVote`
        or `unlockVote` (its `{_id, variant}` and `voting_data`), to the session while the
        question is published. `/events` clients see it as the LecturerQuestionUpdatedEvent."""
        data = {**voting_data(question), "_id": question["id"], "variant": "lecture"}
        event = "lockVote" if data["votingDisabled"] else "unlockVote"
        await self._emit(event, data, question_room(keyword, question))

    async def question_binned(self, keyword: str, question: Question) -> None:
        """A question was deleted (moved to the bin)."""
        audience = audience_of(question, question["active"])
        await self._publish_session(keyword, "SentToBinEvent", question_data(question), audience)
        if question["active"]:
            await self._emit("lecQuestionLocked", question["id"], session_room(keyword))

    async def question_restored(self, keyword: str, question: Question) -> None:
        audience = audience_of(question, question["active"])
        data = question_data(question)
        await self._publish_session(keyword, "RestoredFromBinEvent", data, audience)
        if question["active"]:
            await self._emit("lecQuestionAvail", question["id"], session_room(keyword))

    async def audience_question_created(self, keyword: str, question_id: str) -> None:
        data = {"interposedQuestionId": question_id}
        await self._publish_session(keyword, "InterposedQuestionCreatedEvent", data, MODERATORS)
        await self._emit("audQuestionAvail", question_id, moderator_room(keyword))

    # Q&A (issue 21): each event on `/events` and as `qa…` (camelCase, no "Event") on `/`.

    async def qa_question_created(self, keyword: str, question_id: str, status: str) -> None:
        audience = ALL if status == "approved" else MODERATORS
        data = {"questionId": question_id, "status": status}
        await self._qa_event(keyword, "QaQuestionCreatedEvent", data, audience)

    async def qa_question_approved(self, keyword: str, question_id: str) -> None:
        await self._qa_event(keyword, "QaQuestionApprovedEvent", {"questionId": question_id}, ALL)

    async def qa_question_hidden(self, keyword: str, question_id: str, was_shown: bool) -> None:
        """Left the approved list (hidden, or back in the queue): participants remove it. A
        queued question hidden: to staff only."""
        data = {"questionId": question_id}
        audience = ALL if was_shown else MODERATORS
        await self._qa_event(keyword, "QaQuestionHiddenEvent", data, audience)

    async def qa_question_changed(self, keyword: str, question_id: str, shown: bool) -> None:
        data = {"questionId": question_id}
        await self._qa_event(keyword, "QaQuestionChangedEvent", data, ALL if shown else MODERATORS)

    async def qa_question_answered(
        self, keyword: str, question_id: str, answered: bool, shown: bool
    ) -> None:
        data = {"questionId": question_id, "answered": answered}
        audience = ALL if shown else MODERATORS
        await self._qa_event(keyword, "QaQuestionAnsweredEvent", data, audience)

    async def qa_question_highlighted(self, keyword: str, question_id: str | None) -> None:
        data = {"questionId": question_id}
        await self._qa_event(keyword, "QaQuestionHighlightedEvent", data, ALL)

    async def qa_question_deleted(self, keyword: str, question_id: str, shown: bool) -> None:
        """To everyone if it was approved, else to Q&A staff."""
        data = {"questionId": question_id}
        await self._qa_event(keyword, "QaQuestionDeletedEvent", data, ALL if shown else MODERATORS)

    async def qa_questions_cleared(self, keyword: str) -> None:
        """Every question deleted at once (the legacy DELETE …/interposed/): reload the list."""
        await self._qa_event(keyword, "QaQuestionsClearedEvent", {}, ALL)

    async def qa_settings_changed(self, keyword: str, settings: dict[str, Any]) -> None:
        data = {key: settings[key] for key in ("moderation", "downvotes", "open")}
        await self._qa_event(keyword, "QaSettingsChangedEvent", data, ALL)

    async def qa_staff_changed(self, keyword: str, sid: str, moderator: bool) -> None:
        """A socket's user was named a Q&A co-moderator or is one no more: it enters or leaves
        the moderators' room (on whichever node holds it) and is told, `qaStaffChanged`."""
        room = moderator_room(keyword)
        try:
            if moderator:
                await self.sio.enter_room(sid, room, namespace=NAMESPACE)
            else:
                await self.sio.leave_room(sid, room, namespace=NAMESPACE)
        except (KeyError, ValueError):  # python-socketio's: this node's socket left meanwhile
            return
        await self._emit("qaStaffChanged", {"moderator": moderator}, sid)

    async def _qa_event(
        self, keyword: str, event_type: str, data: dict[str, Any], audience: str
    ) -> None:
        await self._publish_session(keyword, event_type, data, audience)
        name = event_type[0].lower() + event_type[1:].removesuffix("Event")
        room = session_room(keyword) if audience == ALL else moderator_room(keyword)
        await self._emit(name, data, room)

    async def audience_question_read(self, keyword: str, question_id: str) -> None:
        data = {"interposedQuestionId": question_id}
        await self._publish_session(keyword, "InterposedQuestionReadEvent", data, STAFF)

    async def audience_questions_deleted(self, keyword: str, question_ids: list[str]) -> None:
        data = {"interposedQuestionIds": question_ids}
        await self._publish_session(keyword, "InterposedQuestionDeletedEvent", data, STAFF)

    async def session_active_changed(self, keyword: str, active: bool) -> None:
        event = "SessionUnlockedEvent" if active else "SessionLockedEvent"
        await self._publish_session(keyword, event, {"active": active}, ALL)
        await self._emit("setSessionActive", active, session_room(keyword))

    async def session_deleted(self, keyword: str) -> None:
        """Also `notification` `session-deleted` to its sockets (an integration page goes back)."""
        await self._publish_session(keyword, "SessionDeletedEvent", {}, ALL)
        notification = {"notification": "session-deleted", "keyword": keyword}
        await self._emit("notification", notification, session_room(keyword))

    async def presented_question_changed(self, keyword: str, question_id: str | None) -> None:
        """The owner put another question on the projector: their pages follow it."""
        data = {"questionId": question_id}
        await self._publish_session(keyword, "PresentedQuestionChangedEvent", data, STAFF)
        await self._emit("presentedQuestion", question_id, staff_room(keyword))

    async def feedback_lock_changed(self, keyword: str, locked: bool) -> None:
        await self._publish_session(keyword, "FeedbackLockChangedEvent", {"locked": locked}, ALL)
        await self._emit("lockFeedback", locked, session_room(keyword))

    async def feedback_reset(self, keyword: str, username: str | None = None) -> None:
        """`feedbackReset` to one user whose vote expired, or to everyone after a reset."""
        room = session_room(keyword) if username is None else voter_room(keyword, username)
        await self._emit("feedbackReset", keyword, room)
        self.feedback_changed(keyword)

    async def login_event(self, login_id: str, event_type: str, data: dict[str, Any]) -> None:
        """An event for every `/events` connection of one login (InactivityUserEvent, ...)."""
        await self._publish(login_stream(login_id), event_type, "login", data, ALL)

    async def global_event(self, event_type: str, data: dict[str, Any]) -> None:
        await self._publish(GLOBAL_STREAM, event_type, "global", data, ALL)

    async def close(self) -> None:
        for throttle in (self.feedback, self.active_users, self.answers, self.qa_votes):
            await throttle.close()

    # After a gap (Redis was away): this node's sockets get their sessions' state again

    async def resync(self, since: datetime) -> None:
        """Resends, to this node's own sockets, the state of every session they are in:
        what emits from other nodes since `since` (lost while Redis was away) would have
        told them. Presence in Redis is rewritten first (a restarted Redis has none).

        Counts come from the database (the feedback, and the socket registry for
        the active users, which holds every node's sockets); question
        availability, the session's and the feedback's lock only when the durable
        log has such an event since `since` (`lecQuestionAvail` makes every page
        reload its questions).
        """
        await self.cluster.refresh()
        for keyword in list(self.cluster.local_users):
            try:
                await self._resync_session(keyword, since)
            except Exception:
                log.exception("could not resend the state of %s", keyword)

    async def _resync_session(self, keyword: str, since: datetime) -> None:
        room = session_room(keyword)
        counts = await self.store.feedback.counts(keyword)
        users = await self.store.sockets.active_users(keyword)
        latest = await self.store.events.latest_since(
            session_stream(keyword), since, [*QUESTION_EVENTS, *SESSION_EVENTS, USERS_EVENT]
        )
        # The log too: a count a node logged meanwhile may have seen only part of the
        # sessions' sockets, and `/events` clients keep the last count logged.
        logged = latest.get(USERS_EVENT)
        changed = await self.cluster.changed(f"users:{keyword}", users)
        if changed or (logged is not None and logged["data"]["count"] != users):
            await self._publish_session(keyword, USERS_EVENT, {"count": users}, ALL)
        emits: list[tuple[str, Any]] = [
            ("feedbackData", counts),
            ("updateFeedback", counts),
            ("feedbackDataRoundedAverage", rounded_average(counts)),
            ("activeUserCountData", users),
            ("updateActiveUserCount", users),
        ]
        questions = [latest[name] for name in QUESTION_EVENTS if name in latest]
        if questions:
            newest = max(questions, key=lambda event: event["sequence"])
            gone = newest["type"] == "SentToBinEvent" or not newest["data"]["active"]
            emits.append(("lecQuestionLocked" if gone else "lecQuestionAvail", newest["data"][
                "questionId"]))  # fmt: skip
        lock = [latest[name] for name in SESSION_EVENTS[:2] if name in latest]
        if lock:
            emits.append(("setSessionActive", max(lock, key=lambda e: e["sequence"])["data"][
                "active"]))  # fmt: skip
        if "FeedbackLockChangedEvent" in latest:
            emits.append(("lockFeedback", latest["FeedbackLockChangedEvent"]["data"]["locked"]))
        for event, data in emits:
            await self._emit(event, data, room, local=True)

    # Sending

    async def _emit(self, event: str, data: Any, room: str, *, local: bool = False) -> None:
        """Emits; a failure (Redis down) is logged, never turned into a failed request.

        `local`: to this node's sockets only (not through Redis).
        """
        try:
            with self.emit_seconds.labels(event).time():
                await self.sio.emit(event, data, room=room, namespace=NAMESPACE, ignore_queue=local)
        except Exception:
            log.exception("could not emit %s to %s", event, room)

    async def _publish_session(
        self, keyword: str, event_type: str, data: dict[str, Any], audience: str
    ) -> None:
        await self._publish(session_stream(keyword), event_type, "session", data, audience)

    async def _publish(
        self, stream: str, event_type: str, scope: str, data: dict[str, Any], audience: str
    ) -> None:
        """Appends to the durable log, then tells the `/events` namespace to deliver."""
        await self.store.events.append(stream, event_type, scope, data, audience)
        for listener in self.listeners:
            listener(stream)

    async def _send_feedback(self, keyword: str) -> None:
        counts = await self.store.feedback.counts(keyword)
        average = rounded_average(counts)
        room = session_room(keyword)
        # The main event first, then the durable log, then the legacy aliases: the
        # log's round trips let every socket's writer send the main event before
        # the aliases queue up behind it (a writer sends all it finds queued), so
        # the last socket of a lecture hall gets it after one packet per socket, not three.
        await self._emit("feedbackData", counts, room)
        data = {"values": counts, "roundedAverage": average}
        await self._publish_session(keyword, "FeedbackChangedEvent", data, ALL)
        await self._emit("updateFeedback", counts, room)
        await self._emit("feedbackDataRoundedAverage", average, room)

    async def _send_active_users(self, keyword: str) -> None:
        count = await self.active_user_count(keyword)
        if not await self.cluster.changed(f"users:{keyword}", count):
            return
        room = session_room(keyword)
        await self._emit("activeUserCountData", count, room)  # then as feedback, above
        await self._publish_session(keyword, USERS_EVENT, {"count": count}, ALL)
        await self._emit("updateActiveUserCount", count, room)

    async def _send_answers(self, key: tuple[str, str]) -> None:
        keyword, question_id = key
        try:
            question = await self.store.questions.by_id(question_id)
        except NotFound:
            return
        (statistics,) = await self.store.answers.statistics([question])
        shown = self.statistics_shown(question)
        data = statistics_schema.dump(statistics)
        audience = audience_of(question, shown)
        await self._publish_session(keyword, "AnswersChangedEvent", data, audience)
        room = session_room(keyword) if shown else staff_room(keyword)
        await self._emit("answersToLecQuestionAvail", question_id, room)

    async def _send_qa_votes(self, key: tuple[str, str]) -> None:
        keyword, question_id = key
        try:
            session = await self.store.sessions.by_keyword(keyword)
            question = await self.store.qa.get(session["id"], question_id)
        except NotFound:
            return
        if question["status"] != "approved":
            return
        data = {
            "questionId": question_id,
            "upvotes": question["upvotes"],
            "downvotes": question["downvotes"],
            "score": question["score"],
        }
        await self._qa_event(keyword, "QaVotesChangedEvent", data, ALL)


def question_data(question: Question) -> dict[str, Any]:
    return {
        "questionId": question["id"],
        "active": question["active"],
        "piRound": question["pi_round"],
        **voting_data(question),
    }


def voting_data(question: Question) -> dict[str, Any]:
    """Voting as stored: `votingEndsAt` (epoch millis, the server's clock) while a countdown runs.

    A countdown that ended is closed before the close job stores it: `lockVote` follows then.
    """
    return voting_schema.dump(question)
