"""The scenarios. Each returns a `Section`: rows for the table and notes.

They share one building block, `Room`: Node.js receivers joined to one room
of a target plus one extra socket that triggers broadcasts.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from bson import ObjectId
from pymongo import AsyncMongoClient

from bench import targets
from bench.failover import BACK_WITHIN, failover_row
from bench.rest import CHOICES
from bench.servers import PYTHON, Workspace, cpu_seconds, run_json
from bench.stats import median, percentile, ratio
from bench.swarm import Swarm
from bench.targets import Target, one_hot

SETTLE = 0.5  # seconds of quiet after joins (the active-user broadcasts)
BURST_SETTLE = 0.5  # seconds to count late feedbackData after the final counts arrived
GAP = 0.3  # seconds between broadcasts, more than the coalescing interval
SETTLE_AFTER_JOINS = 3.0  # seconds: the active-user count's 1 s interval and its delivery


def uncoalesced_settle(n: int) -> float:
    """Without coalescing, broadcasts go on long after the final counts first arrived:
    N² deliveries of 3 events, at some 15,000 a second, with 2 s to spare."""
    return 2.0 + 3 * n * n / 15_000


@dataclass
class Config:
    """Sizes and repetitions; `quick` and `full` below."""

    fanout_sizes: list[int]
    fanout_reps: int
    burst_n: int
    burst_reps: int
    uncoalesced_n: int  # the burst without coalescing costs N² deliveries: a smaller N
    answer_n: int
    answer_reps: int
    answer_window: float
    storm_n: int
    storm_spread: float
    storm_reps: int
    multi_n: int
    multi_reps: int
    joinstorm_sizes: list[int]
    failover_n: int
    votelimit_n: int  # students who vote once per burst, rate limits on
    votelimit_reps: int
    joinstorm_spread: float = 2.0  # a lecture hall after a Wi-Fi blip or a restart
    # Q&A (issue 21): one session's questions and votes, seeded; REST calls measured one by one.
    qa_questions: int = 5000
    qa_votes: int = 50_000
    qa_calls: int = 60
    # The embedded database's write cost as writes accumulate (arsnova/embedded_db.py).
    embedded_writes: int = 20_000
    receivers: int = 2  # Node processes holding the receiving sockets


QUICK = Config(
    fanout_sizes=[100, 250],
    fanout_reps=3,
    burst_n=150,
    burst_reps=2,
    uncoalesced_n=60,
    answer_n=200,
    answer_reps=1,
    answer_window=3.0,
    storm_n=150,
    storm_spread=2.0,
    storm_reps=2,
    multi_n=150,
    multi_reps=3,
    joinstorm_sizes=[100, 300],
    failover_n=60,
    votelimit_n=150,
    votelimit_reps=2,
    embedded_writes=12_000,
)
FULL = Config(
    fanout_sizes=[1000, 5000],
    fanout_reps=5,
    burst_n=1000,
    burst_reps=3,
    uncoalesced_n=300,
    answer_n=1000,
    answer_reps=3,
    answer_window=5.0,
    storm_n=1000,
    storm_spread=10.0,
    storm_reps=5,
    multi_n=1000,
    multi_reps=5,
    joinstorm_sizes=[1000, 5000],
    failover_n=300,
    votelimit_n=1000,
    votelimit_reps=2,  # a burst takes seconds on a busy machine: the run stays under 2 min
)


@dataclass
class Section:
    title: str
    columns: list[tuple[str, str]]  # (row key, header)
    rows: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def epoch_ms() -> float:
    return time.time() * 1000


class Room:
    """Receivers (own logins) and one trigger socket in the room of `target`."""

    def __init__(self, ws: Workspace, target: Target, processes: int) -> None:
        self.ws = ws
        self.target = target
        self.processes = processes
        self.votes = 0  # the trigger's votes so far, so every broadcast carries new counts

    async def __aenter__(self) -> Room:
        log = self.ws.log(f"swarm-{self.target.label}".replace(" ", "_"))
        self.receivers = await Swarm.start(self.processes, log)
        self.trigger = await Swarm.start(1, log)
        if self.target.login:
            await self.trigger.login(self.target.urls[0], 1)
        joined = await self.trigger.connect(1, self.target.urls[:1], self.target.join)
        if joined["failures"]:
            raise RuntimeError(f"the trigger socket could not join: {joined['errors']}")
        return self

    async def __aexit__(self, *exc: object) -> None:
        await asyncio.gather(self.receivers.close(), self.trigger.close())

    @property
    def size(self) -> int:
        return self.receivers.size

    async def grow(
        self, count: int, *, spread: float = 0.0, deflate: bool = True, concurrency: int = 16
    ) -> dict[str, Any]:
        """`count` more sockets log in, then connect and join; join times and RSS growth."""
        if self.target.login:
            logins = await self.receivers.login(self.target.urls[0], count)
            if logins["failures"]:
                raise RuntimeError(f"{logins['failures']} guest logins failed")
        rss = self.target.rss()
        db_cpu = cpu_seconds(self.ws.db_pid)
        db_commands = await self.ws.db_commands()
        joined = await self.receivers.connect(
            count,
            self.target.urls,
            self.target.join,
            spread=spread,
            deflate=deflate,
            concurrency=concurrency,
        )
        # Less the two serverStatus calls that bracket it.
        db_commands = await self.ws.db_commands() - db_commands - 2
        await asyncio.sleep(SETTLE)
        grown = self.target.rss() - rss
        return {
            "n": self.size,
            "joined": joined["joined"],
            "failures": joined["failures"],
            "errors": joined["errors"],
            "join_s": joined["seconds"],
            "joins_per_s": joined["joined"] / joined["seconds"] if joined["seconds"] else None,
            "join_p50_ms": percentile(joined["join_ms"], 50),
            "join_p99_ms": percentile(joined["join_ms"], 99),
            "rss_kib_per_socket": grown / joined["joined"] if joined["joined"] else None,
            "deflate": joined["deflate"],
            "db_cpu_s": cpu_seconds(self.ws.db_pid) - db_cpu,
            "db_per_join": db_commands / joined["joined"] if joined["joined"] else None,
        }

    async def row(self, count: int, reps: int, **grow: Any) -> dict[str, Any]:
        """A table row: `count` more sockets join (`grow`), then `reps` broadcasts to all."""
        grown = await self.grow(count, **grow)
        # The joins' last active-user counts (one a second, to every socket) go out
        # first: the fan-out is measured in a quiet room, not against join traffic.
        await asyncio.sleep(SETTLE_AFTER_JOINS)
        return {"target": self.target.label, **grown, **(await self.fanout(reps))}

    async def broadcast(self, limit: float = 30.0) -> dict[str, Any]:
        """One trigger; per-socket arrival of the expected `feedbackData` after it."""
        value = self.votes % 4
        self.votes += 1
        await self.receivers.arm("feedbackData", one_hot(value))
        event, data = self.target.trigger(value)
        sent = await self.trigger.emit(event, data)
        got = await self.receivers.collect(limit, settle=0.2)
        latencies = [t - sent["sent"] for t in got["first"] if t is not None]
        missing = len(got["first"]) - len(latencies)
        every = max(latencies) if latencies and not missing else None
        return {
            "latencies": latencies,
            "missing": missing,
            "all_ms": every,
            "per_s": len(latencies) / every * 1000 if every else None,
            "messages": got["messages"],
        }

    async def fanout(self, reps: int) -> dict[str, Any]:
        """`reps` broadcasts: medians over repetitions, p99 over all arrivals."""
        cpu = self.target.cpu()
        runs = []
        for _ in range(reps):
            runs.append(await self.broadcast())
            await asyncio.sleep(GAP)
        cpu = self.target.cpu() - cpu
        pooled = [t for run in runs for t in run["latencies"]]
        return {
            "p50_ms": median([percentile(run["latencies"], 50) for run in runs]),
            "p99_ms": percentile(pooled, 99),
            "all_ms": median([run["all_ms"] for run in runs]),
            "all_max_ms": max((run["all_ms"] or float("inf")) for run in runs),
            "all_ms_each": [run["all_ms"] for run in runs],
            "deliveries_per_s": median([run["per_s"] for run in runs]),
            "msgs_per_socket": median([run["messages"] / max(1, self.size) for run in runs]),
            "missing": sum(run["missing"] for run in runs),
            "cpu_ms_per_broadcast": cpu / reps * 1000,
            "reps": reps,
        }

    async def burst(self, rep: int, settle: float, spread: float = 1.0) -> dict[str, Any]:
        """Every receiver votes once, the votes spread over `spread` seconds.

        Receiver i votes (group + rep) % 4 with groups of 40/30/20/10 %, so the
        final counts differ from the previous repetition's.
        """
        n = self.size
        bounds = (0.4 * n, 0.7 * n, 0.9 * n)
        values = [(sum(i >= b for b in bounds) + rep) % 4 for i in range(n)]
        expect = [values.count(v) for v in range(4)]
        await self.receivers.arm("feedbackData", expect)
        cpu, db_cpu = self.target.cpu(), cpu_seconds(self.ws.db_pid)
        data = {"sessionkey": self.target.keyword}
        at = epoch_ms() + 300
        voted = await self.receivers.vote(at, spread, "setFeedback", data, "feedback", values)
        got = await self.receivers.collect(60, settle=settle)
        finals = [t for t in got["final"] if t is not None]
        done = max(finals) if len(finals) == n else None
        return {
            "complete": got["complete"],
            "vote_errors": sum(voted["errors"].values()),
            "votes_s": (voted["last_sent"] - voted["first_sent"]) / 1000,
            "acks_after_last_ms": voted["acked"] - voted["last_sent"],
            "messages": got["hits"],
            "factor": got["hits"] / n,
            "final_after_last_ms": done - voted["last_sent"] if done else None,
            "cpu_s": self.target.cpu() - cpu,
            "db_cpu_s": cpu_seconds(self.ws.db_pid) - db_cpu,
        }


FANOUT_COLUMNS = [
    ("target", "target"),
    ("n", "N"),
    ("p50_ms", "p50 ms"),
    ("p99_ms", "p99 ms"),
    ("all_ms", "all ms"),
    ("all_max_ms", "all max"),
    ("ratio", "x base"),
    ("deliveries_per_s", "deliv/s"),
    ("msgs_per_socket", "msg/sock"),
    ("cpu_ms_per_broadcast", "cpu ms/bc"),
    ("missing", "missing"),
    ("joins_per_s", "joins/s"),
    ("rss_kib_per_socket", "KiB/sock"),
]


def add_ratios(rows: list[dict[str, Any]], base_label: str, key: str = "all_ms") -> None:
    """Each row's `key` over the same N's value in the row labelled `base_label`."""
    base = {row["n"]: row[key] for row in rows if row["target"] == base_label}
    for row in rows:
        row["ratio"] = ratio(row[key], base.get(row["n"]))


async def fanout(ws: Workspace, cfg: Config) -> Section:
    """Scenario 1: one trigger, N receivers; the baseline and the application."""
    section = Section("1. Fan-out: one setFeedback → feedbackData to N sockets", FANOUT_COLUMNS)
    for make in (targets.baseline(ws), targets.arsnova(ws)):
        async with make as target, Room(ws, target, cfg.receivers) as room:
            for n in cfg.fanout_sizes:
                section.rows.append(await room.row(n - room.size, cfg.fanout_reps))
    add_ratios(section.rows, "baseline")
    section.notes += [
        "latency = arrival of feedbackData at a receiver - emit of the trigger (epoch clocks, "
        "same host); 'all' = the last receiver's arrival; p50 = median of the per-repetition "
        "p50s, p99 over all arrivals of all repetitions; x base = all ms / baseline's all ms",
        "the application sends 3 events per broadcast (feedbackData, updateFeedback, "
        "feedbackDataRoundedAverage), the baseline 1 (msg/sock counts every event received)",
        "joins/s and KiB/sock: connect + join of the sockets added for this N (16 in flight)",
    ]
    return section


async def burst(ws: Workspace, cfg: Config) -> Section:
    """Scenario 2: N votes within 1 s, coalesced (100 ms) and with the smallest interval (0)."""
    section = Section(
        "2. Vote burst: N sockets (own logins) vote within 1 s",
        [
            ("target", "target"),
            ("n", "N"),
            ("complete", "exact"),
            ("vote_errors", "errors"),
            ("votes_s", "votes s"),
            ("acks_after_last_ms", "acks ms"),
            ("messages", "feedbackData"),
            ("factor", "per socket"),
            ("final_after_last_ms", "final ms"),
            ("final_max_ms", "final max"),
            ("cpu_s", "cpu s"),
            ("db_cpu_s", "db cpu s"),
        ],
    )
    variants = [
        ("arsnova 100 ms", 100, cfg.burst_n),
        ("arsnova 100 ms", 100, cfg.uncoalesced_n),
        ("no coalescing", 0, cfg.uncoalesced_n),
    ]
    floors: list[dict[str, Any]] = []
    for label, interval, n in variants:
        async with (
            targets.arsnova(ws, label, interval_ms=interval) as target,
            Room(ws, target, cfg.receivers) as room,
        ):
            await room.grow(n)
            settle = uncoalesced_settle(n) if interval == 0 else BURST_SETTLE
            runs = []
            for rep in range(cfg.burst_reps):
                runs.append(await room.burst(rep, settle))
                await asyncio.sleep(GAP)
            if not floors:  # on the database the application just used (as full as for it)
                floors = [await vote_floor(ws, cfg.burst_n, rep) for rep in range(cfg.burst_reps)]
        section.rows.append({
            "target": label,
            "n": room.size,
            "complete": all(run["complete"] for run in runs),
            "vote_errors": sum(run["vote_errors"] for run in runs),
            "final_max_ms": max((run["final_after_last_ms"] or float("inf")) for run in runs),
            **{
                key: median([run[key] for run in runs])
                for key in ("votes_s", "acks_after_last_ms", "messages", "factor",
                            "final_after_last_ms", "cpu_s",
                            "db_cpu_s")
            },
        })  # fmt: skip
    section.rows.append({
        "target": "database alone",
        "n": cfg.burst_n,
        **{key: median([floor[key] for floor in floors]) for key in floors[0]},
    })  # fmt: skip
    section.notes += [
        f"database alone = the same {cfg.burst_n} votes written by bare PyMongo, spread over "
        "1 s as the sockets send them, one by one (a session lookup and an upsert each, the "
        "application's indexes): the naive way; the application shares concurrent lookups "
        "and stores the votes that arrive while others are written in one bulk write",
        f"medians over {cfg.burst_reps} bursts; feedbackData = messages delivered to all "
        f"receivers from the first vote until {BURST_SETTLE:g} s after every socket held the "
        f"final counts ({uncoalesced_settle(cfg.uncoalesced_n):.0f} s without coalescing); "
        "per socket = feedbackData / N (≈ broadcasts); final ms = last socket holding the "
        "exact final counts - last vote sent; acks ms = last ack - last vote sent; "
        "cpu s = server CPU (utime+stime) per burst",
        "no coalescing = ARSNOVA_BROADCAST_INTERVAL_MS=0: one broadcast per vote, each to "
        "every socket (N² deliveries, so a smaller N); the same N coalesced above it",
    ]
    return section


async def votelimit(ws: Workspace, cfg: Config) -> Section:
    """Scenario 2b: the per-login vote limit must cost a normal hall nothing: N students,
    each with their own login, vote once within 1 s with rate limits on (as deployed; the
    other scenarios run without them). Compare runs before and after a change.

    The votes go over REST (`bench/clients/answers.py` in "votes" mode): the limit is one
    rule in `services/feedback.give_feedback` for REST and both socket paths alike, and a
    thousand logins over REST start in seconds where a thousand sockets take minutes on a
    busy machine."""
    section = Section(
        f"2b. Vote limit: {cfg.votelimit_n} students (own logins) vote once within 1 s, "
        "rate limits on",
        [
            ("target", "target"),
            ("n", "N"),
            ("refused", "refused"),
            ("errors", "errors"),
            ("p50_ms", "p50 ms"),
            ("p99_ms", "p99 ms"),
            ("max_ms", "max ms"),
            ("burst_s", "burst s"),
            ("counted", "counted"),
        ],
    )
    async with targets.arsnova(ws, "limits on", rate_limits=True) as target:
        config = {
            "url": target.urls[0],
            "mode": "votes",
            "keyword": target.keyword,
            "questions": [f"burst-{rep}" for rep in range(cfg.votelimit_reps)],
            "students": cfg.votelimit_n,
            "window": 1.0,
        }
        args = [PYTHON, "-m", "bench.clients.answers", json.dumps(config)]
        result = await run_json(args, ws.log("votes"), 120 + cfg.votelimit_reps * 60)
        assert target.owner is not None
        counts = await target.owner.feedback()
    bursts = result["bursts"]
    section.rows.append({
        "target": target.label,
        "n": cfg.votelimit_n,
        "refused": sum(n for b in bursts for code, n in b["status"].items() if code != "201"),
        "errors": sum(sum(b["errors"].values()) for b in bursts),
        "p50_ms": median([percentile(b["latency_ms"], 50) for b in bursts]),
        "p99_ms": median([percentile(b["latency_ms"], 99) for b in bursts]),
        "max_ms": max(max(b["latency_ms"], default=0) for b in bursts),
        "burst_s": median([b["seconds"] for b in bursts]),
        "counted": sum(counts),
    })  # fmt: skip
    section.notes += [
        f"{cfg.votelimit_reps} bursts of one vote per student, each spread evenly over 1 s (open "
        "loop, ≤200 keep-alive connections of one aiohttp process); refused = any answer but "
        "201 (a student's vote must never be refused); p50/p99/burst s = medians over the "
        "bursts; counted = the session's feedback counts afterwards (one vote per student)",
    ]
    return section


async def vote_floor(ws: Workspace, n: int, rep: int) -> dict[str, Any]:
    """The embedded database alone doing a vote burst's reads and writes one by one, over 1 s."""
    async with AsyncMongoClient(ws.mongodb_uri, w="majority", journal=True) as mongo:
        db = mongo[f"vote_floor_{rep}"]
        await db.sessions.insert_one({"keyword": "12345678", "active": True})
        await db.sessions.create_index("keyword", unique=True)
        await db.feedback.create_index([("session_id", 1), ("user", 1)], unique=True)
        await db.feedback.create_index([("keyword", 1), ("value", 1)])
        await db.feedback.create_index("expires_at")
        loop = asyncio.get_running_loop()
        start, done = loop.time(), []
        db_cpu = cpu_seconds(ws.db_pid)

        async def vote(i: int) -> None:
            await asyncio.sleep(i / n)
            session = await db.sessions.find_one({"keyword": "12345678"})
            await db.feedback.update_one(
                {"session_id": session["_id"], "user": f"user{i}"},
                {"$set": {"keyword": "12345678", "value": i % 4, "expires_at": None}},
                upsert=True,
            )
            done.append(loop.time())

        await asyncio.gather(*(vote(i) for i in range(n)))
        db_cpu = cpu_seconds(ws.db_pid) - db_cpu
        await mongo.drop_database(db.name)
    return {
        "votes_s": (n - 1) / n,
        "acks_after_last_ms": (max(done) - (start + (n - 1) / n)) * 1000,
        "db_cpu_s": db_cpu,
    }


async def answers(ws: Workspace, cfg: Config) -> Section:
    """Scenario 3: students POST one answer each within a window; the baseline inserts."""
    section = Section(
        f"3. Answer burst: {cfg.answer_n} students answer within {cfg.answer_window:g} s",
        [
            ("target", "target"),
            ("n", "N"),
            ("errors", "errors"),
            ("p50_ms", "p50 ms"),
            ("p99_ms", "p99 ms"),
            ("max_ms", "max ms"),
            ("burst_s", "burst s"),
            ("stored", "stored"),
            ("exact", "stats exact"),
            ("ratio", "p50 x base"),
        ],
    )
    for make in (targets.baseline(ws), targets.arsnova(ws)):
        async with make as target:
            section.rows.append(await answer_burst(ws, target, cfg))
    add_ratios(section.rows, "baseline", "p50_ms")
    section.notes += [
        f"{cfg.answer_reps} question(s), one burst each; sends spread evenly over the window "
        "(open loop) on ≤200 keep-alive connections of one aiohttp client process",
        "baseline: a bare aiohttp handler inserting one document (same database, write concern "
        "majority+journal, unique (question, user) index) — the floor under the real handler, "
        "which also checks login, session membership, the question, and broadcasts statistics",
        "stored = documents counted in MongoDB `answers`; stats exact = the statistics endpoint "
        "returns total = N and the expected answerCounts",
    ]
    return section


async def answer_burst(ws: Workspace, target: Target, cfg: Config) -> dict[str, Any]:
    """Runs the answer client against one target; counts what was stored."""
    if target.owner is not None:
        questions = [await target.owner.question() for _ in range(cfg.answer_reps)]
    else:
        questions = [f"question-{rep}" for rep in range(cfg.answer_reps)]
    config = {
        "url": target.urls[0],
        "mode": "arsnova" if target.owner else "baseline",
        "keyword": target.keyword if target.owner else "",
        "questions": questions,
        "students": cfg.answer_n,
        "window": cfg.answer_window,
    }
    args = [PYTHON, "-m", "bench.clients.answers", json.dumps(config)]
    limit = 120 + cfg.answer_reps * (cfg.answer_window + 60)
    result = await run_json(args, ws.log("answers"), limit)
    statistics = await target.owner.statistics() if target.owner else {}
    expected = [len(range(c, cfg.answer_n, len(CHOICES))) for c in range(len(CHOICES))]
    stored, exact = 0, True
    async with AsyncMongoClient(ws.mongodb_uri) as mongo:
        collection = mongo[target.settings["db_name"]]["answers"]
        for question in questions:
            key = ObjectId(question) if target.owner else question
            stored += await collection.count_documents({"question_id": key})
            entry = statistics.get(question, {})
            exact &= entry.get("answerCounts") == expected and entry.get("total") == cfg.answer_n
    bursts = result["bursts"]
    failed = sum(
        sum(b["errors"].values()) + sum(n for code, n in b["status"].items() if code != "201")
        for b in bursts
    )
    latencies = [t for b in bursts for t in b["latency_ms"]]
    return {
        "target": target.label,
        "n": cfg.answer_n,
        "errors": failed,
        "p50_ms": median([percentile(b["latency_ms"], 50) for b in bursts]),
        "p99_ms": percentile(latencies, 99),
        "max_ms": max(latencies, default=None),
        "burst_s": median([b["seconds"] for b in bursts]),
        "stored": f"{stored}/{cfg.answer_n * len(questions)}",
        "exact": exact if target.owner else None,
        "prepare_s": result["prepare_s"],
    }


STORM_COLUMNS = [
    ("target", "target"),
    ("n", "N"),
    ("failures", "failures"),
    ("join_s", "all joined s"),
    ("joins_per_s", "joins/s"),
    ("join_p50_ms", "join p50"),
    ("join_p99_ms", "join p99"),
    ("rss_kib_per_socket", "KiB/sock"),
    ("deflate", "deflate"),
    ("all_ms", "fan-out ms"),
    ("deliveries_per_s", "deliv/s"),
    ("cpu_ms_per_broadcast", "cpu ms/bc"),
    ("db_per_join", "db cmd/join"),
    ("db_cpu_s", "db cpu s"),
]


async def storm(ws: Workspace, cfg: Config) -> Section:
    """Scenario 4: N connect + join spread over a window; WebSocket compression off and on."""
    section = Section(
        f"4. Connect storm: {cfg.storm_n} sockets connect + join, spread over "
        f"{cfg.storm_spread:g} s (clients offer permessage-deflate)",
        STORM_COLUMNS,
    )
    variants = [
        targets.baseline(ws, "baseline deflate=off", compression=False),
        targets.baseline(ws, "baseline deflate=on", compression=True),
        targets.arsnova(ws, "arsnova deflate=off", compression=False),
        targets.arsnova(ws, "arsnova deflate=on", compression=True),
    ]
    for make in variants:
        async with make as target, Room(ws, target, cfg.receivers) as room:
            row = await room.row(cfg.storm_n, cfg.storm_reps, spread=cfg.storm_spread)
            section.rows.append(row)
    section.notes += [
        "KiB/sock = (server VmRSS after all joined - before) / N; deflate = sockets that "
        "negotiated permessage-deflate (as seen by the client); fan-out ms / deliv/s: median "
        f"of {cfg.storm_reps} broadcasts to the N sockets afterwards",
        "db cpu s = CPU of the embedded database process during connect + join; db cmd/join "
        "= the operations it served meanwhile / sockets joined",
    ]
    return section


async def multi(ws: Workspace, cfg: Config) -> Section:
    """Scenario 5: fan-out with 1 process, 1 process + Redis, 2 processes + Redis."""
    section = Section(
        f"5. Multi-process fan-out: {cfg.multi_n} sockets, split evenly between the processes",
        FANOUT_COLUMNS,
    )
    variants = [
        targets.arsnova(ws, "1 process"),
        targets.arsnova(ws, "1 process + redis", redis=True),
        targets.arsnova(ws, "2 processes + redis", processes=2, redis=True),
    ]
    for make in variants:
        async with make as target, Room(ws, target, cfg.receivers) as room:
            section.rows.append(await room.row(cfg.multi_n, cfg.multi_reps))
    add_ratios(section.rows, "1 process")
    section.notes += [
        "x base here = all ms / the 1-process value; the trigger socket is on the first "
        "process; cpu ms/bc and KiB/sock are summed over the processes; shared embedded "
        f"database, Redis at {targets.REDIS_URL}",
    ]
    return section


async def joinstorm(ws: Workspace, cfg: Config) -> Section:
    """Scenario 6: a lecture hall that connects and joins at once (after a Wi-Fi blip or a
    restart), on a fresh server per size; the baseline at the same sizes."""
    section = Section(
        f"6. Join storm: N sockets (own logins) connect + join within {cfg.joinstorm_spread:g} s",
        [
            ("target", "target"),
            ("n", "N"),
            ("failures", "refused"),
            ("join_s", "all joined s"),
            ("joins_per_s", "joins/s"),
            ("join_p50_ms", "join p50"),
            ("join_p99_ms", "join p99"),
            ("db_per_join", "db cmd/join"),
            ("db_cpu_s", "db cpu s"),
            ("ratio", "s x base"),
        ],
    )
    for n in cfg.joinstorm_sizes:
        for make in (targets.baseline(ws), targets.arsnova(ws)):
            async with make as target, Room(ws, target, cfg.receivers) as room:
                grown = await room.grow(n, spread=cfg.joinstorm_spread)
                section.rows.append({"target": target.label, **grown, "n": n})
    add_ratios(section.rows, "baseline", "join_s")
    section.notes += [
        "refused = sockets that got no join ack (connect_error or an error ack; the bench "
        "client does not retry, the pages do); all joined s = first connect attempt until "
        "the last join ack; join p50/p99 = per socket, connect attempt to join ack",
        "db cmd/join = every operation the database served during the storm (its "
        "opcounters: the application's commands, its background jobs' and the driver's "
        "monitoring) / sockets joined; the baseline's joins touch no database",
    ]
    return section


async def failover(ws: Workspace, cfg: Config) -> Section:
    """Scenario 7: two processes behind nginx (deploy/'s configuration), one SIGKILLed."""
    section = Section(
        f"7. Failover: {cfg.failover_n} sockets through nginx over 2 processes + Redis, "
        "one process SIGKILLed",
        [
            ("n", "N"),
            ("dropped", "dropped"),
            ("back", "back"),
            ("lost", "lost"),
            ("rejoin_errors", "errors"),
            ("back_p50_ms", "back p50 ms"),
            ("back_p99_ms", "back p99 ms"),
            ("back_max_ms", "back max ms"),
            ("missing_after", "missing"),
            ("fanout_after_ms", "fan-out ms"),
        ],
    )
    section.rows.append(await failover_row(ws, cfg.failover_n, cfg.receivers))
    section.notes += [
        "dropped = sockets the killed process held; back = the time from the SIGKILL to each "
        "one's next join acknowledgement, through nginx on the survivor (socket.io-client's "
        "own reconnection, default delays: 1 s ± 50 %, then doubling); lost = not back within "
        f"{BACK_WITHIN:g} s; errors = rejoins refused; missing / fan-out ms = one setFeedback "
        "afterwards: sockets without the counts, time until the last had them",
    ]
    return section


QA_TARGET_MS = 50.0  # issue 21: list and vote calls under 50 ms median
QA_WARMUP = 4  # calls before the measured ones (a node's first page of a sort reads in full)


async def qa(ws: Workspace, cfg: Config) -> Section:
    """Scenario 8: Q&A list and vote calls in a session of many questions and votes."""
    section = Section(
        f"8. Q&A: one session with {cfg.qa_questions} questions and {cfg.qa_votes} votes; "
        f"{cfg.qa_calls} calls each, one at a time, by a student",
        [
            ("call", "call"),
            ("n", "calls"),
            ("errors", "errors"),
            ("p50_ms", "p50 ms"),
            ("p90_ms", "p90 ms"),
            ("max_ms", "max ms"),
            ("ok", f"p50 < {QA_TARGET_MS:g} ms"),
        ],
    )
    async with targets.arsnova(ws) as target:
        seeded = await seed_qa(ws, target, cfg)
        section.rows += await qa_calls(target, cfg, seeded)
        section.rows += await qa_database_alone(ws, target, cfg, seeded)
    section.notes += [
        "seeded straight into the database before the calls (approved questions, vote documents "
        "and their counters, a few votes per question up to hundreds on the top ones); the "
        "migrations' indexes in place",
        "list = GET /session/{keyword}/qa/questions (first page of 50, with the caller's votes and "
        "own waiting questions); vote = PUT …/vote then DELETE …/vote on a random question, "
        "alternating (each a call); a student's guest login on one keep-alive connection; "
        f"{QA_WARMUP} unmeasured calls first (a node reads a sort's first page in full once)",
        "baseline (database alone): the same first pages and vote writes through the driver "
        "from the bench process, in the same run",
    ]
    return section


async def seed_qa(ws: Workspace, target: Target, cfg: Config) -> list[str]:
    """The questions and votes, written in bulk; returns the question ids."""
    from arsnova.store.interposed import QA_DEFAULTS

    weights = [1 / (q + 10) for q in range(cfg.qa_questions)]
    scale = cfg.qa_votes / sum(weights)
    counts = [int(w * scale) for w in weights]
    counts[-1] += cfg.qa_votes - sum(counts)
    async with AsyncMongoClient(ws.mongodb_uri) as mongo:
        db = mongo[target.settings["db_name"]]
        session = await db.sessions.find_one({"keyword": target.keyword})
        started = time.time()
        questions = [
            {**QA_DEFAULTS, "_id": ObjectId(), "session_id": session["_id"],
             "session_keyword": target.keyword, "author": f"asker{q % 500}",
             "timestamp": datetime.fromtimestamp(started - cfg.qa_questions + q, UTC),
             "subject": "", "text": f"Question {q}?", "read": False,
             "upvotes": counts[q], "score": counts[q], "pinned": q == 4000}
            for q in range(cfg.qa_questions)
        ]  # fmt: skip
        for start in range(0, len(questions), 1000):
            await db.interposed_questions.insert_many(questions[start : start + 1000])
        await db.qa_counts.insert_one({"session_id": session["_id"], "approved": len(questions)})
        print(f"[qa] {len(questions)} questions in {time.time() - started:.1f} s",
              file=sys.stderr, flush=True)  # fmt: skip
        votes = [
            {"question_id": question["_id"], "session_id": session["_id"],
             "user": f"voter{v}", "value": 1}
            for question, n in zip(questions, counts, strict=True)
            for v in range(n)
        ]  # fmt: skip
        for start in range(0, len(votes), 5000):
            await db.qa_votes.insert_many(votes[start : start + 5000], ordered=False)
            print(f"[qa] {start + 5000} votes in {time.time() - started:.1f} s",
                  file=sys.stderr, flush=True)  # fmt: skip
    return [str(question["_id"]) for question in questions]


async def qa_calls(target: Target, cfg: Config, question_ids: list[str]) -> list[dict[str, Any]]:
    import random

    import aiohttp

    url = target.urls[0]
    qa_path = f"{url}/session/{target.keyword}/qa/questions"
    rows = []
    jar = aiohttp.CookieJar(unsafe=True)
    async with aiohttp.ClientSession(cookie_jar=jar) as http:
        async with http.get(f"{url}/auth/login", params={"type": "guest"}) as response:
            response.raise_for_status()
        async with http.get(f"{url}/session/{target.keyword}") as response:
            response.raise_for_status()

        async def timed(method: str, path: str, **kwargs: Any) -> tuple[float, bool]:
            began = time.perf_counter()
            async with http.request(method, path, **kwargs) as response:
                await response.read()
                ok = response.status < 300
            return (time.perf_counter() - began) * 1000, ok

        chooser = random.Random(21)
        for label, make in (
            ("list sort=newest", lambda _i: ("GET", qa_path, {"params": {"sort": "newest"}})),
            ("list sort=votes", lambda _i: ("GET", qa_path, {"params": {"sort": "votes"}})),
            ("vote (put/delete)", None),
        ):
            latencies, errors = [], 0
            question = question_ids[0]
            for i in range(-QA_WARMUP, cfg.qa_calls):  # the first calls of each unmeasured
                if make is None:
                    if i % 2 == 0:
                        question = chooser.choice(question_ids)
                    method = "PUT" if i % 2 == 0 else "DELETE"
                    call = (method, f"{qa_path}/{question}/vote",
                            {"json": {"value": 1}} if method == "PUT" else {})  # fmt: skip
                else:
                    call = make(i)
                ms, ok = await timed(call[0], call[1], **call[2])
                if i >= 0:
                    latencies.append(ms)
                    errors += not ok
            rows.append(latency_row(label, latencies, errors))
    return rows


def latency_row(label: str, latencies: list[float], errors: int) -> dict[str, Any]:
    p50 = median(latencies)
    return {
        "call": label, "n": len(latencies), "errors": errors, "p50_ms": p50,
        "p90_ms": percentile(latencies, 90), "max_ms": max(latencies),
        "ok": p50 < QA_TARGET_MS,
    }  # fmt: skip


async def qa_database_alone(
    ws: Workspace, target: Target, cfg: Config, question_ids: list[str]
) -> list[dict[str, Any]]:
    """The baseline: the same reads and writes straight on the database through the driver,
    without the server (HTTP, login, participant check, rules, the caller's votes, JSON)."""
    import random

    chooser = random.Random(21)
    async with AsyncMongoClient(ws.mongodb_uri) as mongo:
        db = mongo[target.settings["db_name"]]
        session = await db.sessions.find_one({"keyword": target.keyword})
        approved = {"session_id": session["_id"], "status": "approved"}
        questions, votes = db.interposed_questions, db.qa_votes

        async def first_page(sort: list[tuple[str, int]]) -> None:
            await questions.find(approved).sort(sort).limit(50).to_list()

        async def vote(question: ObjectId, value: int) -> None:
            key = {"question_id": question, "user": "baseline"}
            if value:
                await votes.insert_one({**key, "session_id": session["_id"], "value": 1})
            else:
                await votes.delete_one(key)
            await questions.update_one({"_id": question}, {"$inc": {"upvotes": value or -1}})

        rows = []
        for label, call in (
            ("database alone, plain: list newest", lambda _i: first_page([("timestamp", -1)])),
            ("database alone, plain: list votes", lambda _i: first_page([("score", -1)])),
            ("database alone: vote (insert/delete, $inc)", None),
        ):
            latencies = []
            question = ObjectId(question_ids[0])
            for i in range(-QA_WARMUP, cfg.qa_calls):
                if call is None and i % 2 == 0:
                    question = ObjectId(chooser.choice(question_ids))
                began = time.perf_counter()
                await (call(i) if call is not None else vote(question, 1 - i % 2))
                if i >= 0:
                    latencies.append((time.perf_counter() - began) * 1000)
            rows.append(latency_row(label, latencies, 0))
    return rows


EMBEDDED_WINDOW = 1000  # writes timed at the start and at the end


async def embedded(ws: Workspace, cfg: Config) -> Section:
    """Scenario 9: single-document inserts, one at a time, on a fresh embedded database:
    the project's entry point against SecantusDB's own (the baseline), in the same run."""
    section = Section(
        f"9. Embedded database: {cfg.embedded_writes} single inserts, one at a time, "
        "through the driver (each a retryable write)",
        [
            ("server", "server"),
            ("first_ms", f"first {EMBEDDED_WINDOW} p50 ms"),
            ("last_ms", f"last {EMBEDDED_WINDOW} p50 ms"),
            ("slowdown", "last/first"),
            ("seconds", "total s"),
        ],
    )
    for label, module in (
        ("SecantusDB's own (baseline)", "secantus"),
        ("arsnova.embedded_db", "arsnova.embedded_db"),
    ):
        section.rows.append(await embedded_writes(ws, cfg, label, module))
    section.notes += [
        "SecantusDB 0.7.0b3 scans its retryable-write records on every write and sorts them "
        "all past 10,000; arsnova.embedded_db prunes them oldest first (the same rules)",
        "each server with --sync-on-commit, as the project runs it; a database of its own",
    ]
    return section


async def embedded_writes(ws: Workspace, cfg: Config, label: str, module: str) -> dict[str, Any]:
    from arsnova.embedded import EmbeddedServer

    server = EmbeddedServer(ws.path / f"embedded-{module}", (PYTHON, "-m", module))
    await asyncio.to_thread(server.start)
    try:
        async with AsyncMongoClient(server.uri) as mongo:
            collection = mongo.bench.writes
            latencies = []
            began = time.perf_counter()
            for n in range(cfg.embedded_writes):
                started = time.perf_counter()
                await collection.insert_one({"n": n, "text": "x" * 200})
                latencies.append((time.perf_counter() - started) * 1000)
            seconds = time.perf_counter() - began
    finally:
        await asyncio.to_thread(server.stop)
    first = median(latencies[:EMBEDDED_WINDOW])
    last = median(latencies[-EMBEDDED_WINDOW:])
    return {"server": label, "first_ms": first, "last_ms": last,
            "slowdown": ratio(last, first), "seconds": seconds}  # fmt: skip


async def rooms(ws: Workspace, cfg: Config) -> Section:
    """Scenario 10: a hall leaving at once (a restart, a Wi-Fi blip), in the client manager
    alone: python-socketio's own (the baseline) against the project's (`RoomIndex`)."""
    import socketio

    from arsnova.realtime.adapters.managers import LocalManager

    section = Section(
        "10. Sockets leaving at once: each in its own, the session's and its voter room",
        [("n", "sockets"), ("base_ms", "python-socketio ms"), ("ms", "arsnova ms"),
         ("ratio", "x base")],
    )  # fmt: skip
    for n in cfg.fanout_sizes:
        base = await leave_all(socketio.AsyncManager(), n)
        ours = await leave_all(LocalManager(), n)
        section.rows.append({"n": n, "base_ms": base * 1000, "ms": ours * 1000,
                             "ratio": ratio(ours, base)})  # fmt: skip
    section.notes.append(
        "the time of the managers' disconnects of every socket, one after another, on the "
        "event loop (the sockets connected and joined beforehand, without clients)"
    )
    return section


async def leave_all(manager: Any, n: int) -> float:
    import socketio

    socketio.AsyncServer(client_manager=manager)
    for i in range(n):
        sid = await manager.pre_connect(f"eio{i}", "/")
        await manager.connect(sid, "/")
        manager.basic_enter_room(sid, "/", "session:1")
        manager.basic_enter_room(sid, "/", f"voter:1:user{i}")
    began = time.perf_counter()
    for sid in list(manager.rooms["/"][None]):
        manager.basic_disconnect(sid, "/")
    return time.perf_counter() - began


SCENARIOS = {
    "fanout": fanout,
    "burst": burst,
    "votelimit": votelimit,
    "answers": answers,
    "storm": storm,
    "multi": multi,
    "joinstorm": joinstorm,
    "failover": failover,
    "qa": qa,
    "embedded": embedded,
    "rooms": rooms,
}
