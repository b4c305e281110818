"""Writes that are a single SQL statement, sent with no transaction around them.

Postgres runs one statement atomically: every data-modifying CTE in it commits together or
not at all. A write whose state, audit and outbox rows fit in one statement therefore needs
one round trip, where a unit of work needs at least three (BEGIN, the statement, COMMIT).
The statement is built with SQLAlchemy once, compiled once for asyncpg, and run on the
pooled driver connection itself (asyncpg prepares it once per connection).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql.asyncpg import PGDialect_asyncpg
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.sql.compiler import SQLCompiler

_ASYNCPG = PGDialect_asyncpg()  # type: ignore[no-untyped-call]
_BROKEN = (OSError, asyncpg.InterfaceError, asyncpg.ConnectionDoesNotExistError)


@asynccontextmanager
async def driver_connection(engine: AsyncEngine) -> AsyncIterator[asyncpg.Connection]:
    """The pooled asyncpg connection without SQLAlchemy's Connection around it (the pool's own
    checkout and checkin events, such as the idle ping, still run). Nothing here begins a
    transaction: each statement commits on its own."""
    raw = await engine.raw_connection()
    try:
        yield raw.driver_connection
    except _BROKEN:
        raw.invalidate()  # the pool must not hand this connection out again
        raise
    finally:
        raw.close()  # back to the pool (a no-op after invalidate)


class OneStatement:
    """A SQLAlchemy statement compiled once (at import) for asyncpg, run with parameters by name.

    JSON columns' values are serialised here as SQLAlchemy would (the asyncpg dialect passes
    JSON to Postgres as text)."""

    def __init__(self, statement: sa.ClauseElement) -> None:
        compiled = statement.compile(dialect=_ASYNCPG)
        assert isinstance(compiled, SQLCompiler)
        order = compiled.positiontup
        if order is None:  # pragma: no cover - the asyncpg dialect is positional
            raise ValueError("the asyncpg dialect compiles positional parameters")
        self.sql = compiled.string
        # literals (sa.literal) are bind parameters with their value already given
        self._given = {
            name: bind.value for name, bind in compiled.binds.items() if not bind.required
        }
        # (name, whether its value is JSON to serialise), in the statement's order
        self._plan = tuple((name, isinstance(compiled.binds[name].type, sa.JSON)) for name in order)

    def args(self, params: Mapping[str, Any]) -> list[Any]:
        """The positional arguments, in the compiled statement's order."""
        given = self._given
        values: list[Any] = []
        for name, is_json in self._plan:
            value = params[name] if name in params else given[name]
            values.append(json.dumps(value) if is_json and value is not None else value)
        return values

    async def fetchrow(self, engine: AsyncEngine, params: Mapping[str, Any]) -> asyncpg.Record:
        """Run the statement (it commits on its own) and return its one row."""
        async with driver_connection(engine) as connection:
            row = await connection.fetchrow(self.sql, *self.args(params))
        if row is None:  # pragma: no cover - the statements used here always answer a row
            raise LookupError("the statement returned no row")
        return row
