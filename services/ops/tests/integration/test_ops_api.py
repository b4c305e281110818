"""The ops API in-process against the real Postgres and broker."""

import json
import uuid
from datetime import UTC, datetime

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from cch_devstack.testing import service_app
from ops.main import create_app

pytestmark = pytest.mark.integration


async def test_ops_endpoints_need_the_ops_role(infra, token_for):
    async with service_app(infra, "ops", create_app) as client:
        assert (await client.get("/events")).status_code == 401
        clinician = {"authorization": f"Bearer {token_for('clinician')}"}
        assert (await client.get("/events", headers=clinician)).status_code == 403
        ops = {"authorization": f"Bearer {token_for('ops')}"}
        r = await client.get("/events", headers=ops, params={"limit": 5})
        assert r.status_code == 200 and "items" in r.json()
        bad = await client.get("/events", headers=ops, params={"limit": 0})
        assert bad.status_code == 422
        assert bad.headers["content-type"].startswith("application/problem+json")
        replay = await client.post(
            "/dead-letters/replay",
            headers=ops,
            json={"dlq_topic": "not-a-dlq", "partition": 0, "offset": 0},
        )
        assert replay.status_code == 422


async def test_ops_reads_a_dead_letter_and_replays_its_event(infra, token_for):
    """A dead letter as a consumer writes it (the original CloudEvent, why and where it failed)
    is listed with its event, and replay puts that event back on its own topic."""
    event_id = f"evt-{uuid.uuid4().hex}"
    original = json.dumps({"id": event_id, "type": "cch.dispatch.probe.v1", "data": {}})
    letter = {
        "topic": "cch.dispatch.v1",
        "consumer_group": "ops-test",
        "error": "ValueError: probe refused",
        "attempts": 3,
        "failed_at": datetime.now(UTC).isoformat(),
        "original": original,
    }
    producer = AIOKafkaProducer(bootstrap_servers=infra.bootstrap)
    await producer.start()
    try:
        sent = await producer.send_and_wait(
            "cch.dispatch.v1.dlq", json.dumps(letter).encode(), key=b"pk-test"
        )
    finally:
        await producer.stop()
    ops = {"authorization": f"Bearer {token_for('ops')}"}
    async with service_app(infra, "ops", create_app) as client:
        listed = await client.get("/dead-letters", headers=ops, params={"topic": "cch.dispatch.v1"})
        assert listed.status_code == 200, listed.text
        mine = [i for i in listed.json()["items"] if i["event_id"] == event_id]
        assert len(mine) == 1
        assert mine[0]["error"] == "ValueError: probe refused" and mine[0]["attempts"] == 3
        assert (mine[0]["dlq_partition"], mine[0]["dlq_offset"]) == (sent.partition, sent.offset)

        replayed = await client.post(
            "/dead-letters/replay",
            headers=ops,
            json={
                "dlq_topic": "cch.dispatch.v1.dlq",
                "partition": sent.partition,
                "offset": sent.offset,
            },
        )
        assert replayed.status_code == 200, replayed.text
        to = replayed.json()
    assert to["replayed_to"] == "cch.dispatch.v1"
    consumer = AIOKafkaConsumer(bootstrap_servers=infra.bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        tp = TopicPartition("cch.dispatch.v1", to["partition"])
        consumer.assign([tp])
        consumer.seek(tp, to["offset"])
        batch = await consumer.getmany(tp, timeout_ms=5000, max_records=1)
    finally:
        await consumer.stop()
    [record] = batch[tp]
    assert json.loads(record.value)["id"] == event_id
