"""Each service's role can touch nothing outside its own schema."""

import asyncpg
import pytest

pytestmark = pytest.mark.integration


async def test_referrals_role_cannot_read_the_careplans_schema(infra):
    conn = await asyncpg.connect(infra.service_url("referrals"))
    try:
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await conn.fetch("SELECT * FROM careplans.outbox LIMIT 1")
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await conn.execute("CREATE TABLE careplans.intruder (id int)")
    finally:
        await conn.close()


async def test_referrals_role_cannot_create_tables_outside_its_schema(infra):
    conn = await asyncpg.connect(infra.service_url("referrals"))
    try:
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await conn.execute("CREATE TABLE public.intruder (id int)")
        assert await conn.fetchval("SHOW search_path") == "referrals"
        assert await conn.fetchval("SELECT count(*) FROM outbox") >= 0
    finally:
        await conn.close()


async def test_every_service_schema_is_owned_by_its_own_role(infra):
    conn = await asyncpg.connect(infra.admin_url)
    try:
        rows = await conn.fetch(
            "SELECT nspname, pg_get_userbyid(nspowner) AS owner FROM pg_namespace "
            "WHERE nspname = ANY($1::text[])",
            ["gateway", "stratification", "referrals", "caseload", "careplans", "dispatch", "ops"],
        )
    finally:
        await conn.close()
    assert {r["nspname"]: r["owner"] for r in rows} == {
        s: s
        for s in [
            "gateway",
            "stratification",
            "referrals",
            "caseload",
            "careplans",
            "dispatch",
            "ops",
        ]
    }
