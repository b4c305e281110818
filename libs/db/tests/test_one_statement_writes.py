"""One-statement writes on the driver pool, against the session's real Postgres."""

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

from cch_db.driver_pool import DriverPool
from cch_db.one_statement import JsonText, OneStatement

pytestmark = pytest.mark.integration

metadata = sa.MetaData()
note = sa.Table(
    "note",
    metadata,
    sa.Column("id", sa.String, primary_key=True),
    sa.Column("body", JSONB, nullable=False),
    sa.Column("kind", sa.String, nullable=False),
)
note_audit = sa.Table(
    "note_audit",
    metadata,
    sa.Column("note_id", sa.String, primary_key=True),
    sa.Column("action", sa.String, nullable=False),
)


def _write_with_audit() -> OneStatement:
    """A note and its audit row in one statement; `kind` is a literal, `body` JSON."""
    new_note = (
        sa.insert(note)
        .from_select(
            ["id", "body", "kind"],
            sa.select(
                sa.bindparam("id", type_=sa.String),
                sa.bindparam("body", type_=JSONB),
                sa.literal("clinical"),
            ),
        )
        .returning(note.c.id)
        .cte("new_note")
    )
    audit = (
        sa.insert(note_audit)
        .from_select(
            ["note_id", "action"],
            sa.select(sa.bindparam("audit_id", type_=sa.String), sa.literal("create")),
        )
        .returning(note_audit.c.note_id)
        .cte("audit")
    )
    return OneStatement(sa.select(sa.func.count()).select_from(new_note).add_cte(audit))


WRITE = _write_with_audit()


@pytest.fixture
async def schema(infra) -> AsyncIterator[str]:
    name = f"onestmt_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(infra.admin_url.replace("+asyncpg", ""))
    try:
        await admin.execute(f'CREATE SCHEMA "{name}"')
        await admin.execute(
            f'CREATE TABLE "{name}".note (id text PRIMARY KEY, body jsonb NOT NULL, kind text'
            f' NOT NULL); CREATE TABLE "{name}".note_audit (note_id text PRIMARY KEY,'
            " action text NOT NULL)"
        )
        yield name
    finally:
        await admin.execute(f'DROP SCHEMA "{name}" CASCADE')
        await admin.close()


@pytest.fixture
async def pool(infra, schema) -> AsyncIterator[DriverPool]:
    pool = DriverPool(infra.admin_url, schema=schema, size=3)
    try:
        yield pool
    finally:
        await pool.close()


async def _rows(pool: DriverPool, table: str) -> list[asyncpg.Record]:
    row = await pool.fetchrow(f"SELECT coalesce(json_agg(t), '[]') AS rows FROM {table} t")
    assert row is not None
    return json.loads(row["rows"])


async def test_state_and_audit_rows_commit_together_in_one_statement(pool):
    row = await WRITE.fetchrow(pool, {"id": "n1", "body": {"text": "falls"}, "audit_id": "n1"})

    assert row[0] == 1
    notes = await _rows(pool, "note")
    assert notes == [{"id": "n1", "body": {"text": "falls"}, "kind": "clinical"}]
    assert await _rows(pool, "note_audit") == [{"note_id": "n1", "action": "create"}]


async def test_a_statement_that_fails_in_any_part_writes_nothing(pool):
    await WRITE.fetchrow(pool, {"id": "n1", "body": {}, "audit_id": "a1"})

    with pytest.raises(asyncpg.UniqueViolationError):  # the audit part clashes
        await WRITE.fetchrow(pool, {"id": "n2", "body": {}, "audit_id": "a1"})

    assert [n["id"] for n in await _rows(pool, "note")] == ["n1"]


async def test_json_already_serialised_is_stored_as_that_document(pool):
    await WRITE.fetchrow(pool, {"id": "n1", "body": JsonText('{"a":[1,2]}'), "audit_id": "n1"})

    assert (await _rows(pool, "note"))[0]["body"] == {"a": [1, 2]}


async def test_no_more_connections_than_the_pool_size_are_ever_open(pool):
    async def one() -> int:
        row = await pool.fetchrow(
            "SELECT pg_backend_pid() AS pid, pg_sleep(0.05),"
            " (SELECT count(*) FROM pg_stat_activity WHERE application_name = $1) AS open",
            f"cch-{pool._schema}",
        )
        assert row is not None
        return int(row["open"])

    opened = await asyncio.gather(*(one() for _ in range(12)))

    assert max(opened) <= 3


async def test_a_refused_statement_leaves_its_connection_in_use(pool):
    first = await pool.fetchrow("SELECT pg_backend_pid() AS pid")
    with pytest.raises(asyncpg.DivisionByZeroError):
        await pool.fetchrow("SELECT 1 / 0")
    again = await pool.fetchrow("SELECT pg_backend_pid() AS pid")

    assert first is not None and again is not None and again["pid"] == first["pid"]


async def test_cancelled_statements_give_their_places_back_and_their_connections_up(pool):
    slow = [asyncio.ensure_future(pool.fetchrow("SELECT pg_sleep(10)")) for _ in range(3)]
    await asyncio.sleep(0.3)  # every place in the pool is taken
    for task in slow:
        task.cancel()
    await asyncio.gather(*slow, return_exceptions=True)

    row = await asyncio.wait_for(pool.fetchrow("SELECT pg_backend_pid() AS pid"), timeout=10)

    assert row is not None
    assert not pool._idle or all(not c.is_closed() for c, _ in pool._idle)


async def test_a_connection_the_server_closed_is_replaced(pool, infra):
    first = await pool.fetchrow("SELECT pg_backend_pid() AS pid")
    assert first is not None
    admin = await asyncpg.connect(infra.admin_url.replace("+asyncpg", ""))
    try:
        await admin.execute("SELECT pg_terminate_backend($1)", first["pid"])
    finally:
        await admin.close()

    deadline = time.monotonic() + 10
    while not all(c.is_closed() for c, _ in pool._idle):  # this process sees the hang-up
        assert time.monotonic() < deadline, "the closed connection never looked closed"
        await asyncio.sleep(0.02)

    row = await pool.fetchrow("SELECT pg_backend_pid() AS pid")  # first time, no error

    assert row is not None and row["pid"] != first["pid"]
