"""The loops every node runs in the background, and how they stop.

Shared by the scheduled jobs (`every`, started by `server.realtime_ctx`) and
the loops of `delivery/` (the throttle's sends, the cluster's listener); it
imports neither, so neither imports the other for it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from arsnova.errors import DatabaseUnavailable
from arsnova.store import translate_errors

log = logging.getLogger(__name__)


def stop_if_cancelled() -> None:
    """Re-raises a cancellation that a library turned into an ordinary error.

    PyMongo can answer a cancelled operation with a connection error; a loop
    that logs and goes on would then never stop, and shutdown would hang.
    """
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError


async def every(interval: float, work: Callable[[], Awaitable[None]]) -> None:
    """Runs `work` every `interval` seconds until cancelled; a failed round is logged."""
    while True:
        await asyncio.sleep(interval)
        try:
            with translate_errors():
                await work()
        except DatabaseUnavailable:
            pass  # already logged by the store; the next round retries
        except Exception:
            log.exception("background work %r failed", work)
        stop_if_cancelled()
