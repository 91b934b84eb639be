"""Schemathesis against the server's own `/openapi.json`, as the owner and as a participant.

Thousands of generated requests (valid and invalid) over every operation: no
5xx, and every response's status, content type, headers and body as the
document says. Path parameters point at a real session and question, so the
requests reach the handlers instead of stopping at 404.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import sys
from pathlib import Path

import pytest

from arsnova.auth import COOKIE_NAME

MAX_EXAMPLES = 10  # per operation and phase: about 2,400 requests per run
SEED = 20261123
CONFIG = """
[auth.openapi.cookie]
api_key = "{cookie}"

[parameters]
"path.keyword" = "{keyword}"
"path.question_id" = "{question_id}"
"""
# positive_data_acceptance: schema-valid is not always acceptable here, and the
# document cannot say why (a successurl to another site, an unknown place).
EXCLUDED_CHECKS = "positive_data_acceptance"
# The seed's quirk, a documented 501 without visitedonly or ownedonly (tests/api cover it).
EXCLUDED = "GET /session/"


def cookie_of(client) -> str:
    return client.session.cookie_jar.filter_cookies(client.make_url("/"))[COOKIE_NAME].value


async def run_schemathesis(url: str, config: Path, report: Path) -> tuple[int, str, dict]:
    command = shutil.which("schemathesis", path=str(Path(sys.executable).parent))
    assert command, "schemathesis is a test dependency (setup.cfg)"
    process = await asyncio.create_subprocess_exec(
        command, "--config-file", str(config), "run", f"{url}/openapi.json",
        "--checks", "all", "--exclude-checks", EXCLUDED_CHECKS, "--exclude-name", EXCLUDED,
        "--phases", "examples,coverage,fuzzing", "--max-examples", str(MAX_EXAMPLES),
        "--seed", str(SEED), "--no-color",
        "--report", "ndjson", "--report-ndjson-path", str(report),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    output, _ = await process.communicate()
    return process.returncode, output.decode(), count_cases(report)


def count_cases(report: Path) -> dict:
    """Generated test cases and failures, from the NDJSON event log."""
    cases = failures = 0
    for line in report.read_text().splitlines():
        event = json.loads(line)
        finished = event.get("ScenarioFinished")
        if finished:
            recorder = finished.get("recorder", {})
            cases += len(recorder.get("cases", {}))
            failures += sum(
                1 for checks in recorder.get("checks", {}).values()
                for check in checks if check.get("status") == "FAILURE"
            )  # fmt: skip
    return {"cases": cases, "failures": failures}


@pytest.mark.timeout(300)
@pytest.mark.parametrize("role", ["owner", "participant"])
async def test_the_api_does_what_its_document_says(
    role, owner, participant, keyword, server, tmp_path
):
    question = await owner.post(f"/session/{keyword}/lecturerquestion/", json={
        "questionType": "abcd", "subject": "s", "text": "t", "active": True,
        "possibleAnswers": [{"text": "A"}, {"text": "B"}]})  # fmt: skip
    assert question.status == 201
    caller = owner if role == "owner" else participant
    config = tmp_path / "schemathesis.toml"
    question_id = (await question.json())["_id"]
    config.write_text(
        CONFIG.format(cookie=cookie_of(caller), keyword=keyword, question_id=question_id)
    )
    url = str(server.make_url("")).rstrip("/")
    code, output, counted = await run_schemathesis(url, config, tmp_path / "report.ndjson")
    print(output)
    assert counted["cases"] >= 2000, counted
    assert code == 0, output[-6000:]
