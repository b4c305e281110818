"""Accepted referrals are assigned end to end; redelivery changes nothing; tier changes follow."""

import json
import uuid
from datetime import UTC, datetime

import pytest

from cch_contracts import patient_key
from cch_contracts.events.stratification import PatientTierChanged
from cch_devstack.testing import eventually, publish

pytestmark = pytest.mark.integration


async def test_each_need_level_gets_its_owner_and_the_assignment_is_published(
    infra, caseload, lead, worker, bus
):
    async with caseload() as client:
        await bus.ensure_workforce(client, lead)
        severe = bus.accepted(need_level="severe", locality="north", nhs_number="9434765919")
        moderate = bus.accepted(need_level="moderate", locality="central")
        mild = bus.accepted(need_level="mild", locality="south", tier="low")
        for p in (severe, moderate, mild):
            await publish(infra, p, key=p.patient_key)
        s = await bus.case_for(client, worker, severe.referral_id)
        m = await bus.case_for(client, worker, moderate.referral_id)
        c = await bus.case_for(client, worker, mild.referral_id)
        assert s["assignment_kind"] == "case-manager"
        assert s["case_manager_id"] in ("it-n-nurse", "it-n-matron")
        assert m["assignment_kind"] == "integrated-team" and m["owner"] == "team:ict-central"
        assert c["assignment_kind"] == "self-care"
        assert s["next_review_on"] == "2025-02-03"  # High: 28 days from assignment

        events = await eventually(
            lambda: bus.topic_payloads(
                infra,
                bus.CASELOAD_TOPIC,
                lambda e: e["data"].get("referral_id") == severe.referral_id,
            ),
            what="caseload.assigned on the topic",
        )
        assert events[0]["type"] == "cch.caseload.assigned.v1"
        data = events[0]["data"]
        assert data["case_manager"]["id"] == s["case_manager_id"]
        assert data["next_review_on"] == "2025-02-03" and "least utilised" in data["why"]
        assert data["nhs_number"] == "9434765919"


async def test_a_redelivered_referral_changes_nothing(infra, caseload, lead, worker, bus):
    async with caseload() as client:
        await bus.ensure_workforce(client, lead)
        referral = bus.accepted(locality="north")
        await publish(infra, referral, key=referral.patient_key)
        first = await bus.case_for(client, worker, referral.referral_id)
        manager = first["case_manager_id"]
        before = (await client.get(f"/caseloads/{manager}", headers=worker)).json()
        # the same referral again (new event id: a replay from upstream) and the same event twice
        again = str(uuid.uuid4())
        await publish(infra, referral, key=referral.patient_key, event_id=again)
        await publish(infra, referral, key=referral.patient_key, event_id=again)
        marker = bus.accepted(locality="central")
        await publish(infra, marker, key=referral.patient_key)
        await bus.case_for(client, worker, marker.referral_id)  # applied after the repeats
        cases = (
            await client.get("/cases", params={"patient_key": referral.patient_key}, headers=worker)
        ).json()
        assert cases["total"] == 1
        after = (await client.get(f"/caseloads/{manager}", headers=worker)).json()
        assert after["case_manager"]["load_points"] == before["case_manager"]["load_points"]


async def test_a_rise_to_highest_flags_an_early_review(infra, caseload, lead, worker, bus):
    async with caseload() as client:
        await bus.ensure_workforce(client, lead)
        referral = bus.accepted(locality="north", tier="medium")
        await publish(infra, referral, key=referral.patient_key)
        case = await bus.case_for(client, worker, referral.referral_id)
        changed = PatientTierChanged(
            patient_key=referral.patient_key,
            nhs_number="9434765919",
            practice_code="M82001",
            locality="north",
            previous_tier="medium",
            tier="highest",
            probability=0.61,
            model_version="m1",
            run_id="run-1",
            effective_at=datetime.now(UTC),
        )
        await publish(infra, changed, key=referral.patient_key)

        async def tier():
            return (await client.get(f"/cases/{case['case_id']}", headers=worker)).json()

        updated = await eventually(tier, until=lambda c: c["tier"] == "highest", what="new tier")
        assert updated["early_review"] is True
        events = await eventually(
            lambda: bus.topic_payloads(
                infra,
                bus.CASELOAD_TOPIC,
                lambda e: (
                    e["type"] == "cch.review.due.v1" and e["data"]["case_id"] == case["case_id"]
                ),
            ),
            what="early review.due",
        )
        assert events[0]["data"]["early"] is True
        assert json.dumps(events[0]).find("9434765919") == -1  # no NHS number in review.due
        assert patient_key  # keys are opaque; the test's own keys are pk-...
