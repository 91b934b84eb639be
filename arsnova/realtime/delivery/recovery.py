"""After Redis was away: every screen right again within a few seconds.

While Redis is away (dead, restarting, or not answering), each node carries
on alone (`arsnova.redisguard`): its own sockets get everything, the other
nodes' sockets miss its emits, and its `/events` announcements and presence
writes are dropped. A restarted Redis has also forgotten every node's
presence sets. Nothing sent meanwhile is replayed; the state is resent
instead, which is what the screens show (counts, not a history):

- a node whose subscriptions failed resyncs once they are back (its
  listener says when: `RedisManager.on_resubscribed`, the cluster's channel);
- a node that could not reach Redis (a failed publish, a timeout) asks every
  node to resync when its guard sees Redis answer again (a notice on the
  cluster channel), since the others may not have noticed anything (a paused
  Redis breaks no subscription);
- a resync (`Broadcaster.resync`) rewrites this node's presence sets, sends
  each session's feedback and active-user counts and, if they changed
  meanwhile, question availability and locks to this node's sockets, and
  pokes every `/events` connection to catch up from the durable log.

Requests coalesce: several within `DEBOUNCE` make one resync, from the
earliest time asked. `SETTLE` seconds after the last one, each session's
active users are counted once more the usual way (in Redis, sent to every
node if changed): a count made on another node between its own rebuild and
this node's (a join just then) saw only part of the presence sets.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import datetime

from arsnova.realtime.delivery.broadcaster import Broadcaster
from arsnova.realtime.delivery.cluster import Cluster

log = logging.getLogger(__name__)

DEBOUNCE = 0.2  # seconds: the triggers of one outage arrive together
SETTLE = 2.0  # seconds: by then every node has rebuilt its presence (it resubscribes within 1 s)


class Recovery:
    def __init__(
        self, broadcaster: Broadcaster, cluster: Cluster, poke_all: Callable[[], None]
    ) -> None:
        self.broadcaster = broadcaster
        self.cluster = cluster
        self.poke_all = poke_all
        self.since: datetime | None = None
        self.task: asyncio.Task | None = None
        self.notices: set[asyncio.Task] = set()

    def request(self, since: datetime) -> None:
        """This node may have missed what other nodes sent since `since`."""
        self.since = since if self.since is None else min(self.since, since)
        if self.task is None or self.task.done():
            self.task = asyncio.create_task(self.run())

    def redis_back(self, since: datetime) -> None:
        """The guard saw Redis answer again after a failure that began at `since`: the
        other nodes may have missed this node's messages, this node theirs."""
        task = asyncio.create_task(self.cluster.ask_resync(since))
        self.notices.add(task)
        task.add_done_callback(self.notices.discard)
        self.request(since)

    async def run(self) -> None:
        await asyncio.sleep(DEBOUNCE)
        while self.since is not None:
            since, self.since = self.since, None
            log.info("resending the state of this node's sessions (missed since %s)", since)
            self.poke_all()
            try:
                await self.broadcaster.resync(since)
            except Exception:
                log.exception("resync failed")
            await asyncio.sleep(SETTLE)
            if self.since is None:
                for keyword in list(self.cluster.local_users):
                    self.broadcaster.active_users_changed(keyword)

    async def close(self) -> None:
        for task in [self.task, *self.notices]:
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
