"""Every event on the bus lands in the ops index once, with where it was read from."""

import uuid
from datetime import UTC, datetime

import pytest

from cch_contracts.events.platform import ProbeSent
from cch_devstack.testing import eventually, publish, service_app
from ops.main import create_app

pytestmark = pytest.mark.integration


async def test_each_event_is_indexed_once_with_its_topic_partition_and_offset(infra, token_for):
    probe = f"ops-index-{uuid.uuid4().hex[:8]}"
    ops = {"authorization": f"Bearer {token_for('ops')}"}
    async with service_app(infra, "ops", create_app) as client:
        ids = [
            await publish(
                infra,
                ProbeSent(probe_id=probe, sequence=seq, sent_at=datetime.now(UTC)),
                key=f"{probe}-{seq % 2}",
            )
            for seq in range(6)
        ]
        # the broker hands the first event over again: the index keeps one row for it
        await publish(
            infra,
            ProbeSent(probe_id=probe, sequence=0, sent_at=datetime.now(UTC)),
            key=f"{probe}-0",
            event_id=ids[0],
        )

        async def indexed() -> list[dict]:
            r = await client.get(
                "/events", headers=ops, params={"type": ProbeSent.event_type, "limit": 500}
            )
            assert r.status_code == 200
            return [e for e in r.json()["items"] if e["event_id"] in ids]

        entries = await eventually(indexed, until=lambda e: len(e) == 6, what="6 indexed")
    assert sorted(e["event_id"] for e in entries) == sorted(ids)
    assert {e["topic"] for e in entries} == {ProbeSent.topic}
    by_id = {e["event_id"]: e for e in entries}
    for key_parity in (0, 1):  # events with one key share a partition, in publish order
        same_key = [by_id[i] for i in ids[key_parity::2]]
        assert len({e["partition"] for e in same_key}) == 1
        offsets = [e["offset"] for e in same_key]
        assert offsets == sorted(offsets) and len(set(offsets)) == 3
    assert all(e["size_bytes"] > 0 for e in entries)
