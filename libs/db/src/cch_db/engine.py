"""Engine creation: each service connects as its own role with its schema on the search_path."""

import time
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

_IDLE_SINCE = "cch_idle_since"
_PING_AFTER_IDLE_SECONDS = 5.0
_RECYCLE_SECONDS = 1800


def async_url(url: str) -> str:
    """Accept the usual postgres:// spellings and use the asyncpg driver."""
    parsed = make_url(url.replace("postgres://", "postgresql://", 1))
    if parsed.get_backend_name() != "postgresql":
        raise ValueError(f"DATABASE_URL must be a postgresql:// URL, got {parsed.drivername!r}")
    return parsed.set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)


def sync_url(url: str) -> str:
    """Same database through asyncpg too; Alembic runs it under run_sync."""
    return async_url(url)


def create_engine(
    url: str, *, schema: str, pool_size: int = 10, max_overflow: int = 10, echo: bool = False
) -> AsyncEngine:
    """An engine whose connections resolve unqualified names in the service's schema only."""
    connect_args: dict[str, object] = {
        "server_settings": {"search_path": str(schema), "application_name": f"cch-{schema}"},
        "command_timeout": 60,
    }
    engine = create_async_engine(
        async_url(url),
        pool_size=pool_size,
        max_overflow=max_overflow,
        # a pre-ping on every checkout costs three round trips (BEGIN, ping, ROLLBACK) per
        # transaction; only connections that sat idle are checked (see _ping_when_idle)
        pool_pre_ping=False,
        pool_recycle=_RECYCLE_SECONDS,
        echo=echo,
        connect_args=connect_args,
    )
    _ping_when_idle(engine)
    return engine


def _ping_when_idle(engine: AsyncEngine) -> None:
    """Check a pooled connection before use only if it has been idle: a database restart or a
    dropped idle connection is then found before a request uses it. A busy connection that
    breaks fails its one statement, and the pool replaces every connection older than that."""

    @event.listens_for(engine.sync_engine, "checkin")
    def _idle_from(dbapi_connection: Any, record: Any) -> None:
        record.info[_IDLE_SINCE] = time.monotonic()

    @event.listens_for(engine.sync_engine, "checkout")
    def _ping_if_idle(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        since = record.info.pop(_IDLE_SINCE, None)
        if since is None or time.monotonic() - since < _PING_AFTER_IDLE_SECONDS:
            return
        try:
            dbapi_connection.ping()
        except Exception as exc:  # the pool discards it and checks out another
            raise DisconnectionError(f"pooled connection dead after idling: {exc}") from exc


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)
