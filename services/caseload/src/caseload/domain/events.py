"""Domain events a case collects for the service layer to publish through the outbox."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from caseload.domain.vocabulary import (
    AssignmentKind,
    DischargeReason,
    Locality,
    NeedLevel,
    Profession,
    Tier,
    TransferSetting,
)


@dataclass(frozen=True, slots=True)
class CaseManagerSummary:
    """Who a case went to, as the events name them."""

    manager_id: str
    name: str
    profession: Profession


@dataclass(frozen=True, slots=True, kw_only=True)
class CaseAssigned:
    """An accepted referral has an owner: a named case manager, a team or self-care support."""

    case_id: str
    patient_key: str
    referral_id: str | None
    need_level: NeedLevel
    tier: Tier | None
    locality: Locality
    practice_code: str | None
    assignment_kind: AssignmentKind
    case_manager: CaseManagerSummary | None
    team_id: str | None
    assigned_at: datetime
    next_review_on: date | None
    why: str
    overridden: bool = False
    from_waiting_list: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class CaseWaitlisted:
    """A severe-need patient waits: no fitting case manager in the locality has capacity."""

    case_id: str
    patient_key: str
    referral_id: str | None
    need_level: NeedLevel
    tier: Tier | None
    locality: Locality
    reason: str
    waitlisted_at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class CaseTransferred:
    """The MDT moved a case to another case manager or setting."""

    case_id: str
    patient_key: str
    from_owner: str
    to_owner: str
    to_setting: TransferSetting | None
    case_manager: CaseManagerSummary | None
    reason: str
    decided_by: str
    transferred_at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class ReviewDue:
    """A case's MDT review fell due on its tier's schedule (or early, on a rise to Highest)."""

    case_id: str
    patient_key: str
    due_on: date
    tier: Tier | None
    case_manager_id: str | None
    early: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class PlanAdjustmentRequested:
    """An MDT review asked for the care plan to be adjusted."""

    case_id: str
    patient_key: str
    summary: str
    requested_by: str
    requested_at: datetime
    next_review_on: date | None


@dataclass(frozen=True, slots=True, kw_only=True)
class CaseDischarged:
    """A case left case management: improvement, patient choice or death."""

    case_id: str
    patient_key: str
    reason: DischargeReason
    discharged_at: datetime
    decided_by: str
    criteria_met: tuple[str, ...] = ()
    released_case_manager_id: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class CaseWithdrawn:
    """A case that should not have been opened was closed: not a discharge, capacity released.

    The referral was entered in error, or its inclusion was withdrawn and the case closed with a
    handover; `was_waiting` when the patient only held a waiting-list place.
    """

    case_id: str
    patient_key: str
    referral_id: str | None
    reason: str
    withdrawn_by: str
    withdrawn_at: datetime
    was_waiting: bool
    released_case_manager_id: str | None = None


DomainEvent = (
    CaseAssigned
    | CaseWaitlisted
    | CaseTransferred
    | ReviewDue
    | PlanAdjustmentRequested
    | CaseDischarged
    | CaseWithdrawn
)
