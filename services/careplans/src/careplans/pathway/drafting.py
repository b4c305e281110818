"""Draft care plans from the pathway: the Bromley tier decides activities, review and owner."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from careplans.pathway.vocabulary import (
    CASE_ID_SYSTEM,
    PLAN_KIND_DISPLAY,
    PLAN_KIND_SYSTEM,
    PlanKind,
)


class Tier(StrEnum):
    HIGHEST = "highest"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class Screening(StrEnum):
    FALLS = "falls"
    DEMENTIA = "dementia"
    MEDICINES = "medicines-management"
    END_OF_LIFE = "end-of-life"


SCREENING_TEXT = {
    Screening.FALLS: "Falls screening",
    Screening.DEMENTIA: "Dementia screening",
    Screening.MEDICINES: "Medicines management review",
    Screening.END_OF_LIFE: "End of life screening",
}

_BASE = (Screening.FALLS, Screening.DEMENTIA, Screening.MEDICINES)


@dataclass(frozen=True)
class TierPlanning:
    """One row of the Bromley table as it shapes a care plan."""

    screening: tuple[Screening, ...]
    review_interval: timedelta
    owner: str


# Highest is "as required": the platform floors it at two-weekly; high "monthly to six-weekly".
TIER_PLANNING: dict[Tier, TierPlanning] = {
    Tier.HIGHEST: TierPlanning(
        (*_BASE, Screening.END_OF_LIFE),
        timedelta(days=14),
        "End of Life coordination services or community matron",
    ),
    Tier.HIGH: TierPlanning(
        (*_BASE, Screening.END_OF_LIFE),
        timedelta(days=28),
        "Integrated care team, initially assessed by the case manager",
    ),
    Tier.MEDIUM: TierPlanning(_BASE, timedelta(days=91), "Primary and community care"),
    Tier.LOW: TierPlanning(_BASE, timedelta(days=365), "Self-care led care planning"),
}

SCREENING_SYSTEM = "https://cch.example.nhs.uk/CodeSystem/screening"
MDT_REVIEW_TEXT = "MDT review"


def review_due(tier: Tier | None, *, from_time: datetime) -> date:
    """When the next MDT review falls due for a tier (no tier: treated as medium)."""
    planning = TIER_PLANNING[tier or Tier.MEDIUM]
    return (from_time + planning.review_interval).date()


def draft_care_plan(
    *,
    case_id: str,
    patient_id: str,
    care_team_id: str,
    tier: Tier | None,
    now: datetime,
    next_review_on: date | None = None,
) -> dict[str, Any]:
    """A draft integrated CarePlan with the tier's screening and an MDT review activity."""
    planning = TIER_PLANNING[tier or Tier.MEDIUM]
    review_on = next_review_on or review_due(tier, from_time=now)
    activities: list[dict[str, Any]] = [
        {
            "detail": {
                "kind": "ServiceRequest",
                "code": {
                    "coding": [
                        {"system": SCREENING_SYSTEM, "code": s.value, "display": SCREENING_TEXT[s]}
                    ],
                    "text": SCREENING_TEXT[s],
                },
                "status": "not-started",
                "description": f"{SCREENING_TEXT[s]} at each appointment or assessment",
            }
        }
        for s in planning.screening
    ]
    activities.append(mdt_review_activity(review_on))
    return {
        "resourceType": "CarePlan",
        "identifier": [{"system": CASE_ID_SYSTEM, "value": case_id}],
        "status": "draft",
        "intent": "plan",
        "category": [plan_kind_concept(PlanKind.INTEGRATED)],
        "title": "Integrated care plan",
        "subject": {"reference": f"Patient/{patient_id}"},
        "period": {"start": now.date().isoformat()},
        "created": now.isoformat(),
        "careTeam": [{"reference": f"CareTeam/{care_team_id}"}],
        "activity": activities,
        "note": [{"time": now.isoformat(), "text": f"Care plan owner: {planning.owner}"}],
    }


def mdt_review_activity(on: date) -> dict[str, Any]:
    return {
        "detail": {
            "kind": "Appointment",
            "code": {"text": MDT_REVIEW_TEXT},
            "status": "scheduled",
            "scheduledPeriod": {"start": on.isoformat()},
        }
    }


def plan_kind_concept(kind: PlanKind) -> dict[str, Any]:
    return {
        "coding": [
            {"system": PLAN_KIND_SYSTEM, "code": kind.value, "display": PLAN_KIND_DISPLAY[kind]}
        ]
    }


def with_adjustment(
    plan: dict[str, Any], *, summary: str, by: str, at: datetime, next_review_on: date
) -> dict[str, Any]:
    """The plan with the MDT's adjustment noted and its review moved."""
    adjusted = dict(plan)
    adjusted["note"] = [
        *plan.get("note", []),
        {"time": at.isoformat(), "authorString": by, "text": summary},
    ]
    activities = [
        a
        for a in plan.get("activity", [])
        if a.get("detail", {}).get("code", {}).get("text") != MDT_REVIEW_TEXT
    ]
    adjusted["activity"] = [*activities, mdt_review_activity(next_review_on)]
    return adjusted
