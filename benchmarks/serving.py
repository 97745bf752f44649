"""Shared by the benchmarks that drive a running `settlebot serve` over HTTP: one measurement
(warm-up, the conversations, the CPU `serve` used, the /healthz baseline), the same on SQLite and
PostgreSQL with 1 and 2 processes, and their table."""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import aiohttp
from results import percentile, say

from tests.servers import Serve

CONCURRENT = 40  # requests in flight at once
SCHEMA = "settlebot_benchmark"



async def health(url: str, count: int) -> tuple[list[float], float]:
    """The baseline: `count` GET /healthz at the same concurrency; the latencies (ms) and the wall time (s)."""
    latencies: list[float] = []
    gate = asyncio.Semaphore(CONCURRENT)
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=CONCURRENT)) as client:
        async def one() -> None:
            async with gate:
                started = time.perf_counter()
                async with client.get(url + "/healthz") as response:
                    response.raise_for_status()
                latencies.append((time.perf_counter() - started) * 1000)

        started = time.perf_counter()
        await asyncio.gather(*(one() for _ in range(count)))
        return latencies, time.perf_counter() - started


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) used by a process and its children (serve's worker processes), from /proc."""
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # gone meanwhile
            continue
        if stat.parent.name == str(pid) or fields[1] == str(pid):
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def processes(workers: int) -> str:
    return f"{workers} process" + ("es" if workers > 1 else "")


def empty_schema(server: str) -> str:
    """A fresh schema of its own on the PostgreSQL server: the URL that uses it."""
    from sqlalchemy import create_engine, text

    engine = create_engine(server)
    with engine.begin() as connection:
        connection.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        connection.execute(text(f"CREATE SCHEMA {SCHEMA}"))
    engine.dispose()
    return f"{server}{'&' if '?' in server else '?'}options=-csearch_path%3D{SCHEMA}"


# A benchmark's client: posts the conversations of `users` to a running serve at the URL, each in
# order, CONCURRENT at a time; the latencies (ms) and the wall time (s).
Post = Callable[[str, range], Awaitable[tuple[list[float], float]]]
WARM_UP = range(1, 41)  # users whose conversations warm a server up; measured users start at 1000


def postgresql_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--postgresql", metavar="URL", default=os.environ.get("SETTLEBOT_TEST_DATABASE_URL"),
                        help="also measure on this PostgreSQL server, with 1 and 2 processes, in a schema of "
                             f"its own ({SCHEMA}, made afresh) (default: $SETTLEBOT_TEST_DATABASE_URL)")


def measure(env: dict[str, str], workers: int, users: int, post: Post, noun: str,
            ready: Callable[[str], None] | None = None) -> dict[str, float]:
    """One `settlebot serve --workers N`: warm it up, post `users` conversations, then the
    /healthz baseline, as many requests at the same concurrency. `noun`: what a request is."""
    say(f"starting settlebot serve --workers {workers} (it trains the NLU)...")
    serve = Serve(env, "--workers", str(workers), timeout=180)
    try:
        if ready:
            ready(serve.url)
        say(f"  warming up with {len(WARM_UP)} conversations...")
        asyncio.run(post(serve.url, WARM_UP))
        say(f"  measuring {users} conversations...")
        cpu_before, harness_before = cpu_seconds(serve.process.pid), time.process_time()
        latencies, wall = asyncio.run(post(serve.url, range(1000, 1000 + users)))
        cpu, harness = cpu_seconds(serve.process.pid) - cpu_before, time.process_time() - harness_before
        baseline, baseline_wall = asyncio.run(health(serve.url, len(latencies)))
    finally:
        serve.stop()
    row = {"requests": len(latencies), "rate": len(latencies) / wall, "p50": percentile(latencies, 50),
           "p99": percentile(latencies, 99), "cpu": 1000 * cpu / len(latencies), "harness": harness / wall,
           "base_rate": len(baseline) / baseline_wall, "base_p50": percentile(baseline, 50)}
    say(f"  {row['rate']:.0f} {noun}s/s; serve used {row['cpu']:.2f} ms of CPU per {noun}; "
        f"the client and fakes used {row['harness']:.2f} of a core")
    return row


def across_databases(env: dict[str, str], postgresql: str | None,
                     measure_one: Callable[[dict[str, str], int], dict[str, float]]) -> dict[str, dict[str, float]]:
    """`measure_one(env, workers)` with 1 and 2 processes on a fresh SQLite file, and on PostgreSQL if given."""
    rows = {}
    with tempfile.TemporaryDirectory() as directory:
        sqlite = {**env, "SETTLEBOT_DATABASE_URL": f"sqlite:///{Path(directory) / 'bench.sqlite3'}"}
        for workers in (1, 2):
            rows[f"SQLite, {processes(workers)}"] = measure_one(sqlite, workers)
    if postgresql:
        for workers in (1, 2):
            url = empty_schema(postgresql)
            rows[f"PostgreSQL, {processes(workers)}"] = measure_one({**env, "SETTLEBOT_DATABASE_URL": url}, workers)
    return rows


def throughput_table(rows: dict[str, dict[str, float]], noun: str) -> list[str]:
    """The table of `across_databases`' rows; the target (300 a second) is SQLite's."""
    lines = [f"| database, serve processes | {noun}s/s | p50 (ms) | p99 (ms) | CPU per {noun} (ms) | "
             "`/healthz`/s | p50 ratio to `/healthz` | target |", "|---|---|---|---|---|---|---|---|"]
    for name, r in rows.items():
        lines.append(f"| {name} | {r['rate']:.0f} | {r['p50']:.1f} | {r['p99']:.1f} | {r['cpu']:.2f} | "
                     f"{r['base_rate']:.0f} | {r['p50'] / r['base_p50']:.1f}x | "
                     f"{f'>= 300 {noun}s/s' if name.startswith('SQLite') else ''} |")
    return lines
