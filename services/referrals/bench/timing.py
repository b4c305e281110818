"""Timing concurrent clients: throughput, latency percentiles and this process's CPU."""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable
from typing import Any


def latency_stats(samples: list[float]) -> dict[str, float]:
    s = sorted(samples)

    def pick(q: float) -> float:
        return s[min(len(s) - 1, int(q * len(s)))] * 1000

    return {
        "n": len(s),
        "p50_ms": round(pick(0.50), 2),
        "p99_ms": round(pick(0.99), 2),
        "mean_ms": round(statistics.fmean(s) * 1000, 2),
    }


async def drive(
    n: int, concurrency: int, one: Callable[[int], Awaitable[None]]
) -> tuple[float, float, list[float]]:
    """Run `one(i)` for i in range(n) from `concurrency` workers;
    (elapsed s, this process's CPU s, latencies s)."""
    latencies: list[float] = []
    counter = iter(range(n))

    async def worker() -> None:
        for i in counter:
            t = time.perf_counter()
            await one(i)
            latencies.append(time.perf_counter() - t)

    t0, cpu0 = time.perf_counter(), time.process_time()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - t0, time.process_time() - cpu0, latencies


class Phase:
    """One side's timed rounds, summed: requests, seconds, CPU and latencies."""

    def __init__(self, concurrency: int) -> None:
        self.concurrency = concurrency
        self.n = 0
        self.elapsed = 0.0
        self.cpu_s = 0.0
        self.latencies: list[float] = []

    async def round(self, n: int, one: Callable[[int], Awaitable[None]]) -> None:
        offset = self.n

        async def shifted(i: int) -> None:
            await one(offset + i)

        elapsed, cpu_s, latencies = await drive(n, self.concurrency, shifted)
        self.n += n
        self.elapsed += elapsed
        self.cpu_s += cpu_s
        self.latencies += latencies

    def result(self) -> dict[str, Any]:
        """Throughput, latency and this process's CPU per request (client + server: one
        process)."""
        return {
            "requests": self.n,
            "concurrency": self.concurrency,
            "seconds": round(self.elapsed, 3),
            "requests_per_s": round(self.n / self.elapsed, 1),
            "cpu_ms_per_request": round(self.cpu_s / self.n * 1000, 3),
            **latency_stats(self.latencies),
        }
