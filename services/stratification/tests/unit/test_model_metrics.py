"""Model metrics on cases small enough to check by hand."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from stratification.domain.errors import InvalidMetricInput
from stratification.domain.model_metrics import (
    ModelMetrics,
    auroc,
    average_ranks,
    brier_score,
    calibration_by_decile,
    evaluate,
    yield_at_top,
)


def test_perfect_ranking_has_auroc_one_and_reversed_zero() -> None:
    assert auroc([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9]) == 1.0
    assert auroc([1, 1, 0, 0], [0.1, 0.2, 0.8, 0.9]) == 0.0


def test_auroc_counts_each_pair_and_ties_as_half() -> None:
    # Pairs (pos, neg): (0.8>0.1) (0.8>0.4) (0.4=0.4 half) (0.4>0.1) -> 3.5 / 4.
    assert auroc([1, 0, 1, 0], [0.8, 0.4, 0.4, 0.1]) == pytest.approx(0.875)


def test_all_equal_scores_give_auroc_one_half() -> None:
    assert auroc([1, 0, 1, 0, 0], [0.3] * 5) == 0.5


def test_auroc_is_undefined_without_both_outcomes() -> None:
    assert math.isnan(auroc([1, 1], [0.2, 0.3]))


def test_tied_values_share_their_mean_rank() -> None:
    assert average_ranks(np.array([10.0, 20.0, 10.0, 30.0])).tolist() == [1.5, 3.0, 1.5, 4.0]


def test_brier_score_by_hand() -> None:
    # ((0.9-1)^2 + (0.2-0)^2 + (0.5-1)^2 + (0-0)^2) / 4 = (0.01 + 0.04 + 0.25) / 4
    assert brier_score([1, 0, 1, 0], [0.9, 0.2, 0.5, 0.0]) == pytest.approx(0.075)


def test_calibration_compares_mean_predicted_with_observed_per_decile() -> None:
    predicted = np.repeat(np.arange(10) / 10 + 0.05, 10)
    outcome = np.zeros(100)
    for decile in range(10):  # decile d has d admissions out of 10
        outcome[decile * 10 : decile * 10 + decile] = 1
    bins = calibration_by_decile(outcome, predicted)
    assert [b.people for b in bins] == [10] * 10
    assert [b.observed_rate for b in bins] == pytest.approx([d / 10 for d in range(10)])
    assert [b.mean_predicted for b in bins] == pytest.approx([d / 10 + 0.05 for d in range(10)])


def test_ppv_and_sensitivity_of_the_top_two_percent() -> None:
    # 200 people, 10 admitted; top 2% = 4 people, 3 of them admitted.
    predicted = np.linspace(0, 1, 200)
    outcome = np.zeros(200)
    outcome[[199, 198, 196, 10, 20, 30, 40, 50, 60, 70]] = 1
    cut = yield_at_top(outcome, predicted, 2.0)
    assert (cut.flagged, cut.true_positives) == (4, 3)
    assert cut.ppv == 0.75
    assert cut.sensitivity == pytest.approx(0.3)


def test_a_fraction_of_a_person_still_flags_one() -> None:
    cut = yield_at_top([1, 0, 0], [0.9, 0.5, 0.1], 0.5)
    assert (cut.flagged, cut.ppv, cut.sensitivity) == (1, 1.0, 1.0)


def test_evaluate_reports_the_standard_cut_offs_and_round_trips_through_json() -> None:
    rng = np.random.default_rng(3)
    predicted = rng.random(1000)
    outcome = (rng.random(1000) < predicted).astype(float)
    metrics = evaluate(outcome, predicted)
    assert [c.top_percent for c in metrics.cut_offs] == [0.5, 1.0, 2.0, 5.0]
    assert [c.flagged for c in metrics.cut_offs] == [5, 10, 20, 50]
    assert 0.7 < metrics.auroc < 0.9
    assert ModelMetrics.from_json(json.loads(json.dumps(metrics.to_json()))) == metrics


def test_mismatched_or_non_binary_inputs_are_refused() -> None:
    with pytest.raises(InvalidMetricInput):
        auroc([1, 0], [0.5])
    with pytest.raises(InvalidMetricInput):
        brier_score([2, 0], [0.5, 0.5])
    with pytest.raises(InvalidMetricInput):
        yield_at_top([1, 0], [0.5, 0.4], 0.0)
