"""Background jobs of a node, reporting progress as TaskEvents on the starter's `/events` stream.

The one job so far is a lecture session export: everything the owner sees
(session, questions with statistics, audience questions, feedback) as one
JSON document, readable from `GET /task/{id}` when finished.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

from arsnova.metrics import Metrics
from arsnova.realtime.delivery.broadcaster import Broadcaster
from arsnova.schemas.interposed import AudienceQuestionSchema
from arsnova.schemas.question import QuestionSchema, QuestionStatisticsSchema
from arsnova.schemas.session import SessionSchema
from arsnova.store import Store, translate_errors
from arsnova.store.common import Page
from arsnova.store.sessions import Session
from arsnova.store.tasks import Task

log = logging.getLogger(__name__)

session_schema = SessionSchema()
questions_schema = QuestionSchema(many=True)
statistics_schema = QuestionStatisticsSchema(many=True)
audience_schema = AudienceQuestionSchema(many=True)


class TaskRunner:
    def __init__(self, store: Store, broadcaster: Broadcaster, metrics: Metrics) -> None:
        self.store = store
        self.broadcaster = broadcaster
        self.running: set[asyncio.Task] = set()
        self.reports = metrics.task_reports
        metrics.tasks_running.read = lambda: {(): len(self.running)}

    def start_export(self, task: Task, session: Session) -> None:
        job = asyncio.create_task(self.run(task, self.export(session)))
        self.running.add(job)
        job.add_done_callback(self.running.discard)

    async def run(self, task: Task, steps: AsyncIterator[tuple[int, Any]]) -> None:
        """Drives a job, storing and announcing its progress; the last step carries the result."""
        outcome = None
        try:
            with translate_errors():
                await self.report(task, status="running", progress=0)
                async for progress, value in steps:
                    outcome = value
                    await self.report(task, status="running", progress=progress)
                await self.report(task, status="finished", progress=100, result=outcome)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.exception("task %s failed", task["id"])
            with contextlib.suppress(Exception), translate_errors():
                await self.report(task, status="failed", error=str(exc) or type(exc).__name__)

    async def report(self, task: Task, **fields: Any) -> None:
        stored = await self.store.tasks.update(task["id"], **fields)
        self.reports.labels(stored["kind"], stored["status"]).inc()
        data = {
            "taskId": task["id"],
            "kind": stored["kind"],
            "status": stored["status"],
            "progress": stored["progress"],
        }
        await self.broadcaster.login_event(task["login_id"], "TaskEvent", data)

    async def export(self, session: Session) -> AsyncIterator[tuple[int, Any]]:
        store = self.store
        everything = Page(limit=None)
        questions = await store.questions.of_session(session["id"], everything)
        yield 30, None
        statistics = await store.answers.statistics(questions)
        yield 60, None
        audience = await store.interposed.of_session(session["id"], everything)
        yield 80, None
        feedback = await store.feedback.counts(session["keyword"])
        yield (
            90,
            {
                "session": session_schema.dump(session),
                "questions": questions_schema.dump(questions),
                "statistics": statistics_schema.dump(statistics),
                "interposedQuestions": audience_schema.dump(audience),
                "feedback": feedback,
            },
        )

    async def close(self) -> None:
        for job in list(self.running):
            job.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await job
