"""End to end with the official JavaScript client (npm socket.io-client v4 on Node.js)."""

from __future__ import annotations

import asyncio
import json
import shutil
from pathlib import Path

import pytest

JS_DIR = Path(__file__).resolve().parent.parent / "js"
CLIENT = JS_DIR / "feedback_client.mjs"


async def next_report(process: asyncio.subprocess.Process) -> dict:
    async with asyncio.timeout(20):
        line = await process.stdout.readline()
    assert line, f"the JS client exited: {(await process.stderr.read()).decode()}"
    return json.loads(line)


async def test_js_client_logs_in_joins_and_receives_feedback(server, owner, keyword, joined):
    if (
        shutil.which("node") is None
        or not (JS_DIR.parent.parent / "node_modules" / "socket.io-client").is_dir()
    ):
        pytest.fail("install the JS client first: npm ci (make test does)")
    process = await asyncio.create_subprocess_exec(
        "node", str(CLIENT), str(server.make_url("")).rstrip("/"), keyword,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        login = await next_report(process)
        assert login["event"] == "login" and login["data"].startswith("Guest")
        report = await next_report(process)
        assert report["event"] == "joined", report
        assert report["data"]["keyword"] == keyword
        assert report["data"]["feedbackData"] == [0, 0, 0, 0]

        lecturer = await joined(owner, keyword)
        assert (await lecturer.call("setFeedback", {"sessionkey": keyword, "feedback": 1})) == {
            "feedback": 1
        }
        assert await next_report(process) == {"event": "feedbackData", "data": [0, 1, 0, 0]}
        assert await process.wait() == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
