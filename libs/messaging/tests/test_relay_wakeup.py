"""The relay's idle wait ends on a commit's NOTIFY, even one that arrives mid-send."""

import asyncio
from typing import Any

import sqlalchemy as sa

from cch_messaging import KafkaSettings, OutboxRelay, outbox_table


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
