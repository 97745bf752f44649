"""Shared by the benchmarks that drive a running `settlebot serve` over HTTP: the /healthz
baseline, the CPU a process tree used, and a PostgreSQL schema of the benchmark's own."""

from __future__ import annotations

import asyncio
import os
import sys
import time
from pathlib import Path

import aiohttp

from bot.config import PROJECT_ROOT

sys.path.insert(0, str(PROJECT_ROOT))  # the tests' fakes and `settlebot serve` runner (tests/servers.py)
CONCURRENT = 40  # requests in flight at once
SCHEMA = "settlebot_benchmark"


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


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
