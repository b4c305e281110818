"""Referrals from events: predictive (tier changes), case management, rapid response outcomes."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from referrals_testkit import applied, nhs_number, practice_code, produce, service_request

from cch_contracts import patient_key
from cch_contracts.events.caseload import CaseAssigned
from cch_contracts.events.dispatch import DispatchCompleted
from cch_contracts.events.stratification import PatientTierChanged
from cch_devstack.testing import eventually

pytestmark = pytest.mark.integration
RISK_TIER = "https://cch.example.nhs.uk/StructureDefinition/risk-tier"


def tier_changed(nhs: str, *, tier: str = "high", previous: str | None = "medium", run=None):
    return PatientTierChanged(
        patient_key=patient_key(nhs),
        nhs_number=nhs,
        practice_code=practice_code(),
        locality="central",
        previous_tier=previous,
        tier=tier,
        probability=0.42,
        model_version="test-1",
        run_id=run or f"run-{uuid.uuid4().hex[:8]}",
        top_factors=["age", "frailty"],
        effective_at=datetime.now(UTC) - timedelta(minutes=5),
    )


async def _referrals_for(client, ehr, nhs):
    r = await client.get("/fhir/ServiceRequest", params={"patient": nhs}, headers=ehr)
    return [e["resource"] for e in r.json().get("entry", [])]


async def test_patient_newly_high_becomes_one_predictive_referral(infra, referrals, ehr):
    nhs = nhs_number()
    event = tier_changed(nhs)
    await produce(infra, event, key=event.patient_key)
    [made] = await eventually(
        lambda: _referrals_for(referrals, ehr, nhs), what="predictive referral", timeout=60
    )
    assert made["category"][0]["coding"][0]["code"] == "predictive"
    assert {"url": RISK_TIER, "valueCode": "high"} in made["extension"]
    replay = await produce(infra, event, key=event.patient_key)
    await eventually(lambda: applied(infra, replay), what="replayed event applied", timeout=60)
    assert len(await _referrals_for(referrals, ehr, nhs)) == 1


async def test_falling_tier_or_excluded_patient_is_not_referred(infra, referrals, ehr, mdt):
    falling, excluded = nhs_number(), nhs_number()
    first = await produce(
        infra, tier_changed(falling, tier="high", previous="highest"), key=patient_key(falling)
    )
    r = await referrals.post("/fhir/ServiceRequest", json=service_request(excluded), headers=ehr)
    rid = r.json()["id"]
    decided = await referrals.post(
        f"/referrals/{rid}/decisions",
        json={"decision": "exclude", "reason": "declined"},
        headers=mdt,
    )
    assert decided.status_code == 201
    second = await produce(
        infra, tier_changed(excluded, tier="highest", previous="high"), key=patient_key(excluded)
    )
    for event_id in (first, second):
        await eventually(lambda e=event_id: applied(infra, e), what="event applied", timeout=60)
    assert await _referrals_for(referrals, ehr, falling) == []
    assert [x["status"] for x in await _referrals_for(referrals, ehr, excluded)] == ["revoked"]


async def test_open_referral_gets_the_predictive_route_linked(infra, referrals, ehr):
    nhs = nhs_number()
    r = await referrals.post("/fhir/ServiceRequest", json=service_request(nhs), headers=ehr)
    event_id = await produce(infra, tier_changed(nhs, previous=None), key=patient_key(nhs))
    await eventually(lambda: applied(infra, event_id), what="event applied", timeout=60)
    [only] = await _referrals_for(referrals, ehr, nhs)
    assert only["id"] == r.json()["id"]
    assert [c["coding"][0]["code"] for c in only["category"]] == ["gp", "predictive"]


async def test_case_managed_patient_gets_no_predictive_referral(infra, referrals, ehr):
    nhs = nhs_number()
    assigned = CaseAssigned(
        case_id=f"case-{uuid.uuid4().hex[:6]}",
        referral_id=None,
        patient_key=patient_key(nhs),
        need_level="severe",
        tier="high",
        locality="north",
        practice_code=None,
        assignment_kind="case-manager",
        assigned_at=datetime.now(UTC),
        why="test",
    )
    first = await produce(infra, assigned, key=patient_key(nhs))
    await eventually(lambda: applied(infra, first), what="assignment applied", timeout=60)
    second = await produce(infra, tier_changed(nhs, tier="highest"), key=patient_key(nhs))
    await eventually(lambda: applied(infra, second), what="tier change applied", timeout=60)
    assert await _referrals_for(referrals, ehr, nhs) == []


async def test_patient_who_stayed_home_is_referred_on_from_rapid_response(infra, referrals, ehr):
    nhs = nhs_number()
    completed = DispatchCompleted(
        request_id=f"rr-{uuid.uuid4().hex[:8]}",
        patient_key=patient_key(nhs),
        nhs_number=nhs,
        clinician_id="anp-7",
        outcome="stayed-home",
        high_risk=True,
        refer_to_case_management=True,
        completed_at=datetime.now(UTC) - timedelta(minutes=1),
        locality="south",
    )
    await produce(infra, completed, key=completed.patient_key)
    [made] = await eventually(
        lambda: _referrals_for(referrals, ehr, nhs), what="referral from dispatch", timeout=60
    )
    assert made["category"][0]["coding"][0]["code"] == "rapid-response"
    assert made["requester"] == {"reference": "Practitioner/anp-7"}
