"""Idempotent consumer: inbox row + effect in one transaction, offsets committed after it."""

import asyncio
import contextlib
import json
import logging
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.abc import ConsumerRebalanceListener
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError
from sqlalchemy.exc import InterfaceError, OperationalError

from cch_contracts import dlq_topic
from cch_messaging.batches import Decoded, decode, runs
from cch_messaging.handlers import BatchHandler, Handler, HandlerRegistry
from cch_messaging.kafka import KafkaSettings
from cch_messaging.kafka import cluster_id as broker_cluster_id
from cch_messaging.uow import MessagingUnitOfWork
from cch_observability.context import causation_id_var, correlation_id_var, traceparent_var
from cch_observability.metrics import EVENTS_CONSUMED, EVENTS_DEAD_LETTERED

log = logging.getLogger("cch.consumer")

_CLUSTER_CHECK_SECONDS = 1.0
_TRANSIENT = (OperationalError, InterfaceError, ConnectionError, OSError)

__all__ = ["BatchHandler", "EventConsumer", "Handler", "HandlerRegistry", "PoisonEvent"]


class PoisonEvent(Exception):
    """An event that can never be applied: it goes straight to the dead-letter topic."""


class _Rebalance(ConsumerRebalanceListener):  # type: ignore[misc]
    """A partition with no committed offset (new group, or a broker that lost its state) replays."""

    def __init__(self, consumer: AIOKafkaConsumer, owner: "EventConsumer") -> None:
        self._consumer = consumer
        self._owner = owner

    async def on_partitions_revoked(self, revoked: set[TopicPartition]) -> None:
        log.info("consumer: partitions revoked %s", sorted(str(tp) for tp in revoked))

    async def on_partitions_assigned(self, assigned: set[TopicPartition]) -> None:
        for tp in assigned:
            stale = self._owner.replay_pending(tp)
            if stale or await self._consumer.committed(tp) is None:
                await self._consumer.seek_to_beginning(tp)
                self._owner.mark_replayed(tp)
        log.info("consumer: partitions assigned %s", sorted(str(tp) for tp in assigned))


class EventConsumer:
    """Applies each event once per consumer group; failures retry, then go to `<topic>.dlq`."""

    def __init__(
        self,
        *,
        group: str,
        registry: HandlerRegistry,
        uow_factory: Callable[[], MessagingUnitOfWork],
        kafka: KafkaSettings,
        topics: tuple[str, ...] | None = None,
        max_attempts: int = 5,
        retry_backoff_seconds: float = 0.1,
        max_batch: int = 500,
        max_concurrent_partitions: int = 4,
    ) -> None:
        self.group = group
        self._registry = registry
        self._uow_factory = uow_factory
        self._kafka = kafka
        self._topics = topics or registry.topics
        self._max_attempts = max_attempts
        self._retry_backoff = retry_backoff_seconds
        self._max_batch = max_batch
        # each partition in flight holds a database connection for its transaction
        self._partition_slots = asyncio.Semaphore(max_concurrent_partitions)
        self._consumer: AIOKafkaConsumer | None = None
        self._dlq_producer: AIOKafkaProducer | None = None
        self._admin: AIOKafkaAdminClient | None = None
        self._stopping = False
        self.connected = False
        self._cluster_id: str | None = None
        self._cluster_checked = 0.0
        self._cluster_generation = 0
        self._replayed: dict[TopicPartition, int] = {}

    def replay_pending(self, tp: TopicPartition) -> bool:
        return self._cluster_generation > 0 and self._replayed.get(tp) != self._cluster_generation

    def mark_replayed(self, tp: TopicPartition) -> None:
        self._replayed[tp] = self._cluster_generation

    async def _check_cluster(self) -> None:
        """A different cluster id means a broker that lost its logs (Tansu is memory-only):
        offsets from before mean nothing there, so replay from the start; the inbox dedupes."""
        now = time.monotonic()
        if now - self._cluster_checked < _CLUSTER_CHECK_SECONDS or self._consumer is None:
            return
        self._cluster_checked = now
        try:
            if self._admin is None:  # kept between checks: a new client each second costs more
                self._admin = self._kafka.admin()
                await self._admin.start()
            cluster_id = await broker_cluster_id(self._admin, topic=self._topics[0])
        except (KafkaError, OSError, TimeoutError):
            await self._close_admin()
            return
        log.debug("consumer %s: cluster id %s (was %s)", self.group, cluster_id, self._cluster_id)
        if self._cluster_id is not None and cluster_id != self._cluster_id:
            log.warning("consumer %s: broker cluster changed; replaying from the start", self.group)
            self._cluster_generation += 1
            for tp in self._consumer.assignment():
                await self._consumer.seek_to_beginning(tp)
                self.mark_replayed(tp)
        self._cluster_id = cluster_id

    def stop(self) -> None:
        self._stopping = True

    async def run(self) -> None:
        if not self._topics:
            return
        backoff = 0.2
        while not self._stopping:
            try:
                await self._start()
                backoff = 0.2
                await self._loop()
            except (KafkaError, OSError, TimeoutError) as exc:
                log.warning("consumer %s: broker unavailable (%s); retrying", self.group, exc)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 10.0)
            except _TRANSIENT as exc:  # a batch met a database outage: re-read from the commits
                log.warning("consumer %s: database unavailable (%s); retrying", self.group, exc)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 10.0)
            finally:
                await self._close()

    async def _start(self) -> None:
        consumer = self._kafka.consumer(group_id=self.group)
        await consumer.start()
        self._consumer = consumer
        consumer.subscribe(list(self._topics), listener=_Rebalance(consumer, self))
        producer = self._kafka.producer()
        await producer.start()
        self._dlq_producer = producer
        self.connected = True

    async def _close_admin(self) -> None:
        admin, self._admin = self._admin, None
        if admin is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(admin.close(), 5)

    async def _close(self) -> None:
        self.connected = False
        await self._close_admin()
        for client in (self._consumer, self._dlq_producer):
            if client is not None:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(client.stop(), 10)
        self._consumer = None
        self._dlq_producer = None

    async def _loop(self) -> None:
        consumer = self._consumer
        assert consumer is not None
        while not self._stopping:
            await self._check_cluster()
            generation = self._cluster_generation
            batches = await consumer.getmany(timeout_ms=500, max_records=self._max_batch)
            await self._check_cluster()
            if generation != self._cluster_generation:
                continue  # fetched from a previous cluster's positions: refetch from the start
            if batches:
                await self._apply_partitions(consumer, batches)

    async def _apply_partitions(
        self,
        consumer: AIOKafkaConsumer,
        batches: dict[TopicPartition, list[ConsumerRecord[bytes, bytes]]],
    ) -> None:
        """Partitions are independent, so their batches apply concurrently, each in its own
        transaction (in order within the partition); offsets are committed for those that
        committed, and the first failure is raised afterwards (its partition is re-read)."""
        tps = list(batches)
        outcomes = await asyncio.gather(
            *(self._bounded(batches[tp]) for tp in tps), return_exceptions=True
        )
        done = {
            tp: batches[tp][-1].offset + 1
            for tp, outcome in zip(tps, outcomes, strict=True)
            if not isinstance(outcome, BaseException)
        }
        if done:
            try:
                await consumer.commit(done)
            except KafkaError as exc:  # redelivery is harmless: the inbox dedupes it
                log.warning(
                    "consumer %s: commit failed for %s (%s)",
                    self.group,
                    sorted(map(str, done)),
                    exc,
                )
        for outcome in outcomes:
            if isinstance(outcome, BaseException):
                raise outcome

    async def _bounded(self, records: list[ConsumerRecord[bytes, bytes]]) -> None:
        async with self._partition_slots:
            await self.process_batch(records)

    async def process_batch(self, records: list[ConsumerRecord[bytes, bytes]]) -> None:
        """Apply a partition's batch in one transaction; on failure fall back to one by one."""
        decoded = [decode(r, self._registry) for r in records]
        applicable = [d for d in decoded if d.registration is not None]
        if applicable and all(d.error is None for d in decoded):
            try:
                await self._apply(applicable)
                return
            except _TRANSIENT:
                raise
            except Exception as exc:
                log.info("consumer %s: batch failed (%s); retrying one by one", self.group, exc)
        for item in decoded:
            await self._process_one(item)

    async def _apply(self, items: list[Decoded]) -> None:
        """Claim the batch in the inbox, hand the new events to their handlers in partition
        order (consecutive ones for the same batch handler in one call), commit once."""
        async with self._uow_factory() as uow:
            fresh = await uow.claim_inbox(group=self.group, entries=[d.entry for d in items])
            new: list[Decoded] = []
            for item in items:
                assert item.event is not None
                if item.event.id in fresh:
                    fresh.discard(item.event.id)  # same id twice in one batch applies once
                    new.append(item)
            for run in runs(new):
                registration = run[0].registration
                assert registration is not None
                if registration.batch is None or len(run) == 1:
                    for item in run:
                        await self._apply_one(uow, item)
                else:
                    await self._apply_run(uow, registration.batch, run)
            await uow.commit()
        per_topic = Counter(item.record.topic for item in items)
        for topic, count in per_topic.items():
            EVENTS_CONSUMED.labels(self.group, topic).inc(count)

    async def _apply_one(self, uow: MessagingUnitOfWork, item: Decoded) -> None:
        """One event, with its correlation, causation and trace as the context of what the
        handler publishes."""
        assert item.event is not None and item.registration is not None
        tokens = (
            correlation_id_var.set(item.event.correlationid or item.event.id),
            causation_id_var.set(item.event.id),
            traceparent_var.set(_header(item.record, "traceparent")),
        )
        uow.current_record = item.record
        uow.current_records = [item.record]
        try:
            if item.registration.handler is not None:
                await item.registration.handler(uow, item.event, item.payload)
            else:
                assert item.registration.batch is not None
                await item.registration.batch(uow, [(item.event, item.payload)])
        finally:
            uow.current_record = None
            uow.current_records = []
            traceparent_var.reset(tokens[2])
            causation_id_var.reset(tokens[1])
            correlation_id_var.reset(tokens[0])

    async def _apply_run(
        self, uow: MessagingUnitOfWork, batch: BatchHandler, run: list[Decoded]
    ) -> None:
        """Several events in one call: no single event is the context, so what the handler
        publishes names its cause with `uow.publish(..., caused_by=event)`."""
        events = [(item.event, item.payload) for item in run if item.event is not None]
        uow.current_records = [item.record for item in run]
        try:
            await batch(uow, events)
        finally:
            uow.current_records = []

    async def _process_one(self, item: Decoded) -> None:
        if item.error is not None:
            await self._dead_letter(item, item.error, attempts=0)
            return
        if item.registration is None:
            return  # an event type this service does not act on
        attempt = 0
        while True:
            attempt += 1
            try:
                await self._apply([item])
                return
            except _TRANSIENT as exc:
                log.warning("consumer %s: database unavailable (%s); waiting", self.group, exc)
                await asyncio.sleep(min(self._retry_backoff * 2**attempt, 5.0))
                attempt = min(attempt, self._max_attempts - 1)
            except Exception as exc:
                if isinstance(exc, PoisonEvent) or attempt >= self._max_attempts:
                    await self._dead_letter(item, f"{type(exc).__name__}: {exc}", attempts=attempt)
                    return
                await asyncio.sleep(self._retry_backoff * 2 ** (attempt - 1))

    async def _dead_letter(self, item: Decoded, error: str, *, attempts: int) -> None:
        record = item.record
        body = {
            "error": error[:4000],
            "attempts": attempts,
            "consumer_group": self.group,
            "topic": record.topic,
            "partition": record.partition,
            "offset": record.offset,
            "failed_at": datetime.now(UTC).isoformat(),
            "original": (record.value or b"").decode("utf-8", errors="replace"),
        }
        headers = [(k, v) for k, v in (record.headers or ()) if k.startswith("ce_")]
        headers.append(("dlq_consumer_group", self.group.encode()))
        assert self._dlq_producer is not None
        await self._dlq_producer.send_and_wait(
            dlq_topic(record.topic),
            value=json.dumps(body).encode(),
            key=record.key,
            headers=headers,
        )
        EVENTS_DEAD_LETTERED.labels(self.group, record.topic).inc()
        log.error(
            "consumer %s: dead-lettered %s[%d]@%d after %d attempts",
            self.group,
            record.topic,
            record.partition,
            record.offset,
            attempts,
        )
        if item.event is not None:
            async with self._uow_factory() as uow:
                await uow.record_dead_letter(group=self.group, entry=item.entry)
                await uow.commit()


def _header(record: ConsumerRecord[bytes, bytes], name: str) -> str | None:
    for key, value in record.headers or ():
        if key == name:
            return str(value.decode(errors="replace"))
    return None
