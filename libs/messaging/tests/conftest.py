"""A throwaway schema with outbox, inbox and an effect table, on the session's real Postgres."""

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from cch_db import create_engine, session_factory
from cch_messaging import MessagingUnitOfWork, inbox_table, outbox_table


@dataclass
class Pipeline:
    schema: str
    engine: AsyncEngine
    metadata: sa.MetaData
    outbox: sa.Table
    inbox: sa.Table
    effects: sa.Table

    def uow(self) -> MessagingUnitOfWork:
        return MessagingUnitOfWork(
            session_factory(self.engine), outbox=self.outbox, inbox=self.inbox
        )

    async def effect_counts(self, probe_prefix: str) -> dict[str, int]:
        """Effects of this test's probes only (the topic is shared by every test)."""
        e = self.effects
        async with self.engine.connect() as conn:
            rows = await conn.execute(
                sa.select(e.c.event_id, sa.func.count())
                .where(e.c.probe_id.startswith(probe_prefix))
                .group_by(e.c.event_id)
            )
            return {r[0]: r[1] for r in rows}


@pytest.fixture
async def pipeline(infra) -> AsyncIterator[Pipeline]:
    schema = f"msgtest_{uuid.uuid4().hex[:8]}"
    metadata = sa.MetaData(schema=schema)
    outbox = outbox_table(metadata)
    inbox = inbox_table(metadata)
    effects = sa.Table(
        "effects",
        metadata,
        sa.Column("id", sa.Integer, sa.Identity(), primary_key=True),
        sa.Column("event_id", sa.String(128), nullable=False),
        sa.Column("probe_id", sa.String(64), nullable=False),
        sa.Column("sequence", sa.Integer, nullable=False),
    )
    engine = create_engine(infra.admin_url, schema=schema)
    async with engine.begin() as conn:
        await conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        await conn.run_sync(metadata.create_all)
    try:
        yield Pipeline(schema, engine, metadata, outbox, inbox, effects)
    finally:
        async with engine.begin() as conn:
            await conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        await engine.dispose()
