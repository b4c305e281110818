"""P3: committed state → outbox → broker → consumer effect committed, against raw aiokafka.

Everything runs on the one embedded Postgres and the one embedded broker that `python -m bench`
starts, and in this one Python process (one event loop): the writer, the real OutboxRelay and the
real EventConsumer, exactly as a service runs its API, relay and consumer together. The raw
baseline runs its producer and consumer in the same process too, on the same broker.

* raw:        AIOKafkaProducer (KafkaSettings.producer(): acks=all, linger 2 ms) sends N real
              cch.platform.probe.v1 envelopes (built before the clock starts) to a fresh topic; an
              AIOKafkaConsumer reads them (no parsing).
              events/s = N / (first send → last record consumed).
* backlog:    N events already committed in the outbox (one transaction, as a stratification run
              commits its tier changes), then drained by the relay and the consumer (batch
              handler). The clock starts when the commit returns, as raw's starts with its
              envelopes built: the like-for-like comparison of the messaging machinery.
* pipeline:   writers commit N ProbeSent events through MessagingUnitOfWork (100 per
              transaction from one writer, the same from 4 concurrent writers as concurrent
              requests would, and 1 per transaction from 8 writers); the relay publishes them to
              cch.platform.v1; the consumer parses and validates each envelope and payload and
              applies them into an effect table in the inbox transaction, with a batch handler
              (one multi-row insert per partition batch) and, labelled "per-event", with a
              per-event handler (one insert each).
              events/s = N / (first commit starts → last effect committed), the end seen by
              polling the effect table (every 5 ms once 90% are there).
* rounds:     raw and each throughput run take the best of `rounds` rounds (3): the machine is
              shared, and the least disturbed round measures the code. Every round's rate is kept,
              with CPU for the timed window only (python_cpu_us_per_event: writer, relay and
              consumer together; cpu_cores_used_timed: this process, Postgres, broker, others).
* latency:    single-event transactions at a steady 1,000 events/s (open loop); each ProbeSent
              carries sent_at, the effect row records clock_timestamp() when it is applied;
              latency = applied_at - sent_at.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Awaitable
from typing import Any

from bench.pipeline.cpu import CpuMeter
from bench.pipeline.options import THROUGHPUT_RUNS, TOPIC, PipelineOptions, load_average
from bench.pipeline.raw import raw_baseline
from bench.pipeline.scenarios import (
    pipeline_backlog,
    pipeline_latency,
    pipeline_sporadic,
    pipeline_throughput,
)
from bench.pipeline.summary import metrics
from cch_messaging import KafkaSettings, ensure_topics

__all__ = ["PipelineOptions", "metrics", "run"]

log = logging.getLogger("bench.pipeline")


async def _measured(
    out: dict[str, Any], key: str, meter: CpuMeter, coro: Awaitable[dict[str, Any]]
) -> None:
    """Run one sub-benchmark; record its result with CPU use, or its error, and carry on."""
    before = meter.snapshot()
    try:
        result = await coro
    except Exception as exc:
        log.exception("pipeline: %s failed", key)
        out.setdefault("errors", {})[key] = f"{type(exc).__name__}: {exc}"
        return
    result["cpu_cores_used"] = CpuMeter.cores_used(before, meter.snapshot())
    out[key] = result


async def _run(
    admin_url: str, bootstrap: str, opts: PipelineOptions, pids: dict[str, int] | None
) -> dict[str, Any]:
    kafka = KafkaSettings(bootstrap_servers=bootstrap, client_id="cch-bench", ephemeral_broker=True)
    await ensure_topics(kafka, [TOPIC])
    meter = CpuMeter(pids)
    out: dict[str, Any] = {
        "options": opts.__dict__,
        "cpus": os.cpu_count(),
        "note": (
            f"{os.cpu_count()} CPU cores shared by everything: the writer, relay and consumer "
            "(one Python process, one event loop, as a service runs its API, relay and "
            "consumer), Postgres (fsync=on, synchronous_commit=on) and the Tansu broker (memory "
            "storage); cpu_cores_used says who used them; figures also move with whatever else "
            "the machine runs (see load averages)."
        ),
        "load_average_start": load_average(),
    }
    log.info("pipeline: raw aiokafka baseline, %d events", opts.n)
    await _measured(
        out,
        "raw",
        meter,
        raw_baseline(kafka, opts.n, timeout_s=opts.timeout_s, rounds=opts.rounds, meter=meter),
    )
    log.info("pipeline: a committed backlog of %d events drained", opts.n)
    await _measured(
        out,
        "pipeline_backlog",
        meter,
        pipeline_backlog(
            admin_url, kafka, n=opts.n, timeout_s=opts.timeout_s, rounds=opts.rounds, meter=meter
        ),
    )
    for key, writers, batched in (
        ("pipeline_batched", 1, True),
        ("pipeline_batched_writers", opts.batch_writers, True),
        ("pipeline_batched_per_event", 1, False),
    ):
        log.info(
            "pipeline: %d events, %d per transaction, %d writers, %s handler",
            opts.n,
            opts.txn_size,
            writers,
            "batch" if batched else "per-event",
        )
        await _measured(
            out,
            key,
            meter,
            pipeline_throughput(
                admin_url,
                kafka,
                n=opts.n,
                per_txn=opts.txn_size,
                writers=writers,
                timeout_s=opts.timeout_s,
                batched=batched,
                rounds=opts.rounds,
                meter=meter,
            ),
        )
    log.info(
        "pipeline: %d events, 1 per transaction, %d writers", opts.single_n, opts.single_writers
    )
    await _measured(
        out,
        "pipeline_single",
        meter,
        pipeline_throughput(
            admin_url,
            kafka,
            n=opts.single_n,
            per_txn=1,
            writers=opts.single_writers,
            timeout_s=opts.timeout_s,
        ),
    )
    for key, rate, seconds in (
        ("latency", opts.latency_rate, opts.latency_seconds),
        ("latency_low_rate", opts.low_rate, opts.low_rate_seconds),
    ):
        log.info("pipeline: latency at %.0f events/s for %.0fs", rate, seconds)
        await _measured(
            out,
            key,
            meter,
            pipeline_latency(
                admin_url,
                kafka,
                rate=rate,
                seconds=seconds,
                writers=opts.latency_writers,
                timeout_s=opts.timeout_s,
            ),
        )
    log.info("pipeline: %d sporadic pairs of events", opts.sporadic_pairs)
    await _measured(
        out,
        "sporadic",
        meter,
        pipeline_sporadic(admin_url, kafka, pairs=opts.sporadic_pairs, timeout_s=opts.timeout_s),
    )
    out["load_average_end"] = load_average()
    raw = out.get("raw", {}).get("events_per_s")
    for key in THROUGHPUT_RUNS:
        if raw and key in out:
            out[key]["ratio_to_raw"] = round(out[key]["events_per_s"] / raw, 3)
    return out


def run(
    admin_url: str, bootstrap: str, *, quick: bool, pids: dict[str, int] | None = None
) -> dict[str, Any]:
    return asyncio.run(_run(admin_url, bootstrap, PipelineOptions.for_mode(quick=quick), pids))
