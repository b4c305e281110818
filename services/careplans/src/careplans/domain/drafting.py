"""A draft integrated plan and its care team, opened when caseload assigns a patient.

The plan is FHIR R4 JSON (plain dicts): status draft, intent plan, category integrated, the
tier's screening items as not-started activities, an 'MDT review' activity scheduled at the
tier's frequency, the plan owner in a note and an extension, the case manager as author and as
the care team's care coordinator.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from careplans.domain.errors import InvalidAssignment
from careplans.domain.nhs_number import NHS_NUMBER_SYSTEM, is_valid_nhs_number
from careplans.domain.tier_plans import (
    MDT_REVIEW_CODE,
    MDT_REVIEW_TEXT,
    PLAN_ACTIVITY_SYSTEM,
    SCREENING_TEXT,
    TIER_PLANS,
    Screening,
    next_review_on,
)
from careplans.domain.vocabulary import (
    CASE_ID_SYSTEM,
    PLAN_KIND_DISPLAY,
    PLAN_KIND_SYSTEM,
    Locality,
    PlanKind,
    Tier,
)

CARE_TEAM_ROLE_SYSTEM = "https://cch.example.nhs.uk/CodeSystem/care-team-role"
PLAN_OWNER_EXTENSION = "https://cch.example.nhs.uk/StructureDefinition/care-plan-owner"
RISK_TIER_EXTENSION = "https://cch.example.nhs.uk/StructureDefinition/risk-tier"
LOCALITY_EXTENSION = "https://cch.example.nhs.uk/StructureDefinition/locality"

Json = dict[str, Any]


@dataclass(frozen=True, slots=True)
class CaseManager:
    """The named case manager who coordinates the plan."""

    practitioner_id: str
    name: str
    profession: str


@dataclass(frozen=True, slots=True)
class TeamMember:
    """Anyone else on the team: a practitioner or an organisation, with their role."""

    reference: str  # Practitioner/<id>, PractitionerRole/<id> or Organization/<id>
    role: str
    display: str | None = None


@dataclass(frozen=True, slots=True)
class GpPractice:
    """The patient's registered practice (Organization id is the ODS code)."""

    organisation_id: str
    name: str | None = None


@dataclass(frozen=True, slots=True)
class PlanAssignment:
    """What caseload's assignment tells careplans (caseload.assigned)."""

    patient_id: str
    tier: Tier
    case_manager: CaseManager | None
    gp_practice: GpPractice | None
    locality: Locality
    assigned_at: datetime
    nhs_number: str | None = None
    case_id: str | None = None
    next_review_on: date | None = None  # caseload's schedule wins when it sent one
    others: tuple[TeamMember, ...] = ()


@dataclass(frozen=True, slots=True)
class DraftPlan:
    """The resources to create together, care team first (the plan refers to it)."""

    care_team: Json
    care_plan: Json


def coding(system: str, code: str, display: str | None = None) -> Json:
    """A FHIR Coding without empty elements."""
    item: Json = {"system": system, "code": code}
    if display:
        item["display"] = display
    return item


def _subject(assignment: PlanAssignment) -> Json:
    subject: Json = {"reference": f"Patient/{assignment.patient_id}"}
    if assignment.nhs_number:
        subject["identifier"] = {"system": NHS_NUMBER_SYSTEM, "value": assignment.nhs_number}
    return subject


def _role(code: str, text: str) -> list[Json]:
    return [{"coding": [coding(CARE_TEAM_ROLE_SYSTEM, code)], "text": text}]


def _validate(assignment: PlanAssignment) -> None:
    if assignment.assigned_at.tzinfo is None:
        raise InvalidAssignment("assigned_at must be an aware UTC datetime")
    if assignment.nhs_number is not None and not is_valid_nhs_number(assignment.nhs_number):
        raise InvalidAssignment(f"{assignment.nhs_number!r} is not a valid NHS number")
    if not assignment.patient_id:
        raise InvalidAssignment("a patient id is required")


def draft_care_team(assignment: PlanAssignment, *, team_id: str) -> Json:
    """Case manager as care coordinator, the GP practice, then anyone else named."""
    start = assignment.assigned_at.astimezone(UTC).date().isoformat()
    participants: list[Json] = []
    manager = assignment.case_manager
    if manager is not None:
        participants.append(
            {
                "role": _role(
                    "care-coordinator", f"Care coordinator (case manager, {manager.profession})"
                ),
                "member": {
                    "reference": f"Practitioner/{manager.practitioner_id}",
                    "display": manager.name,
                },
                "period": {"start": start},
            }
        )
    practice = assignment.gp_practice
    gp: Json | None = None
    if practice is not None:
        gp = {"reference": f"Organization/{practice.organisation_id}"}
        if practice.name:
            gp["display"] = practice.name
        participants.append(
            {
                "role": _role("gp-practice", "Registered GP practice"),
                "member": gp,
                "period": {"start": start},
            }
        )
    for other in assignment.others:
        member: Json = {"reference": other.reference}
        if other.display:
            member["display"] = other.display
        participants.append(
            {"role": _role("member", other.role), "member": member, "period": {"start": start}}
        )
    team: Json = {
        "resourceType": "CareTeam",
        "id": team_id,
        "status": "active",
        "name": "Integrated care team",
        "subject": _subject(assignment),
        "period": {"start": start},
    }
    if assignment.case_id:
        team["identifier"] = [{"system": CASE_ID_SYSTEM, "value": assignment.case_id}]
    if participants:
        team["participant"] = participants
    if gp is not None:
        team["managingOrganization"] = [gp]
    return team


def screening_activity(item: Screening, *, when: str, start: date) -> Json:
    """A proactive screening item, not started, due at each contact from the assignment."""
    return {
        "detail": {
            "kind": "Task",
            "code": {
                "coding": [coding(PLAN_ACTIVITY_SYSTEM, item.value, SCREENING_TEXT[item])],
                "text": SCREENING_TEXT[item],
            },
            "status": "not-started",
            "scheduledTiming": {
                "repeat": {"boundsPeriod": {"start": start.isoformat()}},
                "code": {"text": when},
            },
            "description": f"{SCREENING_TEXT[item]}: {when.lower()}",
        }
    }


def review_activity(tier: Tier, *, due_on: date) -> Json:
    """The MDT review, scheduled for its next date and repeating at the tier's frequency."""
    plan = TIER_PLANS[tier]
    repeat: Json = {"frequency": 1, "period": plan.review_days, "periodUnit": "d"}
    if plan.review_max_days != plan.review_days:
        repeat["periodMax"] = plan.review_max_days
    return {
        "detail": {
            "kind": "Appointment",
            "code": {
                "coding": [coding(PLAN_ACTIVITY_SYSTEM, MDT_REVIEW_CODE, MDT_REVIEW_TEXT)],
                "text": MDT_REVIEW_TEXT,
            },
            "status": "scheduled",
            "scheduledTiming": {
                "event": [due_on.isoformat()],
                "repeat": repeat,
                "code": {"text": plan.review_label},
            },
            "description": f"MDT review: {plan.review_label.lower()}",
        }
    }


def draft_plan(assignment: PlanAssignment, *, new_id: Callable[[], str]) -> DraftPlan:
    """The draft integrated plan and care team for a newly assigned patient."""
    _validate(assignment)
    tier_plan = TIER_PLANS[assignment.tier]
    assigned = assignment.assigned_at.astimezone(UTC)
    start = assigned.date()
    team_id, plan_id = new_id(), new_id()
    due = assignment.next_review_on or next_review_on(assignment.tier, reviewed_on=start)
    manager = assignment.case_manager
    owner = tier_plan.owner + (f" (case manager: {manager.name})" if manager else "")
    plan: Json = {
        "resourceType": "CarePlan",
        "id": plan_id,
        "extension": [
            {"url": PLAN_OWNER_EXTENSION, "valueString": owner},
            {"url": RISK_TIER_EXTENSION, "valueCode": assignment.tier.value},
            {"url": LOCALITY_EXTENSION, "valueCode": assignment.locality.value},
        ],
        "status": "draft",
        "intent": "plan",
        "category": [
            {
                "coding": [
                    coding(
                        PLAN_KIND_SYSTEM,
                        PlanKind.INTEGRATED,
                        PLAN_KIND_DISPLAY[PlanKind.INTEGRATED],
                    )
                ],
                "text": PLAN_KIND_DISPLAY[PlanKind.INTEGRATED],
            }
        ],
        "title": PLAN_KIND_DISPLAY[PlanKind.INTEGRATED],
        "description": f"Draft plan for the {assignment.tier.value} risk tier, to be agreed "
        "by the case management team, GP and providers",
        "subject": _subject(assignment),
        "period": {"start": start.isoformat()},
        "created": assigned.isoformat().replace("+00:00", "Z"),
        "careTeam": [{"reference": f"CareTeam/{team_id}"}],
        "note": [
            {
                "time": assigned.isoformat().replace("+00:00", "Z"),
                "text": f"Plan owner: {owner}. Review: {tier_plan.review_label.lower()}.",
            }
        ],
        "activity": [
            *(
                screening_activity(item, when=tier_plan.screening_when, start=start)
                for item in tier_plan.screening
            ),
            review_activity(assignment.tier, due_on=due),
        ],
    }
    if assignment.case_id:
        plan["identifier"] = [{"system": CASE_ID_SYSTEM, "value": assignment.case_id}]
    if manager is not None:
        plan["author"] = {
            "reference": f"Practitioner/{manager.practitioner_id}",
            "display": manager.name,
        }
    elif assignment.gp_practice is not None:
        plan["author"] = {"reference": f"Organization/{assignment.gp_practice.organisation_id}"}
    return DraftPlan(draft_care_team(assignment, team_id=team_id), plan)
