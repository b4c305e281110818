"""Outbox → relay → real broker → consumer → effect, exactly once, through failures."""

import asyncio
import json
import uuid
from contextlib import asynccontextmanager
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from aiokafka import AIOKafkaConsumer, TopicPartition

from cch_contracts import dlq_topic
from cch_contracts.events.platform import ProbeSent
from cch_contracts.topics import Topic
from cch_devstack.testing import eventually
from cch_messaging import EventConsumer, HandlerRegistry, KafkaSettings, OutboxRelay

pytestmark = pytest.mark.integration


def registry_for(pipeline) -> HandlerRegistry:
    registry = HandlerRegistry()

    @registry.on(ProbeSent)
    async def apply(uow, event, payload: ProbeSent) -> None:
        if payload.probe_id.startswith("poison"):
            raise ValueError("this probe always fails")
        await uow.session.execute(
            sa.insert(pipeline.effects).values(
                event_id=event.id, probe_id=payload.probe_id, sequence=payload.sequence
            )
        )

    return registry


@asynccontextmanager
async def running(pipeline, infra, *, group: str):
    kafka = KafkaSettings(
        bootstrap_servers=infra.bootstrap,
        client_id=group,
        ephemeral_broker=infra.stack.broker is not None,
    )
    relay = OutboxRelay(
        engine=pipeline.engine,
        outbox=pipeline.outbox,
        source="/cch/test",
        kafka=kafka,
        idle_poll_seconds=0.2,
        max_backoff_seconds=1.0,
    )
    consumer = EventConsumer(
        group=group,
        registry=registry_for(pipeline),
        uow_factory=pipeline.uow,
        kafka=kafka,
        topics=(Topic.PLATFORM.value,),
        retry_backoff_seconds=0.01,
        max_attempts=3,
    )
    tasks = [asyncio.create_task(relay.run()), asyncio.create_task(consumer.run())]
    try:
        yield relay, consumer, kafka
    finally:
        relay.stop()
        consumer.stop()
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def write_probes(pipeline, probe_id: str, sequences: range) -> list[str]:
    ids = []
    async with pipeline.uow() as uow:
        for seq in sequences:
            event_id = uow.publish(
                ProbeSent(probe_id=probe_id, sequence=seq, sent_at=datetime.now(UTC)),
                key=f"probe-{seq % 7}",
                aggregate_type="probe",
                aggregate_id=probe_id,
            )
            ids.append(str(event_id))
        await uow.commit()
    return ids


async def committed_offset(kafka: KafkaSettings, group: str, tp: TopicPartition) -> int:
    """What the group has committed: an assigned, non-subscribed member of the group asks."""
    probe = kafka.consumer(group_id=group)
    await probe.start()
    try:
        probe.assign([tp])
        return (await probe.committed(tp)) or 0
    finally:
        await probe.stop()


async def test_event_is_applied_exactly_once_even_when_delivered_twice(pipeline, infra):
    group = f"g-{uuid.uuid4().hex[:6]}"
    async with running(pipeline, infra, group=group) as (_, _, kafka):
        ids = await write_probes(pipeline, f"once-{group}", range(50))
        counts = await eventually(
            lambda: pipeline.effect_counts(f"once-{group}"),
            until=lambda c: len(c) == 50,
            what="50 effects",
        )
        assert set(counts) == set(ids) and set(counts.values()) == {1}

        # the broker hands the same event (same CloudEvent id) over again
        reader = AIOKafkaConsumer(
            Topic.PLATFORM.value,
            bootstrap_servers=infra.bootstrap,
            auto_offset_reset="earliest",
            group_id=None,
        )
        await reader.start()
        try:
            original = None
            while original is None:
                batch = await reader.getmany(timeout_ms=1000)
                for records in batch.values():
                    for r in records:
                        if json.loads(r.value)["id"] == ids[0]:
                            original = r
                            break
        finally:
            await reader.stop()
        producer = kafka.producer()
        await producer.start()
        try:
            meta = await producer.send_and_wait(
                original.topic,
                value=original.value,
                key=original.key,
                partition=original.partition,
                headers=list(original.headers),
            )
        finally:
            await producer.stop()
        tp = TopicPartition(meta.topic, meta.partition)
        await eventually(
            lambda: committed_offset(kafka, group, tp),
            until=lambda off: off > meta.offset,
            what="duplicate consumed",
        )
        counts = await pipeline.effect_counts(f"once-{group}")
        assert counts[ids[0]] == 1
        assert sum(counts.values()) == 50


async def test_events_written_while_the_broker_is_down_arrive_once_after_restart(pipeline, infra):
    group = f"g-{uuid.uuid4().hex[:6]}"
    async with running(pipeline, infra, group=group) as (relay, _, _):
        before = await write_probes(pipeline, f"restart-{group}", range(0, 40))
        await eventually(
            lambda: pipeline.effect_counts(f"restart-{group}"),
            until=lambda c: len(c) == 40,
            what="first 40",
        )

        written: list[str] = []
        stop_writing = asyncio.Event()

        async def writer() -> None:
            seq = 40
            while not stop_writing.is_set():
                written.extend(
                    await write_probes(pipeline, f"restart-{group}", range(seq, seq + 5))
                )
                seq += 5
                await asyncio.sleep(0.05)

        # Tansu keeps topics in memory only, so the outage starts from a quiet broker (with
        # Apache Kafka, acknowledged events would also survive); then writing never pauses.
        await asyncio.to_thread(infra.stack.broker.stop)
        task = asyncio.create_task(writer())
        await asyncio.sleep(2)  # events keep committing to the outbox while the broker is away
        assert written, "the writer should have committed events during the outage"
        assert await relay.unpublished_count() > 0
        await asyncio.to_thread(infra.stack.restart_broker)
        await asyncio.sleep(1)
        stop_writing.set()
        await task

        expected = set(before) | set(written)
        counts = await eventually(
            lambda: pipeline.effect_counts(f"restart-{group}"),
            until=lambda c: set(c) == expected,
            timeout=90,
            what=f"all {len(expected)} events after restart",
        )
        assert set(counts.values()) == {1}
        assert await relay.unpublished_count() == 0


async def test_poison_events_go_to_the_dead_letter_topic_and_the_consumer_carries_on(
    pipeline, infra
):
    group = f"g-{uuid.uuid4().hex[:6]}"
    dlq = AIOKafkaConsumer(
        dlq_topic(Topic.PLATFORM.value),
        bootstrap_servers=infra.bootstrap,
        auto_offset_reset="earliest",  # the whole topic, filtered to this test's group below
        group_id=None,
    )
    await dlq.start()
    try:
        async with running(pipeline, infra, group=group) as (_, _, kafka):
            producer = kafka.producer()
            await producer.start()
            try:
                await producer.send_and_wait(Topic.PLATFORM.value, value=b"{not json", key=b"k")
                bad_payload = {
                    "specversion": "1.0",
                    "id": f"bad-{group}",
                    "source": "/t",
                    "type": ProbeSent.event_type,
                    "time": datetime.now(UTC).isoformat(),
                    "data": {"probe_id": "x"},
                }
                await producer.send_and_wait(
                    Topic.PLATFORM.value, value=json.dumps(bad_payload).encode(), key=b"k"
                )
            finally:
                await producer.stop()
            poison_ids = await write_probes(pipeline, f"poison-{group}", range(1))
            good_ids = await write_probes(pipeline, f"good-{group}", range(3))
            await eventually(
                lambda: pipeline.effect_counts(f"good-{group}"),
                until=lambda c: set(good_ids) <= set(c),
                what="good events applied",
            )

            letters: list[dict] = []

            async def read_dlq() -> list[dict]:
                batch = await dlq.getmany(timeout_ms=500)
                for records in batch.values():
                    letters.extend(json.loads(r.value) for r in records)
                return [x for x in letters if x["consumer_group"] == group]

            kinds = ("undecodable", "payload invalid", "this probe always fails")
            # at least once: a partition redelivered while the new group settles can
            # dead-letter the same record twice, so wait for each kind, not for a count
            mine = await eventually(
                read_dlq,
                until=lambda x: all(any(k in d["error"] for d in x) for k in kinds),
                what="3 kinds of dead letter",
            )
        errors = " | ".join(x["error"] for x in mine)
        assert "undecodable" in errors
        assert "payload invalid" in errors
        assert "this probe always fails" in errors
        assert any(poison_ids[0] in x["original"] for x in mine)
        assert all(x["topic"] == Topic.PLATFORM.value for x in mine)
        counts = await pipeline.effect_counts(f"poison-{group}")
        assert counts == {}
    finally:
        await dlq.stop()
