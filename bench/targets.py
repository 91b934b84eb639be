"""What the clients talk to: the application (1 or 2 processes) or the baseline.

A `Target` hides the differences between them: how a socket joins the
room, how one broadcast is triggered, and whether sockets need logins.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from bench.rest import Owner
from bench.servers import Server, Workspace

BASELINE_ROOM = "bench"
REDIS_URL = "redis://127.0.0.1:6379/13"


def one_hot(value: int) -> list[int]:
    """The feedback counts after a single vote for `value`."""
    return [int(i == value) for i in range(4)]


@dataclass
class Target:
    label: str
    servers: list[Server]
    login: bool  # sockets need a guest login (the application) or not (the baseline)
    join: dict[str, Any]  # {"event", "data"} that puts a socket into the room
    owner: Owner | None = None
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def urls(self) -> list[str]:
        return [server.url for server in self.servers]

    @property
    def keyword(self) -> str:
        assert self.owner is not None
        return self.owner.keyword

    def trigger(self, value: int) -> tuple[str, dict[str, Any]]:
        """The event (name, data) that makes the server send `feedbackData` = one_hot(value)."""
        if self.owner is not None:
            return "setFeedback", {"sessionkey": self.keyword, "feedback": value}
        data = {"room": BASELINE_ROOM, "event": "feedbackData", "data": one_hot(value)}
        return "trigger", data

    def cpu(self) -> float:
        return sum(server.cpu() for server in self.servers)

    def rss(self) -> int:
        return sum(server.rss() for server in self.servers)


@contextlib.asynccontextmanager
async def arsnova(
    ws: Workspace,
    label: str = "arsnova",
    *,
    processes: int = 1,
    redis: bool = False,
    interval_ms: int = 100,
    compression: bool = False,
    rate_limits: bool = False,
) -> AsyncIterator[Target]:
    """The application on a fresh database, with a lecture session owned by a guest."""
    settings = {
        "processes": processes,
        "redis": redis,
        "broadcast_interval_ms": interval_ms,
        "ws_compression": compression,
        "rate_limits": rate_limits,
    }
    db_name = ws.db_name(label)
    try:
        await ws.fresh_database()
        servers = [
            await ws.start_arsnova(
                db_name=db_name,
                interval_ms=interval_ms,
                compression=compression,
                redis_url=REDIS_URL if redis else None,
                rate_limits=rate_limits,
            )
            for _ in range(processes)
        ]
        async with Owner(servers[0].url) as owner:
            join = {"event": "setSession", "data": {"keyword": owner.keyword}}
            target = Target(label, servers, True, join, owner, settings)
            target.settings["db_name"] = db_name
            yield target
    finally:
        await ws.stop_servers()
        ws.drop_database()


@contextlib.asynccontextmanager
async def baseline(
    ws: Workspace, label: str = "baseline", *, compression: bool = False
) -> AsyncIterator[Target]:
    """The bare python-socketio server."""
    db_name = ws.db_name(label)
    try:
        await ws.fresh_database()
        server = await ws.start_baseline(db_name=db_name, compression=compression)
        join = {"event": "join", "data": {"room": BASELINE_ROOM}}
        settings = {"ws_compression": compression, "db_name": db_name}
        yield Target(label, [server], False, join, None, settings)
    finally:
        await ws.stop_servers()
        ws.drop_database()
