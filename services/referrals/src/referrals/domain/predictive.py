"""Predictive referrals: a tier change from stratification that should reach the MDT.

A patient newly in the Highest or High tier (first scored there, or risen into or within the
top two tiers) becomes a predictive referral, unless the MDT's exclusion note still holds
(today < next review), they are already case managed, or they already have an open referral
(which the MDT will see anyway). A fall, or staying in the same tier, refers nobody.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from referrals.domain.exclusions import ExclusionNote, governing_note
from referrals.domain.patients import PatientIdentity
from referrals.domain.references import Reference, organisation
from referrals.domain.referral_requests import ReferralRequest, ReferrerIdentifier
from referrals.domain.vocabulary import (
    PREDICTIVE_REFERRAL_SYSTEM,
    Locality,
    ReferralRoute,
    Tier,
    tier_rank,
)

REFERRAL_TIERS = frozenset({Tier.HIGHEST, Tier.HIGH})

# The programme's risk stratification service requests predictive referrals.
PREDICTIVE_REQUESTER: Reference = organisation("cch-risk-stratification")


@dataclass(frozen=True, slots=True, kw_only=True)
class TierChange:
    """What a `patient.tier-changed` event tells us about one patient."""

    patient: PatientIdentity
    practice_code: str
    locality: Locality
    previous_tier: Tier | None
    tier: Tier
    run_id: str
    effective_at: datetime
    top_factors: Sequence[str] = field(default_factory=tuple)


class PredictiveSkip(StrEnum):
    """Why a tier change made no referral."""

    NOT_HIGH_RISK = "not-high-risk"
    NOT_NEWLY_HIGH = "not-newly-high"
    EXCLUDED = "excluded"
    CASE_MANAGED = "case-managed"
    OPEN_REFERRAL = "open-referral"


@dataclass(frozen=True, slots=True)
class PredictiveDecision:
    """Refer or not, and why not (with the exclusion's review date when that is the reason)."""

    refer: bool
    skipped_because: PredictiveSkip | None = None
    excluded_until: date | None = None


def is_newly_high(previous: Tier | None, tier: Tier) -> bool:
    """Entered the Highest or High tier, or rose from High to Highest."""
    if tier not in REFERRAL_TIERS:
        return False
    return previous is None or tier_rank(tier) < tier_rank(previous)


def decide_predictive_referral(
    change: TierChange,
    *,
    today: date,
    exclusion_notes: Iterable[ExclusionNote] = (),
    case_managed: bool = False,
    has_open_referral: bool = False,
) -> PredictiveDecision:
    """Whether this tier change should put the patient in front of the MDT."""
    if change.tier not in REFERRAL_TIERS:
        return PredictiveDecision(False, PredictiveSkip.NOT_HIGH_RISK)
    if not is_newly_high(change.previous_tier, change.tier):
        return PredictiveDecision(False, PredictiveSkip.NOT_NEWLY_HIGH)
    note = governing_note(exclusion_notes, today)
    if note is not None and note.holds(today):
        return PredictiveDecision(False, PredictiveSkip.EXCLUDED, note.next_review_on)
    if case_managed:
        return PredictiveDecision(False, PredictiveSkip.CASE_MANAGED)
    if has_open_referral:
        return PredictiveDecision(False, PredictiveSkip.OPEN_REFERRAL)
    return PredictiveDecision(True)


def predictive_request(change: TierChange) -> ReferralRequest:
    """The referral a qualifying tier change makes; its identifier makes replays harmless."""
    factors = ", ".join(change.top_factors)
    return ReferralRequest(
        patient=change.patient,
        route=ReferralRoute.PREDICTIVE,
        requester=PREDICTIVE_REQUESTER,
        authored_on=change.effective_at,
        practice_code=change.practice_code,
        locality=change.locality,
        tier=change.tier,
        referrer_identifier=ReferrerIdentifier(
            PREDICTIVE_REFERRAL_SYSTEM, f"{change.run_id}/{change.patient.patient_key}"
        ),
        note=f"Risk stratification run {change.run_id}: {change.tier.value} tier"
        + (f" (top factors: {factors})" if factors else ""),
    )
