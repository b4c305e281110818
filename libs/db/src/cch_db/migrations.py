"""Alembic helpers: each service's version table lives in its own schema."""

import asyncio
import os
from pathlib import Path

from alembic import command, context
from alembic.config import Config
from sqlalchemy import MetaData, pool, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from cch_db.engine import async_url


def alembic_config(migrations_dir: Path, *, url: str, schema: str) -> Config:
    """A Config without an ini file, so a packaged service can migrate itself."""
    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    cfg.attributes["schema"] = schema
    return cfg


def upgrade(migrations_dir: Path, *, url: str, schema: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(migrations_dir, url=url, schema=schema), revision)


def run_env(target_metadata: MetaData, *, schema: str) -> None:
    """Body of a service's migrations/env.py (online mode only: we always have a database)."""
    cfg = context.config
    url = cfg.get_main_option("sqlalchemy.url") or os.environ["DATABASE_URL"]

    def do_run(connection: Connection) -> None:
        connection.execute(text(f'SET search_path TO "{schema}"'))
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            version_table_schema=schema,
            include_schemas=False,
            compare_type=True,
        )
        with context.begin_transaction():
            # replicas starting together migrate one at a time; the others then find nothing to do
            connection.execute(
                text("SELECT pg_advisory_xact_lock(hashtext(:key))"),
                {"key": f"cch-migrate-{schema}"},
            )
            context.run_migrations()

    async def run_async() -> None:
        engine = create_async_engine(async_url(url), poolclass=pool.NullPool)
        async with engine.connect() as connection:
            await connection.run_sync(do_run)
            await connection.commit()
        await engine.dispose()

    asyncio.run(run_async())
