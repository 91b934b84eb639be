"""`arsnova serve --workers 2` on the embedded database heals like a single server (issue 22).

Real processes, killed with SIGKILL: the database child (restarted on its
port while the supervisor goes on supervising), one worker (replaced while the
other serves), the supervisor itself (its workers and database die with it,
the port is free again). The set owns its data folder like a single server.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
import socket
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

import aiohttp
import pytest

from arsnova import workers as supervision
from arsnova.embedded import pid_alive
from tests.conftest import TEST_SECRET, free_port, make_settings, port_open
from tests.helpers import eventually
from tests.realtime.conftest import Socket, connect_url
from tests.serve import Serve

# Seconds a `kill -9` of the database child may cost the set: the watcher notices within
# 0.5 s, the database starts in about 1 s, the workers' driver finds it again within its
# next check; the rest is room for a loaded machine (README, "Scaling out").
DATABASE_RECOVERY = 30.0
GONE_WITHIN = 5.0  # seconds for the workers of a killed supervisor to die with it
SOCKETS = 12  # over two workers: all on one of them has a chance of 1 in 2,048


def children_of(pid: int) -> list[int]:
    """The live children of `pid` (its main thread's: those of the supervisor)."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [int(child) for child in children if pid_alive(int(child))]


def exited(pid: int) -> bool:
    """Every thread of `pid` has ended (a killed process's main thread may be a zombie
    while its other threads still hold its files, its listening socket among them)."""
    try:
        threads = list(Path(f"/proc/{pid}/task").iterdir())
    except OSError:
        return True
    for thread in threads:
        try:
            stat = (thread / "stat").read_text()
        except OSError:
            continue
        if stat.rsplit(")", 1)[-1].split()[0] not in ("Z", "X"):
            return False
    return True


def listening(pid: int, port: int) -> bool:
    """Whether process `pid` holds a socket listening on `port` (of 127.0.0.1)."""
    inodes = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if fields[1].endswith(f":{port:04X}") and fields[3] == "0A":  # LISTEN
            inodes.add(f"socket:[{fields[9]}]")
    try:
        fds = list(Path(f"/proc/{pid}/fd").iterdir())
    except OSError:
        return False
    for fd in fds:
        try:
            if os.readlink(fd) in inodes:
                return True
        except OSError:
            continue
    return False


def state(data_dir: Path) -> dict:
    return json.loads((data_dir / "embedded.json").read_text())


def workers_of(supervisor: Serve, data_dir: Path) -> list[int]:
    """The supervisor's live children but its database."""
    database = state(data_dir)["pid"]
    return [pid for pid in children_of(supervisor.process.pid) if pid != database]


def set_env(data_dir: Path, redis_url: str, port: int | None = None, **extra: str) -> dict:
    """A set on the embedded database of `data_dir` (no MONGODB_URI), logging at INFO."""
    env = {k: v for k, v in os.environ.items() if k != "MONGODB_URI"}
    env.update(
        ARSNOVA_DATA_DIR=str(data_dir),
        ARSNOVA_PORT=str(port or free_port()),
        ARSNOVA_HOST="127.0.0.1",
        ARSNOVA_SECRET=TEST_SECRET,
        ARSNOVA_LOG_LEVEL="INFO",
        ARSNOVA_RATE_LIMITS="false",
        REDIS_URL=redis_url,
        **extra,
    )
    return env


StartSet = Callable[..., Awaitable[Serve]]


@pytest.fixture
def start_set(start_serve) -> Iterator[StartSet]:
    """`await start_set(env, name=…)`: `arsnova serve --workers 2`, both workers listening.

    At the end its children are killed before it (should they outlive it, no orphan
    would keep the port or the test's output open).
    """
    started: list[Serve] = []

    async def start(env: dict[str, str], name: str = "set") -> Serve:
        supervisor = await start_serve(env, "--workers", "2", name=name)
        started.append(supervisor)
        data_dir = Path(env["ARSNOVA_DATA_DIR"])
        await eventually(
            lambda: (
                [listening(pid, supervisor.port) for pid in workers_of(supervisor, data_dir)]
                == [True, True]
            ),
            within=60,
            what="two workers listening",
        )
        return supervisor

    yield start
    for supervisor in started:
        if supervisor.process is not None and supervisor.process.returncode is None:
            for child in children_of(supervisor.process.pid):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(child, signal.SIGKILL)


async def status(http: aiohttp.ClientSession, url: str) -> int | None:
    try:
        async with http.get(url) as response:
            return response.status
    except aiohttp.ClientError:
        return None


def fresh_connections() -> aiohttp.ClientSession:
    """Every request on a new connection, so the kernel picks a worker for each."""
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(force_close=True),
        timeout=aiohttp.ClientTimeout(total=10),
    )


async def refused_set(env: dict[str, str]) -> tuple[int, list[str]]:
    """`arsnova serve --workers 2` expected to give up by itself: its exit code and the
    lines of its standard error."""
    started = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "arsnova", "serve", "--workers", "2",
        env=env, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        _, stderr = await asyncio.wait_for(started.communicate(), 60)
    finally:
        if started.returncode is None:
            started.kill()
            await started.wait()
    assert started.returncode is not None
    return started.returncode, stderr.decode().strip().splitlines()


@pytest.mark.timeout(180)
async def test_the_set_owns_its_folder_and_dies_with_its_supervisor(start_set, redis_url, tmp_path):
    data_dir = tmp_path / "data"
    first = await start_set(set_env(data_dir, redis_url))

    # A second set on the same folder is refused like a second single server.
    code, lines = await refused_set(set_env(data_dir, redis_url))
    assert code == 1
    assert lines[-1] == (
        f"arsnova: data folder {data_dir} is in use by another arsnova process "
        f"(pid {first.process.pid}); stop it or set another ARSNOVA_DATA_DIR"
    )

    # kill -9 of the supervisor: its workers and its database go with it, the port is free.
    workers = workers_of(first, data_dir)
    database = state(data_dir)["pid"]
    await first.kill()
    killed_at = time.monotonic()
    await eventually(
        lambda: all(exited(pid) for pid in (*workers, database)) and not port_open(first.port),
        within=GONE_WITHIN,
        what="the workers and the database dying with their supervisor, the port free",
    )
    print(f"workers and database gone {time.monotonic() - killed_at:.1f} s after the kill -9")


@pytest.mark.timeout(180)
async def test_a_killed_database_is_restarted_on_its_port_while_the_set_goes_on(
    start_set, redis_url, tmp_path
):
    # The database command, held at a restart while the file `hold` exists, until `go` does.
    wrapper = tmp_path / "database.sh"
    wrapper.write_text(
        f'if [ -e "{tmp_path}/hold" ]; then touch "{tmp_path}/held"; '
        f'while [ ! -e "{tmp_path}/go" ]; do sleep 0.05; done; fi\n'
        f'exec {sys.executable} -m arsnova.embedded_db "$@"\n'
    )
    data_dir = tmp_path / "data"
    supervisor = await start_set(
        set_env(data_dir, redis_url, ARSNOVA_EMBEDDED_COMMAND=f"sh {wrapper}")
    )
    port = state(data_dir)["port"]

    # 1. kill -9 of the database: requests succeed again, on the same port, without help.
    crashed = state(data_dir)["pid"]
    os.kill(crashed, signal.SIGKILL)
    killed_at = time.monotonic()
    async with fresh_connections() as http:
        await eventually(
            lambda: state(data_dir)["pid"] != crashed, DATABASE_RECOVERY, "a new database"
        )
        await eventually(lambda: all_ready(http, supervisor.url), DATABASE_RECOVERY, "ready")
    print(f"requests succeed again {time.monotonic() - killed_at:.1f} s after the kill -9")
    log = supervisor.log.read_text()
    assert "embedded database exited unexpectedly with code -9; restarting it" in log
    assert f"embedded database restarted on port {port}" in log
    assert state(data_dir)["port"] == port
    assert supervisor.process.returncode is None

    # 2. While the restart waits for the database, the supervisor goes on supervising: a
    # worker killed meanwhile is replaced before the database is back (its wait is not on
    # the supervisor's event loop).
    (tmp_path / "hold").touch()
    os.kill(state(data_dir)["pid"], signal.SIGKILL)
    await eventually(lambda: (tmp_path / "held").exists(), what="the restart held")
    victim = workers_of(supervisor, data_dir)[0]
    os.kill(victim, signal.SIGKILL)
    await eventually(
        lambda: f"replaces worker {victim}" in supervisor.log.read_text(), what="a replacement"
    )
    assert not (tmp_path / "go").exists()  # all that while the database restart was held
    (tmp_path / "go").touch()
    await eventually(
        lambda: (
            supervisor.log.read_text().count(f"embedded database restarted on port {port}") == 2
        ),
        DATABASE_RECOVERY,
        "the second restart",
    )  # (/readyz answers from its last probe: it may not have noticed the outage at all)
    async with fresh_connections() as http:
        await eventually(lambda: all_ready(http, supervisor.url), DATABASE_RECOVERY, "ready")
    supervisor.process.send_signal(signal.SIGTERM)
    assert await asyncio.wait_for(supervisor.process.wait(), 60) == 0


async def all_ready(http: aiohttp.ClientSession, url: str, rounds: int = 8) -> bool:
    """`/readyz` answers 200 on `rounds` fresh connections in a row (either worker)."""
    for _ in range(rounds):
        if await status(http, url + "/readyz") != 200:
            return False
    return True


@pytest.mark.timeout(180)
async def test_a_killed_worker_is_replaced_while_the_other_serves(start_set, redis_url, tmp_path):
    data_dir = tmp_path / "data"
    supervisor = await start_set(set_env(data_dir, redis_url))
    url = supervisor.url
    sockets: list[Socket] = [await connect_url(url) for _ in range(SOCKETS)]
    failures: list[object] = []
    answered = 0
    try:
        victim, survivor = workers_of(supervisor, data_dir)
        os.kill(victim, signal.SIGKILL)
        killed_at = time.monotonic()
        await eventually(lambda: exited(victim), what="the worker gone")

        # From its death on, every request succeeds, and a new worker takes its place.
        async with fresh_connections() as http:

            async def replaced() -> bool:
                nonlocal answered
                answer = await status(http, url + "/healthz")
                if answer == 200:
                    answered += 1
                else:
                    failures.append(answer)
                workers = workers_of(supervisor, data_dir)
                return len(workers) == 2 and survivor in workers

            await eventually(replaced, what="a new worker")
            (replacement,) = set(workers_of(supervisor, data_dir)) - {survivor}
            await eventually(  # logged just after the spawn
                lambda: (
                    f"worker {replacement} replaces worker {victim}" in supervisor.log.read_text()
                ),
                what="the replacement logged",
            )
            # Until the replacement listens on the port, and some more: every request answered.
            while not listening(replacement, supervisor.port):
                await replaced()
                await asyncio.sleep(0.05)
            print(f"a replacement listens {time.monotonic() - killed_at:.1f} s after the kill -9")
            for _ in range(20):
                await replaced()
        assert not failures, failures
        assert answered >= 20

        # The survivor's sockets never noticed; those of the dead worker were cut.
        alive = [socket for socket in sockets if socket.client.connected]
        assert alive, "every socket was on the killed worker (1 in 2,048): run again"
        for socket in alive:
            ack = await socket.call("noSuchEvent", {})
            assert ack["error"]["code"] == "unknown-event"
        assert supervisor.process.returncode is None
    finally:
        for socket in sockets:
            await socket.disconnect()
    supervisor.process.send_signal(signal.SIGTERM)
    assert await asyncio.wait_for(supervisor.process.wait(), 60) == 0


async def test_a_worker_that_keeps_dying_at_its_start_stops_the_set(tmp_path, monkeypatch, caplog):
    """A crash loop (a worker dying soon after each start) ends with exit code 1 for the
    process manager, after `REPLACE_DELAYS`; the workers here are real processes that die."""
    monkeypatch.setattr(supervision, "REPLACE_DELAYS", (0.0, 0.0, 0.1))
    settings = make_settings("mongodb://127.0.0.1:1", "loop", tmp_path, port=free_port())
    supervisor = supervision.Supervisor(settings, 1, "mongodb://127.0.0.1:1", None)
    supervisor.command = [sys.executable, "-c", "raise SystemExit(3)"]
    caplog.set_level(logging.INFO, "arsnova.workers")
    assert await asyncio.wait_for(supervisor.run(), 60) == 1
    replaced = [r.message for r in caplog.records if "replaces worker" in r.message]
    assert len(replaced) == 3  # one replacement per delay, then no more
    assert "3 workers in a row died" not in caplog.text
    assert "4 workers in a row died within 30 s of their start; stopping the set" in caplog.text
    assert all(worker.poll() == 3 for worker in supervisor.workers)


async def test_a_taken_port_is_refused_at_once_with_the_single_servers_error(redis_url, tmp_path):
    """Another program listening on the port (here a plain socket) is reported before any
    worker starts, with the error a single server gives, not after a crash loop."""
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        code, lines = await refused_set(set_env(tmp_path / "data", redis_url, port))
    assert code == 1
    assert lines[-1] == (
        f"arsnova: cannot listen on 127.0.0.1:{port}: the address is already in use"
    )
    assert not any("replac" in line for line in lines)  # no worker was started
    assert not (tmp_path / "data" / "embedded.json").exists()  # nor the database
