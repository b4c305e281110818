"""The relay's idle wait ends on a commit's wake-up, even one that arrives mid-send."""

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa

from cch_contracts.events.platform import ProbeSent
from cch_devstack.testing import eventually
from cch_messaging import KafkaSettings, OutboxRelay, outbox_table
from cch_messaging.relay_wake import notify_channel


class _RelayUnderTest(OutboxRelay):
    """The real run loop; the claim-and-send step is scripted, with no database or broker."""

    def __init__(self) -> None:
        super().__init__(
            engine=None,  # type: ignore[arg-type]  # never touched: the steps below stand in
            outbox=outbox_table(sa.MetaData(schema="relaytest")),
            source="/cch/test",
            kafka=KafkaSettings(bootstrap_servers="unused:9092"),
            idle_poll_seconds=3600.0,  # only a notification can end the idle wait
        )
        self.batches = 0
        self.second_batch = asyncio.Event()

    async def _listen(self) -> Any:
        return None

    async def _ensure_producer(self) -> Any:
        return object()

    async def _drop_producer(self) -> None:
        return None

    async def publish_batch(self, producer: Any) -> int:
        self.batches += 1
        if self.batches == 1:
            self._on_notify()  # another request commits while this batch is being sent
            return 1
        self.second_batch.set()
        self.stop()
        return 1


async def test_a_commit_notified_while_a_batch_is_sent_is_published_without_waiting():
    relay = _RelayUnderTest()
    task = asyncio.create_task(relay.run())
    try:
        # an hour-long idle poll: only the kept notification can bring the second batch
        await asyncio.wait_for(relay.second_batch.wait(), timeout=5)
    finally:
        relay.stop()
        await asyncio.wait_for(task, timeout=5)
    assert relay.batches == 2


async def test_consumer_fetch_wait_is_short_on_the_embedded_broker_only():
    embedded = KafkaSettings(bootstrap_servers="b:9092", ephemeral_broker=True)
    production = KafkaSettings(bootstrap_servers="b:9092")
    tuned = KafkaSettings(bootstrap_servers="b:9092", consumer_fetch_max_wait_ms=100)
    assert embedded.fetch_max_wait_ms <= 50
    assert production.fetch_max_wait_ms == 500
    assert tuned.fetch_max_wait_ms == 100
    assert embedded.consumer(group_id=None)._fetch_max_wait_ms <= 50
    # the producer has no such option: passing it on would fail to construct
    embedded.producer()


async def _listening(pipeline) -> tuple[Any, list[str]]:
    """A plain connection LISTENing on the pipeline's outbox channel, as another process's
    relay would."""
    import asyncpg

    heard: list[str] = []
    url = pipeline.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    conn = await asyncpg.connect(url)
    await conn.add_listener(notify_channel(pipeline.schema), lambda *a: heard.append(a[-1]))
    return conn, heard


async def _commit_probe(pipeline, probe_id: str) -> None:
    async with pipeline.uow() as uow:
        uow.publish(
            ProbeSent(probe_id=probe_id, sequence=0, sent_at=datetime.now(UTC)),
            key="k",
            aggregate_type="probe",
            aggregate_id=probe_id,
        )
        await uow.commit()


@pytest.mark.integration
async def test_a_commit_wakes_the_relay_of_its_own_process_without_a_notify(pipeline, infra):
    conn, heard = await _listening(pipeline)
    relay = OutboxRelay(
        engine=pipeline.engine,
        outbox=pipeline.outbox,
        source="/cch/test",
        kafka=KafkaSettings(bootstrap_servers=infra.bootstrap, ephemeral_broker=True),
        idle_poll_seconds=3600.0,  # only a wake-up can end the idle wait
    )
    task = asyncio.create_task(relay.run())
    try:
        await eventually(lambda: _true(relay.connected), what="relay connected")
        await _commit_probe(pipeline, "local-wake")
        await eventually(relay.unpublished_count, until=lambda n: n == 0, what="published")
    finally:
        relay.stop()
        await asyncio.wait_for(task, timeout=10)
        await conn.close()
    assert heard == []


@pytest.mark.integration
async def test_a_commit_notifies_relays_elsewhere_when_none_runs_in_its_process(pipeline):
    conn, heard = await _listening(pipeline)
    try:
        await _commit_probe(pipeline, "remote-wake")
        await eventually(lambda: _true(heard), what="a NOTIFY")
    finally:
        await conn.close()
    assert heard == ["1"]


async def _true(value: Any) -> bool:
    return bool(value)
