"""The baseline: raw aiokafka producing and consuming the same envelopes on the same broker."""

from __future__ import annotations

import asyncio
import statistics
import time
import uuid
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

from aiokafka import TopicPartition

from bench.pipeline.cpu import CpuMeter
from bench.pipeline.options import (
    KEYS,
    SOURCE,
)
from cch_contracts.events.platform import ProbeSent
from cch_messaging import (
    KafkaSettings,
    ensure_topics,
)
from cch_messaging.relay import envelope, kafka_headers

# raw baseline


def probe_envelopes(n: int, *, probe_id: str) -> list[tuple[bytes, bytes, list[tuple[str, bytes]]]]:
    """(key, value, headers) exactly as the relay would publish n ProbeSent outbox rows."""
    out = []
    now = datetime.now(UTC)
    for seq in range(n):
        payload = ProbeSent(probe_id=probe_id, sequence=seq, sent_at=datetime.now(UTC))
        row = SimpleNamespace(
            id=uuid.uuid4(),
            type=ProbeSent.event_type,
            created_at=now,
            aggregate_id=f"{probe_id}-{seq % KEYS}",
            payload=payload.model_dump(mode="json"),
            headers={"correlationid": str(uuid.uuid4())},
        )
        out.append(
            (
                f"patient-{seq % KEYS}".encode(),
                envelope(row, source=SOURCE),
                kafka_headers(row, source=SOURCE),
            )
        )
    return out


async def raw_baseline(
    kafka: KafkaSettings,
    n: int,
    *,
    timeout_s: float,
    rounds: int = 1,
    meter: CpuMeter | None = None,
) -> dict[str, Any]:
    """`rounds` runs of n envelopes; the figure is the best round's (as for the pipeline)."""
    topic = f"bench.raw.{uuid.uuid4().hex[:10]}"
    await ensure_topics(kafka, [topic])
    warm = probe_envelopes(100, probe_id="raw-warmup")
    consumer = kafka.consumer(group_id=None)
    producer = kafka.producer()
    await consumer.start()
    await producer.start()
    results: list[dict[str, Any]] = []
    try:
        await consumer.topics()  # metadata, so the fresh topic's partitions are known
        parts = consumer.partitions_for_topic(topic) or set(range(kafka.partitions))
        tps = [TopicPartition(topic, p) for p in sorted(parts)]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)

        async def consume(count: int) -> float:
            got = 0
            while got < count:
                batches = await consumer.getmany(timeout_ms=500, max_records=500)
                got += sum(len(records) for records in batches.values())
            return time.perf_counter()

        async def produce(items: list[tuple[bytes, bytes, list[tuple[str, bytes]]]]) -> float:
            futures = [
                await producer.send(topic, value=value, key=key, headers=headers)
                for key, value, headers in items
            ]
            await asyncio.gather(*futures)
            return time.perf_counter()

        # warm up connections and metadata on both sides
        await asyncio.wait_for(asyncio.gather(produce(warm), consume(len(warm))), timeout_s)
        for r in range(rounds):
            messages = probe_envelopes(n, probe_id=f"raw{r}")
            before = meter.snapshot() if meter else None
            cpu0 = time.process_time()
            t0 = time.perf_counter()
            produced_at, consumed_at = await asyncio.wait_for(
                asyncio.gather(produce(messages), consume(n)), timeout_s
            )
            cpu = time.process_time() - cpu0
            cores = CpuMeter.cores_used(before, meter.snapshot()) if meter and before else {}
            elapsed = consumed_at - t0
            results.append(
                {
                    "events": n,
                    "envelope_bytes": round(statistics.fmean(len(v) for _, v, _ in messages)),
                    "produce_seconds": round(produced_at - t0, 3),
                    "seconds": round(elapsed, 3),
                    "events_per_s": round(n / elapsed, 1),
                    "python_cpu_us_per_event": round(cpu / n * 1e6, 1),
                    "cpu_cores_used_timed": cores,
                }
            )
    finally:
        await producer.stop()
        await consumer.stop()
    best = max(results, key=lambda x: x["events_per_s"])
    return best | {
        "topic": topic,
        "partitions": len(tps),
        "rounds_events_per_s": [x["events_per_s"] for x in results],
    }
