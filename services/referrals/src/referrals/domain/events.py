"""Domain events a referral collects for the service layer to publish through the outbox."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from referrals.domain.decisions import DecisionKind
from referrals.domain.occurrence import WhenToSee
from referrals.domain.patients import PatientIdentity
from referrals.domain.reasons import CodedReason
from referrals.domain.vocabulary import (
    Locality,
    MostPressingNeed,
    NeedLevel,
    Priority,
    ReferralRoute,
    Tier,
)


@dataclass(frozen=True, slots=True, kw_only=True)
class ReferralReceived:
    """A referral arrived by any route, new or linked to the patient's open one."""

    referral_id: str
    patient: PatientIdentity
    route: ReferralRoute
    routes: tuple[ReferralRoute, ...]
    priority: Priority
    practice_code: str | None
    locality: Locality | None
    received_at: datetime
    linked_to_open_referral: bool
    reasons: tuple[CodedReason, ...]
    when_to_see: WhenToSee | None = None  # the referral's, after any linking


@dataclass(frozen=True, slots=True, kw_only=True)
class ReferralUrgent:
    """A crisis: dispatch starts the 2-hour clock at `received_at`."""

    referral_id: str
    patient: PatientIdentity
    received_at: datetime
    postcode: str
    reason: str
    locality: Locality | None


@dataclass(frozen=True, slots=True, kw_only=True)
class ReferralAccepted:
    """The MDT included the patient; caseload assigns by need level."""

    referral_id: str
    patient: PatientIdentity
    need_level: NeedLevel
    locality: Locality
    practice_code: str | None
    tier: Tier | None
    most_pressing_need: MostPressingNeed | None
    eligibility_criteria: tuple[str, ...]
    decided_by: str
    decided_at: datetime
    decision_version: int  # the triage decision's number: a later inclusion has a higher one
    when_to_see: WhenToSee | None = None  # caseload can plan the first visit by it


@dataclass(frozen=True, slots=True, kw_only=True)
class ReferralExcluded:
    """The MDT excluded the patient; stratification keeps them off the report until review."""

    referral_id: str
    patient: PatientIdentity
    reason: str
    next_review_on: date
    decided_by: str
    decided_at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class TriageReversed:
    """A decision was withdrawn; its effects (case, exclusion note) must be undone downstream.

    `new_kind` is the decision recorded in its place in the same change (None: reopened).
    """

    referral_id: str
    patient: PatientIdentity
    reversed_version: int
    reversed_kind: DecisionKind
    reason: str
    reversed_by: str
    reversed_at: datetime
    new_kind: DecisionKind | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ReferralStatusChanged:
    """The referrer withdrew it, it was put on hold or resumed, or marked entered in error."""

    referral_id: str
    patient: PatientIdentity
    previous_status: str
    status: str
    standing_decision: DecisionKind | None
    reason: str
    changed_by: str
    changed_at: datetime


DomainEvent = (
    ReferralReceived
    | ReferralUrgent
    | ReferralAccepted
    | ReferralExcluded
    | TriageReversed
    | ReferralStatusChanged
)
