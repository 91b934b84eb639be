"""Driving the Node.js load generators (bench/clients/swarm.mjs) from Python.

A `Swarm` is a few Node processes holding many Socket.IO sockets between
them; each command goes to every process and their JSON replies come back
as one list.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.servers import ROOT, spawn, stop

SCRIPT = ROOT / "bench" / "clients" / "swarm.mjs"


class SwarmError(RuntimeError):
    pass


@dataclass
class Node:
    """One Node process speaking the line protocol of swarm.mjs."""

    process: asyncio.subprocess.Process
    ids: itertools.count

    async def call(self, cmd: str, limit: float, **args: Any) -> dict[str, Any]:
        assert self.process.stdin is not None and self.process.stdout is not None
        request_id = next(self.ids)
        line = json.dumps({"id": request_id, "cmd": cmd, **args}) + "\n"
        self.process.stdin.write(line.encode())
        await self.process.stdin.drain()
        raw = await asyncio.wait_for(self.process.stdout.readline(), limit)
        if not raw:
            raise SwarmError(f"node process {self.process.pid} exited during {cmd}")
        reply = json.loads(raw)
        if not reply.get("ok"):
            raise SwarmError(f"{cmd} failed: {reply.get('error')}")
        return reply


# How long one socket may take to connect and join before it counts as refused: longer
# than the 90 s a hall of 5,000 is allowed (issue 19), so that the table shows how long.
SOCKET_PATIENCE = 120.0


def patience(count: int) -> float:
    """Seconds to wait for `count` logins or joins: 2 minutes, or 10 per second if longer."""
    return max(120.0, count / 10)


def split(count: int, parts: int) -> list[int]:
    """`count` as `parts` near-equal whole numbers."""
    return [count // parts + (i < count % parts) for i in range(parts)]


def merge_counts(counters: Iterable[dict[str, int]]) -> dict[str, int]:
    merged: dict[str, int] = {}
    for counter in counters:
        for key, count in counter.items():
            merged[key] = merged.get(key, 0) + count
    return merged


class Swarm:
    """Sockets spread over a few Node processes (`size` of them connected so far)."""

    def __init__(self, nodes: list[Node]) -> None:
        self.nodes = nodes
        self.size = 0
        self.shares = [0 for _ in nodes]

    @classmethod
    async def start(cls, processes: int, log: Path) -> Swarm:
        nodes = []
        try:
            for _ in range(max(1, processes)):
                process = await spawn(["node", str(SCRIPT)], {}, log, pipes=True)
                nodes.append(Node(process, itertools.count()))
        except BaseException:
            await asyncio.gather(*(stop(node.process) for node in nodes))
            raise
        return cls(nodes)

    async def each(
        self, cmd: str, limit: float, per_node: list[dict[str, Any]] | None = None, **args: Any
    ) -> list[dict[str, Any]]:
        """Sends `cmd` to every process (with its own extra args) and gathers the replies."""
        extras = per_node or [{} for _ in self.nodes]
        calls = [
            node.call(cmd, limit, **args, **extra)
            for node, extra in zip(self.nodes, extras, strict=True)
        ]
        return list(await asyncio.gather(*calls))

    async def login(self, url: str, count: int) -> dict[str, Any]:
        """One guest login for each of the next `count` sockets; failures and seconds."""
        limit = patience(count)
        per_node = [{"url": url, "n": n} for n in split(count, len(self.nodes))]
        replies = await self.each("login", limit, per_node)
        return {
            "failures": sum(r["failures"] for r in replies),
            "seconds": max(r["ms"] for r in replies) / 1000,
        }

    async def connect(
        self,
        count: int,
        urls: list[str],
        join: dict[str, Any],
        *,
        spread: float = 0.0,
        deflate: bool = True,
        concurrency: int = 16,
        reconnect: bool = False,
    ) -> dict[str, Any]:
        """Connects and joins `count` more sockets; `spread` seconds spreads the attempts evenly.

        Socket i of a process uses that process's i-th login, if it made one. With
        `reconnect` they reconnect by themselves and join again (`reconnects`).
        """
        limit = patience(count)
        counts = split(count, len(self.nodes))
        per_node = [{"n": n} for n in counts]
        replies = await self.each(
            "connect",
            limit + spread + 10,
            per_node,
            urls=urls,
            join=join,
            spreadMs=spread * 1000,
            deflate=deflate,
            concurrency=concurrency,
            timeoutMs=min(limit, SOCKET_PATIENCE) * 1000,
            reconnect=reconnect,
        )
        self.shares = [
            share + reply["joined"] for share, reply in zip(self.shares, replies, strict=True)
        ]
        self.size = sum(self.shares)
        return {
            "joined": sum(r["joined"] for r in replies),
            "failures": sum(r["failures"] for r in replies),
            "errors": merge_counts(r["errors"] for r in replies),
            "join_ms": [t for r in replies for t in r["joinMs"]],
            "seconds": (max(r["done"] for r in replies) - min(r["started"] for r in replies))
            / 1000,
            "deflate": sum(r["deflate"] for r in replies),
        }

    async def arm(self, event: str, expect: Any) -> None:
        await self.each("arm", 10, event=event, expect=expect)

    async def collect(self, limit: float, settle: float = 0.0) -> dict[str, Any]:
        """Per socket: `first` arrival of the expected payload, and `final`: since when it
        holds it (epoch ms, None if not), plus the counts of watched and of all messages."""
        replies = await self.each(
            "collect", limit + settle + 10, timeoutMs=limit * 1000, settleMs=settle * 1000
        )
        return {
            "complete": all(r["complete"] for r in replies),
            "first": [t for r in replies for t in r["first"]],
            "final": [t for r in replies for t in r["final"]],
            "hits": sum(r["hits"] for r in replies),
            "messages": sum(r["messages"] for r in replies),
        }

    async def emit(self, event: str, data: Any, limit: float = 30.0) -> dict[str, Any]:
        """The first socket of the first process emits with an ack."""
        return await self.nodes[0].call(
            "emit", limit + 5, event=event, data=data, timeoutMs=limit * 1000
        )

    async def vote(
        self, at: float, spread: float, event: str, data: dict, field: str, values: list[Any]
    ) -> dict[str, Any]:
        """Socket i emits `event` with `data[field] = values[i]`, spread over `spread` s from `at`.

        `at` is in epoch milliseconds.
        """
        per_node, start = [], 0
        for n in self.shares:
            per_node.append({"values": values[start : start + n]})
            start += n
        replies = await self.each(
            "vote",
            spread + 60,
            per_node,
            at=at,
            spreadMs=spread * 1000,
            event=event,
            data=data,
            field=field,
        )
        return {
            "first_sent": min(r["firstSent"] for r in replies),
            "last_sent": max(r["lastSent"] for r in replies),
            "acked": max(r["acked"] for r in replies),
            "errors": merge_counts(r["errors"] for r in replies),
        }

    async def reconnects(self, since: float) -> list[dict[str, Any]]:
        """Per socket: `dropped` (first drop at or after epoch ms `since`), `rejoined` (the
        first join after it), both epoch ms or None, and `errors` (refused rejoins)."""
        replies = await self.each("reconnects", 30, since=since)
        return [socket for reply in replies for socket in reply["sockets"]]

    async def close(self) -> None:
        for node in self.nodes:
            if node.process.returncode is None:
                with contextlib.suppress(SwarmError, TimeoutError, OSError):
                    await node.call("close", 5)
        await asyncio.gather(*(stop(node.process) for node in self.nodes))
