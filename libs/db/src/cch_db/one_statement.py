"""Writes that are a single SQL statement, sent with no transaction around them.

Postgres runs one statement atomically: every data-modifying CTE in it commits together or
not at all. A write whose state, audit and outbox rows fit in one statement therefore needs
one round trip, where a unit of work needs at least three (BEGIN, the statement, COMMIT).
The statement is built with SQLAlchemy once, compiled once for asyncpg, and run on a driver
connection (cch_db.driver_pool; asyncpg prepares it once per connection).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import asyncpg
import orjson
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql.asyncpg import PGDialect_asyncpg
from sqlalchemy.sql.compiler import SQLCompiler

from cch_db.driver_pool import DriverPool

_ASYNCPG = PGDialect_asyncpg()  # type: ignore[no-untyped-call]


class JsonText(str):
    """A JSON column's value already serialised (e.g. the body a response sends too)."""


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
            if is_json and value is not None and not isinstance(value, JsonText):
                value = orjson.dumps(value).decode()
            values.append(value)
        return values

    async def fetchrow(self, pool: DriverPool, params: Mapping[str, Any]) -> asyncpg.Record:
        """Run the statement (it commits on its own) and return its one row."""
        row = await pool.fetchrow(self.sql, *self.args(params))
        if row is None:  # pragma: no cover - the statements used here always answer a row
            raise LookupError("the statement returned no row")
        return row
