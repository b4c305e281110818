"""Driver connections for hot paths that are one statement each: no ORM, no transaction."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from typing import Any

import asyncpg
from sqlalchemy.engine import make_url

from cch_db.engine import async_url

_RECYCLE_SECONDS = 1800.0  # as the engine's pool: connections are replaced after half an hour


class DriverPool:
    """At most `size` asyncpg connections with the engine's session settings (search path = the
    service's schema), opened on demand, each lent for one statement at a time.

    Lending is a list pop and push: asyncpg's own pool resets and tracks every connection on
    release, which costs a single-statement request more than its statement. Nothing here
    opens a transaction, so there is nothing to reset; a connection whose statement did not
    end cleanly (cancelled, connection lost, anything but an error Postgres reported) is
    closed rather than lent again, as is one the server has closed or that is old."""

    def __init__(self, url: str, *, schema: str, size: int) -> None:
        parsed = make_url(async_url(url)).set(drivername="postgresql")
        self._dsn = parsed.render_as_string(hide_password=False)
        self._schema = str(schema)
        self._size = max(1, size)
        self._idle: list[tuple[asyncpg.Connection, float]] = []  # (connection, opened at)
        self._lent = 0  # connections out, plus those being opened
        self._waiting: deque[asyncio.Future[None]] = deque()
        self._closed = False

    async def fetchrow(self, sql: str, *args: Any) -> asyncpg.Record | None:
        """Run one statement (it commits on its own) on a lent connection."""
        connection, opened = await self._lend()
        try:
            row = await connection.fetchrow(sql, *args)
        except asyncpg.PostgresError:
            self._give_back(connection, opened)  # the server refused it; the session is fine
            raise
        except BaseException:
            self._discard(connection)
            raise
        self._give_back(connection, opened)
        return row

    async def _lend(self) -> tuple[asyncpg.Connection, float]:
        while True:
            if self._closed:
                raise asyncpg.InterfaceError("the driver pool is closed")
            while self._idle:
                connection, opened = self._idle.pop()
                if not connection.is_closed() and time.monotonic() - opened < _RECYCLE_SECONDS:
                    self._lent += 1
                    return connection, opened
                connection.terminate()
            if self._lent < self._size:
                self._lent += 1
                try:
                    return await self._open(), time.monotonic()
                except BaseException:
                    self._lent -= 1
                    self._wake_one()
                    raise
            waiter = asyncio.get_running_loop().create_future()
            self._waiting.append(waiter)
            try:
                await waiter
            except BaseException:
                if waiter.done() and not waiter.cancelled():
                    self._wake_one()  # pass on the wake-up this waiter will not use
                raise

    async def _open(self) -> asyncpg.Connection:
        return await asyncpg.connect(
            self._dsn,
            command_timeout=60,
            server_settings={
                "search_path": self._schema,
                "application_name": f"cch-{self._schema}",
            },
        )

    def _give_back(self, connection: asyncpg.Connection, opened: float) -> None:
        self._lent -= 1
        if self._closed:
            connection.terminate()
            return
        self._idle.append((connection, opened))
        self._wake_one()

    def _discard(self, connection: asyncpg.Connection) -> None:
        self._lent -= 1
        connection.terminate()
        self._wake_one()  # a waiter may open a replacement

    def _wake_one(self) -> None:
        while self._waiting:
            waiter = self._waiting.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return

    async def close(self) -> None:
        self._closed = True
        idle, self._idle = self._idle, []
        await asyncio.gather(*(c.close() for c, _ in idle), return_exceptions=True)
        for waiter in self._waiting:
            if not waiter.done():
                waiter.set_result(None)  # they find the pool closed
        self._waiting.clear()
