"""Starting and stopping the processes under test, and reading their CPU and memory.

Every process is started in its own process group and registered, so
`kill_all` (called in `finally`, also after Ctrl-C) leaves nothing behind.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import resource
import shutil
import signal
import socket
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
from pymongo import AsyncMongoClient

from arsnova.embedded import EmbeddedServer
from arsnova.settings import default_embedded_command

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
SECRET = "bench-secret-" + "x" * 40
STOP_TIMEOUT = 5.0
READY_TIMEOUT = 30.0
CLK_TCK = os.sysconf("SC_CLK_TCK")

_live: set[asyncio.subprocess.Process] = set()


def raise_nofile() -> int:
    """Raises the soft open-files limit to the hard one (inherited by children)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process, from /proc/<pid>/stat."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def foreign_cpu_seconds() -> float:
    """CPU time the whole machine was busy minus what this process and its reaped children used.

    Compared before and after a scenario (whose children are all reaped by
    then), it is the CPU that other programs took from the benchmark.
    """
    fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    user, nice, system, _idle, _iowait, _irq, _softirq, steal = map(int, fields[:8])
    busy = (user + nice + system + steal) / CLK_TCK  # interrupts: mostly our own loopback
    own = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        own += usage.ru_utime + usage.ru_stime
    return busy - own


def rss_kib(pid: int) -> int:
    """Resident set size in KiB, from /proc/<pid>/status."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")


async def spawn(
    args: list[str], env: Mapping[str, str], log: Path, *, pipes: bool = False
) -> asyncio.subprocess.Process:
    """Starts a registered child in its own process group; stderr (and stdout) to `log`."""
    with log.open("ab") as out:
        process = await asyncio.create_subprocess_exec(
            *args,
            cwd=ROOT,
            env={**os.environ, **env},
            stdin=asyncio.subprocess.PIPE if pipes else asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE if pipes else out,
            stderr=out,
            start_new_session=True,
            limit=64 * 1024 * 1024,
        )
    _live.add(process)
    return process


async def stop(process: asyncio.subprocess.Process) -> None:
    """SIGTERM to the process group, SIGKILL after a grace period."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        if process.returncode is not None:
            break
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(process.wait(), STOP_TIMEOUT)
    _live.discard(process)


def kill_all() -> None:
    """Last resort (finally, atexit): SIGKILL every group still registered."""
    for process in list(_live):
        if process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
    _live.clear()


@dataclass
class Server:
    """One HTTP + Socket.IO server process on loopback."""

    kind: str  # "arsnova" or "baseline"
    port: int
    process: asyncio.subprocess.Process
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        return self.process.pid

    def cpu(self) -> float:
        return cpu_seconds(self.pid)

    def rss(self) -> int:
        return rss_kib(self.pid)


@dataclass
class Workspace:
    """A temporary folder for logs and data, and the embedded database (SecantusDB)."""

    path: Path
    counter: int = 0
    servers: list[Server] = field(default_factory=list)
    database: EmbeddedServer | None = None
    profile_dir: Path | None = None  # py-spy records every application server there
    profilers: list[asyncio.subprocess.Process] = field(default_factory=list)

    @property
    def mongodb_uri(self) -> str:
        assert self.database is not None
        return self.database.uri

    @property
    def db_pid(self) -> int:
        assert self.database is not None and self.database.process is not None
        return self.database.process.pid

    async def fresh_database(self) -> None:
        """Replaces the database with an empty one (its speed depends on what it holds)."""
        self.drop_database()
        self.counter += 1
        database = EmbeddedServer(self.path / f"db-{self.counter:02d}", default_embedded_command())
        await asyncio.to_thread(database.start)
        self.database = database

    def drop_database(self) -> None:
        """Kills the database at once: its data is thrown away anyway."""
        database, self.database = self.database, None
        if database is not None:
            if database.process is not None and database.process.poll() is None:
                database.process.kill()
            database.stop()

    async def db_commands(self) -> int:
        """Operations the database has served so far, of every client (its `opcounters`)."""
        async with AsyncMongoClient(self.mongodb_uri) as mongo:
            status = await mongo.admin.command("serverStatus")
        return sum(status["opcounters"].values())

    def log(self, name: str) -> Path:
        self.counter += 1
        return self.path / f"{self.counter:02d}-{name}.log"

    def db_name(self, label: str) -> str:
        self.counter += 1
        safe = "".join(c if c.isalnum() else "_" for c in label)
        return f"bench_{self.counter}_{safe}"[:60]

    async def start_arsnova(
        self,
        *,
        db_name: str,
        interval_ms: int = 100,
        compression: bool = False,
        redis_url: str | None = None,
        rate_limits: bool = False,
    ) -> Server:
        """The application server, on the current database (profiled with `profile_dir`).

        Rate limits are off unless asked for: the bench logs in thousands from one address."""
        port = free_port()
        env = {
            "ARSNOVA_HOST": "127.0.0.1",
            "ARSNOVA_PORT": str(port),
            "ARSNOVA_DATA_DIR": str(self.path / f"data-{port}"),
            "ARSNOVA_SECRET": SECRET,
            "ARSNOVA_LOG_LEVEL": "WARNING",
            "ARSNOVA_BROADCAST_INTERVAL_MS": str(interval_ms),
            "ARSNOVA_WS_COMPRESSION": "true" if compression else "false",
            "ARSNOVA_RATE_LIMITS": "true" if rate_limits else "false",
            "ARSNOVA_DB_NAME": db_name,
            "MONGODB_URI": self.mongodb_uri,
        }
        if redis_url:
            env["REDIS_URL"] = redis_url
        args = [PYTHON, "-m", "arsnova", "serve"]
        log = self.log(f"arsnova-{port}")
        process = await spawn(args, env, log)
        server = await self._ready(Server("arsnova", port, process, log))
        if self.profile_dir is not None:
            await self._profile(server, self.profile_dir / f"{db_name}-{server.port}.txt")
        return server

    async def _profile(self, server: Server, output: Path) -> None:
        """py-spy samples the server until it exits (flame-graph input, `--format raw`)."""
        output.parent.mkdir(parents=True, exist_ok=True)
        py_spy = Path(PYTHON).with_name("py-spy")
        args = [str(py_spy), "record", "--pid", str(server.pid), "--rate", "100"]
        args += ["--format", "raw", "--output", str(output)]
        self.profilers.append(await spawn(args, {}, self.log(f"py-spy-{server.port}")))

    async def start_baseline(self, *, db_name: str = "", compression: bool = True) -> Server:
        """The bare python-socketio server (bench/baseline_server.py)."""
        port = free_port()
        env = {
            "BASELINE_PORT": str(port),
            "BASELINE_WS_COMPRESSION": "true" if compression else "false",
            "MONGODB_URI": self.mongodb_uri if self.database else "",
            "BASELINE_DB_NAME": db_name,
        }
        args = [PYTHON, "-m", "bench.baseline_server"]
        log = self.log(f"baseline-{port}")
        process = await spawn(args, env, log)
        return await self._ready(Server("baseline", port, process, log))

    async def _ready(self, server: Server) -> Server:
        deadline = time.monotonic() + READY_TIMEOUT
        timeout = aiohttp.ClientTimeout(total=2)
        async with aiohttp.ClientSession(timeout=timeout) as http:
            while time.monotonic() < deadline:
                if server.process.returncode is not None:
                    break
                with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                    async with http.get(f"{server.url}/readyz") as response:
                        if response.status == 200:
                            self.servers.append(server)
                            return server
                await asyncio.sleep(0.1)
        await stop(server.process)
        last = (server.log.read_text(errors="replace").strip().splitlines() or [""])[-1]
        raise RuntimeError(f"{server.kind} server on {server.port} did not become ready: {last}")

    async def stop_servers(self) -> None:
        servers, self.servers = self.servers, []
        await asyncio.gather(*(stop(server.process) for server in servers))
        profilers, self.profilers = self.profilers, []
        for profiler in profilers:  # they write their output when the server is gone
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(profiler.wait(), 15)
            await stop(profiler)


@contextlib.contextmanager
def workspace(keep: bool = False) -> Iterator[Workspace]:
    """A temporary folder, removed at the end unless `keep`; every child is killed."""
    folder = Path(tempfile.mkdtemp(prefix="arsnova-bench-"))
    ws = Workspace(folder)
    try:
        yield ws
    finally:
        kill_all()
        ws.drop_database()
        if not keep:
            shutil.rmtree(folder, ignore_errors=True)


async def run_json(args: list[str], log: Path, limit: float) -> dict:
    """Runs a client process to completion and parses the JSON object it prints."""
    process = await spawn(args, {}, log, pipes=True)
    try:
        out, _ = await asyncio.wait_for(process.communicate(), limit)
    finally:
        await stop(process)
    if process.returncode != 0:
        raise RuntimeError(f"{args[:3]} exited with {process.returncode} (see {log})")
    return json.loads(out)
