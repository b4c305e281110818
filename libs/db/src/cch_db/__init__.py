"""Postgres access shared by every service: engine, Unit of Work, migrations."""

from cch_db.engine import async_url, create_engine, session_factory
from cch_db.uow import UnitOfWork

__all__ = ["UnitOfWork", "async_url", "create_engine", "session_factory"]
