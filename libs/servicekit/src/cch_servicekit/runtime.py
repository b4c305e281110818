"""Everything a running service holds: engine, sessions, messaging, token verifier."""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from cch_auth import TokenVerifier
from cch_db import create_engine, session_factory
from cch_db.driver_pool import DriverPool
from cch_messaging import (
    EventConsumer,
    HandlerRegistry,
    KafkaSettings,
    MessagingUnitOfWork,
    OutboxRelay,
)
from cch_servicekit.settings import ServiceSettings

log = logging.getLogger("cch.runtime")


@dataclass
class Runtime:
    name: str
    settings: ServiceSettings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    outbox: sa.Table
    inbox: sa.Table
    kafka: KafkaSettings
    verifier: TokenVerifier
    driver: DriverPool  # for hot paths that are one statement each (cch_db.one_statement)
    relay: OutboxRelay | None = None
    consumer: EventConsumer | None = None
    tasks: list[asyncio.Task[Any]] = field(default_factory=list)
    extras: dict[str, Any] = field(default_factory=dict)

    def uow(self) -> MessagingUnitOfWork:
        return MessagingUnitOfWork(self.sessions, outbox=self.outbox, inbox=self.inbox)

    def spawn(self, name: str, coro: Awaitable[Any]) -> None:
        task: asyncio.Task[Any] = asyncio.ensure_future(coro)
        task.set_name(f"{self.name}:{name}")
        task.add_done_callback(_report_crash)
        self.tasks.append(task)

    async def stop(self) -> None:
        if self.relay:
            self.relay.stop()
        if self.consumer:
            self.consumer.stop()
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        self.tasks.clear()
        for resource in self.extras.values():
            closer = getattr(resource, "aclose", None)
            if closer is not None:
                await closer()
        await self.driver.close()
        await self.engine.dispose()


def _report_crash(task: asyncio.Task[Any]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("background task %s crashed", task.get_name(), exc_info=task.exception())


def build_runtime(
    *,
    name: str,
    settings: ServiceSettings,
    metadata: sa.MetaData,
    handlers: HandlerRegistry | None,
) -> Runtime:
    schema = metadata.schema or name
    engine = create_engine(settings.database_url, schema=schema, pool_size=settings.db_pool_size)
    kafka = KafkaSettings(
        bootstrap_servers=settings.kafka_bootstrap_servers,
        client_id=f"cch-{name}",
        enable_idempotence=settings.kafka_enable_idempotence,
        partitions=settings.kafka_partitions,
        ephemeral_broker=settings.kafka_ephemeral_broker,
        consumer_fetch_max_wait_ms=settings.kafka_consumer_fetch_max_wait_ms,
    )
    if not settings.auth_jwks_url and not settings.auth_jwks_file:
        raise RuntimeError("set AUTH_JWKS_URL or AUTH_JWKS_FILE: every endpoint needs a token")
    verifier = TokenVerifier(
        issuer=settings.auth_issuer,
        audience=settings.auth_audience,
        jwks_url=settings.auth_jwks_url,
        jwks_file=settings.auth_jwks_file,
    )
    runtime = Runtime(
        name=name,
        settings=settings,
        engine=engine,
        sessions=session_factory(engine),
        outbox=metadata.tables[f"{schema}.outbox"],
        inbox=metadata.tables[f"{schema}.inbox"],
        kafka=kafka,
        verifier=verifier,
        driver=DriverPool(settings.database_url, schema=schema, size=settings.db_pool_size),
    )
    if settings.run_relay:
        runtime.relay = OutboxRelay(
            engine=engine, outbox=runtime.outbox, source=f"/cch/{name}", kafka=kafka
        )
    if settings.run_consumer and handlers is not None and len(handlers):
        runtime.consumer = EventConsumer(
            group=name, registry=handlers, uow_factory=runtime.uow, kafka=kafka
        )
    return runtime


BackgroundJob = Callable[[Runtime], Awaitable[None]]
