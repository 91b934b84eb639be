"""Background jobs of a node, reporting progress as TaskEvents on the starter's `/events` stream.

The one job so far is a lecture session export: everything the owner sees
(session, questions with statistics, audience questions, feedback) as one
JSON document (`services/exports.py`), readable from `GET /task/{id}` when finished.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from arsnova.metrics import Metrics
from arsnova.realtime.delivery.broadcaster import Broadcaster
from arsnova.services.exports import Progress, gather_results, results_document
from arsnova.store import Store, translate_errors
from arsnova.store.sessions import Session
from arsnova.store.tasks import Task

log = logging.getLogger(__name__)
Job = Callable[[Progress], Awaitable[Any]]


class TaskRunner:
    def __init__(self, store: Store, broadcaster: Broadcaster, metrics: Metrics) -> None:
        self.store = store
        self.broadcaster = broadcaster
        self.running: set[asyncio.Task] = set()
        self.reports = metrics.task_reports
        metrics.tasks_running.read = lambda: {(): len(self.running)}

    def start_export(self, task: Task, session: Session) -> None:
        job = asyncio.create_task(self.run(task, lambda progress: self.export(session, progress)))
        self.running.add(job)
        job.add_done_callback(self.running.discard)

    async def run(self, task: Task, job: Job) -> None:
        """Drives a job, storing and announcing the progress it reports, then its result."""

        async def running(progress: int) -> None:
            await self.report(task, status="running", progress=progress)

        try:
            with translate_errors():
                await running(0)
                result = await job(running)
                await self.report(task, status="finished", progress=100, result=result)
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

    async def export(self, session: Session, progress: Progress) -> dict[str, Any]:
        return results_document(await gather_results(self.store, session, progress))

    async def close(self) -> None:
        for job in list(self.running):
            job.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await job
