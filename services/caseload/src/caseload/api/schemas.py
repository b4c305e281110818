"""Request bodies and response shapes of the caseload API."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from caseload.domain.cases import Case
from caseload.domain.vocabulary import (
    DischargeReason,
    Locality,
    Profession,
    ReviewOutcome,
    TransferSetting,
)
from caseload.domain.workforce import CaseManager, Team, TeamKind, Weekday

Id = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Skill = Annotated[
    str, StringConstraints(strip_whitespace=True, to_lower=True, min_length=1, max_length=40)
]
Reason = Annotated[str, StringConstraints(max_length=2000)]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TeamIn(_Body):
    team_id: Id
    name: Name
    locality: Locality
    kind: TeamKind = TeamKind.CASE_MANAGEMENT


class TeamPatch(_Body):
    name: Name | None = None
    lead_id: Id | None = None


class CaseManagerIn(_Body):
    manager_id: Id
    name: Name
    profession: Profession
    team_id: Id
    fte: float = Field(default=1.0, gt=0, le=1)
    working_days: list[Weekday] | None = Field(default=None, min_length=1, max_length=7)
    skills: list[Skill] = Field(default_factory=list, max_length=20)
    capacity_points: int | None = Field(default=None, ge=1, le=10_000)


class CaseManagerPatch(_Body):
    name: Name | None = None
    fte: float | None = Field(default=None, gt=0, le=1)
    working_days: list[Weekday] | None = Field(default=None, min_length=1, max_length=7)
    skills: list[Skill] | None = Field(default=None, max_length=20)
    capacity_points: int | None = Field(default=None, ge=1, le=10_000)
    active: bool | None = None


class PracticeIn(_Body):
    locality: Locality


class ReviewIn(_Body):
    outcome: ReviewOutcome
    notes: Reason = ""
    plan_summary: Reason = ""
    transfer_to_case_manager: Id | None = None
    transfer_to_setting: TransferSetting | None = None
    out_of_locality_reason: Reason | None = None
    discharge_reason: DischargeReason | None = None
    criteria_met: list[Skill] = Field(default_factory=list, max_length=10)
    next_review_in_days: int | None = Field(default=None, ge=1, le=365)


class OverrideIn(_Body):
    case_manager_id: Id
    reason: Reason
    out_of_locality_reason: Reason | None = None


class WithdrawIn(_Body):
    """Closing a case whose inclusion was withdrawn: who takes over the patient's care."""

    handover: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)
    ]


def team_view(team: Team) -> dict[str, Any]:
    return {
        "team_id": team.team_id,
        "name": team.name,
        "locality": team.locality.value,
        "kind": team.kind.value,
        "lead_id": team.lead_id,
    }


def manager_view(
    m: CaseManager, *, load_points: int | None = None, cases: int | None = None
) -> dict[str, Any]:
    view: dict[str, Any] = {
        "manager_id": m.manager_id,
        "name": m.name,
        "profession": m.profession.value,
        "team_id": m.team_id,
        "locality": m.locality.value,
        "fte": m.pattern.fte,
        "working_days": sorted(d.value for d in m.pattern.days),
        "skills": sorted(m.skills),
        "capacity_points": m.capacity_points,
        "active": m.active,
    }
    if load_points is not None:
        view["load_points"] = load_points
        view["cases"] = cases
        view["utilisation"] = round(load_points / m.capacity_points, 3)
    return view


def case_view(case: Case, *, history: bool = False) -> dict[str, Any]:
    kind = case.assignment_kind
    view: dict[str, Any] = {
        "case_id": case.case_id,
        "patient_key": case.patient_key,
        "referral_id": case.referral_id,
        "episode": case.episode,
        "follows_case_id": case.follows_case_id,
        "need_level": case.need_level.value,
        "most_pressing_need": case.most_pressing_need.value,
        "tier": case.tier.value if case.tier else None,
        "locality": case.locality.value,
        "practice_code": case.practice_code,
        "status": case.status.value,
        "assignment_kind": kind.value if kind else None,
        "owner": case.assignment.owner if case.assignment else None,
        "case_manager_id": case.case_manager_id,
        "weight": case.weight,
        "assigned_on": case.assigned_on,
        "last_review_on": case.last_review_on,
        "next_review_on": case.next_review_on,
        "early_review": case.early_review,
        "discharge_reason": case.discharge_reason.value if case.discharge_reason else None,
        "opened_at": case.opened_at,
        "closed_at": case.closed_at,
        "included_at": case.included_at,
        "referral_status": case.referral_status,
        "attention": None
        if case.attention is None
        else {
            "action": case.attention.action.value,
            "reason": case.attention.reason,
            "raised_by": case.attention.raised_by,
            "raised_at": case.attention.raised_at,
        },
    }
    if history:
        view["history"] = [
            {"at": h.at, "action": h.action, "detail": h.detail, "by": h.by} for h in case.history
        ]
    return view
