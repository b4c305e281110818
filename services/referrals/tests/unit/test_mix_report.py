"""Referral mix: route, locality and month shares, 80/20 split, outcomes and decision times."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from referrals.domain.clock import FakeClock
from referrals.domain.decisions import ExclusionReason
from referrals.domain.eligibility import CONSENT, RISK_TIER_HIGH
from referrals.domain.mix_report import percentile, referral_mix
from referrals.domain.references import practitioner
from referrals.domain.referrals import Referral
from referrals.domain.triage import exclude, include, reverse
from referrals.domain.vocabulary import Locality, NeedLevel, ReferralRoute, Tier

from .conftest import MakeReferral, MakeRequest, patient

GP = practitioner("gp")
APRIL = (date(2024, 4, 1), date(2024, 4, 30))


def cohort(referral_for: MakeReferral, predictive: int, direct: int) -> list[Referral]:
    made = []
    for n in range(predictive):
        made.append(referral_for(who=patient(n), route=ReferralRoute.PREDICTIVE, tier=Tier.HIGH))
    for n in range(direct):
        made.append(referral_for(who=patient(100 + n), route=ReferralRoute.GP))
    return made


def test_eighty_twenty_mix_is_within_expectation(referral_for: MakeReferral) -> None:
    mix = referral_mix(cohort(referral_for, 8, 2), start=APRIL[0], end=APRIL[1])
    assert mix.total == 10
    assert mix.split.predictive.count == 8
    assert mix.split.predictive.share == pytest.approx(0.8)
    assert mix.split.direct.share == pytest.approx(0.2)
    assert mix.split.deviation == pytest.approx(0.0)
    assert mix.split.within_expectation is True


def test_direct_heavy_mix_is_flagged(referral_for: MakeReferral) -> None:
    mix = referral_mix(cohort(referral_for, 5, 5), start=APRIL[0], end=APRIL[1])
    assert mix.split.deviation == pytest.approx(-0.3)
    assert mix.split.within_expectation is False


def test_empty_period_has_no_shares_and_no_verdict() -> None:
    mix = referral_mix([], start=APRIL[0], end=APRIL[1])
    assert mix.total == 0
    assert mix.by_route[ReferralRoute.GP].share == 0.0
    assert mix.split.within_expectation is None
    assert mix.decision_times.median_hours is None


def test_counts_by_route_locality_and_month(
    referral_for: MakeReferral, request_for: MakeRequest, clock: FakeClock
) -> None:
    north = referral_for(who=patient(1), route=ReferralRoute.AE_FIT)
    south = referral_for(who=patient(2), route=ReferralRoute.SELF, locality=Locality.SOUTH)
    unknown = referral_for(who=patient(3), locality=None)
    clock.advance(timedelta(days=35))
    may = referral_for(who=patient(4), route=ReferralRoute.PREDICTIVE)
    north.link(request_for(who=patient(1), route=ReferralRoute.GP), received_at=clock.now())
    mix = referral_mix([north, south, unknown, may], start=date(2024, 4, 1), end=date(2024, 5, 31))
    assert mix.by_route[ReferralRoute.AE_FIT].count == 1
    assert mix.by_route[ReferralRoute.GP].count == 1
    assert mix.arrivals_by_route[ReferralRoute.GP] == 2
    assert mix.by_locality["north"].count == 2
    assert mix.by_locality["south"].share == pytest.approx(0.25)
    assert mix.by_locality["unknown"].count == 1
    assert mix.by_locality["central"].count == 0
    assert mix.by_month["2024-04"].total.count == 3
    assert mix.by_month["2024-04"].direct == 3
    assert mix.by_month["2024-05"].predictive == 1


def test_period_bounds_and_entered_in_error_are_respected(
    referral_for: MakeReferral, clock: FakeClock
) -> None:
    inside = referral_for(who=patient(1))
    mistaken = referral_for(who=patient(2))
    mistaken.mark_entered_in_error("duplicate", at=clock.now())
    clock.advance(timedelta(days=30))
    outside = referral_for(who=patient(3))
    mix = referral_mix([inside, mistaken, outside], start=APRIL[0], end=APRIL[1])
    assert mix.total == 1
    with pytest.raises(ValueError, match="period"):
        referral_mix([], start=APRIL[1], end=APRIL[0])


def test_outcomes_and_time_to_decision(referral_for: MakeReferral, clock: FakeClock) -> None:
    included = referral_for(who=patient(1))
    excluded = referral_for(who=patient(2))
    awaiting = referral_for(who=patient(3))
    withdrawn = referral_for(who=patient(4))
    reversed_one = referral_for(who=patient(5))
    withdrawn.revoke("withdrawn", at=clock.now())
    clock.advance(timedelta(hours=10))
    include(
        included,
        need_level=NeedLevel.SEVERE,
        eligibility_criteria=[CONSENT, RISK_TIER_HIGH],
        decided_by=GP,
        clock=clock,
    )
    clock.advance(timedelta(hours=10))
    exclude(excluded, reason=ExclusionReason.DECLINED, reason_text="", decided_by=GP, clock=clock)
    exclude(
        reversed_one, reason=ExclusionReason.LOW_NEED, reason_text="", decided_by=GP, clock=clock
    )
    clock.advance(timedelta(hours=30))
    reverse(reversed_one, reason="new information", reversed_by=GP, clock=clock)
    mix = referral_mix(
        [included, excluded, awaiting, withdrawn, reversed_one], start=APRIL[0], end=APRIL[1]
    )
    outcomes = mix.outcomes
    assert (outcomes.included, outcomes.excluded, outcomes.awaiting, outcomes.withdrawn) == (
        1,
        1,
        2,
        1,
    )
    assert outcomes.reversed == 1
    assert outcomes.included_by_need[NeedLevel.SEVERE] == 1
    assert outcomes.excluded_by_reason[ExclusionReason.DECLINED] == 1
    assert mix.decision_times.decided == 3
    assert mix.decision_times.median_hours == pytest.approx(20.0)
    assert mix.decision_times.p90_hours == pytest.approx(20.0)


def test_percentile_interpolates_linearly() -> None:
    values = [1.0, 2.0, 3.0, 4.0, 10.0]
    assert percentile(values, 0.5) == 3.0
    assert percentile(values, 0.9) == pytest.approx(7.6)
    assert percentile([5.0], 0.9) == 5.0
    assert percentile([], 0.5) is None
