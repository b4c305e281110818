"""Predictive referrals from tier changes: who reaches the MDT and who is spared a repeat review."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from referrals.domain.deduplication import ArrivalOutcome, link_or_create
from referrals.domain.exclusions import ExclusionNote
from referrals.domain.predictive import (
    PredictiveSkip,
    TierChange,
    decide_predictive_referral,
    is_newly_high,
    predictive_request,
)
from referrals.domain.vocabulary import Locality, ReferralRoute, Tier

from .conftest import START, patient

TODAY = START.date()


def change(previous: Tier | None, tier: Tier, *, run: str = "run-1") -> TierChange:
    return TierChange(
        patient=patient(1),
        practice_code="M82001",
        locality=Locality.SOUTH,
        previous_tier=previous,
        tier=tier,
        run_id=run,
        effective_at=START - timedelta(hours=1),
        top_factors=("NEL admissions", "LTC count"),
    )


@pytest.mark.parametrize(
    ("previous", "tier", "expected"),
    [
        (None, Tier.HIGHEST, True),
        (None, Tier.HIGH, True),
        (Tier.MEDIUM, Tier.HIGH, True),
        (Tier.LOW, Tier.HIGHEST, True),
        (Tier.HIGH, Tier.HIGHEST, True),
        (Tier.HIGH, Tier.HIGH, False),
        (Tier.HIGHEST, Tier.HIGH, False),
        (Tier.LOW, Tier.MEDIUM, False),
        (None, Tier.LOW, False),
    ],
)
def test_newly_high_means_rising_into_or_within_the_top_two_tiers(
    previous: Tier | None, tier: Tier, expected: bool
) -> None:
    assert is_newly_high(previous, tier) is expected


def test_patient_newly_in_high_tier_is_referred() -> None:
    decision = decide_predictive_referral(change(Tier.MEDIUM, Tier.HIGH), today=TODAY)
    assert decision.refer
    assert decision.skipped_because is None


def test_medium_or_low_tier_is_never_a_predictive_referral() -> None:
    decision = decide_predictive_referral(change(Tier.LOW, Tier.MEDIUM), today=TODAY)
    assert decision.skipped_because is PredictiveSkip.NOT_HIGH_RISK


def test_staying_in_the_same_high_tier_is_not_a_new_referral() -> None:
    decision = decide_predictive_referral(change(Tier.HIGH, Tier.HIGH), today=TODAY)
    assert decision.skipped_because is PredictiveSkip.NOT_NEWLY_HIGH


def note(excluded_on: date, review: date) -> ExclusionNote:
    return ExclusionNote.record(
        "pk-1", excluded_on=excluded_on, next_review_on=review, reason="declined"
    )


def test_excluded_patient_stays_off_until_review_date() -> None:
    held = note(date(2024, 3, 1), date(2024, 9, 1))
    decision = decide_predictive_referral(
        change(None, Tier.HIGHEST), today=TODAY, exclusion_notes=[held]
    )
    assert not decision.refer
    assert decision.skipped_because is PredictiveSkip.EXCLUDED
    assert decision.excluded_until == date(2024, 9, 1)


def test_excluded_patient_is_referred_again_on_the_review_date() -> None:
    held = note(date(2023, 10, 1), TODAY)
    decision = decide_predictive_referral(
        change(None, Tier.HIGHEST), today=TODAY, exclusion_notes=[held]
    )
    assert decision.refer


def test_case_managed_patient_is_not_referred_again() -> None:
    decision = decide_predictive_referral(
        change(Tier.MEDIUM, Tier.HIGH), today=TODAY, case_managed=True
    )
    assert decision.skipped_because is PredictiveSkip.CASE_MANAGED


def test_patient_with_an_open_referral_is_not_referred_twice() -> None:
    decision = decide_predictive_referral(
        change(Tier.MEDIUM, Tier.HIGH), today=TODAY, has_open_referral=True
    )
    assert decision.skipped_because is PredictiveSkip.OPEN_REFERRAL


def test_predictive_request_is_a_routine_plan_with_a_replay_safe_identifier() -> None:
    request = predictive_request(change(Tier.MEDIUM, Tier.HIGH, run="run-7"))
    assert request.route is ReferralRoute.PREDICTIVE
    assert request.tier is Tier.HIGH
    assert request.locality is Locality.SOUTH
    assert request.referrer_identifier is not None
    assert request.referrer_identifier.value == "run-7/pk-1"
    assert "NEL admissions" in request.note
    first = link_or_create(request, existing=[], referral_id="r1", received_at=START)
    replay = link_or_create(request, existing=[first.referral], referral_id="r2", received_at=START)
    assert replay.outcome is ArrivalOutcome.ALREADY_RECEIVED


def test_predictive_request_authored_when_the_tier_took_effect() -> None:
    request = predictive_request(change(None, Tier.HIGH))
    assert request.authored_on == START - timedelta(hours=1)
    assert isinstance(request.authored_on, datetime)
