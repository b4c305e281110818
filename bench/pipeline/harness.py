"""The real pipeline on a throwaway schema: writer, OutboxRelay and EventConsumer in one loop."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import asyncpg
import sqlalchemy as sa
from aiokafka import TopicPartition
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bench.pipeline.options import (
    FINAL_POLL_SECONDS,
    KEYS,
    POLL_SECONDS,
    SOURCE,
    TOPIC,
)
from cch_contracts.events.platform import ProbeSent
from cch_db import create_engine, session_factory
from cch_messaging import (
    EventConsumer,
    HandlerRegistry,
    KafkaSettings,
    MessagingUnitOfWork,
    OutboxRelay,
    inbox_table,
    outbox_table,
)
from cch_observability.context import correlation_id_var

# the real pipeline on a throwaway schema


@dataclass
class BenchSchema:
    schema: str
    writer_engine: AsyncEngine  # the API side of a service: writes state and its outbox rows
    service_engine: AsyncEngine  # what the relay and the consumer use
    outbox: sa.Table
    inbox: sa.Table
    effects: sa.Table
    writer_sessions: async_sessionmaker[AsyncSession] = field(init=False)
    service_sessions: async_sessionmaker[AsyncSession] = field(init=False)

    def __post_init__(self) -> None:
        self.writer_sessions = session_factory(self.writer_engine)
        self.service_sessions = session_factory(self.service_engine)

    def writer_uow(self) -> MessagingUnitOfWork:
        return MessagingUnitOfWork(self.writer_sessions, outbox=self.outbox, inbox=self.inbox)

    def service_uow(self) -> MessagingUnitOfWork:
        return MessagingUnitOfWork(self.service_sessions, outbox=self.outbox, inbox=self.inbox)

    poller: asyncpg.Connection | None = None  # one plain connection, so polling stays cheap

    async def effect_count(self, probe_id: str) -> int:
        if self.poller is None:
            url = self.service_engine.url.set(drivername="postgresql")
            self.poller = await asyncpg.connect(url.render_as_string(hide_password=False))
        count = await self.poller.fetchval(
            f'SELECT count(*) FROM "{self.schema}".effects WHERE probe_id = $1', probe_id
        )
        return int(count)


@asynccontextmanager
async def bench_schema(admin_url: str) -> AsyncIterator[BenchSchema]:
    """Outbox and inbox as every service's first migration makes them, plus an effect table."""
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    metadata = sa.MetaData(schema=schema)
    outbox = outbox_table(metadata)
    inbox = inbox_table(metadata)
    # the indexes create_messaging_tables() adds in the services' migrations
    sa.Index(
        "ix_outbox_unpublished", outbox.c.seq, postgresql_where=outbox.c.published_at.is_(None)
    )
    sa.Index("ix_outbox_published_at", outbox.c.published_at)
    effects = sa.Table(
        "effects",
        metadata,
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("event_id", sa.String(128), nullable=False),
        sa.Column("probe_id", sa.String(64), nullable=False),
        sa.Column("sequence", sa.Integer, nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=False),
    )
    sa.Index("ix_effects_probe", effects.c.probe_id)
    writer = create_engine(admin_url, schema=schema, pool_size=20, max_overflow=20)
    service = create_engine(admin_url, schema=schema)
    async with service.begin() as conn:
        await conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        await conn.run_sync(metadata.create_all)
    bs = BenchSchema(schema, writer, service, outbox, inbox, effects)
    try:
        yield bs
    finally:
        if bs.poller is not None:
            await bs.poller.close()
        await writer.dispose()
        with contextlib.suppress(Exception):
            async with service.begin() as conn:
                await conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        await service.dispose()


def registry_for(bs: BenchSchema, run_prefix: str, *, batched: bool) -> HandlerRegistry:
    """The consumer's effect: one multi-row insert per run of events (a batch handler), or one
    insert per event (a per-event handler), to show what each costs. Only this pipeline's
    probes (ids starting with `run_prefix`) count: the topic is shared with earlier runs."""
    mine_prefix = f"{run_prefix}-"
    registry = HandlerRegistry()
    if batched:
        insert_run = sa.text(
            f'INSERT INTO "{bs.schema}".effects (event_id, probe_id, sequence, sent_at, applied_at)'
            " SELECT e.event_id, e.probe_id, e.sequence, e.sent_at, clock_timestamp() FROM unnest("
            " CAST(:event_ids AS varchar[]), CAST(:probe_ids AS varchar[]),"
            " CAST(:sequences AS integer[]), CAST(:sent_ats AS timestamptz[]))"
            " AS e(event_id, probe_id, sequence, sent_at)"
        )

        @registry.on_batch(ProbeSent)
        async def apply_run(uow: MessagingUnitOfWork, events: list[tuple[Any, ProbeSent]]) -> None:
            mine = [(e, p) for e, p in events if p.probe_id.startswith(mine_prefix)]
            if not mine:
                return
            await uow.session.execute(
                insert_run,
                {
                    "event_ids": [e.id for e, _ in mine],
                    "probe_ids": [p.probe_id for _, p in mine],
                    "sequences": [p.sequence for _, p in mine],
                    "sent_ats": [p.sent_at for _, p in mine],
                },
            )

        return registry

    @registry.on(ProbeSent)
    async def apply(uow: MessagingUnitOfWork, event: Any, payload: ProbeSent) -> None:
        if not payload.probe_id.startswith(mine_prefix):
            return  # another run's event on the shared topic
        await uow.session.execute(
            sa.insert(bs.effects).values(
                event_id=event.id,
                probe_id=payload.probe_id,
                sequence=payload.sequence,
                sent_at=payload.sent_at,
                applied_at=sa.func.clock_timestamp(),
            )
        )

    return registry


async def pin_group_to_end(kafka: KafkaSettings, group: str, topic: str) -> dict[str, int]:
    """Commit the topic's end offsets for a new group, so it does not replay earlier runs'
    events (a group with no committed offset starts from the beginning)."""
    consumer = kafka.consumer(group_id=group)
    await consumer.start()
    try:
        await consumer.topics()
        parts = consumer.partitions_for_topic(topic) or set()
        tps = [TopicPartition(topic, p) for p in sorted(parts)]
        if not tps:
            return {}
        consumer.assign(tps)
        ends = await consumer.end_offsets(tps)
        await consumer.commit(dict(ends.items()))
        return {f"{tp.topic}[{tp.partition}]": off for tp, off in ends.items()}
    finally:
        await consumer.stop()


@dataclass
class Running:
    bs: BenchSchema
    relay: OutboxRelay
    consumer: EventConsumer
    group: str
    run_prefix: str

    def probe(self, label: str) -> str:
        return f"{self.run_prefix}-{label}"


@asynccontextmanager
async def running_pipeline(
    admin_url: str, kafka: KafkaSettings, *, label: str, batched: bool = True
) -> AsyncIterator[Running]:
    """A fresh schema, the real relay and a consumer in a new group; warmed up before yield."""
    run_prefix = f"{label}-{uuid.uuid4().hex[:6]}"
    group = f"bench-{run_prefix}"
    async with bench_schema(admin_url) as bs:
        await pin_group_to_end(kafka, group, TOPIC)
        relay = OutboxRelay(engine=bs.service_engine, outbox=bs.outbox, source=SOURCE, kafka=kafka)
        consumer = EventConsumer(
            group=group,
            registry=registry_for(bs, run_prefix, batched=batched),
            uow_factory=bs.service_uow,
            kafka=kafka,
            topics=(TOPIC,),
        )
        tasks = [
            asyncio.create_task(relay.run(), name="relay"),
            asyncio.create_task(consumer.run(), name="consumer"),
        ]
        run = Running(bs, relay, consumer, group, run_prefix)
        try:
            # warm-up: group joined, producer and pools connected, every partition flowing
            warm = run.probe("warmup")
            await write_events(bs, warm, range(60), per_txn=20)
            await wait_for_effects(bs, warm, 60, timeout_s=90, tasks=tasks)
            yield run
        finally:
            relay.stop()
            consumer.stop()
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)


async def write_events(
    bs: BenchSchema, probe_id: str, sequences: range | list[int], *, per_txn: int
) -> None:
    seqs = list(sequences)
    for start in range(0, len(seqs), per_txn):
        await commit_probes(bs, probe_id, seqs[start : start + per_txn])


async def commit_probes(bs: BenchSchema, probe_id: str, seqs: list[int]) -> None:
    token = correlation_id_var.set(str(uuid.uuid4()))  # as a request's middleware would
    try:
        async with bs.writer_uow() as uow:
            for seq in seqs:
                uow.publish(
                    ProbeSent(probe_id=probe_id, sequence=seq, sent_at=datetime.now(UTC)),
                    key=f"patient-{seq % KEYS}",
                    aggregate_type="probe",
                    aggregate_id=f"{probe_id}-{seq % KEYS}",
                )
            await uow.commit()
    finally:
        correlation_id_var.reset(token)


async def wait_for_effects(
    bs: BenchSchema,
    probe_id: str,
    target: int,
    *,
    timeout_s: float,
    tasks: list[asyncio.Task[Any]] | None = None,
    on_poll: Callable[[int], None] | None = None,
) -> float:
    """Poll the effect table until `target` effects are committed; returns perf_counter then."""
    deadline = time.perf_counter() + timeout_s
    last = -1
    while True:
        count = await bs.effect_count(probe_id)
        if on_poll:
            on_poll(count)
        if count >= target:
            return time.perf_counter()
        for t in tasks or ():
            if t.done():
                exc = t.exception() if not t.cancelled() else None
                raise RuntimeError(f"pipeline task {t.get_name()} ended early: {exc!r}")
        if time.perf_counter() > deadline:
            raise TimeoutError(
                f"{probe_id}: {count} of {target} effects after {timeout_s:.0f}s (last {last})"
            )
        last = count
        # near the end, look often: the poll interval would otherwise count as pipeline time
        await asyncio.sleep(FINAL_POLL_SECONDS if count >= 0.9 * target else POLL_SECONDS)


async def stage_times(bs: BenchSchema, probe_id: str, started_wall: datetime) -> dict[str, Any]:
    """When the last outbox row was published and the last effect applied (database clock)."""
    o, e = bs.outbox, bs.effects
    async with bs.service_engine.connect() as conn:
        published = (
            await conn.execute(
                sa.select(sa.func.max(o.c.published_at), sa.func.max(o.c.attempts)).where(
                    o.c.aggregate_id.startswith(probe_id)
                )
            )
        ).one()
        applied = (
            await conn.execute(
                sa.select(sa.func.max(e.c.applied_at), sa.func.count()).where(
                    e.c.probe_id == probe_id
                )
            )
        ).one()
        dupes = (
            await conn.execute(
                sa.select(sa.func.count() - sa.func.count(sa.distinct(e.c.event_id))).where(
                    e.c.probe_id == probe_id
                )
            )
        ).scalar_one()

    def rel(moment: datetime | None) -> float | None:
        return None if moment is None else round((moment - started_wall).total_seconds(), 3)

    return {
        "last_published_s": rel(published[0]),
        "max_publish_attempts": published[1],
        "last_applied_s": rel(applied[0]),
        "effects": applied[1],
        "duplicate_effects": dupes,
    }
