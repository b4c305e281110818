"""Outbox relay: claims unpublished rows with SKIP LOCKED, publishes with acks=all, marks them."""

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import asyncpg
import sqlalchemy as sa
from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError, MessageSizeTooLargeError
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.ext.asyncio import AsyncEngine

from cch_contracts.topics import all_topics
from cch_messaging.envelopes import cloud_event, envelope, headers_for, kafka_headers, quote
from cch_messaging.kafka import KafkaSettings, cluster_id, ensure_topics, partition_for
from cch_messaging.relay_wake import listen_locally, notify_channel
from cch_observability.metrics import OUTBOX_PUBLISH_FAILURES, OUTBOX_PUBLISHED

log = logging.getLogger("cch.relay")

__all__ = ["OutboxRelay", "envelope", "kafka_headers"]  # envelope builders: see envelopes.py


def _ids_param(ids: list[Any]) -> Any:
    """One array parameter, not one per id: the statement text is the same whatever the batch
    size, so Postgres prepares it once per connection."""
    return sa.bindparam("ids", ids, type_=ARRAY(UUID(as_uuid=True)))


def _quoted(table: sa.Table) -> str:
    parts = [p for p in (table.schema, table.name) if p]
    return ".".join('"' + p.replace('"', '""') + '"' for p in parts)


def _claim_sql(outbox: sa.Table) -> str:
    """The oldest unpublished rows, locked (SKIP LOCKED: replicas share the work), with what the
    envelope needs: the payload as its JSON text and the context headers as text, so no row is
    decoded into Python objects only to be encoded again."""
    return (
        "SELECT id, type, topic, key, aggregate_id, created_at, payload::text AS data,"
        " headers->>'correlationid' AS correlationid, headers->>'causationid' AS causationid,"
        " headers->>'traceparent' AS traceparent"
        f" FROM {_quoted(outbox)} WHERE published_at IS NULL ORDER BY seq LIMIT $1"
        " FOR UPDATE SKIP LOCKED"
    )


def _mark_sql(outbox: sa.Table) -> str:
    """Mark a sent batch published, in one statement that also turns off the wait for this
    transaction's WAL flush: if a crash loses the mark, the rows are published again and every
    consumer's inbox drops the copies (at-least-once already), and the writers' and consumers'
    commits then share fewer flushes. set_config(..., true) lasts to the end of the transaction,
    as SET LOCAL does, without a round trip of its own."""
    return (
        f"UPDATE {_quoted(outbox)} SET published_at = clock_timestamp(), attempts = attempts + 1"
        " FROM (SELECT set_config('synchronous_commit', 'off', true)) AS async_commit(setting)"
        " WHERE id = ANY($1::uuid[]) AND async_commit.setting IS NOT NULL"
    )


class OutboxRelay:
    """Publishes one service's outbox; several replicas can run thanks to SKIP LOCKED."""

    def __init__(
        self,
        *,
        engine: AsyncEngine,
        outbox: sa.Table,
        source: str,
        kafka: KafkaSettings,
        batch_size: int = 500,
        idle_poll_seconds: float = 1.0,
        max_backoff_seconds: float = 10.0,
        retention: timedelta = timedelta(days=3),
    ) -> None:
        self._engine = engine
        self._outbox = outbox
        self._source = source
        self._kafka = kafka
        self._batch_size = batch_size
        self._idle_poll = idle_poll_seconds
        self._max_backoff = max_backoff_seconds
        self._retention = retention
        self._wake = asyncio.Event()
        self._marking: asyncio.Task[int] | None = None  # the sent batch whose mark is running
        self._source_json = quote(source)
        self._source_bytes = source.encode()
        self._probe_topic = min(all_topics())  # any topic: its metadata carries the cluster id
        self._claim = _claim_sql(outbox)
        self._mark = _mark_sql(outbox)
        self._producer: AIOKafkaProducer | None = None
        self._admin: AIOKafkaAdminClient | None = None
        self._cluster: str | None = None
        self.connected = False
        self._stopping = False

    async def run(self) -> None:
        """Loop until cancelled; while the broker is away, back off and keep rows unpublished."""
        listener = await self._listen()
        # commits in this process wake this relay directly (and skip their NOTIFY)
        unregister = listen_locally(
            notify_channel(self._outbox.schema or "public"), self._on_notify
        )
        backoff = 0.2
        cycles = 0
        try:
            while not self._stopping:
                try:
                    producer = await self._ensure_producer()
                    # cleared before claiming: a NOTIFY that arrives while this batch is being
                    # sent is for rows the claim did not see, so it must end the wait below
                    self._wake.clear()
                    sent = await self.publish_batch(producer)
                    backoff = 0.2
                    cycles += 1
                    if cycles % 600 == 0:
                        await self.purge_published()
                    if sent >= self._batch_size:
                        continue
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._wake.wait(), self._idle_poll)
                except (KafkaError, OSError, TimeoutError) as exc:
                    OUTBOX_PUBLISH_FAILURES.labels(self._source).inc()
                    log.warning("relay: broker unavailable (%s); retrying in %.1fs", exc, backoff)
                    await self._drop_producer()
                    await asyncio.sleep(backoff)
                    backoff = min(backoff * 2, self._max_backoff)
        finally:
            unregister()
            await self.settle()
            await self._drop_producer()
            if listener is not None:
                await listener.close()

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()

    def _on_notify(self, *_: Any) -> None:
        """A commit wrote outbox rows: end the idle wait."""
        self._wake.set()

    async def publish_batch(self, producer: AIOKafkaProducer) -> int:
        """Claim, send and mark one batch in one transaction; a failed send leaves rows unmarked.
        Returns once the batch's records are acknowledged: its mark and commit finish while
        the next batch is claimed (SKIP LOCKED keeps the rows still being marked out of that
        claim). The next batch is sent only after this one's acks, so a key's events still
        reach the broker in order; a mark that fails leaves rows that are sent again later,
        after what is already delivered, and consumers' inboxes drop the copies."""
        acked: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        batch = asyncio.create_task(self._publish(producer, acked))
        try:
            await asyncio.wait({acked, batch}, return_when=asyncio.FIRST_COMPLETED)
        except asyncio.CancelledError:
            batch.cancel()  # its transaction rolls back: the rows stay unpublished
            raise
        if not acked.done():  # nothing claimed, or the send failed
            return batch.result()
        previous, self._marking = self._marking, batch
        if previous is not None:  # at most one batch being marked behind the one sent
            await self._settled(previous)
        return acked.result()

    async def _publish(self, producer: AIOKafkaProducer, acked: asyncio.Future[int]) -> int:
        # the driver connection directly: claim and mark are two fixed statements (prepared
        # once per connection), and a claimed batch's rows are then asyncpg records, not ORM rows
        async with self._engine.connect() as pooled:
            conn: asyncpg.Connection = (await pooled.get_raw_connection()).driver_connection
            async with conn.transaction():
                claim = conn.fetch(self._claim, self._batch_size)
                if self._kafka.ephemeral_broker:  # checked while the claim is on its way
                    outcomes: tuple[Any, ...] = await asyncio.gather(
                        claim, self._check_cluster(), return_exceptions=True
                    )
                    for outcome in outcomes:  # both finished: the connection is free to roll back
                        if isinstance(outcome, BaseException):
                            raise outcome
                    rows = outcomes[0]
                else:
                    rows = await claim
                if not rows:
                    return 0
                try:
                    await self._send(producer, rows)
                except (KafkaError, OSError, TimeoutError) as exc:
                    failed = exc
                else:
                    failed = None
                    acked.set_result(len(rows))
                    await conn.execute(self._mark, [r["id"] for r in rows])
        if failed is not None:  # the claim's transaction has ended: its rows are free again
            await self._record_failure([r["id"] for r in rows], failed)
            raise failed
        OUTBOX_PUBLISHED.labels(self._source).inc(len(rows))
        return len(rows)

    @property
    def kafka(self) -> KafkaSettings:
        return self._kafka

    async def settle(self) -> None:
        """Wait until the last batch sent is marked, or its mark has failed."""
        marking, self._marking = self._marking, None
        if marking is not None:
            await self._settled(marking)

    async def _settled(self, marking: "asyncio.Task[int]") -> None:
        """Wait for a sent batch's mark; one that failed is only logged (see publish_batch)."""
        try:
            await asyncio.shield(marking)  # cancelling this relay does not cut a mark short
        except asyncio.CancelledError:
            if not marking.cancelled():
                raise  # this relay is being cancelled, not the mark
        except Exception as exc:
            log.warning("relay: marking a sent batch failed (%s); it will be sent again", exc)

    async def _send(self, producer: AIOKafkaProducer, rows: Sequence[Any]) -> None:
        """All of a batch's records go out as one record batch per partition, in claim (seq)
        order, and are awaited together: one delivery future per partition, not per record.
        Partitions are chosen exactly as the producer's default partitioner would (murmur2 of
        the key), so a key's events share a partition whoever publishes them."""
        partitions: dict[str, list[int]] = {}
        builders: dict[tuple[str, int], list[Any]] = {}
        source = self._source_json
        for row in rows:
            topic = row["topic"]
            known = partitions.get(topic)
            if known is None:
                known = partitions[topic] = sorted(await producer.partitions_for(topic))
            key = row["key"].encode()
            event_id = str(row["id"])
            value = cloud_event(
                event_id=event_id,
                event_type=row["type"],
                source_json=source,
                created_at=row["created_at"],
                subject=row["aggregate_id"],
                data_json=row["data"],
                correlationid=row["correlationid"],
                causationid=row["causationid"],
            )
            headers = headers_for(
                event_id, row["type"], self._source_bytes, row["traceparent"], row["correlationid"]
            )
            chain = builders.setdefault((topic, partition_for(key, known)), [])
            if (
                not chain
                or chain[-1].append(key=key, value=value, timestamp=None, headers=headers) is None
            ):
                builder = producer.create_batch()
                if builder.append(key=key, value=value, timestamp=None, headers=headers) is None:
                    raise MessageSizeTooLargeError(f"outbox event {event_id} is too large")
                chain.append(builder)
        deliveries = []
        for (topic, partition), chain in builders.items():
            for builder in chain:
                builder.close()  # complete: no linger, sent as soon as the partition is free
                deliveries.append(await producer.send_batch(builder, topic, partition=partition))
        await asyncio.gather(*deliveries)

    async def _check_cluster(self) -> None:
        """On a broker that forgets topics, make sure they exist on *this* incarnation first."""
        if self._admin is None:
            self._admin = self._kafka.admin()
            await self._admin.start()
        current = await cluster_id(self._admin, topic=self._probe_topic)
        if current != self._cluster:
            await ensure_topics(self._kafka, all_topics())
            self._cluster = current

    async def _record_failure(self, ids: list[Any], exc: BaseException) -> None:
        o = self._outbox
        with contextlib.suppress(Exception):
            async with self._engine.begin() as conn:
                await conn.execute(
                    sa.update(o)
                    .where(o.c.id == sa.any_(_ids_param(ids)))
                    .values(attempts=o.c.attempts + 1, last_error=type(exc).__name__)
                )

    async def purge_published(self) -> int:
        """Published rows are kept for a while for replay and audit, then removed."""
        o = self._outbox
        async with self._engine.begin() as conn:
            result = await conn.execute(
                sa.delete(o).where(
                    o.c.published_at
                    < sa.func.now()
                    - sa.text(f"interval '{int(self._retention.total_seconds())} seconds'")
                )
            )
        return int(result.rowcount or 0)

    async def unpublished_count(self) -> int:
        o = self._outbox
        async with self._engine.connect() as conn:
            result = await conn.execute(
                sa.select(sa.func.count()).select_from(o).where(o.c.published_at.is_(None))
            )
            return int(result.scalar_one())

    async def _ensure_producer(self) -> AIOKafkaProducer:
        if self._producer is None:
            producer = self._kafka.producer()
            try:
                await producer.start()
                await ensure_topics(self._kafka, all_topics())
            except BaseException:
                with contextlib.suppress(Exception):
                    await producer.stop()
                raise
            self._producer = producer
            self.connected = True
        return self._producer

    async def _drop_producer(self) -> None:
        producer, self._producer = self._producer, None
        admin, self._admin = self._admin, None
        self.connected = False
        if admin is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(admin.close(), 5)
        if producer is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(producer.stop(), 5)

    async def _listen(self) -> Any:
        """LISTEN for commits that wrote outbox rows, so publishing starts at once."""
        schema = self._outbox.schema or "public"
        dsn = self._engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        try:
            conn = await asyncpg.connect(dsn)
            await conn.add_listener(notify_channel(schema), self._on_notify)
        except Exception as exc:  # polling still works without notifications
            log.warning("relay: LISTEN unavailable (%s); polling only", exc)
            return None
        return conn
