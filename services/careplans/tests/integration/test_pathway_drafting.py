"""Draft plans from caseload events published for real to the broker."""

import json
import uuid
from datetime import UTC, datetime

import pytest
from fhir_helpers import bearer, new_nhs_number

from careplans.main import create_app
from cch_contracts import patient_key
from cch_contracts.events.caseload import CaseAssigned, CaseDischarged, PlanAdjustmentRequested
from cch_devstack.testing import eventually, service_app
from cch_fhir.schema import schema_errors
from cch_messaging import KafkaSettings

pytestmark = pytest.mark.integration
CASE = "https://cch.example.nhs.uk/Id/case-id"


async def _publish(infra, payload, *, key: str) -> None:
    producer = KafkaSettings(bootstrap_servers=infra.bootstrap).producer()
    await producer.start()
    try:
        body = {
            "specversion": "1.0",
            "id": str(uuid.uuid4()),
            "source": "/test/caseload",
            "type": payload.event_type,
            "time": datetime.now(UTC).isoformat(),
            "datacontenttype": "application/json",
            "data": payload.model_dump(mode="json"),
        }
        await producer.send_and_wait(
            payload.topic, value=json.dumps(body).encode(), key=key.encode()
        )
    finally:
        await producer.stop()


async def test_assignment_drafts_one_plan_with_tier_screening_then_adjusts_and_completes(
    infra, token_for
):
    nhs, case_id = new_nhs_number(), f"case-{uuid.uuid4().hex[:8]}"
    key = patient_key(nhs)
    assigned = CaseAssigned(
        case_id=case_id,
        referral_id=None,
        patient_key=key,
        nhs_number=nhs,
        need_level="severe",
        tier="high",
        locality="north",
        practice_code="M82001",
        assignment_kind="case-manager",
        case_manager={"id": "cm-7", "name": "Sam Matron", "profession": "community matron"},
        assigned_at=datetime(2026, 11, 2, 9, 0, tzinfo=UTC),
        why="test",
    )
    system = bearer(token_for("ehr-system", scopes="system/*.cruds"))
    async with service_app(infra, "careplans", create_app) as client:
        await _publish(infra, assigned, key=key)
        await _publish(infra, assigned, key=key)  # redelivery under another event id

        async def plans():
            r = await client.get(
                "/fhir/CarePlan", params={"identifier": f"{CASE}|{case_id}"}, headers=system
            )
            return r.json().get("entry", [])

        entries = await eventually(plans, what="draft plan")
        plan = entries[0]["resource"]
        assert plan["status"] == "draft" and plan["intent"] == "plan"
        assert schema_errors(plan) == []
        texts = [a["detail"]["code"]["text"] for a in plan["activity"]]
        assert texts == [
            "Falls screening",
            "Dementia screening",
            "Medicines management review",
            "End of life screening",
            "MDT review",
        ]
        assert plan["activity"][-1]["detail"]["scheduledPeriod"]["start"] == "2026-11-30"
        team_id = plan["careTeam"][0]["reference"].split("/")[1]
        team = (await client.get(f"/fhir/CareTeam/{team_id}", headers=system)).json()
        members = [p["member"]["reference"] for p in team["participant"]]
        assert members == ["Practitioner/cm-7", "Organization/M82001"]
        # the case manager is now on the team: need-to-know lets them read the plan
        cm = bearer(token_for("case-manager", scopes="user/CarePlan.rs", practitioner_id="cm-7"))
        assert (await client.get(f"/fhir/CarePlan/{plan['id']}", headers=cm)).status_code == 200

        await _publish(
            infra,
            PlanAdjustmentRequested(
                case_id=case_id,
                patient_key=key,
                summary="Add falls clinic",
                requested_by="mdt",
                requested_at=datetime(2026, 11, 20, tzinfo=UTC),
            ),
            key=key,
        )

        async def current():
            return (await client.get(f"/fhir/CarePlan/{plan['id']}", headers=system)).json()

        adjusted = await eventually(current, until=lambda p: p["meta"]["versionId"] == "2")
        assert adjusted["note"][-1]["text"] == "Add falls clinic"
        assert adjusted["activity"][-1]["detail"]["scheduledPeriod"]["start"] == "2026-12-18"
        await _publish(
            infra,
            CaseDischarged(
                case_id=case_id,
                patient_key=key,
                reason="improved",
                decided_by="mdt",
                discharged_at=datetime(2026, 12, 1, tzinfo=UTC),
            ),
            key=key,
        )
        done = await eventually(current, until=lambda p: p["status"] == "completed")
        assert done["period"]["end"] == "2026-12-01"
        assert len(await plans()) == 1
