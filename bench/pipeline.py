"""P3: committed state → outbox → broker → consumer effect committed, against raw aiokafka.

Everything runs on the one embedded Postgres and the one embedded broker that `python -m bench`
starts, and in this one Python process (one event loop): the writer, the real OutboxRelay and the
real EventConsumer, exactly as a service runs its API, relay and consumer together. The raw
baseline runs its producer and consumer in the same process too, on the same broker.

* raw:        AIOKafkaProducer (KafkaSettings.producer(): acks=all, linger 2 ms) sends N real
              cch.platform.probe.v1 envelopes to a fresh topic; an AIOKafkaConsumer reads them.
              events/s = N / (first send → last record consumed).
* pipeline:   a writer commits N ProbeSent events through MessagingUnitOfWork (100 per
              transaction, and 1 per transaction from several concurrent writers); the relay
              publishes them to cch.platform.v1; the consumer applies each into an effect table
              in the inbox transaction. events/s = N / (first commit starts → last effect
              committed), the end seen by polling the effect table.
* latency:    single-event transactions at a steady 1,000 events/s (open loop); each ProbeSent
              carries sent_at, the effect row records clock_timestamp() when it is applied;
              latency = applied_at - sent_at.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import math
import os
import statistics
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import asyncpg
import psutil
import sqlalchemy as sa
from aiokafka import TopicPartition
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bench.report import Metric
from cch_contracts.events.platform import ProbeSent
from cch_contracts.topics import Topic
from cch_db import create_engine, session_factory
from cch_messaging import (
    EventConsumer,
    HandlerRegistry,
    KafkaSettings,
    MessagingUnitOfWork,
    OutboxRelay,
    ensure_topics,
    inbox_table,
    outbox_table,
)
from cch_messaging.relay import envelope, kafka_headers
from cch_observability.context import correlation_id_var

log = logging.getLogger("bench.pipeline")

TOPIC = Topic.PLATFORM.value
SOURCE = "/cch/bench"
KEYS = 997  # distinct message keys (patients), spread over the topic's partitions
POLL_SECONDS = 0.05  # how often the effect table is polled for completion
RATIO_GOAL = 0.5
LATENCY_GOAL_S = 1.0


@dataclass(frozen=True)
class PipelineOptions:
    n: int = 20_000  # events for the raw baseline and the 100-per-transaction pipeline run
    txn_size: int = 100
    single_n: int = 5_000  # events for the 1-per-transaction run (slower: one commit each)
    single_writers: int = 8  # concurrent writers, like concurrent API requests
    latency_rate: float = 1_000.0
    latency_seconds: float = 20.0
    latency_writers: int = 32  # open-loop: enough writers that a slow commit does not hold up
    # the same at a rate the machine sustains, to separate the pipeline's own latency from
    # queueing behind a saturated consumer
    low_rate: float = 200.0
    low_rate_seconds: float = 10.0
    sporadic_pairs: int = 12  # pairs of events with a quiet spell after each (see below)
    timeout_s: float = 180.0  # for one run to drain

    @classmethod
    def for_mode(cls, *, quick: bool) -> PipelineOptions:
        if quick:
            return cls(
                n=5_000,
                single_n=2_000,
                latency_seconds=10.0,
                low_rate_seconds=5.0,
                sporadic_pairs=6,
                timeout_s=120.0,
            )
        return cls()


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile of already sorted values."""
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(q * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def _load() -> dict[str, float]:
    one, five, fifteen = os.getloadavg()
    return {"1m": round(one, 2), "5m": round(five, 2), "15m": round(fifteen, 2)}


# --------------------------------------------------------------------------------------------
# raw baseline


def probe_envelopes(n: int, *, probe_id: str) -> list[tuple[bytes, bytes, list[tuple[str, bytes]]]]:
    """(key, value, headers) exactly as the relay would publish n ProbeSent outbox rows."""
    out = []
    now = datetime.now(UTC)
    for seq in range(n):
        payload = ProbeSent(probe_id=probe_id, sequence=seq, sent_at=datetime.now(UTC))
        row = SimpleNamespace(
            id=uuid.uuid4(),
            type=ProbeSent.event_type,
            created_at=now,
            aggregate_id=f"{probe_id}-{seq % KEYS}",
            payload=payload.model_dump(mode="json"),
            headers={"correlationid": str(uuid.uuid4())},
        )
        out.append(
            (
                f"patient-{seq % KEYS}".encode(),
                envelope(row, source=SOURCE),
                kafka_headers(row, source=SOURCE),
            )
        )
    return out


async def raw_baseline(kafka: KafkaSettings, n: int, *, timeout_s: float) -> dict[str, Any]:
    topic = f"bench.raw.{uuid.uuid4().hex[:10]}"
    await ensure_topics(kafka, [topic])
    warm = probe_envelopes(100, probe_id="raw-warmup")
    messages = probe_envelopes(n, probe_id="raw")
    consumer = kafka.consumer(group_id=None)
    producer = kafka.producer()
    await consumer.start()
    await producer.start()
    try:
        await consumer.topics()  # metadata, so the fresh topic's partitions are known
        parts = consumer.partitions_for_topic(topic) or set(range(kafka.partitions))
        tps = [TopicPartition(topic, p) for p in sorted(parts)]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)

        async def consume(count: int) -> float:
            got = 0
            while got < count:
                batches = await consumer.getmany(timeout_ms=500, max_records=500)
                got += sum(len(records) for records in batches.values())
            return time.perf_counter()

        async def produce(items: list[tuple[bytes, bytes, list[tuple[str, bytes]]]]) -> float:
            futures = [
                await producer.send(topic, value=value, key=key, headers=headers)
                for key, value, headers in items
            ]
            await asyncio.gather(*futures)
            return time.perf_counter()

        # warm up connections and metadata on both sides
        await asyncio.wait_for(asyncio.gather(produce(warm), consume(len(warm))), timeout_s)
        t0 = time.perf_counter()
        produced_at, consumed_at = await asyncio.wait_for(
            asyncio.gather(produce(messages), consume(n)), timeout_s
        )
    finally:
        await producer.stop()
        await consumer.stop()
    elapsed = consumed_at - t0
    return {
        "topic": topic,
        "partitions": len(tps),
        "events": n,
        "envelope_bytes": round(statistics.fmean(len(v) for _, v, _ in messages)),
        "produce_seconds": round(produced_at - t0, 3),
        "seconds": round(elapsed, 3),
        "events_per_s": round(n / elapsed, 1),
    }


# --------------------------------------------------------------------------------------------
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


def registry_for(bs: BenchSchema, probe_ids: set[str]) -> HandlerRegistry:
    registry = HandlerRegistry()

    @registry.on(ProbeSent)
    async def apply(uow: MessagingUnitOfWork, event: Any, payload: ProbeSent) -> None:
        if payload.probe_id not in probe_ids:
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
    admin_url: str, kafka: KafkaSettings, *, label: str
) -> AsyncIterator[Running]:
    """A fresh schema, the real relay and a consumer in a new group; warmed up before yield."""
    run_prefix = f"{label}-{uuid.uuid4().hex[:6]}"
    group = f"bench-{run_prefix}"
    probe_ids = {f"{run_prefix}-{x}" for x in ("warmup", "run")}
    async with bench_schema(admin_url) as bs:
        await pin_group_to_end(kafka, group, TOPIC)
        relay = OutboxRelay(engine=bs.service_engine, outbox=bs.outbox, source=SOURCE, kafka=kafka)
        consumer = EventConsumer(
            group=group,
            registry=registry_for(bs, probe_ids),
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
        await _commit(bs, probe_id, seqs[start : start + per_txn])


async def _commit(bs: BenchSchema, probe_id: str, seqs: list[int]) -> None:
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
        await asyncio.sleep(POLL_SECONDS)


async def _stage_times(bs: BenchSchema, probe_id: str, started_wall: datetime) -> dict[str, Any]:
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


async def pipeline_throughput(
    admin_url: str,
    kafka: KafkaSettings,
    *,
    n: int,
    per_txn: int,
    writers: int,
    timeout_s: float,
) -> dict[str, Any]:
    label = f"tput{per_txn}"
    async with running_pipeline(admin_url, kafka, label=label) as run:
        probe = run.probe("run")
        seqs = iter(range(n))
        chunks = [list(itertools.islice(seqs, per_txn)) for _ in range(math.ceil(n / per_txn))]
        queue = iter(chunks)
        writer_done: list[float] = []

        async def writer() -> None:
            for chunk in queue:  # shared iterator: each writer takes the next transaction
                await _commit(run.bs, probe, chunk)
            writer_done.append(time.perf_counter())

        started_wall = datetime.now(UTC)
        t0 = time.perf_counter()
        writing = [asyncio.create_task(writer()) for _ in range(writers)]
        end = await wait_for_effects(run.bs, probe, n, timeout_s=timeout_s)
        await asyncio.gather(*writing)
        stages = await _stage_times(run.bs, probe, started_wall)
    elapsed = end - t0
    write_s = max(writer_done) - t0
    return {
        "events": n,
        "events_per_transaction": per_txn,
        "transactions": len(chunks),
        "concurrent_writers": writers,
        "seconds": round(elapsed, 3),
        "events_per_s": round(n / elapsed, 1),
        "writer_seconds": round(write_s, 3),
        "writer_events_per_s": round(n / write_s, 1),
        "stages_s_from_start": {"writer_committed_all": round(write_s, 3), **stages},
        "consumer_group": run.group,
        "relay_batch_size": 500,
        "consumer_max_batch": 500,
    }


async def pipeline_latency(
    admin_url: str,
    kafka: KafkaSettings,
    *,
    rate: float,
    seconds: float,
    writers: int,
    timeout_s: float,
) -> dict[str, Any]:
    total = int(rate * seconds)
    async with running_pipeline(admin_url, kafka, label="latency") as run:
        probe = run.probe("run")
        loop = asyncio.get_running_loop()
        counter = itertools.count()
        lag: list[float] = []
        t0 = loop.time() + 0.05

        async def writer() -> None:
            while (i := next(counter)) < total:
                due = t0 + i / rate
                delay = due - loop.time()
                if delay > 0:
                    await asyncio.sleep(delay)
                lag.append(loop.time() - due)
                await _commit(run.bs, probe, [i])

        load_before = _load()
        await asyncio.gather(*(writer() for _ in range(writers)))
        await wait_for_effects(run.bs, probe, total, timeout_s=timeout_s)
        load_after = _load()
        rows = await _latency_rows(run.bs, probe)
    return _latency_summary(rows, lag, rate=rate, seconds=seconds, writers=writers) | {
        "load_average_before": load_before,
        "load_average_after": load_after,
    }


async def _latency_rows(bs: BenchSchema, probe_id: str) -> list[tuple[float, float, float]]:
    """(sent_at epoch, end-to-end seconds, sent → published seconds) for each effect."""
    e, o = bs.effects, bs.outbox
    async with bs.service_engine.connect() as conn:
        result = await conn.execute(
            sa.select(
                sa.func.extract("epoch", e.c.sent_at),
                sa.func.extract("epoch", e.c.applied_at - e.c.sent_at),
                sa.func.extract("epoch", o.c.published_at - e.c.sent_at),
            )
            .select_from(e.join(o, o.c.id == sa.cast(e.c.event_id, UUID(as_uuid=True))))
            .where(e.c.probe_id == probe_id)
            .order_by(e.c.sent_at)
        )
        return [(float(a), float(b), float(c)) for a, b, c in result]


def _latency_summary(
    rows: list[tuple[float, float, float]],
    lag: list[float],
    *,
    rate: float,
    seconds: float,
    writers: int,
) -> dict[str, Any]:
    e2e = sorted(r[1] for r in rows)
    relay = sorted(r[2] for r in rows)
    consume = sorted(r[1] - r[2] for r in rows)
    lag_sorted = sorted(lag)
    span = rows[-1][0] - rows[0][0] if len(rows) > 1 else math.nan

    def pct(values: list[float]) -> dict[str, float]:
        return {
            "p50": round(percentile(values, 0.50), 4),
            "p95": round(percentile(values, 0.95), 4),
            "p99": round(percentile(values, 0.99), 4),
            "max": round(values[-1], 4) if values else math.nan,
        }

    # p99 for each second of the run: shows whether the tail is steady or comes in bursts
    per_second: dict[int, list[float]] = {}
    start = rows[0][0] if rows else 0.0
    for sent, lat, _ in rows:
        per_second.setdefault(int(sent - start), []).append(lat)
    timeline = [
        {
            "second": s,
            "events": len(v),
            "p50": round(percentile(sorted(v), 0.5), 4),
            "p99": round(percentile(sorted(v), 0.99), 4),
        }
        for s, v in sorted(per_second.items())
    ]
    return {
        "target_events_per_s": rate,
        "target_seconds": seconds,
        "events": len(rows),
        "events_per_transaction": 1,
        "concurrent_writers": writers,
        "achieved_events_per_s": round((len(rows) - 1) / span, 1) if span > 0 else math.nan,
        "end_to_end_s": pct(e2e),
        "sent_to_published_s": pct(relay),
        "published_to_applied_s": pct(consume),
        "writer_lag_behind_schedule_s": pct(lag_sorted),
        "per_second": timeline,
    }


# --------------------------------------------------------------------------------------------


async def pipeline_sporadic(
    admin_url: str, kafka: KafkaSettings, *, pairs: int, gap_s: float = 1.2, timeout_s: float
) -> dict[str, Any]:
    """Light, bursty traffic: two single-event commits 0-14 ms apart, then quiet for longer than
    the relay's idle poll. A commit that lands while the relay is publishing the previous one
    must still be published at once (its NOTIFY must not be lost)."""
    async with running_pipeline(admin_url, kafka, label="sporadic") as run:
        probe = run.probe("run")
        for pair in range(pairs):
            await _commit(run.bs, probe, [2 * pair])
            await asyncio.sleep((pair % 8) * 0.002)
            await _commit(run.bs, probe, [2 * pair + 1])
            await asyncio.sleep(gap_s)
        await wait_for_effects(run.bs, probe, 2 * pairs, timeout_s=timeout_s)
        rows = await _latency_rows(run.bs, probe)
    e2e = sorted(r[1] for r in rows)
    published = sorted(r[2] for r in rows)
    slow = [r for r in rows if r[2] >= 0.5]
    return {
        "pairs": pairs,
        "events": len(rows),
        "quiet_between_pairs_s": gap_s,
        "relay_idle_poll_s": 1.0,
        "end_to_end_s": {
            "p50": round(percentile(e2e, 0.5), 4),
            "max": round(e2e[-1], 4) if e2e else math.nan,
        },
        "sent_to_published_s": {
            "p50": round(percentile(published, 0.5), 4),
            "max": round(published[-1], 4) if published else math.nan,
        },
        "events_published_after_500ms": len(slow),
    }


class CpuMeter:
    """CPU time of this process, Postgres (postmaster, backends, including exited ones) and the
    broker, so each run can say which of them used the two cores."""

    def __init__(self, pids: dict[str, int] | None = None) -> None:
        self._pids = dict(pids or {})

    def _seconds(self, pid: int) -> float:
        try:
            proc = psutil.Process(pid)
            t = proc.cpu_times()
            total = t.user + t.system + t.children_user + t.children_system
            for child in proc.children(recursive=True):
                with contextlib.suppress(psutil.Error):
                    ct = child.cpu_times()
                    total += ct.user + ct.system
            return total
        except psutil.Error:
            return math.nan

    def snapshot(self) -> dict[str, float]:
        snap = {"wall": time.perf_counter(), "bench_python": time.process_time()}
        snap |= {name: self._seconds(pid) for name, pid in self._pids.items()}
        t = psutil.cpu_times()
        snap["machine"] = sum(t) - t.idle - getattr(t, "iowait", 0.0)
        return snap

    @staticmethod
    def cores_used(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
        """Cores busy on average: this process, Postgres, the broker, everything else."""
        wall = after["wall"] - before["wall"]
        if wall <= 0:
            return {}
        used = {k: (after[k] - before[k]) / wall for k in before if k != "wall"}
        machine = used.pop("machine")
        used["other"] = max(0.0, machine - sum(used.values()))
        return {k: round(v, 2) for k, v in used.items()}


async def _measured(
    out: dict[str, Any], key: str, meter: CpuMeter, coro: Awaitable[dict[str, Any]]
) -> None:
    """Run one sub-benchmark; record its result with CPU use, or its error, and carry on."""
    before = meter.snapshot()
    try:
        result = await coro
    except Exception as exc:
        log.exception("pipeline: %s failed", key)
        out.setdefault("errors", {})[key] = f"{type(exc).__name__}: {exc}"
        return
    result["cpu_cores_used"] = CpuMeter.cores_used(before, meter.snapshot())
    out[key] = result


async def _run(
    admin_url: str, bootstrap: str, opts: PipelineOptions, pids: dict[str, int] | None
) -> dict[str, Any]:
    kafka = KafkaSettings(bootstrap_servers=bootstrap, client_id="cch-bench", ephemeral_broker=True)
    await ensure_topics(kafka, [TOPIC])
    meter = CpuMeter(pids)
    out: dict[str, Any] = {
        "options": opts.__dict__,
        "cpus": os.cpu_count(),
        "note": (
            f"{os.cpu_count()} CPU cores shared by everything: the writer, relay and consumer "
            "(one Python process, one event loop, as a service runs its API, relay and "
            "consumer), Postgres (fsync=on, synchronous_commit=on) and the Tansu broker (memory "
            "storage); cpu_cores_used says who used them; figures also move with whatever else "
            "the machine runs (see load averages)."
        ),
        "load_average_start": _load(),
    }
    log.info("pipeline: raw aiokafka baseline, %d events", opts.n)
    await _measured(out, "raw", meter, raw_baseline(kafka, opts.n, timeout_s=opts.timeout_s))
    log.info("pipeline: %d events, %d per transaction", opts.n, opts.txn_size)
    await _measured(
        out,
        "pipeline_batched",
        meter,
        pipeline_throughput(
            admin_url, kafka, n=opts.n, per_txn=opts.txn_size, writers=1, timeout_s=opts.timeout_s
        ),
    )
    log.info(
        "pipeline: %d events, 1 per transaction, %d writers", opts.single_n, opts.single_writers
    )
    await _measured(
        out,
        "pipeline_single",
        meter,
        pipeline_throughput(
            admin_url,
            kafka,
            n=opts.single_n,
            per_txn=1,
            writers=opts.single_writers,
            timeout_s=opts.timeout_s,
        ),
    )
    for key, rate, seconds in (
        ("latency", opts.latency_rate, opts.latency_seconds),
        ("latency_low_rate", opts.low_rate, opts.low_rate_seconds),
    ):
        log.info("pipeline: latency at %.0f events/s for %.0fs", rate, seconds)
        await _measured(
            out,
            key,
            meter,
            pipeline_latency(
                admin_url,
                kafka,
                rate=rate,
                seconds=seconds,
                writers=opts.latency_writers,
                timeout_s=opts.timeout_s,
            ),
        )
    log.info("pipeline: %d sporadic pairs of events", opts.sporadic_pairs)
    await _measured(
        out,
        "sporadic",
        meter,
        pipeline_sporadic(admin_url, kafka, pairs=opts.sporadic_pairs, timeout_s=opts.timeout_s),
    )
    out["load_average_end"] = _load()
    raw = out.get("raw", {}).get("events_per_s")
    for key in ("pipeline_batched", "pipeline_single"):
        if raw and key in out:
            out[key]["ratio_to_raw"] = round(out[key]["events_per_s"] / raw, 3)
    return out


def run(
    admin_url: str, bootstrap: str, *, quick: bool, pids: dict[str, int] | None = None
) -> dict[str, Any]:
    return asyncio.run(_run(admin_url, bootstrap, PipelineOptions.for_mode(quick=quick), pids))


def _cpu(r: dict[str, Any]) -> str:
    cpu = r.get("cpu_cores_used") or {}
    names = {"bench_python": "python", "postgres": "pg", "broker": "broker", "other": "other"}
    return " ".join(f"{names.get(k, k)} {v:.2f}" for k, v in cpu.items())


def metrics(result: dict[str, Any]) -> list[Metric]:
    g = "pipeline (P3)"
    goal_ratio = f">= {RATIO_GOAL:.0%} of raw"
    goal_p99 = f"< {LATENCY_GOAL_S:g} s"
    out: list[Metric] = []
    for key, error in (result.get("errors") or {}).items():
        out.append(Metric(f"{key}: FAILED", error.splitlines()[0][:70], group=g))
    raw = result.get("raw")
    if raw:
        out.append(
            Metric(
                f"raw aiokafka produce+consume ({raw['events']:,} ev)",
                raw["events_per_s"],
                "events/s",
                group=g,
            )
        )
    for key in ("pipeline_batched", "pipeline_single"):
        r = result.get(key)
        if not r:
            continue
        per_txn = r["events_per_transaction"]
        writers = r["concurrent_writers"]
        who = f"{writers} writer{'s' if writers > 1 else ''}"
        out.append(
            Metric(
                f"pipeline, {per_txn} ev/txn, {who} ({r['events']:,} ev)",
                r["events_per_s"],
                "events/s",
                group=g,
            )
        )
        if "ratio_to_raw" in r:
            out.append(
                Metric(
                    f"  ratio pipeline/raw ({per_txn} ev/txn)",
                    round(r["ratio_to_raw"] * 100, 1),
                    "%",
                    goal_ratio,
                    r["ratio_to_raw"] >= RATIO_GOAL,
                    group=g,
                )
            )
        out.append(Metric("  CPU cores used", _cpu(r), "cores", group=g))
    lat = result.get("latency")
    if lat:
        e2e = lat["end_to_end_s"]
        out += [
            Metric(
                f"latency run: achieved rate (target {lat['target_events_per_s']:,.0f}/s, "
                f"{lat['target_seconds']:g} s, 1 ev/txn)",
                lat["achieved_events_per_s"],
                "events/s",
                f">= {lat['target_events_per_s'] * 0.95:,.0f}/s",
                lat["achieved_events_per_s"] >= lat["target_events_per_s"] * 0.95,
                group=g,
            ),
            Metric("  end-to-end latency p50", e2e["p50"] * 1000, "ms", group=g),
            Metric("  end-to-end latency p95", e2e["p95"] * 1000, "ms", group=g),
            Metric(
                "  end-to-end latency p99",
                e2e["p99"] * 1000,
                "ms",
                goal_p99,
                e2e["p99"] < LATENCY_GOAL_S,
                group=g,
            ),
            Metric("  end-to-end latency max", e2e["max"] * 1000, "ms", group=g),
            Metric(
                "  of which commit -> published p99",
                lat["sent_to_published_s"]["p99"] * 1000,
                "ms",
                group=g,
            ),
            Metric(
                "  of which published -> applied p99",
                lat["published_to_applied_s"]["p99"] * 1000,
                "ms",
                group=g,
            ),
            Metric("  CPU cores used", _cpu(lat), "cores", group=g),
        ]
    low = result.get("latency_low_rate")
    if low:
        e2e = low["end_to_end_s"]
        out += [
            Metric(
                f"latency run at {low['target_events_per_s']:,.0f}/s ({low['target_seconds']:g} s):"
                " achieved",
                low["achieved_events_per_s"],
                "events/s",
                group=g,
            ),
            Metric("  end-to-end latency p50", e2e["p50"] * 1000, "ms", group=g),
            Metric(
                "  end-to-end latency p99",
                e2e["p99"] * 1000,
                "ms",
                goal_p99,
                e2e["p99"] < LATENCY_GOAL_S,
                group=g,
            ),
            Metric("  end-to-end latency max", e2e["max"] * 1000, "ms", group=g),
            Metric(
                "  of which published -> applied p50",
                low["published_to_applied_s"]["p50"] * 1000,
                "ms",
                group=g,
            ),
        ]
    spo = result.get("sporadic")
    if spo:
        out += [
            Metric(
                f"sporadic pairs ({spo['pairs']} pairs, 0-14 ms apart): end-to-end max",
                spo["end_to_end_s"]["max"] * 1000,
                "ms",
                goal_p99,
                spo["end_to_end_s"]["max"] < LATENCY_GOAL_S,
                group=g,
            ),
            Metric(
                "  events that waited >= 500 ms for the relay",
                f"{spo['events_published_after_500ms']} of {spo['events']}",
                group=g,
            ),
        ]
    return out
