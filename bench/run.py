"""Runs the benchmark scenarios, prints a table, writes bench/results/latest.json.

usage: python -m bench.run [--quick] [--only fanout,burst,...] [--keep]

Every scenario starts its own servers (on one embedded database started
here) and Node.js / Python client processes, all on loopback; each has a
time limit, and every child process is killed when it ends, also on Ctrl-C.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import platform
import signal
import sys
import time
import traceback
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

from bench.scenarios import FULL, QUICK, SCENARIOS, Config, Section
from bench.servers import ROOT, foreign_cpu_seconds, kill_all, raise_nofile, workspace

RESULTS = ROOT / "bench" / "results"
BUSY = 0.2  # cores used by other programs above which results are disturbed
TIME_LIMIT = {"quick": 90.0, "full": 900.0}  # seconds per scenario


def fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "NO"
    if isinstance(value, float):
        if math.isinf(value):
            return "∞"
        return (
            f"{value:.2f}"
            if abs(value) < 10
            else f"{value:.1f}"
            if abs(value) < 100
            else f"{value:.0f}"
        )
    return str(value)


def table(section: Section) -> str:
    headers = [header for _, header in section.columns]
    cells = [[fmt(row.get(key)) for key, _ in section.columns] for row in section.rows]
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(headers)]
    lines = [section.title]
    lines.append("  ".join(h.rjust(w) for h, w in zip(headers, widths, strict=True)))
    lines.append("  ".join("-" * w for w in widths))
    for row in cells:
        lines.append("  ".join(c.rjust(w) for c, w in zip(row, widths, strict=True)))
    lines += [f"  * {note}" for note in section.notes]
    return "\n".join(lines)


async def run(
    names: list[str], cfg: Config, limit: float, keep: bool, profile: Path | None
) -> dict[str, Any]:
    results: dict[str, Any] = {}
    with workspace(keep=keep) as ws:
        ws.profile_dir = profile
        if keep:
            print(f"logs in {ws.path}", file=sys.stderr)
        for name in names:
            began = time.monotonic()
            foreign = foreign_cpu_seconds()
            print(f"[{name}] running…", file=sys.stderr, flush=True)
            try:
                section = await asyncio.wait_for(SCENARIOS[name](ws, cfg), limit)
            except Exception as exc:
                detail = "".join(traceback.format_exception_only(exc)).strip()
                if not isinstance(exc, TimeoutError):
                    traceback.print_exc()
                results[name] = {
                    "error": detail or "timed out",
                    "seconds": time.monotonic() - began,
                }
                print(f"[{name}] FAILED: {detail}", flush=True)
                await ws.stop_servers()
                continue
            seconds = time.monotonic() - began
            others = (foreign_cpu_seconds() - foreign) / seconds
            results[name] = {**asdict(section), "seconds": seconds, "other_cpu_cores": others}
            warning = "; WARNING: results disturbed" if others > BUSY else ""
            print(
                table(section)
                + f"\n  ({seconds:.0f} s; other programs used {others:.2f} cores on average"
                + f"{warning})\n",
                flush=True,
            )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small N, whole run < 2 minutes")
    parser.add_argument("--only", default=",".join(SCENARIOS), help="comma-separated scenarios")
    parser.add_argument("--sizes", help="fan-out sizes instead of the preset, e.g. 1000,3000")
    parser.add_argument("--storm-sizes", help="join-storm sizes instead of the preset, e.g. 1000")
    parser.add_argument("--keep", action="store_true", help="keep the logs and data folder")
    parser.add_argument("--profile", type=Path, help="py-spy every application server into DIR")
    parser.add_argument("--output", type=Path, default=RESULTS / "latest.json")
    args = parser.parse_args()
    names = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = set(names) - set(SCENARIOS)
    if unknown:
        parser.error(f"unknown scenarios: {', '.join(sorted(unknown))}")
    mode = "quick" if args.quick else "full"
    cfg = QUICK if args.quick else FULL
    if args.sizes:
        cfg = replace(cfg, fanout_sizes=sorted(int(n) for n in args.sizes.split(",")))
    if args.storm_sizes:
        cfg = replace(cfg, joinstorm_sizes=sorted(int(n) for n in args.storm_sizes.split(",")))
    nofile = raise_nofile()
    # SIGTERM ends the run like Ctrl-C: the `finally` blocks stop every child. SIGINT
    # too when started in the background (where the shell made Python ignore it).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    began = time.monotonic()
    try:
        results = asyncio.run(run(names, cfg, TIME_LIMIT[mode], args.keep, args.profile))
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        sys.exit(130)
    finally:
        kill_all()
    seconds = time.monotonic() - began
    report = {
        "mode": mode,
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(time.time() - seconds)),
        "seconds": seconds,
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "nofile": nofile,
            "load_average": os.getloadavg(),
        },
        "config": asdict(cfg),
        "scenarios": results,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2, default=str) + "\n")
    print(f"total {seconds:.0f} s; results in {args.output}")
    if any("error" in result for result in results.values()):
        sys.exit(1)


if __name__ == "__main__":
    main()
