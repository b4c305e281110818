"""A poll's partitions apply side by side; only those whose transaction committed move on."""

import asyncio

import pytest
from aiokafka import ConsumerRecord, TopicPartition

from cch_messaging import EventConsumer, HandlerRegistry, KafkaSettings

TOPIC = "cch.test.v1"


def records(partition: int, offsets: range) -> list[ConsumerRecord[bytes, bytes]]:
    return [ConsumerRecord(TOPIC, partition, o, 0, 0, b"k", b"{}", None, 1, 2, ()) for o in offsets]


class _Commits:
    """Stands in for the Kafka consumer: records what was committed."""

    def __init__(self) -> None:
        self.committed: list[dict[TopicPartition, int]] = []

    async def commit(self, offsets: dict[TopicPartition, int]) -> None:
        self.committed.append(dict(offsets))


class _ScriptedConsumer(EventConsumer):
    """The real poll handling; each partition's batch does what the test scripts."""

    def __init__(self, apply) -> None:
        super().__init__(
            group="g",
            registry=HandlerRegistry(),
            uow_factory=lambda: None,  # type: ignore[arg-type,return-value]
            kafka=KafkaSettings(bootstrap_servers="unused:9092"),
            topics=(TOPIC,),
        )
        self._script = apply

    async def process_batch(self, batch: list[ConsumerRecord[bytes, bytes]]) -> None:
        await self._script(batch)


async def test_partitions_of_one_poll_are_applied_concurrently():
    second_started = asyncio.Event()

    async def apply(batch):
        if batch[0].partition == 0:
            # a slow transaction on partition 0 must not hold partition 1 back
            await asyncio.wait_for(second_started.wait(), timeout=5)
        else:
            second_started.set()

    consumer = _ScriptedConsumer(apply)
    commits = _Commits()
    batches = {
        TopicPartition(TOPIC, 0): records(0, range(3)),
        TopicPartition(TOPIC, 1): records(1, range(10, 12)),
    }
    await consumer._apply_partitions(commits, batches)  # type: ignore[arg-type]
    assert commits.committed == [{TopicPartition(TOPIC, 0): 3, TopicPartition(TOPIC, 1): 12}]


async def test_a_failed_partition_keeps_its_offset_and_the_others_move_on():
    applied: list[int] = []

    async def apply(batch):
        if batch[0].partition == 1:
            raise ConnectionError("database went away mid-batch")
        applied.extend(r.offset for r in batch)

    consumer = _ScriptedConsumer(apply)
    commits = _Commits()
    batches = {
        TopicPartition(TOPIC, 0): records(0, range(5)),
        TopicPartition(TOPIC, 1): records(1, range(7, 9)),
    }
    with pytest.raises(ConnectionError):
        await consumer._apply_partitions(commits, batches)  # type: ignore[arg-type]
    assert applied == [0, 1, 2, 3, 4]
    assert commits.committed == [{TopicPartition(TOPIC, 0): 5}]
