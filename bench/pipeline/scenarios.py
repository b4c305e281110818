"""What is measured: throughput, latency under an open-loop rate, and sporadic traffic."""

from __future__ import annotations

import asyncio
import itertools
import math
import time
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import UUID

from bench.pipeline.cpu import CpuMeter
from bench.pipeline.harness import (
    BenchSchema,
    Running,
    commit_probes,
    running_pipeline,
    stage_times,
    wait_for_effects,
)
from bench.pipeline.options import (
    load_average,
    percentile,
)
from cch_messaging import (
    KafkaSettings,
)


async def pipeline_throughput(
    admin_url: str,
    kafka: KafkaSettings,
    *,
    n: int,
    per_txn: int,
    writers: int,
    timeout_s: float,
    batched: bool = True,
    rounds: int = 1,
    meter: CpuMeter | None = None,
) -> dict[str, Any]:
    """`rounds` runs of n events through one running pipeline; the figure is the best round's,
    with every round's rate and the best round's CPU use (timed window only) beside it."""
    label = f"tput{per_txn}w{writers}{'b' if batched else 'e'}"
    results: list[dict[str, Any]] = []
    async with running_pipeline(admin_url, kafka, label=label, batched=batched) as run:
        for r in range(rounds):
            results.append(
                await _throughput_round(run, f"run{r}", n, per_txn, writers, timeout_s, meter)
            )
    best = max(results, key=lambda x: x["events_per_s"])
    return best | {
        "rounds_events_per_s": [x["events_per_s"] for x in results],
        "consumer_group": run.group,
        "consumer_handler": "batch" if batched else "per-event",
        "relay_batch_size": 500,
        "consumer_max_batch": 500,
    }


async def _throughput_round(
    run: Running,
    label: str,
    n: int,
    per_txn: int,
    writers: int,
    timeout_s: float,
    meter: CpuMeter | None,
) -> dict[str, Any]:
    probe = run.probe(label)
    seqs = iter(range(n))
    chunks = [list(itertools.islice(seqs, per_txn)) for _ in range(math.ceil(n / per_txn))]
    queue = iter(chunks)
    writer_done: list[float] = []

    async def writer() -> None:
        for chunk in queue:  # shared iterator: each writer takes the next transaction
            await commit_probes(run.bs, probe, chunk)
        writer_done.append(time.perf_counter())

    before = meter.snapshot() if meter else None
    cpu0 = time.process_time()
    started_wall = datetime.now(UTC)
    t0 = time.perf_counter()
    writing = [asyncio.create_task(writer()) for _ in range(writers)]
    end = await wait_for_effects(run.bs, probe, n, timeout_s=timeout_s)
    cpu = time.process_time() - cpu0
    cores = CpuMeter.cores_used(before, meter.snapshot()) if meter and before else {}
    await asyncio.gather(*writing)
    stages = await stage_times(run.bs, probe, started_wall)
    elapsed = end - t0
    write_s = max(writer_done) - t0
    return {
        "events": n,
        "events_per_transaction": per_txn,
        "transactions": len(chunks),
        "concurrent_writers": writers,
        "seconds": round(elapsed, 3),
        "events_per_s": round(n / elapsed, 1),
        "writer_seconds": round(write_s, 3),
        "writer_events_per_s": round(n / write_s, 1),
        "stages_s_from_start": {"writer_committed_all": round(write_s, 3), **stages},
        # writer, relay and consumer together, in this one process
        "python_cpu_us_per_event": round(cpu / n * 1e6, 1),
        "cpu_cores_used_timed": cores,
    }


async def pipeline_backlog(
    admin_url: str,
    kafka: KafkaSettings,
    *,
    n: int,
    timeout_s: float,
    batched: bool = True,
    rounds: int = 1,
    meter: CpuMeter | None = None,
) -> dict[str, Any]:
    """Committed state already in the outbox (n events committed in one transaction, as a
    stratification run's tier changes are), then drained: relay → broker → consumer effect
    committed. The clock starts when the commit returns, as raw's starts with its envelopes
    built: the like-for-like comparison of the messaging machinery with raw aiokafka."""
    results: list[dict[str, Any]] = []
    handler = "batch" if batched else "per-event"
    async with running_pipeline(admin_url, kafka, label="backlog", batched=batched) as run:
        for r in range(rounds):
            probe = run.probe(f"run{r}")
            await commit_probes(run.bs, probe, list(range(n)))  # the relay wakes on this commit
            before = meter.snapshot() if meter else None
            cpu0 = time.process_time()
            started_wall = datetime.now(UTC)
            t0 = time.perf_counter()
            end = await wait_for_effects(run.bs, probe, n, timeout_s=timeout_s)
            cpu = time.process_time() - cpu0
            cores = CpuMeter.cores_used(before, meter.snapshot()) if meter and before else {}
            stages = await stage_times(run.bs, probe, started_wall)
            elapsed = end - t0
            results.append(
                {
                    "label": f"pipeline, committed backlog drained, {handler} handler",
                    "events": n,
                    "events_per_transaction": n,
                    "transactions": 1,
                    "concurrent_writers": 1,
                    "seconds": round(elapsed, 3),
                    "events_per_s": round(n / elapsed, 1),
                    "stages_s_from_start": stages,
                    # relay and consumer together, in this one process
                    "python_cpu_us_per_event": round(cpu / n * 1e6, 1),
                    "cpu_cores_used_timed": cores,
                }
            )
    best = max(results, key=lambda x: x["events_per_s"])
    return best | {
        "rounds_events_per_s": [x["events_per_s"] for x in results],
        "consumer_group": run.group,
        "consumer_handler": handler,
        "relay_batch_size": 500,
        "consumer_max_batch": 500,
    }


async def pipeline_latency(
    admin_url: str,
    kafka: KafkaSettings,
    *,
    rate: float,
    seconds: float,
    writers: int,
    timeout_s: float,
) -> dict[str, Any]:
    total = int(rate * seconds)
    async with running_pipeline(admin_url, kafka, label="latency") as run:
        probe = run.probe("run")
        loop = asyncio.get_running_loop()
        counter = itertools.count()
        lag: list[float] = []
        t0 = loop.time() + 0.05

        async def writer() -> None:
            while (i := next(counter)) < total:
                due = t0 + i / rate
                delay = due - loop.time()
                if delay > 0:
                    await asyncio.sleep(delay)
                lag.append(loop.time() - due)
                await commit_probes(run.bs, probe, [i])

        load_before = load_average()
        await asyncio.gather(*(writer() for _ in range(writers)))
        await wait_for_effects(run.bs, probe, total, timeout_s=timeout_s)
        load_after = load_average()
        rows = await _latency_rows(run.bs, probe)
    return _latency_summary(rows, lag, rate=rate, seconds=seconds, writers=writers) | {
        "load_average_before": load_before,
        "load_average_after": load_after,
    }


async def _latency_rows(bs: BenchSchema, probe_id: str) -> list[tuple[float, float, float]]:
    """(sent_at epoch, end-to-end seconds, sent → published seconds) for each effect."""
    e, o = bs.effects, bs.outbox
    async with bs.service_engine.connect() as conn:
        result = await conn.execute(
            sa.select(
                sa.func.extract("epoch", e.c.sent_at),
                sa.func.extract("epoch", e.c.applied_at - e.c.sent_at),
                sa.func.extract("epoch", o.c.published_at - e.c.sent_at),
            )
            .select_from(e.join(o, o.c.id == sa.cast(e.c.event_id, UUID(as_uuid=True))))
            .where(e.c.probe_id == probe_id)
            .order_by(e.c.sent_at)
        )
        return [(float(a), float(b), float(c)) for a, b, c in result]


def _latency_summary(
    rows: list[tuple[float, float, float]],
    lag: list[float],
    *,
    rate: float,
    seconds: float,
    writers: int,
) -> dict[str, Any]:
    e2e = sorted(r[1] for r in rows)
    relay = sorted(r[2] for r in rows)
    consume = sorted(r[1] - r[2] for r in rows)
    lag_sorted = sorted(lag)
    span = rows[-1][0] - rows[0][0] if len(rows) > 1 else math.nan

    def pct(values: list[float]) -> dict[str, float]:
        return {
            "p50": round(percentile(values, 0.50), 4),
            "p95": round(percentile(values, 0.95), 4),
            "p99": round(percentile(values, 0.99), 4),
            "max": round(values[-1], 4) if values else math.nan,
        }

    # p99 for each second of the run: shows whether the tail is steady or comes in bursts
    per_second: dict[int, list[float]] = {}
    start = rows[0][0] if rows else 0.0
    for sent, lat, _ in rows:
        per_second.setdefault(int(sent - start), []).append(lat)
    timeline = [
        {
            "second": s,
            "events": len(v),
            "p50": round(percentile(sorted(v), 0.5), 4),
            "p99": round(percentile(sorted(v), 0.99), 4),
        }
        for s, v in sorted(per_second.items())
    ]
    return {
        "target_events_per_s": rate,
        "target_seconds": seconds,
        "events": len(rows),
        "events_per_transaction": 1,
        "concurrent_writers": writers,
        "achieved_events_per_s": round((len(rows) - 1) / span, 1) if span > 0 else math.nan,
        "end_to_end_s": pct(e2e),
        "sent_to_published_s": pct(relay),
        "published_to_applied_s": pct(consume),
        "writer_lag_behind_schedule_s": pct(lag_sorted),
        "per_second": timeline,
    }


# --------------------------------------------------------------------------------------------


async def pipeline_sporadic(
    admin_url: str, kafka: KafkaSettings, *, pairs: int, gap_s: float = 1.2, timeout_s: float
) -> dict[str, Any]:
    """Light, bursty traffic: two single-event commits 0-14 ms apart, then quiet for longer than
    the relay's idle poll. A commit that lands while the relay is publishing the previous one
    must still be published at once (its NOTIFY must not be lost)."""
    async with running_pipeline(admin_url, kafka, label="sporadic") as run:
        probe = run.probe("run")
        for pair in range(pairs):
            await commit_probes(run.bs, probe, [2 * pair])
            await asyncio.sleep((pair % 8) * 0.002)
            await commit_probes(run.bs, probe, [2 * pair + 1])
            await asyncio.sleep(gap_s)
        await wait_for_effects(run.bs, probe, 2 * pairs, timeout_s=timeout_s)
        rows = await _latency_rows(run.bs, probe)
    e2e = sorted(r[1] for r in rows)
    published = sorted(r[2] for r in rows)
    slow = [r for r in rows if r[2] >= 0.5]
    return {
        "pairs": pairs,
        "events": len(rows),
        "quiet_between_pairs_s": gap_s,
        "relay_idle_poll_s": 1.0,
        "end_to_end_s": {
            "p50": round(percentile(e2e, 0.5), 4),
            "max": round(e2e[-1], 4) if e2e else math.nan,
        },
        "sent_to_published_s": {
            "p50": round(percentile(published, 0.5), 4),
            "max": round(published[-1], 4) if published else math.nan,
        },
        "events_published_after_500ms": len(slow),
    }
