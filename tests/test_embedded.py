"""The embedded database child process: one owner per data folder, clear failures."""

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from arsnova.embedded import (
    DataDirInUse,
    EmbeddedError,
    EmbeddedServer,
    embedded_database,
    pid_alive,
)
from arsnova.settings import default_embedded_command


def server_in(path, command=None, timeout=30.0) -> EmbeddedServer:
    return EmbeddedServer(path, command or default_embedded_command(), timeout)


def wait_gone(pid: int, seconds: float = 15.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not pid_alive(pid):
            return True
        time.sleep(0.1)
    return False


@pytest.fixture
def running(tmp_path):
    server = server_in(tmp_path / "data")
    server.start()
    yield server
    server.stop()


def test_start_writes_state_and_stop_cleans_up(running):
    state = running.read_state()
    assert state["uri"] == running.uri and state["owner"] == os.getpid()
    pid = running.process.pid
    running.stop()
    assert not pid_alive(pid) or wait_gone(pid)
    assert not running.state_path.exists()


def test_second_owner_refused_while_running(running):
    with pytest.raises(DataDirInUse, match=r"is in use by another arsnova process \(pid \d+\)"):
        server_in(running.data_dir, timeout=2).start()


def test_command_reuses_running_server(running):
    with embedded_database(running.data_dir, default_embedded_command(), 5) as uri:
        assert uri == running.uri
    assert running.running


def test_command_starts_and_stops_a_temporary_server(tmp_path):
    data = tmp_path / "data"
    with embedded_database(data, default_embedded_command(), 30) as uri:
        pid = server_in(data).read_state()["pid"]
        assert uri.startswith("mongodb://127.0.0.1:")
        assert pid_alive(pid)
    assert wait_gone(pid)
    again = server_in(data)
    again.start()  # the folder is free again
    again.stop()


def test_not_writable_data_folder(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    with pytest.raises(EmbeddedError, match=r"data folder .*a-file/data is not writable"):
        server_in(blocker / "data").start()


def test_missing_command_is_clear(tmp_path):
    with pytest.raises(EmbeddedError, match="cannot run the embedded database command"):
        server_in(tmp_path, ("/nonexistent/secantus",)).start()


def test_failing_command_reports_its_last_log_line(tmp_path):
    command = (sys.executable, "-c", "import sys; print('storage is corrupt'); sys.exit(1)")
    with pytest.raises(
        EmbeddedError, match=r"did not start: storage is corrupt \(see .*embedded.log\)"
    ):
        server_in(tmp_path, command).start()
    assert not (tmp_path / "embedded.json").exists()


def test_child_dies_with_its_owner_and_folder_is_reclaimed(tmp_path):
    """A SIGKILLed owner leaves no orphan: the child gets SIGTERM and frees the folder."""
    data = tmp_path / "data"
    owner = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(f"""
                import sys, time
                from pathlib import Path
                from arsnova.embedded import EmbeddedServer
                from arsnova.settings import default_embedded_command
                server = EmbeddedServer(Path({str(data)!r}), default_embedded_command())
                server.start()
                print(server.process.pid, flush=True)
                time.sleep(120)
            """),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    child = int(owner.stdout.readline())
    owner.send_signal(signal.SIGKILL)
    owner.wait()
    owner.stdout.close()
    server = server_in(data)
    server.start()  # waits for the orphan to stop (or kills it after a grace period)
    try:
        assert not pid_alive(child), "the embedded database outlived its owner"
        assert server.running
    finally:
        server.stop()


def test_retryable_write_records_keep_their_rules_when_pruned_oldest_first():
    """arsnova.embedded_db's pruning drops what SecantusDB's own did: records past
    30 minutes, then the oldest beyond 10,000; a retry within both still gets its reply."""
    from secantus import transactions

    from arsnova import embedded_db

    now = [0.0]
    registry = transactions.TransactionRegistry(time_func=lambda: now[0])
    assert registry._prune_retryable_locked.__func__ is embedded_db._prune_oldest_first

    def record(number: int) -> None:
        registry.record_retryable(b"session", number, b"write", {"ok": 1, "n": number})

    def replayed(number: int) -> dict | None:
        return registry.retryable_reply(b"session", number, b"write")

    record(1)
    now[0] = 60.0
    for number in range(2, 10_002):  # 10,001 records: the cap is 10,000
        record(number)
    assert replayed(1) is None  # the oldest went
    assert replayed(2) == {"ok": 1, "n": 2}
    assert replayed(10_001) == {"ok": 1, "n": 10_001}
    now[0] = 60.0 + 30 * 60 + 1
    record(10_002)
    assert replayed(10_001) is None  # expired
    assert replayed(10_002) == {"ok": 1, "n": 10_002}
    assert len(registry._retryable) == 1
