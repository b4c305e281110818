"""Outbox relay: claims unpublished rows with SKIP LOCKED, publishes with acks=all, marks them."""

import asyncio
import contextlib
import json
import logging
from datetime import timedelta
from typing import Any

import asyncpg
import sqlalchemy as sa
from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.ext.asyncio import AsyncEngine

from cch_contracts.topics import all_topics
from cch_messaging.kafka import KafkaSettings, cluster_id, ensure_topics
from cch_messaging.relay_wake import listen_locally, notify_channel
from cch_observability.metrics import OUTBOX_PUBLISH_FAILURES, OUTBOX_PUBLISHED

log = logging.getLogger("cch.relay")
_ASYNC_COMMIT = sa.text("SET LOCAL synchronous_commit TO off")


def envelope(row: Any, *, source: str) -> bytes:
    """The structured-mode CloudEvent the consumers read."""
    body: dict[str, Any] = {
        "specversion": "1.0",
        "id": str(row.id),
        "source": source,
        "type": row.type,
        "time": row.created_at.isoformat(),
        "subject": row.aggregate_id,
        "datacontenttype": "application/json",
        "data": row.payload,
    }
    for name in ("correlationid", "causationid"):
        if row.headers.get(name):
            body[name] = row.headers[name]
    return json.dumps(body, separators=(",", ":")).encode()


def kafka_headers(row: Any, *, source: str) -> list[tuple[str, bytes]]:
    """Opaque ids only: never patient data in headers."""
    headers = [
        ("ce_id", str(row.id).encode()),
        ("ce_type", row.type.encode()),
        ("ce_source", source.encode()),
        ("ce_specversion", b"1.0"),
    ]
    for name in ("traceparent", "correlationid"):
        if row.headers.get(name):
            headers.append((name, str(row.headers[name]).encode()))
    return headers


def _ids_param(ids: list[Any]) -> Any:
    """One array parameter, not one per id: the statement text is the same whatever the batch
    size, so Postgres prepares it once per connection."""
    return sa.bindparam("ids", ids, type_=ARRAY(UUID(as_uuid=True)))


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
        """Claim, send and mark one batch in one transaction; a failed send leaves rows unmarked."""
        o = self._outbox
        async with self._engine.connect() as conn, conn.begin():
            if self._kafka.ephemeral_broker:
                await self._check_cluster()
            rows = (
                await conn.execute(
                    sa.select(o)
                    .where(o.c.published_at.is_(None))
                    .order_by(o.c.seq)
                    .limit(self._batch_size)
                    .with_for_update(skip_locked=True)
                )
            ).all()
            if not rows:
                return 0
            try:
                futures = [
                    await producer.send(
                        row.topic,
                        value=envelope(row, source=self._source),
                        key=row.key.encode(),
                        headers=kafka_headers(row, source=self._source),
                    )
                    for row in rows
                ]
                await asyncio.gather(*futures)
            except (KafkaError, OSError, TimeoutError) as exc:
                await conn.rollback()
                await self._record_failure([r.id for r in rows], exc)
                raise
            # the mark need not wait for its own flush: if a crash loses it, the rows are
            # published again and every consumer's inbox drops the copies (at-least-once
            # already); the writers' commits and the consumers' then share fewer WAL flushes
            await conn.execute(_ASYNC_COMMIT)
            await conn.execute(
                sa.update(o)
                .where(o.c.id == sa.any_(_ids_param([r.id for r in rows])))
                .values(published_at=sa.func.clock_timestamp(), attempts=o.c.attempts + 1)
            )
        OUTBOX_PUBLISHED.labels(self._source).inc(len(rows))
        return len(rows)

    async def _check_cluster(self) -> None:
        """On a broker that forgets topics, make sure they exist on *this* incarnation first."""
        if self._admin is None:
            self._admin = self._kafka.admin()
            await self._admin.start()
        current = await cluster_id(self._admin)
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
