"""The one-statement read (adapters/record_reads.py) decides exactly as the domain policy does,
and audits every outcome: care teams in the store, principals of every kind, several instants."""

import uuid
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from fhir_helpers import care_plan, new_nhs_number, patient, post

from careplans.adapters.record_reads import read_and_audit
from careplans.adapters.tables import access_audit
from careplans.fhir.care_teams import patient_care_team
from careplans.service_layer.access import POLICY
from cch_auth import Principal
from cch_auth.smart import Interaction, parse_scopes
from cch_db import create_engine
from cch_db.driver_pool import DriverPool

pytestmark = pytest.mark.integration

BEFORE = datetime(2025, 12, 1, tzinfo=UTC)
DURING = datetime(2026, 3, 1, tzinfo=UTC)
AFTER = datetime(2026, 9, 1, tzinfo=UTC)


def team(patient_id: str, status: str, tag: str) -> dict:
    """Participants with and without periods, by practitioner, organisation and onBehalfOf."""
    return {
        "resourceType": "CareTeam",
        "status": status,
        "subject": {"reference": f"Patient/{patient_id}"},
        "participant": [
            {"member": {"reference": f"Practitioner/always-{tag}"}},
            {
                "member": {"reference": f"Practitioner/spring-{tag}"},
                "period": {"start": "2026-01-01", "end": "2026-06-01"},
            },
            {
                "member": {"reference": f"Practitioner/acute-{tag}"},
                "onBehalfOf": {"reference": f"Organization/ACUTE-{tag}"},
                "period": {"start": "2026-02"},
            },
        ],
        "managingOrganization": [{"reference": f"Organization/GP-{tag}"}],
    }


def principals(tag: str, patient_id: str) -> list[Principal]:
    def user(practitioner: str, roles: frozenset[str] = frozenset({"clinician"})) -> Principal:
        scopes = parse_scopes("user/CarePlan.rs")
        return Principal(f"u-{practitioner}", roles, scopes, practitioner_id=practitioner)

    def system(org: str | None) -> Principal:
        return Principal("ehr", frozenset({"ehr-system"}), parse_scopes("system/*.rs"), org)

    return [
        user(f"always-{tag}"),
        user(f"spring-{tag}"),
        user(f"acute-{tag}"),
        user(f"always-{tag}", frozenset({"ops"})),
        user("stranger"),
        system(f"GP-{tag}"),
        system(f"ACUTE-{tag}"),
        system("ELSEWHERE"),
        system(None),
        system("cch-platform"),
        Principal(
            "app", frozenset(), parse_scopes("patient/CarePlan.rs"), claims={"patient": patient_id}
        ),
    ]


async def audit_rows(engine, rid: str) -> list[tuple[str, str | None]]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            sa.select(access_audit.c.outcome, access_audit.c.detail).where(
                access_audit.c.resource_id == rid, access_audit.c.interaction == "read"
            )
        )
        return [(r.outcome, r.detail) for r in rows]


@pytest.fixture
async def engine(infra):
    engine = create_engine(infra.service_env("careplans")["DATABASE_URL"], schema="careplans")
    yield engine
    await engine.dispose()


@pytest.fixture
async def driver(infra):
    pool = DriverPool(infra.service_env("careplans")["DATABASE_URL"], schema="careplans", size=2)
    yield pool
    await pool.close()


@pytest.mark.parametrize("status", ["active", "proposed", "inactive"])
async def test_read_statement_agrees_with_the_policy_and_audits_each_read(
    client, platform, engine, driver, status
):
    tag = uuid.uuid4().hex[:8]
    pat = await post(client, platform, patient(new_nhs_number()))
    team_json = await post(client, platform, team(pat["id"], status, tag))
    plan = await post(client, platform, care_plan(pat["id"]))
    teams = [t for t in [patient_care_team(team_json)] if t]
    reads = 0
    for principal in principals(tag, pat["id"]):
        grants = POLICY.grants(principal, resource_type="CarePlan", interaction=Interaction.READ)
        for at in (BEFORE, DURING, AFTER):
            expected = POLICY.decide(
                principal,
                resource_type="CarePlan",
                interaction=Interaction.READ,
                patient_id=pat["id"],
                care_teams=teams,
                at=at,
            ).allowed
            found = await read_and_audit(
                driver, principal, rtype="CarePlan", rid=plan["id"], grants=grants, at=at
            )
            assert found.found and found.allowed == expected, (principal, at)
            assert (found.body is not None) == expected
            reads += 1
            audited = await audit_rows(engine, plan["id"])
            assert len(audited) == reads
    outcomes = {o for o, _ in await audit_rows(engine, plan["id"])}
    assert "0" in outcomes and "4" in outcomes


async def test_missing_record_is_audited_as_a_deny_unless_the_caller_may_learn_of_it(
    engine, driver
):
    stranger = Principal("x", frozenset({"clinician"}), parse_scopes("user/CarePlan.rs"), None)
    trusted = Principal("p", frozenset(), parse_scopes("system/*.rs"), "cch-platform")
    for principal, audited in ((stranger, [("4", "denied: need-to-know")]), (trusted, [])):
        rid = f"missing-{uuid.uuid4().hex[:8]}"
        grants = POLICY.grants(principal, resource_type="CarePlan", interaction=Interaction.READ)
        found = await read_and_audit(
            driver, principal, rtype="CarePlan", rid=rid, grants=grants, at=DURING
        )
        assert not found.found and not found.allowed
        assert await audit_rows(engine, rid) == audited
