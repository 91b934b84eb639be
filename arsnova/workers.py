"""`arsnova serve --workers N`: N server processes on one port, for the cores of one machine.

Each worker is a whole `arsnova serve` (its own event loop, sockets and
background tasks) bound with SO_REUSEPORT, so the kernel spreads new
connections over them. They share the database (MONGODB_URI, or the embedded
one this parent runs) and Redis, which carries emits and coordination between
them like between machines. A connection may land on any worker, so workers
accept Socket.IO over WebSocket only: long-polling needs every request of a
session on the same process, which the kernel does not promise.

The parent (the supervisor) serves nothing; it heals the set:

- it owns the data folder like a single `arsnova serve` (its lock) and runs
  the embedded database, which it restarts on the same port if it dies;
- a worker that dies is replaced while the others go on serving; a worker that
  keeps dying soon after its start (`REPLACE_DELAYS`) stops the set with exit
  code 1, for the process manager;
- workers get SIGKILL when the parent dies (Linux parent-death signal), so a
  set started again never shares the port with orphans;
- SIGTERM or SIGINT stops the workers cleanly, then the database (exit code 0).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import resource
import signal
import socket
import subprocess
import sys
import time

from arsnova.embedded import EmbeddedServer, die_with
from arsnova.settings import Settings

log = logging.getLogger(__name__)

POLL_INTERVAL = 0.2
STOP_TIMEOUT = 15.0
# A worker that ran this long before it died crashed; one that died sooner may be
# crash-looping: its replacements wait these delays (seconds), and after as many quick
# deaths in a row the set stops (exit 1) so that the process manager takes over.
STABLE_AFTER = 30.0
REPLACE_DELAYS = (0.0, 1.0, 2.0, 4.0, 8.0)


def raise_open_files_limit() -> int:
    """Lifts the soft limit of open files to the hard one: every socket is a file."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        target = hard if hard != resource.RLIM_INFINITY else max(soft, 1_048_576)
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def check_port_free(host: str, port: int) -> None:
    """Raises the `OSError` of binding `host:port`, as the workers would, without
    SO_REUSEPORT, so that a listener of any kind (another set too) is found."""
    for family, kind, proto, _name, address in socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    ):
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as asyncio does
            probe.bind(address)


def worker_env(settings: Settings, mongodb_uri: str) -> dict[str, str]:
    return {
        **os.environ,
        "MONGODB_URI": mongodb_uri,
        "ARSNOVA_DB_NAME": settings.db_name,
        "ARSNOVA_HOST": settings.host,
        "ARSNOVA_PORT": str(settings.port),
        "ARSNOVA_SOCKET_TRANSPORTS": "websocket",
    }


def run_workers(
    settings: Settings, count: int, mongodb_uri: str, embedded: EmbeddedServer | None = None
) -> int:
    """Runs `count` workers (and watches `embedded`) until a signal (exit code 0) or a
    failure that healing cannot mend (exit code 1)."""
    return asyncio.run(Supervisor(settings, count, mongodb_uri, embedded).run())


class Supervisor:
    """Runs on the main thread: the children's parent-death signal follows that thread."""

    def __init__(
        self, settings: Settings, count: int, mongodb_uri: str, embedded: EmbeddedServer | None
    ) -> None:
        self.settings = settings
        self.count = count
        self.command = [sys.executable, "-m", "arsnova", "serve", "--no-migrate", "--reuse-port"]
        self.env = worker_env(settings, mongodb_uri)
        self.embedded = embedded
        self.workers: list[subprocess.Popen] = []
        self.failed = False

    def spawn(self) -> subprocess.Popen:
        return subprocess.Popen(self.command, env=self.env, preexec_fn=die_with(os.getpid()))

    async def run(self) -> int:
        loop = asyncio.get_running_loop()
        stopping = asyncio.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stopping.set)
        self.workers = [self.spawn() for _ in range(self.count)]
        log.info(
            "%d workers (pids %s) on http://%s:%s",
            self.count,
            ", ".join(str(worker.pid) for worker in self.workers),
            self.settings.host,
            self.settings.port,
        )
        tasks = [asyncio.create_task(self.keep(index)) for index in range(self.count)]
        if self.embedded is not None:
            tasks.append(asyncio.create_task(self.embedded.watch()))
        signalled = asyncio.create_task(stopping.wait())
        try:
            await asyncio.wait([signalled, *tasks], return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (signalled, *tasks):
                task.cancel()
            await asyncio.gather(signalled, *tasks, return_exceptions=True)
            codes = await asyncio.to_thread(stop_workers, self.workers)
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.remove_signal_handler(sig)
        failed = self.failed or (self.embedded is not None and self.embedded.failed)
        # A worker our SIGTERM reached before its handler (still starting) stopped cleanly too.
        clean = all(code in (0, -signal.SIGTERM) for code in codes)
        return 0 if stopping.is_set() and not failed and clean else 1

    async def keep(self, index: int) -> None:
        """Replaces worker `index` whenever it dies; returns when it keeps dying (`failed`)."""
        loop = asyncio.get_running_loop()
        quick_deaths = 0
        while True:
            worker = self.workers[index]
            started = loop.time()
            while worker.poll() is None:  # noqa: ASYNC110 - a poll; no thread per worker
                await asyncio.sleep(POLL_INTERVAL)
            quick_deaths = quick_deaths + 1 if loop.time() - started < STABLE_AFTER else 0
            if quick_deaths > len(REPLACE_DELAYS):
                log.critical(
                    "worker %s exited with %s: %d workers in a row died within %g s of their "
                    "start; stopping the set",
                    worker.pid,
                    worker.returncode,
                    quick_deaths,
                    STABLE_AFTER,
                )
                self.failed = True
                return
            delay = REPLACE_DELAYS[max(0, quick_deaths - 1)]
            log.error(
                "worker %s exited with %s; replacing it%s (the other workers go on serving)",
                worker.pid,
                worker.returncode,
                f" in {delay:g} s" if delay else "",
            )
            await asyncio.sleep(delay)
            self.workers[index] = self.spawn()
            log.info("worker %s replaces worker %s", self.workers[index].pid, worker.pid)


def stop_workers(workers: list[subprocess.Popen]) -> list[int]:
    """SIGTERM to every worker, SIGKILL to those not gone within `STOP_TIMEOUT`: their codes."""
    for worker in workers:
        if worker.poll() is None:
            worker.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT
    for worker in workers:
        try:
            worker.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
    return [worker.returncode for worker in workers]
