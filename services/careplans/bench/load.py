"""Closed-loop load from concurrent HTTP clients for the P2 bench: time-boxed, latency-recorded."""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp


@dataclass
class Run:
    """What one measured phase saw; phases of the same kind add up (interleaved rounds)."""

    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def add(self, other: Run) -> None:
        self.seconds += other.seconds
        self.latencies += other.latencies
        self.failures += other.failures

    def summary(self, *, concurrency: int) -> dict[str, Any]:
        s = sorted(self.latencies)
        if not s:
            return {"requests": 0, "failures": len(self.failures)}

        def pick(q: float) -> float:
            return round(s[min(len(s) - 1, int(q * len(s)))] * 1000, 2)

        return {
            "requests": len(s),
            "failures": len(self.failures),
            "concurrency": concurrency,
            "seconds": round(self.seconds, 2),
            "requests_per_s": round(len(s) / self.seconds, 1),
            "p50_ms": pick(0.50),
            "p99_ms": pick(0.99),
            "mean_ms": round(statistics.fmean(s) * 1000, 2),
        }


# One request: given the client session and the worker's running request number, return None on
# success or a short failure description.
Request = Callable[[aiohttp.ClientSession, int, int], Awaitable[str | None]]


def client_session(concurrency: int) -> aiohttp.ClientSession:
    connector = aiohttp.TCPConnector(limit=concurrency, force_close=False)
    return aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=30))


async def drive(
    session: aiohttp.ClientSession, one: Request, *, seconds: float, concurrency: int
) -> Run:
    """`concurrency` workers, each issuing `one` back to back until `seconds` have passed."""
    run = Run()
    deadline = time.perf_counter() + seconds

    async def worker(w: int) -> None:
        i = 0
        while time.perf_counter() < deadline:
            t = time.perf_counter()
            failure = await one(session, w, i)
            if failure is None:
                run.latencies.append(time.perf_counter() - t)
            else:
                run.failures.append(failure)
            i += 1

    t0 = time.perf_counter()
    await asyncio.gather(*(worker(w) for w in range(concurrency)))
    run.seconds = time.perf_counter() - t0
    return run
