"""`arsnova serve` and `arsnova migrate` as real subprocesses on the embedded default."""

from __future__ import annotations

import asyncio
import fcntl
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import aiohttp
import pytest
import socketio
from pymongo import MongoClient

from arsnova.cli import LISTEN_BACKLOG
from arsnova.embedded import pid_alive
from tests.conftest import free_port
from tests.serve import Serve
from tests.test_embedded import wait_gone

START_TIMEOUT = 60.0


def cli_env(data_dir: Path, port: int | None = None, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "MONGODB_URI"}
    env.update(ARSNOVA_DATA_DIR=str(data_dir), ARSNOVA_LOG_LEVEL="INFO", **extra)
    if port is not None:
        env["ARSNOVA_PORT"] = str(port)
    return env


def run_cli(*args: str, env: dict[str, str], timeout: float = START_TIMEOUT):
    return subprocess.run(
        [sys.executable, "-m", "arsnova", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def status_of(url: str) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError:
        return None


class Server:
    """One `arsnova serve` process."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.port = free_port()
        self.log = (data_dir.parent / f"serve-{self.port}.log").open("w+")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "arsnova", "serve"],
            env=cli_env(data_dir, self.port),
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def state(self) -> dict:
        return json.loads((self.data_dir / "embedded.json").read_text())

    def wait_ready(self, timeout: float = START_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.output()
            if status_of(self.url + "/readyz") == 200:
                return
            time.sleep(0.1)
        raise AssertionError(f"not ready in {timeout} s:\n{self.output()}")

    def stop(self, sig: int = signal.SIGTERM) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
        return self.process.wait(30)

    def output(self) -> str:
        self.log.flush()
        self.log.seek(0)
        return self.log.read()


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def serve(data_dir: Path):
    started: list[Server] = []

    def start() -> Server:
        server = Server(data_dir)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop(signal.SIGKILL)
        server.log.close()


def listen_backlog(port: int) -> int:
    """The backlog of the socket listening on `port`, as the kernel holds it (`ss`'s Send-Q)."""
    listing = subprocess.run(
        ["ss", "-ltnH", f"sport = :{port}"], capture_output=True, text=True, check=True
    ).stdout
    return int(listing.split()[2])


def test_serve_ready_then_sigterm_exits_zero_and_stops_the_database(serve, data_dir):
    server = serve()
    server.wait_ready()
    somaxconn = int(Path("/proc/sys/net/core/somaxconn").read_text())
    assert listen_backlog(server.port) == min(LISTEN_BACKLOG, somaxconn) > 128  # aiohttp's
    database_pid = server.state()["pid"]
    assert pid_alive(database_pid)
    assert status_of(server.url + "/healthz") == 200
    assert server.stop() == 0
    assert wait_gone(database_pid)
    assert not (data_dir / "embedded.json").exists()
    assert "method=GET path=/readyz status=200" in server.output()


def test_data_persists_across_restarts(serve, data_dir):
    first = serve()
    first.wait_ready()
    with MongoClient(first.state()["uri"]) as client:
        client.arsnova.sessions.insert_one({"keyword": "12345678", "name": "Physics"})
    assert first.stop() == 0

    second = serve()
    second.wait_ready()
    with MongoClient(second.state()["uri"]) as client:
        assert client.arsnova.sessions.find_one({"keyword": "12345678"})["name"] == "Physics"
        assert client.arsnova.migrations.count_documents({"_id": "0001_initial"}) == 1
    assert "applying migration" not in second.output()
    assert second.stop() == 0


def test_crashed_database_is_reported_and_restarted(serve):
    server = serve()
    server.wait_ready()
    crashed = server.state()["pid"]
    os.kill(crashed, signal.SIGKILL)
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline and server.state().get("pid") == crashed:
        time.sleep(0.1)
    server.wait_ready()
    assert server.state()["pid"] != crashed
    assert "embedded database exited unexpectedly with code -9" in server.output()
    assert server.stop() == 0


async def test_the_server_answers_while_its_database_restarts(data_dir, tmp_path):
    """The restart waits for the database off the event loop: probes and sockets go on."""
    # The database command, held at its restart until the test lets it go on.
    wrapper = tmp_path / "database.sh"
    wrapper.write_text(
        f'if [ -e "{tmp_path}/hold" ]; then touch "{tmp_path}/held"; '
        f'while [ ! -e "{tmp_path}/go" ]; do sleep 0.05; done; fi\n'
        f'exec {sys.executable} -m arsnova.embedded_db "$@"\n'
    )
    env = cli_env(data_dir, free_port(), ARSNOVA_EMBEDDED_COMMAND=f"sh {wrapper}")
    server = Serve(env, tmp_path / "serve.log")
    await server.start()
    socket = socketio.AsyncClient(reconnection=False)
    try:
        await socket.connect(server.url, transports=["websocket"])
        (tmp_path / "hold").touch()
        os.kill(json.loads((data_dir / "embedded.json").read_text())["pid"], signal.SIGKILL)
        while True:
            if (tmp_path / "held").exists():
                break
            await asyncio.sleep(0.05)

        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as http:
            async with http.get(server.url + "/healthz") as response:
                assert response.status == 200
            answer = await socket.call("noSuchEvent", {}, timeout=10)  # answered without a database
            assert answer["error"]["code"] == "unknown-event"
            assert socket.connected
            assert not (tmp_path / "go").exists()  # all that while the restart was held
            (tmp_path / "go").touch()
            await server.wait_ready()
    finally:
        (tmp_path / "go").touch()
        await socket.disconnect()
        await server.kill()
    assert "embedded database restarted" in server.log.read_text()


def test_killed_server_leaves_no_orphan_and_restarts(serve):
    first = serve()
    first.wait_ready()
    database_pid = first.state()["pid"]
    first.stop(signal.SIGKILL)
    assert wait_gone(database_pid)
    second = serve()
    second.wait_ready()
    assert second.stop() == 0


def test_second_server_on_same_folder_is_refused(serve):
    first = serve()
    first.wait_ready()
    second = serve()
    assert second.process.wait(30) == 1
    assert "is in use by another arsnova process" in second.output()
    assert status_of(first.url + "/readyz") == 200


def test_unwritable_data_folder_is_one_clear_line(tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    data_dir = blocker / "data"
    # Without ARSNOVA_SECRET, storing the generated secret is what fails first.
    result = run_cli("serve", env=cli_env(data_dir, free_port()))
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"arsnova: invalid setting ARSNOVA_DATA_DIR={str(data_dir)!r}: "
        "the data folder is not writable: Not a directory"
    )
    result = run_cli("serve", env=cli_env(data_dir, free_port(), ARSNOVA_SECRET="s" * 40))
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        f"arsnova: data folder {data_dir} is not writable: Not a directory"
    )


def test_taken_port_is_a_clear_error_and_leaves_no_database(data_dir):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_cli("serve", env=cli_env(data_dir, port))
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        f"arsnova: cannot listen on 127.0.0.1:{port}: the address is already in use"
    )
    assert not (data_dir / "embedded.json").exists()
    with (data_dir / "embedded.lock").open() as handle:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)  # free: no database left running


def test_bad_setting_exits_2_naming_it(tmp_path):
    result = run_cli("serve", env=cli_env(tmp_path, ARSNOVA_PORT="http"))
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "arsnova: invalid setting ARSNOVA_PORT='http': must be a whole number"
    )


def test_workers_refuse_a_metrics_port(tmp_path):
    env = cli_env(tmp_path, REDIS_URL="redis://127.0.0.1:1/0", ARSNOVA_METRICS_PORT="9100")
    result = run_cli("serve", "--workers", "2", env=env)
    assert result.returncode == 2
    assert "cannot share ARSNOVA_METRICS_PORT" in result.stderr


def test_migrate_without_a_running_server(data_dir):
    env = cli_env(data_dir)
    first = run_cli("migrate", env=env)
    assert first.returncode == 0, first.stderr
    folder = Path(__file__).parent.parent / "migrations"
    every = sorted(path.stem for path in folder.glob("0*.py"))
    assert first.stdout.strip() == f"applied: {', '.join(every)}"
    again = run_cli("migrate", env=env)
    assert again.stdout.strip() == "nothing to apply"
    assert not (data_dir / "embedded.json").exists()


def test_migrate_uses_the_running_server(serve, data_dir):
    server = serve()
    server.wait_ready()
    result = run_cli("migrate", env=cli_env(data_dir))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "nothing to apply"
    assert status_of(server.url + "/readyz") == 200


def test_login_link_logs_an_admin_in_once(serve, data_dir):
    server = serve()
    server.wait_ready()
    env = cli_env(data_dir, server.port, ARSNOVA_ADMINS="GuestBoss")
    result = run_cli("login-link", "GuestBoss", env=env)
    assert result.returncode == 0, result.stderr
    link = result.stdout.strip()
    assert link.startswith(f"{server.url}/auth/link?token=")
    opener = urllib.request.build_opener(NoRedirect)
    with pytest.raises(urllib.error.HTTPError) as redirect:
        opener.open(link, timeout=5)
    assert redirect.value.code == 302
    cookies = redirect.value.headers.get_all("Set-Cookie")
    assert any(cookie.startswith("ARSNOVA_GUEST_KEY=") for cookie in cookies)
    assert status_of(link) == 404  # used up
    assert run_cli("login-link", "not a guest", env=env).returncode == 2


class NoRedirect(urllib.request.HTTPRedirectHandler):
    """Hands the 302 over as an error, with its headers."""

    def redirect_request(self, *args, **kwargs):
        return None
