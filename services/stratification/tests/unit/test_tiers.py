"""Tiers: the Bromley offer per tier, and percentile cut-offs among the eligible population."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from stratification.domain.errors import InvalidTierPolicy
from stratification.domain.tiers import (
    TIER_OFFERS,
    UNTIERED,
    RapidResponseAccess,
    ReviewFrequency,
    Screening,
    Tier,
    TierPolicy,
    assign_tiers,
    risk_percentiles,
    tier_population,
)


def test_tier_values_are_the_shared_vocabulary() -> None:
    assert [t.value for t in Tier] == ["highest", "high", "medium", "low"]


def test_shropshire_labels_are_for_reporting_only() -> None:
    assert {t: t.shropshire_label for t in Tier} == {
        Tier.HIGHEST: "severe",
        Tier.HIGH: "moderate",
        Tier.MEDIUM: "mild",
        Tier.LOW: "mild",
    }


def test_bromley_table_review_frequency_and_interval_per_tier() -> None:
    rows = {
        t: (o.review_frequency, o.review_interval.earliest_days, o.review_interval.latest_days)
        for t, o in TIER_OFFERS.items()
    }
    assert rows == {
        Tier.HIGHEST: (ReviewFrequency.AS_REQUIRED, 1, 14),
        Tier.HIGH: (ReviewFrequency.MONTHLY_TO_SIX_WEEKLY, 28, 42),
        Tier.MEDIUM: (ReviewFrequency.QUARTERLY, 91, 91),
        Tier.LOW: (ReviewFrequency.ANNUALLY, 365, 365),
    }


def test_only_highest_and_high_are_actively_case_managed_and_all_may_call_rapid_response() -> None:
    assert [t for t, o in TIER_OFFERS.items() if o.active_case_management] == [
        Tier.HIGHEST,
        Tier.HIGH,
    ]
    assert TIER_OFFERS[Tier.HIGH].rapid_response is RapidResponseAccess.YES
    assert TIER_OFFERS[Tier.LOW].rapid_response is RapidResponseAccess.YES_UNLIKELY_TO_NEED


def test_end_of_life_screening_only_in_the_two_highest_tiers() -> None:
    with_eol = [t for t, o in TIER_OFFERS.items() if Screening.END_OF_LIFE in o.proactive_screening]
    assert with_eol == [Tier.HIGHEST, Tier.HIGH]
    assert TIER_OFFERS[Tier.LOW].proactive_screening == (
        Screening.FALLS,
        Screening.DEMENTIA,
        Screening.MEDICINES_MANAGEMENT,
    )


def test_next_high_tier_review_falls_due_six_weeks_after_the_last() -> None:
    assert Tier.HIGH.offer.review_interval.next_due(date(2026, 1, 1)) == date(2026, 2, 12)


def test_kaiser_policy_puts_top_half_percent_in_highest_of_a_thousand() -> None:
    scores = np.arange(1000, dtype=np.float64) / 1000
    eligible = np.ones(1000, dtype=np.bool_)
    result = assign_tiers(scores, eligible, TierPolicy.kaiser())
    assert result.counts == {Tier.HIGHEST: 5, Tier.HIGH: 15, Tier.MEDIUM: 80, Tier.LOW: 900}
    assert result.tier_of(999) is Tier.HIGHEST
    assert result.tier_of(995) is Tier.HIGHEST
    assert result.tier_of(994) is Tier.HIGH
    assert result.tier_of(899) is Tier.LOW
    assert result.lowest_score[Tier.HIGHEST] == pytest.approx(0.995)


def test_default_policy_sizes_highest_and_high_to_the_seeds_twelve_percent() -> None:
    scores = np.linspace(0, 1, 10_000)
    result = assign_tiers(scores, np.ones(10_000, dtype=np.bool_), TierPolicy())
    assert result.counts[Tier.HIGHEST] == 200
    assert result.counts[Tier.HIGHEST] + result.counts[Tier.HIGH] == 1200
    assert result.counts[Tier.MEDIUM] == 2800


def test_percentiles_are_computed_among_the_eligible_only() -> None:
    # The under-65 with the highest score is not tiered and does not push anyone down.
    scores = np.array([0.9, 0.1, 0.2, 0.3, 0.99])
    eligible = np.array([True, True, True, True, False])
    result = assign_tiers(scores, eligible, TierPolicy(70.0, 50.0, 25.0))
    assert [result.tier_of(i) for i in range(5)] == [
        Tier.HIGHEST,
        Tier.LOW,
        Tier.MEDIUM,
        Tier.HIGH,
        None,
    ]
    assert result.codes[4] == UNTIERED
    assert np.isnan(risk_percentiles(scores, eligible)[4])


def test_tied_scores_share_a_tier_and_never_inflate_it() -> None:
    scores = np.array([0.5] * 10)
    result = assign_tiers(scores, np.ones(10, dtype=np.bool_), TierPolicy())
    assert result.counts[Tier.LOW] == 10


def test_eligibility_is_65_and_over_by_default() -> None:
    assert TierPolicy().eligible(np.array([64, 65, 90])).tolist() == [False, True, True]


@pytest.mark.parametrize(
    ("highest", "high", "medium"),
    [(98.0, 99.0, 60.0), (100.0, 88.0, 60.0), (98.0, 88.0, 0.0), (98.0, 88.0, 88.0)],
)
def test_unordered_or_out_of_range_percentiles_are_refused(
    highest: float, high: float, medium: float
) -> None:
    with pytest.raises(InvalidTierPolicy):
        TierPolicy(highest, high, medium)


def test_unscored_eligible_person_is_refused() -> None:
    with pytest.raises(InvalidTierPolicy):
        assign_tiers(np.array([np.nan, 0.1]), np.array([True, True]), TierPolicy())


def test_a_million_people_are_tiered_in_one_pass() -> None:
    rng = np.random.default_rng(1)
    scores = rng.random(1_000_000)
    result = assign_tiers(scores, rng.random(1_000_000) < 0.25, TierPolicy())
    eligible = sum(result.counts.values())
    assert result.counts[Tier.HIGHEST] == pytest.approx(eligible * 0.02, abs=1)


def test_under_65s_are_left_untiered_by_the_default_policy() -> None:
    result = tier_population(np.array([0.9, 0.1]), np.array([40, 80]), TierPolicy())
    assert result.tier_of(0) is None
    assert result.tier_of(1) is Tier.LOW
