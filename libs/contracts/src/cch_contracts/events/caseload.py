"""Events from the caseload service."""

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from cch_contracts.envelope import EventPayload
from cch_contracts.registry import event
from cch_contracts.topics import Topic
from cch_contracts.vocabulary import AssignmentKind, DischargeReason, Locality, NeedLevel, Tier

_P = "caseload"


class CaseManagerRef(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    name: str
    profession: str


@event("cch.caseload.assigned.v1", topic=Topic.CASELOAD, producer=_P)
class CaseAssigned(EventPayload):
    """An accepted referral has an owner: a named case manager, a team or self-care support."""

    case_id: str
    referral_id: str | None
    patient_key: str
    nhs_number: str | None = Field(default=None, pattern=r"^\d{10}$")
    need_level: NeedLevel
    tier: Tier | None
    locality: Locality
    practice_code: str | None
    assignment_kind: AssignmentKind
    case_manager: CaseManagerRef | None = None
    team_id: str | None = None
    assigned_at: datetime
    next_review_on: date | None = None
    why: str


@event("cch.caseload.transferred.v1", topic=Topic.CASELOAD, producer=_P)
class CaseTransferred(EventPayload):
    """The MDT moved a case to another case manager or setting."""

    case_id: str
    patient_key: str
    from_owner: str
    to_owner: str
    to_setting: str | None = None
    case_manager: CaseManagerRef | None = None
    reason: str
    transferred_at: datetime
    decided_by: str | None = None


@event("cch.caseload.waitlisted.v1", topic=Topic.CASELOAD, producer=_P)
class CaseWaitlisted(EventPayload):
    """No fitting case manager had capacity: the patient waits, visibly, with the reason."""

    case_id: str
    referral_id: str | None
    patient_key: str
    need_level: NeedLevel
    tier: Tier | None
    locality: Locality
    reason: str
    waitlisted_at: datetime


@event("cch.caseload.withdrawn.v1", topic=Topic.CASELOAD, producer=_P)
class CaseWithdrawn(EventPayload):
    """A case that should not have been opened was closed: the referral was entered in error, or
    its inclusion was withdrawn or revoked and the case closed with a handover. Not a discharge;
    the case manager's capacity is released. `was_waiting`: the patient only held a waiting-list
    place. Care plans close the drafted plan."""

    case_id: str
    referral_id: str | None
    patient_key: str
    nhs_number: str | None = Field(default=None, pattern=r"^\d{10}$")
    reason: str = Field(max_length=4500)
    withdrawn_by: str
    withdrawn_at: datetime
    was_waiting: bool
    released_case_manager_id: str | None = None


@event("cch.review.due.v1", topic=Topic.CASELOAD, producer=_P)
class ReviewDue(EventPayload):
    """A case's MDT review has fallen due on its tier's schedule."""

    case_id: str
    patient_key: str
    due_on: date
    tier: Tier | None
    case_manager_id: str | None
    early: bool = False


@event("cch.caseload.plan-adjustment-requested.v1", topic=Topic.CASELOAD, producer=_P)
class PlanAdjustmentRequested(EventPayload):
    """An MDT review asked for the care plan to be adjusted."""

    case_id: str
    patient_key: str
    summary: str = Field(max_length=2000)
    requested_by: str
    requested_at: datetime
    next_review_on: date | None = None


@event("cch.caseload.discharged.v1", topic=Topic.CASELOAD, producer=_P)
class CaseDischarged(EventPayload):
    """A case left case management: improvement, patient choice or death."""

    case_id: str
    patient_key: str
    nhs_number: str | None = Field(default=None, pattern=r"^\d{10}$")
    reason: DischargeReason
    discharged_at: datetime
    decided_by: str
