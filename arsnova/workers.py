"""`arsnova serve --workers N`: N server processes on one port, for the cores of one machine.

Each worker is a whole `arsnova serve` (its own event loop, sockets and
background tasks) bound with SO_REUSEPORT, so the kernel spreads new
connections over them. They share the database (MONGODB_URI, or the embedded
one this parent runs) and Redis, which carries emits and coordination between
them like between machines. A connection may land on any worker, so workers
accept Socket.IO over WebSocket only: long-polling needs every request of a
session on the same process, which the kernel does not promise.

The parent only supervises: SIGTERM or SIGINT stops the workers cleanly; if a
worker dies, the others are stopped too and the parent exits 1, so the
process manager (systemd) restarts the whole set.
"""

from __future__ import annotations

import contextlib
import logging
import os
import resource
import signal
import subprocess
import sys
import time

from arsnova.settings import Settings

log = logging.getLogger(__name__)

POLL_INTERVAL = 0.2
STOP_TIMEOUT = 15.0


def raise_open_files_limit() -> int:
    """Lifts the soft limit of open files to the hard one: every socket is a file."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        target = hard if hard != resource.RLIM_INFINITY else max(soft, 1_048_576)
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def worker_env(settings: Settings, mongodb_uri: str) -> dict[str, str]:
    return {
        **os.environ,
        "MONGODB_URI": mongodb_uri,
        "ARSNOVA_DB_NAME": settings.db_name,
        "ARSNOVA_HOST": settings.host,
        "ARSNOVA_PORT": str(settings.port),
        "ARSNOVA_SOCKET_TRANSPORTS": "websocket",
    }


def run_workers(settings: Settings, count: int, mongodb_uri: str) -> int:
    """Runs `count` workers until a signal (exit code 0) or the death of one (exit code 1)."""
    command = [sys.executable, "-m", "arsnova", "serve", "--no-migrate", "--reuse-port"]
    env = worker_env(settings, mongodb_uri)
    stopping = False

    def stop(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    workers = [subprocess.Popen(command, env=env) for _ in range(count)]
    log.info(
        "%d workers (pids %s) on http://%s:%s",
        count,
        ", ".join(str(worker.pid) for worker in workers),
        settings.host,
        settings.port,
    )
    try:
        while not stopping:
            dead = [worker for worker in workers if worker.poll() is not None]
            if dead:
                log.error("worker %s exited with %s; stopping", dead[0].pid, dead[0].returncode)
                break
            time.sleep(POLL_INTERVAL)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        codes = stop_workers(workers)
    return 0 if stopping and not any(codes) else 1


def stop_workers(workers: list[subprocess.Popen]) -> list[int]:
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
