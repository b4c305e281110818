"""Plans drafted and moved on by caseload events published for real to the broker."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from fhir_helpers import bearer, new_nhs_number

from cch_contracts import patient_key
from cch_contracts.events.caseload import (
    CaseAssigned,
    CaseDischarged,
    CaseTransferred,
    CaseWithdrawn,
    PlanAdjustmentRequested,
)
from cch_contracts.topics import Topic
from cch_devstack.testing import eventually, publish, topic_events
from cch_fhir.schema import schema_errors

pytestmark = pytest.mark.integration
CASE = "https://cch.example.nhs.uk/Id/case"
DAY = timedelta(days=1)


def _assigned(nhs: str, case_id: str, at: datetime) -> CaseAssigned:
    return CaseAssigned(
        case_id=case_id,
        referral_id=None,
        patient_key=patient_key(nhs),
        nhs_number=nhs,
        need_level="severe",
        tier="high",
        locality="north",
        practice_code="M82001",
        assignment_kind="case-manager",
        case_manager={"id": "cm-7", "name": "Sam Matron", "profession": "community matron"},
        assigned_at=at,
        why="test",
    )


async def _plans_of_case(client, headers, case_id: str) -> list[dict]:
    r = await client.get(
        "/fhir/CarePlan", params={"identifier": f"{CASE}|{case_id}"}, headers=headers
    )
    assert r.status_code == 200, r.text
    return r.json().get("entry", [])


async def _assign(infra, token_for, *, days_ago: int, times: int = 1):
    """Publish caseload.assigned (`times` deliveries) for a new patient; (case, key, start, gp)."""
    nhs, case_id = new_nhs_number(), f"case-{uuid.uuid4().hex[:8]}"
    key = patient_key(nhs)
    start = (datetime.now(UTC) - days_ago * DAY).replace(microsecond=0)
    for _ in range(times):  # a redelivery carries a new event id
        await publish(infra, _assigned(nhs, case_id, start), key=key)
    gp = bearer(token_for("ehr-system", scopes="system/*.cruds", organisation="M82001"))
    return case_id, key, start, gp


async def test_assignment_drafts_a_plan_that_review_outcomes_adjust_transfer_and_complete(
    infra, client, token_for
):
    case_id, key, start, gp = await _assign(infra, token_for, days_ago=30, times=2)

    async def plans():
        return await _plans_of_case(client, gp, case_id)

    plan = (await eventually(plans, what="draft plan"))[0]["resource"]
    assert plan["status"] == "draft" and plan["intent"] == "plan"
    assert schema_errors(plan) == []
    texts = [a["detail"]["code"]["text"] for a in plan["activity"]]
    assert texts == [
        "Falls risk screening",
        "Dementia screening",
        "Medicines management review",
        "End of life screening",
        "MDT review",
    ]
    review = plan["activity"][-1]["detail"]["scheduledTiming"]["event"][0]
    assert review == (start + 28 * DAY).date().isoformat()  # high tier: four-weekly
    owner = next(e for e in plan["extension"] if e["url"].endswith("care-plan-owner"))
    assert owner["valueString"].startswith("Integrated care team")
    team_id = plan["careTeam"][0]["reference"].split("/")[1]
    team = (await client.get(f"/fhir/CareTeam/{team_id}", headers=gp)).json()
    members = [p["member"]["reference"] for p in team["participant"]]
    assert members == ["Practitioner/cm-7", "Organization/M82001"]
    cm7 = bearer(token_for("case-manager", scopes="user/CarePlan.rs", practitioner_id="cm-7"))
    cm8 = bearer(token_for("case-manager", scopes="user/CarePlan.rs", practitioner_id="cm-8"))
    plan_url = f"/fhir/CarePlan/{plan['id']}"
    assert (await client.get(plan_url, headers=cm7)).status_code == 200

    async def current():
        return (await client.get(plan_url, headers=gp)).json()

    adjusted_at = start + 10 * DAY
    await publish(
        infra,
        PlanAdjustmentRequested(
            case_id=case_id,
            patient_key=key,
            summary="Add falls clinic",
            requested_by="mdt",
            requested_at=adjusted_at,
        ),
        key=key,
    )
    adjusted = await eventually(current, until=lambda p: p["meta"]["versionId"] == "2")
    next_review = (adjusted_at + 28 * DAY).date().isoformat()
    assert "(plan adjusted): Add falls clinic" in adjusted["note"][-1]["text"]
    assert adjusted["activity"][-1]["detail"]["scheduledTiming"]["event"] == [next_review]

    await publish(
        infra,
        CaseTransferred(
            case_id=case_id,
            patient_key=key,
            from_owner="cm-7",
            to_owner="cm-8",
            case_manager={"id": "cm-8", "name": "Ali Nurse", "profession": "district nurse"},
            reason="moved to the south locality",
            transferred_at=start + 20 * DAY,
            decided_by="mdt",
        ),
        key=key,
    )
    moved = await eventually(current, until=lambda p: p["meta"]["versionId"] == "3")
    assert moved["author"]["reference"] == "Practitioner/cm-8"
    assert (await client.get(plan_url, headers=cm8)).status_code == 200
    assert (await client.get(plan_url, headers=cm7)).status_code == 403

    await publish(
        infra,
        CaseDischarged(
            case_id=case_id,
            patient_key=key,
            reason="improved",
            decided_by="mdt",
            discharged_at=start + 25 * DAY,
        ),
        key=key,
    )
    done = await eventually(current, until=lambda p: p["status"] == "completed")
    assert done["period"]["end"] == (start + 25 * DAY).date().isoformat()
    assert {a["detail"]["status"] for a in done["activity"]} == {"cancelled"}
    assert len(await plans()) == 1

    async def emitted():
        return await topic_events(
            infra,
            Topic.CAREPLANS.value,
            lambda e: e.get("data", {}).get("careplan_id") == plan["id"],
        )

    events = await eventually(emitted, until=lambda es: len(es) >= 5, what="careplan events")
    kinds = [e["type"] for e in events]
    assert kinds.count("cch.careplan.created.v1") == 1
    assert kinds.count("cch.careplan.updated.v1") == 3
    changed = [e["data"] for e in events if e["type"] == "cch.careplan.status-changed.v1"]
    assert [(c["from_status"], c["to_status"]) for c in changed] == [("draft", "completed")]
    assert all(e["data"]["patient_key"] == key for e in events)


async def test_discharge_on_death_completes_the_end_of_life_plan_and_revokes_the_main_plan(
    infra, client, token_for
):
    case_id, key, start, gp = await _assign(infra, token_for, days_ago=10)

    async def plans():
        return await _plans_of_case(client, gp, case_id)

    main = (await eventually(plans, what="draft plan"))[0]["resource"]
    eol = {
        "resourceType": "CarePlan",
        "status": "active",
        "intent": "plan",
        "category": [
            {
                "coding": [
                    {
                        "system": "https://cch.example.nhs.uk/CodeSystem/care-plan-kind",
                        "code": "end-of-life",
                    }
                ]
            }
        ],
        "subject": main["subject"],
        "partOf": [{"reference": f"CarePlan/{main['id']}"}],
    }
    made = await client.post("/fhir/CarePlan", json=eol, headers=gp)
    assert made.status_code == 201, made.text
    await publish(
        infra,
        CaseDischarged(
            case_id=case_id,
            patient_key=key,
            reason="died",
            decided_by="mdt",
            discharged_at=start + 5 * DAY,
        ),
        key=key,
    )

    async def statuses():
        main_now = (await client.get(f"/fhir/CarePlan/{main['id']}", headers=gp)).json()
        eol_now = (await client.get(f"/fhir/CarePlan/{made.json()['id']}", headers=gp)).json()
        return main_now["status"], eol_now["status"]

    assert await eventually(statuses, until=lambda s: s[0] != "draft") == ("revoked", "completed")


async def test_a_withdrawn_case_revokes_its_drafted_plan(infra, client, token_for):
    case_id, key, start, gp = await _assign(infra, token_for, days_ago=3)

    async def plans():
        return await _plans_of_case(client, gp, case_id)

    main = (await eventually(plans, what="draft plan"))[0]["resource"]
    await publish(
        infra,
        CaseWithdrawn(
            case_id=case_id,
            referral_id=None,
            patient_key=key,
            reason="referral entered in error (wrong patient)",
            withdrawn_by="team-lead-1",
            withdrawn_at=start + DAY,
            was_waiting=False,
        ),
        key=key,
    )

    async def current():
        return (await client.get(f"/fhir/CarePlan/{main['id']}", headers=gp)).json()

    revoked = await eventually(current, until=lambda p: p["status"] != "draft")
    assert revoked["status"] == "revoked"
    assert revoked["note"][-1]["text"].startswith("Case withdrawn: referral entered in error")
