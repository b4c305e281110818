"""Care plans drafted and moved on by caseload events: assigned, adjusted, discharged."""

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from careplans.adapters.tables import resource
from careplans.pathway.drafting import Tier, draft_care_plan, review_due, with_adjustment
from careplans.pathway.vocabulary import (
    CASE_ID_SYSTEM,
    NHS_NUMBER_SYSTEM,
    ODS_SYSTEM,
    PATIENT_KEY_SYSTEM,
)
from careplans.service_layer.resources import Resources
from cch_auth import Principal
from cch_auth.smart import parse_scopes
from cch_contracts.events.caseload import CaseAssigned, CaseDischarged, PlanAdjustmentRequested
from cch_messaging import MessagingUnitOfWork

TIER_SYSTEM = "https://cch.example.nhs.uk/CodeSystem/risk-tier"
PATHWAY = Principal(
    subject="careplans-pathway",
    roles=frozenset({"ehr-system"}),
    scopes=parse_scopes("system/*.cruds"),
)


class _EventClock:
    def __init__(self, at: datetime) -> None:
        self._at = at

    def now(self) -> datetime:
        return self._at


async def _find(uow: MessagingUnitOfWork, rtype: str, identifier: str) -> dict[str, Any] | None:
    row = (
        await uow.session.execute(
            sa.select(resource.c.content)
            .where(resource.c.type == rtype, resource.c.identifiers.contains([identifier]))
            .limit(1)
        )
    ).first()
    return row.content if row else None


async def plan_for_case(uow: MessagingUnitOfWork, case_id: str) -> dict[str, Any] | None:
    return await _find(uow, "CarePlan", f"{CASE_ID_SYSTEM}|{case_id}")


async def draft_plan_for_assignment(uow: MessagingUnitOfWork, event: CaseAssigned) -> None:
    """Patient (if new), CareTeam and a draft integrated plan; the same case never gets two."""
    if await plan_for_case(uow, event.case_id) is not None:
        return
    svc = Resources(uow, PATHWAY, _EventClock(event.assigned_at))
    patient = await _find(uow, "Patient", f"{PATIENT_KEY_SYSTEM}|{event.patient_key}")
    if patient is None and event.nhs_number:
        patient = await _find(uow, "Patient", f"{NHS_NUMBER_SYSTEM}|{event.nhs_number}")
    if patient is None:
        identifiers = [{"system": PATIENT_KEY_SYSTEM, "value": event.patient_key}]
        if event.nhs_number:
            identifiers.insert(0, {"system": NHS_NUMBER_SYSTEM, "value": event.nhs_number})
        patient = (await svc.create({"resourceType": "Patient", "identifier": identifiers})).content
    participants: list[dict[str, Any]] = []
    if event.case_manager:
        participants.append(
            {
                "role": [{"text": f"Care coordinator ({event.case_manager.profession})"}],
                "member": {
                    "reference": f"Practitioner/{event.case_manager.id}",
                    "display": event.case_manager.name,
                },
            }
        )
    if event.practice_code:
        participants.append(
            {
                "role": [{"text": "GP practice"}],
                "member": {
                    "reference": f"Organization/{event.practice_code}",
                    "identifier": {"system": ODS_SYSTEM, "value": event.practice_code},
                },
            }
        )
    team_body: dict[str, Any] = {
        "resourceType": "CareTeam",
        "identifier": [{"system": CASE_ID_SYSTEM, "value": event.case_id}],
        "status": "active",
        "name": f"Care team ({event.assignment_kind.value}, {event.locality.value})",
        "subject": {"reference": f"Patient/{patient['id']}"},
        "period": {"start": event.assigned_at.date().isoformat()},
    }
    if participants:
        team_body["participant"] = participants
    team = (await svc.create(team_body)).content
    tier = Tier(event.tier.value) if event.tier else None
    plan = draft_care_plan(
        case_id=event.case_id,
        patient_id=patient["id"],
        care_team_id=team["id"],
        tier=tier,
        now=event.assigned_at,
        next_review_on=event.next_review_on,
    )
    if tier:
        plan["category"].append({"coding": [{"system": TIER_SYSTEM, "code": tier.value}]})
    await svc.create(plan)


def _tier_of(plan: dict[str, Any]) -> Tier | None:
    for concept in plan.get("category", []):
        for coding in concept.get("coding", []):
            if coding.get("system") == TIER_SYSTEM:
                return Tier(coding["code"])
    return None


async def adjust_plan(uow: MessagingUnitOfWork, event: PlanAdjustmentRequested) -> None:
    plan = await plan_for_case(uow, event.case_id)
    if plan is None:
        return  # the assignment has not reached us yet; nothing to adjust
    review_on: date = event.next_review_on or review_due(
        _tier_of(plan), from_time=event.requested_at
    )
    adjusted = with_adjustment(
        plan,
        summary=event.summary,
        by=event.requested_by,
        at=event.requested_at,
        next_review_on=review_on,
    )
    svc = Resources(uow, PATHWAY, _EventClock(event.requested_at))
    await svc.update("CarePlan", plan["id"], adjusted, if_match=None)


async def complete_plan(uow: MessagingUnitOfWork, event: CaseDischarged) -> None:
    plan = await plan_for_case(uow, event.case_id)
    if plan is None or plan.get("status") in ("completed", "revoked", "entered-in-error"):
        return
    done = dict(plan)
    done["status"] = "completed"
    done["period"] = {**plan.get("period", {}), "end": event.discharged_at.date().isoformat()}
    done["note"] = [
        *plan.get("note", []),
        {"time": event.discharged_at.isoformat(), "text": f"Discharged: {event.reason.value}"},
    ]
    svc = Resources(uow, PATHWAY, _EventClock(event.discharged_at))
    await svc.update("CarePlan", plan["id"], done, if_match=None)
