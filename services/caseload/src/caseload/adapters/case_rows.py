"""Rows of the cases and waiting_list tables <-> the domain's cases and waiting entries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from caseload.domain.attention import Attention
from caseload.domain.capacity import case_weight
from caseload.domain.cases import Case, CaseHistoryEntry
from caseload.domain.ownership import Assignment
from caseload.domain.vocabulary import (
    AssignmentKind,
    AttentionAction,
    CaseStatus,
    DischargeReason,
    Locality,
    MostPressingNeed,
    NeedLevel,
    Tier,
)
from caseload.domain.waiting_list import WaitingEntry


@dataclass(frozen=True, slots=True)
class OpenCaseLoad:
    """The columns of an open case the load ledger needs (no history, no schedule)."""

    case_id: str
    patient_key: str
    locality: Locality
    need_level: NeedLevel
    status: CaseStatus
    tier: Tier | None
    assignment_kind: AssignmentKind | None
    owner_id: str | None

    @property
    def weight(self) -> int:
        return case_weight(self.tier)


def tier_of(value: str | None) -> Tier | None:
    return Tier(value) if value else None


def case_from_row(row: Any) -> Case:
    kind = AssignmentKind(row.assignment_kind) if row.assignment_kind else None
    owner = row.case_manager_id if kind is AssignmentKind.CASE_MANAGER else row.team_id
    return Case(
        case_id=row.case_id,
        patient_key=row.patient_key,
        need_level=NeedLevel(row.need_level),
        locality=Locality(row.locality),
        most_pressing_need=MostPressingNeed(row.most_pressing_need),
        opened_at=row.opened_at,
        tier=tier_of(row.tier),
        practice_code=row.practice_code,
        referral_id=row.referral_id,
        status=CaseStatus(row.status),
        assignment=Assignment(kind, owner) if kind else None,
        assigned_on=row.assigned_on,
        review_interval_days=row.review_interval_days,
        last_review_on=row.last_review_on,
        next_review_on=row.next_review_on,
        review_due_notified_on=row.review_announced_for,
        early_review=row.early_review,
        discharge_reason=DischargeReason(row.discharge_reason) if row.discharge_reason else None,
        closed_at=row.closed_at,
        included_at=row.included_at,
        included_version=row.included_version,
        referral_status=row.referral_status,
        attention=attention_from_json(row.attention),
        episode=row.referral_episode,
        follows_case_id=row.follows_case_id,
        history=[
            CaseHistoryEntry(datetime.fromisoformat(h["at"]), h["action"], h["detail"], h.get("by"))
            for h in row.history
        ],
    )


def case_values(case: Case) -> dict[str, Any]:
    kind = case.assignment_kind
    return {
        "case_id": case.case_id,
        "patient_key": case.patient_key,
        "referral_id": case.referral_id,
        "need_level": case.need_level.value,
        "most_pressing_need": case.most_pressing_need.value,
        "tier": case.tier.value if case.tier else None,
        "locality": case.locality.value,
        "practice_code": case.practice_code,
        "status": case.status.value,
        "assignment_kind": kind.value if kind else None,
        "case_manager_id": case.case_manager_id,
        "team_id": case.owner_id if kind is AssignmentKind.INTEGRATED_TEAM else None,
        "assigned_on": case.assigned_on,
        "review_interval_days": case.review_interval_days,
        "last_review_on": case.last_review_on,
        "next_review_on": case.next_review_on,
        "review_announced_for": case.review_due_notified_on,
        "early_review": case.early_review,
        "discharge_reason": case.discharge_reason.value if case.discharge_reason else None,
        "opened_at": case.opened_at,
        "closed_at": case.closed_at,
        "included_at": case.included_at,
        "included_version": case.included_version,
        "referral_status": case.referral_status,
        "attention": attention_json(case.attention),
        "referral_episode": case.episode,
        "follows_case_id": case.follows_case_id,
        "history": [
            {"at": h.at.isoformat(), "action": h.action, "detail": h.detail, "by": h.by}
            for h in case.history
        ],
    }


def attention_json(flag: Attention | None) -> dict[str, Any] | None:
    if flag is None:
        return None
    return {
        "action": flag.action.value,
        "reason": flag.reason,
        "raised_by": flag.raised_by,
        "raised_at": flag.raised_at.isoformat(),
        "cause": flag.cause,
        "withdrawn_version": flag.withdrawn_version,
    }


def attention_from_json(value: dict[str, Any] | None) -> Attention | None:
    if not value:
        return None
    return Attention(
        action=AttentionAction(value["action"]),
        reason=value["reason"],
        raised_by=value["raised_by"],
        raised_at=datetime.fromisoformat(value["raised_at"]),
        cause=value["cause"],
        withdrawn_version=value.get("withdrawn_version"),  # absent on flags stored before it
    )


def waiting_values(entry: WaitingEntry) -> dict[str, Any]:
    return {
        "case_id": entry.case_id,
        "patient_key": entry.patient_key,
        "locality": entry.locality.value,
        "most_pressing_need": entry.most_pressing_need.value,
        "tier": entry.tier.value if entry.tier else None,
        "waitlisted_at": entry.waitlisted_at,
        "reason": entry.reason,
        "on_hold": entry.on_hold,
    }


def waiting_entry_from_row(row: Any) -> WaitingEntry:
    return WaitingEntry(
        case_id=row.case_id,
        patient_key=row.patient_key,
        locality=Locality(row.locality),
        most_pressing_need=MostPressingNeed(row.most_pressing_need),
        tier=tier_of(row.tier),
        waitlisted_at=row.waitlisted_at,
        reason=row.reason,
        sequence=row.sequence,
        on_hold=row.on_hold,
    )
