"""Upgrading a store that holds one NHS number as several Patients (written before migration
0004) merges them without a hand-run step: the oldest survives and keeps every record."""

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from urllib.parse import urlsplit

import asyncpg
import pytest
import sqlalchemy as sa
from fhir_helpers import NHS, bearer, care_plan, care_team, flag, new_nhs_number, patient
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from careplans.adapters.resource_store import ResourceStore
from careplans.adapters.tables import SCHEMA, access_audit, patient_merge, resource
from careplans.domain.errors import DuplicatePatient
from careplans.entrypoints.cli import MIGRATIONS
from careplans.main import create_app
from careplans.service_layer.indexing import index_resource
from careplans.service_layer.resources import patient_key_of, with_meta
from cch_db.engine import async_url
from cch_db.migrations import upgrade
from cch_devstack.testing import service_app

pytestmark = pytest.mark.integration

MRN = "https://acute.example.nhs.uk/Id/mrn"


@asynccontextmanager
async def _database_at_0003(infra) -> AsyncIterator[str]:
    """A database of its own with the careplans schema migrated to 0003 (before the index)."""
    name = f"careplans_merge_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(infra.admin_url.replace("+asyncpg", ""))
    await admin.execute(f'CREATE DATABASE "{name}"')
    url = urlsplit(infra.admin_url)._replace(path=f"/{name}").geturl()
    try:
        conn = await asyncpg.connect(url.replace("+asyncpg", ""))
        await conn.execute(f"CREATE SCHEMA {SCHEMA}")
        await conn.close()
        await _migrate(url, "0003")
        yield url
    finally:
        await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        await admin.close()


async def _migrate(url: str, revision: str) -> None:
    # Alembic runs its own event loop: a thread keeps it off the test's
    await asyncio.to_thread(upgrade, MIGRATIONS, url=url, schema=SCHEMA, revision=revision)


class OldStore:
    """Writes records as the service did before 0004 (no unique NHS number yet)."""

    def __init__(self, url: str) -> None:
        self.engine = create_async_engine(async_url(url))

    async def put(self, body: dict, *, on: str, key: str | None = None, deleted=False) -> dict:
        at = datetime.fromisoformat(f"{on}T09:00:00+00:00")
        content = with_meta(body, rid=str(uuid.uuid4()), version=1, at=at)
        key = patient_key_of(content) if body["resourceType"] == "Patient" else key
        async with AsyncSession(self.engine) as session, session.begin():
            await ResourceStore(session).insert(
                content, index_resource(content), patient_key=key, at=at
            )
            if deleted:
                r = resource.c
                await session.execute(
                    sa.update(resource).where(r.id == content["id"]).values(deleted=True)
                )
        return content


async def test_upgrade_merges_patients_held_twice_into_the_oldest_and_moves_their_records(
    infra, token_for
):
    nhs, other_nhs = new_nhs_number(), new_nhs_number()
    async with _database_at_0003(infra) as url:
        old = OldStore(url)
        # registered three times (the second-stored is the oldest), once more long ago and
        # deleted, and another patient once
        second = await old.put({**patient(nhs), "name": [{"family": "Mensah"}]}, on="2026-02-01")
        first = await old.put(patient(nhs), on="2026-01-10")
        third = await old.put(
            {
                **patient(nhs),
                "identifier": [*patient(nhs)["identifier"], {"system": MRN, "value": "K123"}],
            },
            on="2026-03-05",
        )
        gone = await old.put(patient(nhs), on="2025-06-01", deleted=True)
        alone = await old.put(patient(other_nhs), on="2026-01-01")
        key = patient_key_of(first)
        team = await old.put(care_team(second["id"], "pr-gp"), on="2026-02-02", key=key)
        plan = await old.put(
            care_plan(
                second["id"],
                careTeam=[{"reference": f"CareTeam/{team['id']}"}],
                subject={"reference": f"https://ehr.example.nhs.uk/fhir/Patient/{second['id']}"},
            ),
            on="2026-02-03",
            key=key,
        )
        alert = await old.put(flag(third["id"], "allergy"), on="2026-03-06", key=key)
        kept = await old.put(care_plan(first["id"]), on="2026-01-11", key=key)
        await old.engine.dispose()

        await _migrate(url, "head")

        async with service_app(
            infra,
            "careplans",
            create_app,
            DATABASE_URL=url,
            RUN_CONSUMER="false",
            RUN_RELAY="false",
        ) as client:
            platform = bearer(
                token_for("ehr-system", scopes="system/*.cruds", organisation="cch-platform")
            )
            gp = bearer(token_for("ehr-system", scopes="system/*.cruds", organisation="RXW"))

            async def get(path: str, headers=platform, **params) -> dict:
                r = await client.get(f"/fhir/{path}", params=params, headers=headers)
                assert r.status_code == 200, r.text
                return r.json()

            # the NHS number now finds the oldest record alone, which names those it replaces
            found = await get("Patient", identifier=f"{NHS}|{nhs}")
            [survivor] = [e["resource"] for e in found["entry"]]
            assert survivor["id"] == first["id"]
            assert {link["other"]["reference"] for link in survivor["link"]} == {
                f"Patient/{second['id']}",
                f"Patient/{third['id']}",
            }
            assert {"system": MRN, "value": "K123", "use": "old"} in survivor["identifier"]
            assert (await get("Patient", identifier=f"{MRN}|K123"))["entry"][0]["resource"][
                "id"
            ] == first["id"]
            # the merged records stay readable, inactive and pointing at the survivor
            for merged in (second, third):
                record = await get(f"Patient/{merged['id']}")
                assert record["active"] is False
                assert record["link"] == [
                    {"other": {"reference": f"Patient/{first['id']}"}, "type": "replaced-by"}
                ]
                assert record["meta"]["versionId"] == "2"
            # every record moved to the survivor as a new version; history keeps where it was
            plans = await get("CarePlan", patient=first["id"])
            assert {e["resource"]["id"] for e in plans["entry"]} == {plan["id"], kept["id"]}
            moved = await get(f"CarePlan/{plan['id']}")
            assert moved["subject"]["reference"] == (
                f"https://ehr.example.nhs.uk/fhir/Patient/{first['id']}"
            )
            assert moved["careTeam"] == [{"reference": f"CareTeam/{team['id']}"}]
            was = await get(f"CarePlan/{plan['id']}/_history/1")
            assert was["subject"]["reference"].endswith(f"Patient/{second['id']}")
            assert (await get(f"Flag/{alert['id']}"))["subject"]["reference"] == (
                f"Patient/{first['id']}"
            )
            # the GP on the moved care team reaches the survivor's records (need-to-know moved)
            teams = await get("CareTeam", headers=gp, patient=first["id"])
            assert [e["resource"]["id"] for e in teams["entry"]] == [team["id"]]
            assert (await get(f"CarePlan/{kept['id']}", headers=gp))["id"] == kept["id"]
            # untouched: the other patient and the deleted record
            assert (await get(f"Patient/{alone['id']}"))["meta"]["versionId"] == "1"
            deleted = await client.get(f"/fhir/Patient/{gone['id']}", headers=platform)
            assert deleted.status_code == 410
            # a new record cannot land on a merged Patient, nor a second Patient be created
            refused = await client.post(
                "/fhir/CarePlan", json=care_plan(second["id"]), headers=platform
            )
            assert refused.status_code == 422 and first["id"] in refused.text
            twice = await client.post("/fhir/Patient", json=patient(nhs), headers=platform)
            assert twice.status_code == 409, twice.text

        engine = create_async_engine(async_url(url))
        async with engine.connect() as conn:
            merges = (await conn.execute(sa.select(patient_merge))).mappings().all()
            audited = (
                await conn.execute(
                    sa.select(access_audit.c.resource_id, access_audit.c.detail).where(
                        access_audit.c.actor == "careplans-migration-0004"
                    )
                )
            ).all()
        await engine.dispose()
        assert {(m["merged_id"], m["survivor_id"]) for m in merges} == {
            (second["id"], first["id"]),
            (third["id"], first["id"]),
        }
        by_merged = {m["merged_id"]: sorted(m["records_moved"]) for m in merges}
        assert by_merged == {
            second["id"]: sorted([f"CarePlan/{plan['id']}", f"CareTeam/{team['id']}"]),
            third["id"]: [f"Flag/{alert['id']}"],
        }
        assert {row.resource_id for row in audited} == {second["id"], third["id"]}
        assert all(f"Patient/{first['id']}" in row.detail for row in audited)


async def test_upgrade_of_a_store_without_duplicates_changes_no_record(infra):
    async with _database_at_0003(infra) as url:
        old = OldStore(url)
        nhs = new_nhs_number()
        await old.put(patient(nhs), on="2026-01-01")

        await _migrate(url, "head")

        async with old.engine.connect() as conn:
            versions = (await conn.execute(sa.select(resource.c.version))).scalars().all()
            merges = await conn.execute(sa.select(sa.func.count()).select_from(patient_merge))
            assert versions == [1] and merges.scalar_one() == 0
        with pytest.raises(DuplicatePatient):  # from now on, the index holds one per number
            await old.put(patient(nhs), on="2026-04-01")
        await old.engine.dispose()
