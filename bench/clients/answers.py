"""Load generator of the answer burst: many students POST one answer each.

usage: python -m bench.clients.answers '<json config>'
config: {"url", "mode": "arsnova"|"baseline"|"votes", "keyword", "questions": [id, ...],
         "students", "window" (seconds), "connections"}
("votes": each student votes live feedback once per entry of "questions" instead.)

Prepares first (arsnova: one guest login per student, then GET /session/{kw}
to join), then for each question sends every student's answer, the sends
spread evenly over `window` seconds (open loop) on a pool of keep-alive
connections. Student i answers CHOICES[i % 4]. Prints one JSON object:
{"prepare_s", "bursts": [{"latency_ms": [...], "status": {code: n}, "errors": {...},
"seconds"}]}.
"""

from __future__ import annotations

import asyncio
import json
import resource
import sys
import time
from typing import Any

import aiohttp

from bench.rest import CHOICES

PREPARE_CONCURRENCY = 32


async def gather_limited(count: int, limit: int, task: Any) -> list[Any]:
    semaphore = asyncio.Semaphore(limit)

    async def run(i: int) -> Any:
        async with semaphore:
            return await task(i)

    return list(await asyncio.gather(*(run(i) for i in range(count))))


async def prepare(http: aiohttp.ClientSession, url: str, keyword: str, count: int) -> list[str]:
    """One guest login per student, joined to the session; their cookies."""

    async def student(_: int) -> str:
        async with http.get(f"{url}/auth/login", params={"type": "guest"}) as response:
            response.raise_for_status()
            cookie = f"JSESSIONID={response.cookies['JSESSIONID'].value}"
        async with http.get(f"{url}/session/{keyword}", headers={"Cookie": cookie}) as response:
            response.raise_for_status()
        return cookie

    return await gather_limited(count, PREPARE_CONCURRENCY, student)


async def burst(
    http: aiohttp.ClientSession, config: dict[str, Any], question: str, cookies: list[str]
) -> dict[str, Any]:
    """Every student answers `question` once; latencies and status counts."""
    url, students, window = config["url"], config["students"], config["window"]
    latencies: list[float] = []
    status: dict[str, int] = {}
    errors: dict[str, int] = {}
    start = time.monotonic() + 0.2

    async def answer(i: int) -> None:
        await asyncio.sleep(max(0.0, start + i * window / students - time.monotonic()))
        choice = CHOICES[i % len(CHOICES)]
        if config["mode"] == "votes":  # live feedback: `question` only names the burst
            target = f"{url}/session/{config['keyword']}/feedback"
            body: Any = i % 4
            headers = {"Cookie": cookies[i]}
        elif config["mode"] == "arsnova":
            target = f"{url}/lecturerquestion/{question}/answer/"
            body = {"answerText": choice}
            headers = {"Cookie": cookies[i]}
        else:
            target = f"{url}/answer"
            body = {"question": question, "user": f"student-{i}", "answerText": choice}
            headers = {}
        sent = time.perf_counter()
        try:
            async with http.post(target, json=body, headers=headers) as response:
                await response.read()
                code = str(response.status)
        except (aiohttp.ClientError, TimeoutError) as exc:
            errors[type(exc).__name__] = errors.get(type(exc).__name__, 0) + 1
            return
        latencies.append((time.perf_counter() - sent) * 1000)
        status[code] = status.get(code, 0) + 1

    began = time.monotonic()
    await asyncio.gather(*(answer(i) for i in range(students)))
    return {
        "latency_ms": latencies,
        "status": status,
        "errors": errors,
        "seconds": time.monotonic() - began,
    }


async def main(config: dict[str, Any]) -> dict[str, Any]:
    connector = aiohttp.TCPConnector(limit=config.get("connections", 200))
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(
        connector=connector, timeout=timeout, cookie_jar=aiohttp.DummyCookieJar()
    ) as http:
        began = time.monotonic()
        cookies: list[str] = []
        if config["mode"] in ("arsnova", "votes"):
            cookies = await prepare(http, config["url"], config["keyword"], config["students"])
        prepared = time.monotonic() - began
        bursts = []
        for question in config["questions"]:
            bursts.append(await burst(http, config, question, cookies))
            await asyncio.sleep(1.0)
    return {"prepare_s": prepared, "bursts": bursts}


if __name__ == "__main__":
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    print(json.dumps(asyncio.run(main(json.loads(sys.argv[1])))))
