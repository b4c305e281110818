"""A high-risk patient who stayed home after a crisis is referred on to case management."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from cch_contracts import patient_key
from cch_contracts.events.stratification import PatientTierChanged
from cch_contracts.topics import Topic
from cch_contracts.vocabulary import Locality, Tier
from cch_devstack.testing import eventually
from dispatch.adapters.tables import patient_risk

pytestmark = pytest.mark.integration

LUDLOW = {"postcode": "SY8 1AA"}
STRATIFICATION_TOPIC = Topic.STRATIFICATION.value


def tier_changed(nhs: str, tier: Tier, *, at: datetime) -> PatientTierChanged:
    return PatientTierChanged(
        patient_key=patient_key(nhs),
        nhs_number=nhs,
        practice_code="M82001",
        locality=Locality.SOUTH,
        previous_tier=Tier.MEDIUM,
        tier=tier,
        probability=0.41,
        model_version="test",
        run_id=f"run-{uuid.uuid4().hex[:8]}",
        effective_at=at,
    )


async def visit(client, coordinator, clock, nhs: str, nurse: str, outcome: str):
    call = {**LUDLOW, "nhs_number": nhs, "reason": "exacerbation of COPD"}
    created = await client.post("/requests", json=call, headers=coordinator)
    assert created.status_code == 201, created.text
    rid = created.json()["id"]
    await client.post(f"/requests/{rid}/assign", json={"clinician_id": nurse}, headers=coordinator)
    for step in ("accept", "en-route", "arrive"):
        clock.advance(timedelta(minutes=5))
        assert (await client.post(f"/requests/{rid}/{step}", headers=coordinator)).is_success
    done = await client.post(
        f"/requests/{rid}/complete", json={"outcome": outcome}, headers=coordinator
    )
    assert done.status_code == 200, done.text
    return rid, done.json()


async def test_stratification_tier_marks_the_patient_high_risk_and_refers_them_on(
    dispatch, coordinator, kit, clock, infra
):
    async with dispatch() as client:
        nurse = await kit.add_clinician(client)
        high, medium = kit.nhs_number(), kit.nhs_number()
        now = datetime.now(UTC)
        older_low = tier_changed(high, Tier.LOW, at=now - timedelta(days=30))
        await kit.produce(
            infra,
            STRATIFICATION_TOPIC,
            [
                (kit.envelope(tier_changed(high, Tier.HIGH, at=now)), patient_key(high)),
                # A late, older run must not lower the tier.
                (kit.envelope(older_low), patient_key(high)),
                (kit.envelope(tier_changed(medium, Tier.MEDIUM, at=now)), patient_key(medium)),
            ],
        )

        async def tiers():
            async with kit.runtime_of(client).engine.connect() as conn:
                rows = await conn.execute(
                    sa.select(patient_risk.c.patient_key, patient_risk.c.tier).where(
                        patient_risk.c.patient_key.in_([patient_key(high), patient_key(medium)])
                    )
                )
                return dict(rows.all())

        await eventually(tiers, until=lambda t: len(t) == 2, what="tiers recorded")
        await eventually(tiers, until=lambda t: t[patient_key(high)] == "high", what="high tier")

        rid, done = await visit(client, coordinator, clock, high, nurse, "stayed-home")
        assert done["high_risk"] is True and done["refer_to_case_management"] is True
        _, not_high = await visit(client, coordinator, clock, medium, nurse, "stayed-home")
        assert not_high["refer_to_case_management"] is False

        events = await eventually(
            lambda: kit.topic_payloads(
                infra, kit.DISPATCH_TOPIC, lambda b: b.get("subject") == rid
            ),
            until=lambda found: any(e["type"].endswith("completed.v1") for e in found),
            what="completed event",
        )
        requested = next(e["data"] for e in events if e["type"].endswith("requested.v1"))
        completed = next(e["data"] for e in events if e["type"].endswith("completed.v1"))
        assert requested["high_risk"] is True
        assert completed["refer_to_case_management"] is True
        assert completed["tier"] == "high" and completed["nhs_number"] == high


async def test_admitted_patient_is_not_referred_on_even_when_high_risk(
    dispatch, coordinator, kit, clock
):
    async with dispatch() as client:
        nurse = await kit.add_clinician(client)
        call_high = kit.nhs_number()
        call = {**LUDLOW, "nhs_number": call_high, "reason": "sepsis?", "high_risk": True}
        rid = (await client.post("/requests", json=call, headers=coordinator)).json()["id"]
        await client.post(
            f"/requests/{rid}/assign", json={"clinician_id": nurse}, headers=coordinator
        )
        for step in ("accept", "en-route", "arrive"):
            clock.advance(timedelta(minutes=5))
            assert (await client.post(f"/requests/{rid}/{step}", headers=coordinator)).is_success
        done = await client.post(
            f"/requests/{rid}/complete", json={"outcome": "admitted"}, headers=coordinator
        )
        assert done.json()["high_risk"] is True
        assert done.json()["refer_to_case_management"] is False
