"""Reads the bus for operators: end offsets, committed offsets per group, dead letters."""

import asyncio
import contextlib
import json
from dataclasses import dataclass, replace
from typing import Any

from aiokafka import TopicPartition

from cch_contracts.topics import DLQ_SUFFIX, Topic, dlq_topic
from cch_messaging import KafkaSettings

# Every service's consumer group is its name (see cch_servicekit.runtime).
CONSUMER_GROUPS = ("stratification", "referrals", "caseload", "careplans", "dispatch", "ops")


@dataclass(frozen=True)
class PartitionLag:
    topic: str
    partition: int
    end_offset: int
    committed: int | None

    @property
    def lag(self) -> int | None:
        return None if self.committed is None else max(0, self.end_offset - self.committed)


async def _partitions(kafka: KafkaSettings, topics: list[str]) -> list[TopicPartition]:
    admin = kafka.admin()
    await admin.start()
    try:
        described = await admin.describe_topics(topics)
    finally:
        await admin.close()
    return sorted(
        TopicPartition(t["topic"], p["partition"])
        for t in described
        if t.get("error_code", 0) == 0
        for p in t.get("partitions", [])
    )


async def _stop(consumer: Any) -> None:
    """aiokafka can surface its own internal task's cancellation on stop(); that is not ours."""
    try:
        await consumer.stop()
    except asyncio.CancelledError:
        task = asyncio.current_task()
        if task is not None and task.cancelling():
            raise


async def end_offsets(kafka: KafkaSettings, topics: list[str]) -> dict[TopicPartition, int]:
    tps = await _partitions(kafka, topics)
    if not tps:
        return {}
    consumer = kafka.consumer(group_id=None)
    await consumer.start()
    try:
        consumer.assign(tps)
        return dict(await consumer.end_offsets(tps))
    finally:
        await _stop(consumer)


async def group_lag(
    kafka: KafkaSettings, group: str, ends: dict[TopicPartition, int]
) -> list[PartitionLag]:
    """committed() on an assigned, non-subscribed member works on Kafka and on Tansu alike."""
    consumer = kafka.consumer(group_id=group)
    await consumer.start()
    try:
        consumer.assign(list(ends))
        rows = []
        for tp, end in sorted(ends.items()):
            committed = await consumer.committed(tp)
            rows.append(PartitionLag(tp.topic, tp.partition, end, committed))
        return rows
    finally:
        await _stop(consumer)


def _with_end(row: PartitionLag, ends: dict[TopicPartition, int]) -> PartitionLag:
    return replace(
        row, end_offset=ends.get(TopicPartition(row.topic, row.partition), row.end_offset)
    )


async def stream_overview(kafka: KafkaSettings) -> dict[str, Any]:
    topics = [t.value for t in Topic]
    dlqs = [dlq_topic(t) for t in topics]
    ends = await end_offsets(kafka, topics + dlqs)
    main = {tp: e for tp, e in ends.items() if not tp.topic.endswith(DLQ_SUFFIX)}
    lags = await asyncio.gather(*(group_lag(kafka, g, main) for g in CONSUMER_GROUPS))
    # the ends again, read after the commits: consumers moved on meanwhile, and a committed
    # offset shown beyond its partition's end would make no sense to whoever reads this
    ends = await end_offsets(kafka, topics + dlqs)
    lags = [
        [
            replace(r, end_offset=ends.get(TopicPartition(r.topic, r.partition), r.end_offset))
            for r in rows
        ]
        for rows in lags
    ]
    per_topic: dict[str, Any] = {}
    for tp, end in sorted(ends.items()):
        entry = per_topic.setdefault(tp.topic, {"partitions": 0, "end_offset_total": 0})
        entry["partitions"] += 1
        entry["end_offset_total"] += end
    groups = {}
    for group, rows in zip(CONSUMER_GROUPS, lags, strict=True):
        consumed = [r for r in rows if r.committed is not None]
        groups[group] = {
            "lag_total": sum(r.lag or 0 for r in consumed),
            "topics": sorted({r.topic for r in consumed}),
            "partitions": [
                {
                    "topic": r.topic,
                    "partition": r.partition,
                    "end_offset": r.end_offset,
                    "committed": r.committed,
                    "lag": r.lag,
                }
                for r in consumed
            ],
        }
    return {"topics": per_topic, "consumer_groups": groups}


async def read_dead_letters(
    kafka: KafkaSettings, *, topic: str | None, limit: int
) -> list[dict[str, Any]]:
    """Every dead letter still retained, newest last (reads without joining any group)."""
    topics = [dlq_topic(topic)] if topic else [dlq_topic(t.value) for t in Topic]
    ends = await end_offsets(kafka, topics)
    wanted = {tp: end for tp, end in ends.items() if end > 0}
    if not wanted:
        return []
    consumer = kafka.consumer(group_id=None)
    await consumer.start()
    letters: list[dict[str, Any]] = []
    try:
        consumer.assign(list(wanted))
        await consumer.seek_to_beginning(*wanted)
        idle = 0
        while idle < 3 and len(letters) < limit:
            batch = await consumer.getmany(timeout_ms=300, max_records=500)
            if not batch:
                idle += 1
                continue
            idle = 0
            for tp, records in batch.items():
                for r in records:
                    letters.append(_letter(tp, r))
            reached = [await _at_end(consumer, tp, end) for tp, end in wanted.items()]
            if all(reached):
                break
    finally:
        await _stop(consumer)
    letters.sort(key=lambda x: x["failed_at"] or "")
    return letters[-limit:]


async def _at_end(consumer: Any, tp: TopicPartition, end: int) -> bool:
    with contextlib.suppress(Exception):
        return int(await consumer.position(tp)) >= end
    return False


def _letter(tp: TopicPartition, record: Any) -> dict[str, Any]:
    try:
        body = json.loads(record.value)
    except ValueError:
        body = {"error": "unreadable dead letter", "original": ""}
    original = body.get("original") or ""
    event_id = event_type = None
    with contextlib.suppress(ValueError, AttributeError):
        parsed = json.loads(original)
        event_id, event_type = parsed.get("id"), parsed.get("type")
    return {
        "dlq_topic": tp.topic,
        "dlq_partition": tp.partition,
        "dlq_offset": record.offset,
        "topic": body.get("topic"),
        "consumer_group": body.get("consumer_group"),
        "event_id": event_id,
        "event_type": event_type,
        "error": body.get("error"),
        "attempts": body.get("attempts"),
        "failed_at": body.get("failed_at"),
    }


async def replay_dead_letter(
    kafka: KafkaSettings, *, dlq: str, partition: int, offset: int
) -> dict[str, Any]:
    """Put a dead letter's original event back on its topic; the group's inbox retries it."""
    if not dlq.endswith(DLQ_SUFFIX):
        raise ValueError(f"{dlq} is not a dead-letter topic")
    consumer = kafka.consumer(group_id=None)
    await consumer.start()
    try:
        tp = TopicPartition(dlq, partition)
        consumer.assign([tp])
        consumer.seek(tp, offset)
        batch = await consumer.getmany(tp, timeout_ms=3000, max_records=1)
        records = batch.get(tp) or []
        if not records or records[0].offset != offset:
            raise LookupError(f"no dead letter at {dlq}[{partition}]@{offset}")
        record = records[0]
    finally:
        await _stop(consumer)
    body = json.loads(record.value)
    producer = kafka.producer()
    await producer.start()
    try:
        meta = await producer.send_and_wait(
            body["topic"],
            value=body["original"].encode(),
            key=record.key,
            headers=[(k, v) for k, v in (record.headers or ()) if k.startswith("ce_")],
        )
    finally:
        await producer.stop()
    return {"replayed_to": body["topic"], "partition": meta.partition, "offset": meta.offset}
