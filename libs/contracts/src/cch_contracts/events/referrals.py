"""Events from the referrals service."""

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from cch_contracts.envelope import EventPayload
from cch_contracts.registry import event
from cch_contracts.topics import Topic
from cch_contracts.vocabulary import Locality, NeedLevel, Priority, ReferralRoute, Tier

_P = "referrals"


class TriageOutcome(StrEnum):
    """What an MDT decision did with a referral."""

    INCLUDE = "include"
    EXCLUDE = "exclude"


class ReferralStatus(StrEnum):
    """FHIR ServiceRequest.status as a referral uses it."""

    DRAFT = "draft"
    ACTIVE = "active"
    ON_HOLD = "on-hold"
    REVOKED = "revoked"
    COMPLETED = "completed"
    ENTERED_IN_ERROR = "entered-in-error"


class CodedReason(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    system: str
    code: str
    display: str | None = None


class CrisisLocation(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    postcode: str
    easting: int | None = None
    northing: int | None = None


@event("cch.referral.received.v1", topic=Topic.REFERRALS, producer=_P)
class ReferralReceived(EventPayload):
    """A referral arrived by any route (or was linked to an open one).

    `see_from` / `see_by` say when the referrer wants the patient seen (FHIR
    ServiceRequest.occurrence[x] of the referral, after any linking): the first and last instant
    of the window, in UTC. A date the referrer gave covers the whole day (from 00:00 to the last
    microsecond of that day, UTC); one moment gives the same instant in both. Either is None when
    the window is open at that end; both None when the referrer said nothing (triage as usual).
    """

    referral_id: str
    patient_key: str
    nhs_number: str | None = Field(default=None, pattern=r"^\d{10}$")
    route: ReferralRoute
    routes: list[ReferralRoute]
    priority: Priority
    practice_code: str | None
    locality: Locality | None
    received_at: datetime
    linked_to_open_referral: bool = False
    reasons: list[CodedReason] = Field(default_factory=list)
    see_from: datetime | None = Field(
        default=None, description="Earliest instant to see the patient (None: no earliest)"
    )
    see_by: datetime | None = Field(
        default=None, description="Latest instant to see the patient (None: no deadline)"
    )


@event("cch.referral.accepted.v1", topic=Topic.REFERRALS, producer=_P)
class ReferralAccepted(EventPayload):
    """The MDT included the patient in case management at a need level.

    `see_from` / `see_by`: when the referrer wanted the patient seen, as on
    referral.received.v1 (the referral's window when the MDT decided, corrections included), so
    caseload can plan the first visit or order its waiting list by it. None when not given.

    `decision_version` numbers the MDT decision on the referral (the same numbering as
    referral.decision-reversed.v1's `reversed_version`): (referral_id, decision_version) names one
    inclusion. The MDT may backdate a decision to any time after receipt, so a re-inclusion can
    carry an earlier `decided_at` than the inclusion it follows; only the version orders them.
    Events sent before the field existed lack it: consumers fall back to `decided_at`.
    """

    referral_id: str
    patient_key: str
    nhs_number: str | None = Field(default=None, pattern=r"^\d{10}$")
    need_level: NeedLevel
    locality: Locality
    practice_code: str | None
    tier: Tier | None = None
    most_pressing_need: str | None = None
    eligibility_criteria: list[str] = Field(default_factory=list)
    decided_by: str
    decided_at: datetime
    see_from: datetime | None = Field(
        default=None, description="Earliest instant to see the patient (None: no earliest)"
    )
    see_by: datetime | None = Field(
        default=None, description="Latest instant to see the patient (None: no deadline)"
    )
    decision_version: int | None = Field(
        default=None,
        ge=1,
        description=(
            "The version number of the referral's triage decision this acceptance records; a "
            "later inclusion has a higher version (None on events sent before it was added)"
        ),
    )


@event("cch.referral.excluded.v1", topic=Topic.REFERRALS, producer=_P)
class ReferralExcluded(EventPayload):
    """The MDT excluded the patient until a next review date."""

    referral_id: str
    patient_key: str
    nhs_number: str | None = Field(default=None, pattern=r"^\d{10}$")
    reason: str
    next_review_on: date
    decided_by: str
    decided_at: datetime


@event("cch.referral.urgent.v1", topic=Topic.REFERRALS, producer=_P)
class ReferralUrgent(EventPayload):
    """A crisis needing a rapid response: dispatch starts the 2-hour clock at receipt."""

    referral_id: str
    patient_key: str
    nhs_number: str | None = Field(default=None, pattern=r"^\d{10}$")
    received_at: datetime
    location: CrisisLocation
    reason: str = Field(max_length=1000)
    skills_needed: list[str] = Field(default_factory=list)
    locality: Locality | None = None


@event("cch.referral.decision-reversed.v1", topic=Topic.REFERRALS, producer=_P)
class ReferralDecisionReversed(EventPayload):
    """The MDT withdrew its standing include or exclude decision, with who, when and why.

    `new_decision` is the decision recorded in its place in the same transaction (None: the
    referral is open again and back on the worklist). A new inclusion or exclusion also goes out
    as its own referral.accepted.v1 / referral.excluded.v1, so consumers of those act unchanged.
    What consumers should do with the withdrawn decision:
    - previous_decision include: the patient was never meant to be on a caseload through this
      referral. Caseload must not drop them silently (visits may have happened): it flags the case
      for the case manager to close with a safe handover, unless a new inclusion for the same
      referral follows (then the case stays, at the new need level).
    - previous_decision exclude: the exclusion note no longer holds; stratification puts the
      patient back on the predictive report from `reversed_at`.
    """

    referral_id: str
    patient_key: str
    nhs_number: str | None = Field(default=None, pattern=r"^\d{10}$")
    reversed_version: int = Field(ge=1)
    previous_decision: TriageOutcome
    new_decision: TriageOutcome | None = None
    reason: str = Field(min_length=1, max_length=2000)
    reversed_by: str
    reversed_at: datetime


@event("cch.referral.status-changed.v1", topic=Topic.REFERRALS, producer=_P)
class ReferralStatusChanged(EventPayload):
    """A referral's status changed other than by an MDT decision: put on hold, resumed, withdrawn
    by the referrer (revoked) or marked entered-in-error.

    entered-in-error means the referral should never have existed (usually the wrong patient):
    every effect of it must be undone. When `standing_decision` is include, caseload withdraws the
    case opened from it for review by the case manager; when exclude, stratification drops the
    exclusion note so the patient is not hidden from the report by someone else's referral.
    """

    referral_id: str
    patient_key: str
    nhs_number: str | None = Field(default=None, pattern=r"^\d{10}$")
    previous_status: ReferralStatus
    status: ReferralStatus
    standing_decision: TriageOutcome | None = None
    reason: str = Field(max_length=2000)
    changed_by: str
    changed_at: datetime
