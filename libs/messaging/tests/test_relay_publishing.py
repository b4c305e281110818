"""What the relay puts on the broker: exact envelopes, the default partitioner's partitions, each
key's events in order, and rows that stay unpublished until their mark commits."""

import json
import uuid
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from aiokafka import TopicPartition
from aiokafka.partitioner import DefaultPartitioner

from cch_contracts import CloudEvent
from cch_contracts.events.platform import ProbeSent
from cch_contracts.topics import Topic
from cch_messaging import KafkaSettings, OutboxRelay
from cch_messaging.kafka import partition_for
from cch_messaging.relay import envelope

TOPIC = Topic.PLATFORM.value


def test_an_envelope_is_byte_for_byte_what_json_dumps_gives_for_awkward_attributes():
    row = SimpleNamespace(
        id=uuid.uuid4(),
        type="cch.platform.probe.v1",
        created_at=datetime(2026, 11, 23, 13, 30, 1, 123456, tzinfo=UTC),
        aggregate_id='ward "7"\\bay é\n',
        payload={"probe_id": "p ü", "sequence": 3, "nested": {"a": [1, None, True]}},
        headers={"correlationid": 'corr"é', "causationid": "cause-1", "traceparent": "00-ab"},
    )
    expected = {
        "specversion": "1.0",
        "id": str(row.id),
        "source": '/cch/te"st',
        "type": row.type,
        "time": row.created_at.isoformat(),
        "subject": row.aggregate_id,
        "datacontenttype": "application/json",
        "data": row.payload,
        "correlationid": 'corr"é',
        "causationid": "cause-1",
    }
    value = envelope(row, source='/cch/te"st')
    assert value == json.dumps(expected, separators=(",", ":")).encode()
    event = CloudEvent.model_validate_json(value)
    assert (event.subject, event.correlationid, event.data) == (
        row.aggregate_id,
        'corr"é',
        row.payload,
    )


def test_an_envelope_leaves_out_context_it_does_not_have():
    row = SimpleNamespace(
        id=uuid.uuid4(),
        type="cch.platform.probe.v1",
        created_at=datetime.now(UTC),
        aggregate_id="agg",
        payload={"probe_id": "p"},
        headers={},
    )
    body = json.loads(envelope(row, source="/cch/test"))
    assert "correlationid" not in body and "causationid" not in body


@pytest.mark.parametrize("count", [1, 3, 7, 12])
def test_a_key_goes_to_the_partition_the_default_partitioner_picks(count):
    partitions = list(range(count))
    for n in range(500):
        key = f"patient-{n}".encode()
        assert partition_for(key, partitions) == DefaultPartitioner()(key, partitions, partitions)


# ---------------------------------------------------------------- against the real broker


async def _write(pipeline, probe_id: str, keys: list[str], *, first: int = 0) -> list[str]:
    ids = []
    async with pipeline.uow() as uow:
        for seq, key in enumerate(keys, start=first):
            event_id = uow.publish(
                ProbeSent(probe_id=probe_id, sequence=seq, sent_at=datetime.now(UTC)),
                key=key,
                aggregate_type="probe",
                aggregate_id=f"{probe_id}-{key}",
            )
            ids.append(str(event_id))
        await uow.commit()
    return ids


async def _read_back(kafka: KafkaSettings, probe_id: str, count: int) -> list[tuple[int, bytes]]:
    """(partition, value) of this probe's records, in each partition's order."""
    consumer = kafka.consumer(group_id=None)
    await consumer.start()
    try:
        await consumer.topics()
        tps = [TopicPartition(TOPIC, p) for p in sorted(consumer.partitions_for_topic(TOPIC))]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        found: list[tuple[int, bytes]] = []
        for _ in range(200):
            batches = await consumer.getmany(timeout_ms=200, max_records=5000)
            for records in batches.values():
                found += [
                    (r.partition, r.value)
                    for r in records
                    if r.value and probe_id.encode() in r.value
                ]
            if len(found) >= count:
                return found
        raise AssertionError(f"{len(found)} of {count} records found")
    finally:
        await consumer.stop()


def _relay(pipeline, infra, **kw) -> OutboxRelay:
    kafka = KafkaSettings(
        bootstrap_servers=infra.bootstrap,
        client_id="relaytest",
        ephemeral_broker=infra.stack.broker is not None,
    )
    return OutboxRelay(
        engine=pipeline.engine, outbox=pipeline.outbox, source="/cch/test", kafka=kafka, **kw
    )


@pytest.mark.integration
async def test_each_keys_events_arrive_in_commit_order_on_its_default_partition(pipeline, infra):
    probe_id = f"order-{uuid.uuid4().hex[:6]}"
    keys = [f"patient-{n % 13}" for n in range(300)]
    ids = await _write(pipeline, probe_id, keys[:120])  # two transactions
    ids += await _write(pipeline, probe_id, keys[120:], first=120)
    relay = _relay(pipeline, infra, batch_size=50)  # several batches, several record batches
    producer = relay.kafka.producer()
    await producer.start()
    try:
        while await relay.publish_batch(producer):
            pass
        await relay.settle()
        partitions = sorted(await producer.partitions_for(TOPIC))
    finally:
        await producer.stop()
    assert await relay.unpublished_count() == 0
    found = await _read_back(relay.kafka, probe_id, len(ids))
    events = [(partition, CloudEvent.model_validate_json(value)) for partition, value in found]
    assert sorted(e.id for _, e in events) == sorted(ids)
    for key in set(keys):
        mine = [(p, e) for p, e in events if e.subject == f"{probe_id}-{key}"]
        assert {p for p, _ in mine} == {partition_for(key.encode(), partitions)}
        sequences = [ProbeSent.model_validate(e.data).sequence for _, e in mine]
        assert sequences == sorted(sequences)  # the order they were committed in


@pytest.mark.integration
async def test_a_batch_whose_mark_fails_stays_unpublished_and_is_sent_again(pipeline, infra):
    probe_id = f"remark-{uuid.uuid4().hex[:6]}"
    ids = await _write(pipeline, probe_id, [f"patient-{n}" for n in range(20)])
    relay = _relay(pipeline, infra)
    working_mark = relay._mark
    relay._mark = "SELECT 1 / 0 WHERE $1::uuid[] IS NOT NULL"  # the database refuses the mark
    producer = relay.kafka.producer()
    await producer.start()
    try:
        assert await relay.publish_batch(producer) == 20  # sent and acknowledged
        await relay.settle()  # the failed mark is logged, not raised
        assert await relay.unpublished_count() == 20  # nothing is taken as published
        relay._mark = working_mark
        assert await relay.publish_batch(producer) == 20  # sent again, then marked
        await relay.settle()
    finally:
        await producer.stop()
    assert await relay.unpublished_count() == 0
    found = await _read_back(relay.kafka, probe_id, 40)
    delivered = [CloudEvent.model_validate_json(v).id for _, v in found]
    assert sorted(delivered) == sorted(ids + ids)  # at least once: consumers' inboxes dedupe
