"""The embedded MongoDB-wire server for one-machine mode.

SecantusDB (GPL-2.0) runs only as a separate child process, started with the
configured command; it is never imported. Its storage lives in
`<data dir>/db`, its output in `<data dir>/embedded.log`.

Exactly one process may own a data folder: the owner holds an exclusive
`flock` on `<data dir>/embedded.lock`, and the child inherits that lock, so the
folder stays claimed for as long as the database runs, even if the owner is
killed. The child gets SIGKILL when its owner dies (Linux
`PR_SET_PDEATHSIG`), so no orphan keeps the storage open. The owner writes the
server's address to `<data dir>/embedded.json`, which lets other commands
(`arsnova migrate`, `arsnova token …`) reuse a running server instead of
opening the storage a second time.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import errno
import fcntl
import json
import logging
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)

HOST = "127.0.0.1"
START_ATTEMPTS = 3
STOP_TIMEOUT = 20.0
ORPHAN_GRACE = 10.0
PR_SET_PDEATHSIG = 1
WATCH_INTERVAL = 0.5  # seconds between checks that the child still runs


class EmbeddedError(Exception):
    """The embedded database could not be started or reached (one-line message)."""


class DataDirInUse(EmbeddedError):
    """Another live process owns the data folder's embedded database."""

    def __init__(self, data_dir: Path, state: dict) -> None:
        self.state = state
        super().__init__(
            f"data folder {data_dir} is in use by another arsnova process "
            f"(pid {state.get('owner', '?')}); stop it or set another ARSNOVA_DATA_DIR"
        )


def die_with(parent: int) -> Callable[[], None]:
    """A `preexec_fn`: the child gets SIGKILL when the thread that spawns it ends (Linux)."""

    def arrange() -> None:  # pragma: no cover - runs in the child before exec
        libc = ctypes.CDLL(None, use_errno=True)
        # SIGKILL: an orphan must go at once (it may sit on a SIGTERM for many
        # seconds); every acknowledged write is already synced (--sync-on-commit).
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != parent:  # the parent died before prctl took effect
            os._exit(1)

    return arrange


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def pid_alive(pid: int | None) -> bool:
    """True for a running process; a zombie (exited, not yet reaped) counts as gone."""
    if not pid:
        return False
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[-1].split()[0] != "Z"


def _port_open(port: int) -> bool:
    try:
        with socket.create_connection((HOST, port), timeout=0.5):
            return True
    except OSError:
        return False


def mongodb_uri(port: int) -> str:
    return f"mongodb://{HOST}:{port}/?directConnection=true"


@dataclass
class EmbeddedServer:
    data_dir: Path
    command: tuple[str, ...]
    start_timeout: float = 30.0
    port: int | None = None
    failed: bool = False
    process: subprocess.Popen | None = field(default=None, repr=False)
    _lock_fd: int | None = field(default=None, repr=False)

    @property
    def storage_path(self) -> Path:
        return self.data_dir / "db"

    @property
    def log_path(self) -> Path:
        return self.data_dir / "embedded.log"

    @property
    def state_path(self) -> Path:
        return self.data_dir / "embedded.json"

    @property
    def lock_path(self) -> Path:
        return self.data_dir / "embedded.lock"

    @property
    def uri(self) -> str:
        if self.port is None:
            raise EmbeddedError("the embedded database is not running")
        return mongodb_uri(self.port)

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def read_state(self) -> dict:
        try:
            return json.loads(self.state_path.read_text())
        except (OSError, ValueError):
            return {}

    def start(self) -> None:
        """Claims the data folder and starts the server; raises EmbeddedError."""
        self._prepare_data_dir()
        self._claim()
        try:
            for _attempt in range(START_ATTEMPTS):
                port = self.port or _free_port()
                if self._spawn_and_wait(port):
                    self.port = port
                    self._write_state()
                    log.info("embedded database listening on %s:%s", HOST, port)
                    return
                if self.port is not None:
                    break
            raise EmbeddedError(
                f"the embedded database did not start: {self._last_log_line()} "
                f"(see {self.log_path})"
            )
        except BaseException:
            self.stop()
            raise

    async def restart(self) -> None:
        """Starts the server again on the same port after it exited.

        The wait for it (up to `start_timeout`) runs in a thread, so the server
        goes on answering meanwhile; the child itself is spawned from the
        caller's thread, the event loop's, whose end its parent-death signal
        follows.
        """
        if self.port is None or self._lock_fd is None:
            raise EmbeddedError("the embedded database was never started")
        started = self._spawn(self.port)
        try:
            listening = await asyncio.to_thread(self._wait_started, *started, self.port)
        except asyncio.CancelledError:  # stopping meanwhile: end the wait's thread too
            started[0].kill()
            raise
        if not listening:
            raise EmbeddedError(
                f"the embedded database did not restart: {self._last_log_line()} "
                f"(see {self.log_path})"
            )
        self._write_state()

    async def watch(self, interval: float = WATCH_INTERVAL) -> None:
        """Reports a crash of the database and starts it again on the same port.

        If it cannot be restarted, `failed` is set and the process sends itself
        SIGTERM: `arsnova serve` (or the `--workers` supervisor) stops and exits
        1, so a process manager can take over.
        """
        while True:
            await asyncio.sleep(interval)
            process = self.process
            if process is None or process.poll() is None:
                continue
            log.error(
                "embedded database exited unexpectedly with code %s; restarting it (log: %s)",
                process.returncode,
                self.log_path,
            )
            try:
                await self.restart()
            except EmbeddedError as exc:
                log.critical("%s; shutting down", exc)
                self.failed = True
                signal.raise_signal(signal.SIGTERM)
                return
            log.info("embedded database restarted on port %s", self.port)

    def stop(self) -> None:
        """Stops the child gracefully (SIGTERM, then SIGKILL) and frees the folder."""
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                log.warning("embedded database ignored SIGTERM; killing it")
                process.kill()
                process.wait()
        if self._lock_fd is not None:
            with contextlib.suppress(OSError):
                self.state_path.unlink()
            os.close(self._lock_fd)
            self._lock_fd = None

    def _prepare_data_dir(self) -> None:
        try:
            self.data_dir.mkdir(parents=True, exist_ok=True)
            self.storage_path.mkdir(exist_ok=True)
            probe = self.data_dir / f".write-test-{os.getpid()}"
            probe.write_text("")
            probe.unlink()
        except OSError as exc:
            raise EmbeddedError(
                f"data folder {self.data_dir} is not writable: {exc.strerror or exc}"
            ) from None

    def _claim(self) -> None:
        """Takes the folder's lock, waiting while a dying previous owner's database lets go.

        A database whose owner died stops by itself (parent-death SIGKILL,
        on Linux); one still holding the folder after `ORPHAN_GRACE` seconds is
        killed, which `--sync-on-commit` makes safe for acknowledged writes.
        """
        fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        started = time.monotonic()
        orphan_killed = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                self._lock_fd = fd
                return
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES):
                    os.close(fd)
                    raise
            state = self.read_state()
            waited = time.monotonic() - started
            if pid_alive(state.get("owner")) or waited > self.start_timeout:
                os.close(fd)
                raise DataDirInUse(self.data_dir, state)
            if waited > ORPHAN_GRACE and not orphan_killed and pid_alive(state.get("pid")):
                log.warning("killing embedded database pid %s left by a dead owner", state["pid"])
                os.kill(state["pid"], signal.SIGKILL)
                orphan_killed = True
            time.sleep(0.1)

    def _spawn_and_wait(self, port: int) -> bool:
        return self._wait_started(*self._spawn(port), port)

    def _spawn(self, port: int) -> tuple[subprocess.Popen, int]:
        """Starts the child: it and the offset in the log where its output begins."""
        args = [
            *self.command,
            "--host", HOST,
            "--port", str(port),
            "--storage-path", str(self.storage_path.resolve()),
            "--sync-on-commit",
        ]  # fmt: skip
        with self.log_path.open("ab") as log_file:
            offset = log_file.tell()
            try:
                self.process = subprocess.Popen(
                    args,
                    stdin=subprocess.DEVNULL,
                    stdout=log_file,
                    stderr=subprocess.STDOUT,
                    pass_fds=(self._lock_fd,) if self._lock_fd is not None else (),
                    preexec_fn=die_with(os.getpid()),
                    start_new_session=True,
                )
            except OSError as exc:
                raise EmbeddedError(
                    f"cannot run the embedded database command {self.command[0]!r}: "
                    f"{exc.strerror or exc} (set ARSNOVA_EMBEDDED_COMMAND)"
                ) from None
        return self.process, offset

    def _wait_started(self, process: subprocess.Popen, offset: int, port: int) -> bool:
        """True once the child listens; False if it exits or does not start in time (killed)."""
        ready_line = f"listening on {HOST}:{port}".encode()
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                return False
            if ready_line in self._log_since(offset) and _port_open(port):
                return True
            time.sleep(0.05)
        process.kill()
        process.wait()
        return False

    def _log_since(self, offset: int) -> bytes:
        try:
            with self.log_path.open("rb") as handle:
                handle.seek(offset)
                return handle.read()
        except OSError:
            return b""

    def _last_log_line(self) -> str:
        try:
            lines = self.log_path.read_text(errors="replace").strip().splitlines()
        except OSError:
            return "no log output"
        if not lines:
            return "no log output"
        return lines[-1].strip()

    def _write_state(self) -> None:
        state = {
            "owner": os.getpid(),
            "pid": self.process.pid if self.process else None,
            "port": self.port,
            "uri": self.uri,
        }
        tmp = self.state_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(state))
        tmp.replace(self.state_path)


@contextlib.contextmanager
def embedded_database(data_dir: Path, command: tuple[str, ...], timeout: float) -> Iterator[str]:
    """Yields the URI of the folder's embedded database for a short-lived command.

    Reuses the server of a running `arsnova serve` on the same folder, or
    starts a temporary one and stops it afterwards.
    """
    server = EmbeddedServer(data_dir, command, timeout)
    try:
        server.start()
    except DataDirInUse as busy:
        port = busy.state.get("port")
        if not port or not _port_open(port):
            raise EmbeddedError(
                f"data folder {data_dir} is owned by pid {busy.state.get('owner', '?')}, "
                "but its database does not answer"
            ) from None
        yield mongodb_uri(port)
        return
    try:
        yield server.uri
    finally:
        server.stop()
