"""Batch handlers: a partition's run of events in one call, inside the inbox transaction."""

import asyncio
import json
import uuid
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any, ClassVar

import pytest
import sqlalchemy as sa
from aiokafka import AIOKafkaConsumer, ConsumerRecord

from cch_contracts import EventPayload, dlq_topic
from cch_contracts.events.platform import ProbeSent
from cch_contracts.topics import Topic
from cch_devstack.testing import eventually
from cch_messaging import EventConsumer, HandlerRegistry, KafkaSettings, OutboxRelay
from cch_messaging.relay import envelope, kafka_headers

pytestmark = pytest.mark.integration

TOPIC = Topic.PLATFORM.value


class NoteAdded(EventPayload):
    """A second event type for these tests only (kept out of the contracts registry)."""

    event_type: ClassVar[str] = "cch.test.note-added.v1"
    topic: ClassVar[str] = TOPIC
    text: str


class Deliveries:
    """Builds the records the broker would hand over for one partition."""

    def __init__(self) -> None:
        self.offset = 0
        self.prefix = uuid.uuid4().hex[:8]

    def record(
        self, payload: EventPayload, *, event_id: str | None = None, correlation: str | None = None
    ) -> ConsumerRecord[bytes, bytes]:
        row = SimpleNamespace(
            id=event_id or str(uuid.uuid4()),
            type=payload.event_type,
            created_at=datetime.now(UTC),
            aggregate_id="agg",
            payload=payload.model_dump(mode="json"),
            headers={"correlationid": correlation} if correlation else {},
        )
        value = envelope(row, source="/cch/test")
        self.offset += 1
        return ConsumerRecord(
            TOPIC, 0, self.offset, 0, 0, b"k", value, None, 1, len(value),
            tuple(kafka_headers(row, source="/cch/test")),
        )  # fmt: skip

    def probe(self, seq: int, **kw: Any) -> ConsumerRecord[bytes, bytes]:
        return self.record(
            ProbeSent(probe_id=f"{self.prefix}", sequence=seq, sent_at=datetime.now(UTC)), **kw
        )


def recording_registry(pipeline, calls: list[Any]) -> HandlerRegistry:
    """ProbeSent through a batch handler writing one multi-row insert; NoteAdded one by one."""
    registry = HandlerRegistry()

    @registry.on_batch(ProbeSent)
    async def apply_probes(uow, events: list[tuple[Any, ProbeSent]]) -> None:
        calls.append([p.sequence for _, p in events])
        if any(p.probe_id.startswith("poison") for _, p in events):
            raise ValueError("this probe always fails")
        await uow.session.execute(
            sa.insert(pipeline.effects),
            [{"event_id": e.id, "probe_id": p.probe_id, "sequence": p.sequence} for e, p in events],
        )

    @registry.on(NoteAdded)
    async def apply_note(uow, event, payload: NoteAdded) -> None:
        calls.append(payload.text)

    return registry


def direct_consumer(pipeline, infra, registry: HandlerRegistry) -> EventConsumer:
    return EventConsumer(
        group=f"g-{uuid.uuid4().hex[:6]}",
        registry=registry,
        uow_factory=pipeline.uow,
        kafka=KafkaSettings(bootstrap_servers=infra.bootstrap),
        topics=(TOPIC,),
    )


async def effect_sequences(pipeline, probe_id: str) -> list[int]:
    e = pipeline.effects
    async with pipeline.engine.connect() as conn:
        rows = await conn.execute(
            sa.select(e.c.sequence).where(e.c.probe_id == probe_id).order_by(e.c.id)
        )
        return [r[0] for r in rows]


async def test_consecutive_events_of_a_batch_type_reach_its_handler_together_in_order(
    pipeline, infra
):
    calls: list[Any] = []
    consumer = direct_consumer(pipeline, infra, recording_registry(pipeline, calls))
    d = Deliveries()
    batch = [
        d.probe(0),
        d.probe(1),
        d.record(NoteAdded(text="between")),
        d.probe(2),
        d.probe(3),
        d.probe(4),
    ]
    await consumer.process_batch(batch)
    assert calls == [[0, 1], "between", [2, 3, 4]]
    assert await effect_sequences(pipeline, d.prefix) == [0, 1, 2, 3, 4]


async def test_events_already_applied_are_filtered_out_before_the_batch_handler(pipeline, infra):
    calls: list[Any] = []
    consumer = direct_consumer(pipeline, infra, recording_registry(pipeline, calls))
    d = Deliveries()
    first = [d.probe(0), d.probe(1), d.probe(2)]
    await consumer.process_batch(first)
    again = d.probe(3)
    # a redelivery of 1 and 2, then 3 twice in the same batch, then 4
    await consumer.process_batch([first[1], first[2], again, again, d.probe(4)])
    assert calls == [[0, 1, 2], [3, 4]]
    assert await effect_sequences(pipeline, d.prefix) == [0, 1, 2, 3, 4]


async def test_a_per_event_handler_publishes_with_the_cause_of_its_event(pipeline, infra):
    registry = HandlerRegistry()

    @registry.on(ProbeSent)
    async def follow_on(uow, event, payload: ProbeSent) -> None:
        uow.publish(NoteAdded(text="x"), key="k", aggregate_type="note", aggregate_id="n")

    @registry.on_batch(NoteAdded)
    async def follow_on_batch(uow, events) -> None:
        for event, _ in events:
            uow.publish(
                ProbeSent(probe_id="follow", sequence=0, sent_at=datetime.now(UTC)),
                key="k",
                aggregate_type="probe",
                aggregate_id="p",
                caused_by=event,
            )

    consumer = direct_consumer(pipeline, infra, registry)
    d = Deliveries()
    probe = d.probe(0, correlation="corr-probe")
    notes = [d.record(NoteAdded(text="a"), correlation=f"corr-{n}") for n in ("a", "b")]
    await consumer.process_batch([probe, *notes])
    o = pipeline.outbox
    async with pipeline.engine.connect() as conn:
        rows = (await conn.execute(sa.select(o.c.type, o.c.headers).order_by(o.c.seq))).all()
    causes = [json.loads(r.value)["id"] for r in (probe, *notes)]
    assert [(r.type, r.headers["correlationid"], r.headers["causationid"]) for r in rows] == [
        (NoteAdded.event_type, "corr-probe", causes[0]),
        (ProbeSent.event_type, "corr-a", causes[1]),
        (ProbeSent.event_type, "corr-b", causes[2]),
    ]


async def test_a_failing_batch_is_retried_one_event_at_a_time_and_only_the_poison_is_dead_lettered(
    pipeline, infra
):
    group = f"g-{uuid.uuid4().hex[:6]}"
    kafka = KafkaSettings(
        bootstrap_servers=infra.bootstrap,
        client_id=group,
        ephemeral_broker=infra.stack.broker is not None,
    )
    calls: list[Any] = []
    relay = OutboxRelay(
        engine=pipeline.engine, outbox=pipeline.outbox, source="/cch/test", kafka=kafka
    )
    consumer = EventConsumer(
        group=group,
        registry=recording_registry(pipeline, calls),
        uow_factory=pipeline.uow,
        kafka=kafka,
        topics=(TOPIC,),
        retry_backoff_seconds=0.01,
        max_attempts=3,
    )
    dlq = AIOKafkaConsumer(
        dlq_topic(TOPIC), bootstrap_servers=infra.bootstrap, auto_offset_reset="earliest"
    )
    await dlq.start()
    tasks = [asyncio.create_task(relay.run()), asyncio.create_task(consumer.run())]
    try:
        async with pipeline.uow() as uow:  # one key: one partition, poison in the middle
            for probe_id, seq in (
                (f"good-{group}", 0),
                (f"poison-{group}", 1),
                (f"good-{group}", 2),
            ):
                uow.publish(
                    ProbeSent(probe_id=probe_id, sequence=seq, sent_at=datetime.now(UTC)),
                    key="same-patient",
                    aggregate_type="probe",
                    aggregate_id=probe_id,
                )
            await uow.commit()
        await eventually(
            lambda: effect_sequences(pipeline, f"good-{group}"),
            until=lambda s: sorted(s) == [0, 2],
            what="both good probes applied",
        )
        letters: list[dict[str, Any]] = []

        async def mine() -> list[dict[str, Any]]:
            for records in (await dlq.getmany(timeout_ms=300)).values():
                letters.extend(json.loads(r.value) for r in records)
            return [x for x in letters if x["consumer_group"] == group]

        # a rebalance while the group forms can redeliver it: a replayed dead letter is retried
        dead = await eventually(mine, until=lambda x: len(x) >= 1, what="a dead letter")
    finally:
        relay.stop()
        consumer.stop()
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await dlq.stop()
    assert all(f"poison-{group}" in x["original"] and x["attempts"] == 3 for x in dead)
    assert calls.count([1]) >= 3  # the poison alone, at least max_attempts times
    assert await effect_sequences(pipeline, f"good-{group}") == [0, 2]
