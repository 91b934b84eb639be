"""Scenario `failover`: two application processes behind nginx, one SIGKILLed under a hall.

nginx runs with deploy/'s configuration (`tests.balancer.nginx_config`, the
one the failover tests use). N sockets log in and join through nginx (spread
over both processes by the hash on the login cookie), with socket.io's own
reconnection on and a join on every reconnection, as the pages do. One
process is SIGKILLed; measured: how long each of its sockets took from the
kill to its next join acknowledgement (through nginx, on the survivor), the
refused rejoins and the sockets never back, then one broadcast to all.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
from typing import Any

import aiohttp

from bench.rest import Owner
from bench.servers import Server, Workspace, free_port, spawn, stop
from bench.stats import percentile
from bench.swarm import Swarm
from bench.targets import REDIS_URL, one_hot
from tests.balancer import NGINX, nginx_config

BACK_WITHIN = 60.0  # seconds after the kill until a socket not back counts as lost


class Balancer:
    """nginx in the foreground in front of `servers`, its files in `folder`."""

    def __init__(self, ws: Workspace, servers: list[Server]) -> None:
        if NGINX is None:
            raise RuntimeError("the failover scenario needs nginx (apt-get install nginx)")
        self.folder = ws.path / "nginx"
        self.folder.mkdir(exist_ok=True)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        upstreams = [f"127.0.0.1:{server.port}" for server in servers]
        self.config = self.folder / "nginx.conf"
        self.config.write_text(nginx_config(self.folder, self.port, upstreams))
        self.ws = ws
        self.process: asyncio.subprocess.Process | None = None

    async def __aenter__(self) -> Balancer:
        args = [str(NGINX), "-p", str(self.folder), "-e", str(self.folder / "error.log")]
        args += ["-c", str(self.config), "-g", "daemon off;"]
        self.process = await spawn(args, {}, self.ws.log("nginx"))
        async with aiohttp.ClientSession() as probe, asyncio.timeout(10):
            while True:
                with contextlib.suppress(aiohttp.ClientError):
                    async with probe.get(f"{self.url}/readyz") as response:
                        if response.status == 200:
                            return self
                await asyncio.sleep(0.1)

    async def __aexit__(self, *exc: object) -> None:
        if self.process is not None:
            await stop(self.process)


async def kill(server: Server) -> float:
    """SIGKILL to the server's process group; the epoch ms just before it."""
    at = time.time() * 1000
    os.killpg(server.pid, signal.SIGKILL)
    await server.process.wait()
    return at


async def until_back(swarm: Swarm, since: float) -> list[dict[str, Any]]:
    """Polls until the sockets dropped since `since` (some, and no new ones since the last
    poll) have all joined again, or BACK_WITHIN seconds."""
    deadline = time.monotonic() + BACK_WITHIN
    seen = -1
    while True:
        sockets = await swarm.reconnects(since)
        dropped = [s for s in sockets if s["dropped"] is not None]
        settled = dropped and len(dropped) == seen
        if settled and all(s["rejoined"] is not None for s in dropped):
            return sockets
        if time.monotonic() > deadline:
            return sockets
        seen = len(dropped)
        await asyncio.sleep(0.2)


async def failover_row(ws: Workspace, n: int, receivers: int) -> dict[str, Any]:
    db_name = ws.db_name("failover")
    await ws.fresh_database()
    try:
        servers = [await ws.start_arsnova(db_name=db_name, redis_url=REDIS_URL) for _ in range(2)]
        survivor, victim = servers
        async with (
            Balancer(ws, servers) as nginx,
            Owner(nginx.url) as owner,
        ):
            log = ws.log("swarm-failover")
            swarm, trigger = await Swarm.start(receivers, log), await Swarm.start(1, log)
            try:
                join = {"event": "setSession", "data": {"keyword": owner.keyword}}
                logins = await swarm.login(nginx.url, n)
                if logins["failures"]:
                    raise RuntimeError(f"{logins['failures']} guest logins failed")
                joined = await swarm.connect(n, [nginx.url], join, reconnect=True)
                if joined["failures"]:
                    raise RuntimeError(f"joins failed: {joined['errors']}")
                await trigger.login(survivor.url, 1)  # straight to the survivor: not moved
                await trigger.connect(1, [survivor.url], join)

                killed_at = await kill(victim)
                sockets = await until_back(swarm, killed_at)
                dropped = [s for s in sockets if s["dropped"] is not None]
                back_ms = [s["rejoined"] - killed_at for s in dropped if s["rejoined"]]
                await swarm.arm("feedbackData", one_hot(1))
                sent = await trigger.emit("setFeedback", {"sessionkey": owner.keyword,
                                                          "feedback": 1})  # fmt: skip
                got = await swarm.collect(30)
                arrivals = [t - sent["sent"] for t in got["first"] if t is not None]
            finally:
                await asyncio.gather(swarm.close(), trigger.close())
        return {
            "n": n,
            "dropped": len(dropped),
            "back": len(back_ms),
            "lost": len(dropped) - len(back_ms),
            "rejoin_errors": sum(s["errors"] for s in sockets),
            "back_p50_ms": percentile(back_ms, 50),
            "back_p99_ms": percentile(back_ms, 99),
            "back_max_ms": max(back_ms, default=None),
            "missing_after": len(got["first"]) - len(arrivals),
            "fanout_after_ms": max(arrivals) if len(arrivals) == n else None,
        }
    finally:
        await ws.stop_servers()
        ws.drop_database()
