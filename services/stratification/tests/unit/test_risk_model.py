"""The NEL risk model: fitting, scoring, explaining, and surviving a trip through JSON."""

from __future__ import annotations

import json
import math
import time
from datetime import UTC, date, datetime

import numpy as np
import pytest

from stratification.domain.errors import (
    InvalidFeatureMatrix,
    InvalidModelArtefact,
    UnknownModelVersion,
)
from stratification.domain.model_metrics import evaluate
from stratification.domain.risk_model import (
    NEL12_FEATURES,
    FeatureKind,
    FeatureSpec,
    ModelArtefact,
    TrainingWindow,
    find_model,
    fit_logistic,
    train,
)

WINDOW = TrainingWindow(date(2024, 4, 1), date(2025, 4, 1), date(2026, 4, 1))
TRAINED_AT = datetime(2026, 4, 2, 9, 0, tzinfo=UTC)
TRUE_WEIGHTS = np.array([-0.8, 0.0, 0.8, 0.2, 0.1, 0.2, 0.25, 0.35, 0.8, 0.7, 0.03])


def synthetic_cohort(n: int, seed: int = 11) -> tuple[np.ndarray, np.ndarray]:
    """Eleven NEL12 features with a known logistic truth."""
    rng = np.random.default_rng(seed)
    band = rng.choice(3, size=n, p=[0.5, 0.35, 0.15])
    x = np.column_stack(
        [
            band == 0,
            band == 1,
            band == 2,
            rng.random(n) < 0.45,
            rng.gamma(1.5, 3.0, n),
            rng.poisson(1.2, n),
            rng.poisson(1.5, n),
            rng.poisson(0.4, n),
            rng.poisson(0.2, n),
            rng.poisson(0.05, n),
            rng.poisson(6.0, n),
        ]
    ).astype(np.float64)
    logit = -3.2 + x @ TRUE_WEIGHTS
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(np.float64)
    return x, y


@pytest.fixture(scope="module")
def model() -> ModelArtefact:
    x, y = synthetic_cohort(60_000)
    return train(x, y, window=WINDOW, trained_at=TRAINED_AT)


def test_fit_recovers_the_weights_that_generated_the_outcomes() -> None:
    x, y = synthetic_cohort(120_000, seed=5)
    coefficients, _, _, scales = fit_logistic(x, y, l2_penalty=0.01)
    raw = coefficients / scales
    # Age bands are collinear with the intercept, so compare the identifiable contrasts.
    assert raw[2] - raw[0] == pytest.approx(TRUE_WEIGHTS[2] - TRUE_WEIGHTS[0], abs=0.12)
    assert raw[3:] == pytest.approx(TRUE_WEIGHTS[3:], abs=0.1)  # nel_90d is rare: widest


def test_model_discriminates_on_held_out_people(model: ModelArtefact) -> None:
    x, y = synthetic_cohort(40_000, seed=99)
    metrics = evaluate(y, model.score(x))
    assert metrics.auroc > 0.7
    assert (
        abs(metrics.calibration[-1].mean_predicted - metrics.calibration[-1].observed_rate) < 0.05
    )


def test_scores_are_probabilities_rising_with_prior_admissions(model: ModelArtefact) -> None:
    base = np.array([[0, 0, 1, 1, 5.0, 1, 2, 0, 0, 0, 6]], dtype=np.float64)
    more = base.copy()
    more[0, 8] = 3
    low, high = model.score(np.vstack([base, more]))
    assert 0 < low < high < 1


def test_explanation_lists_biggest_pushes_first_in_plain_words() -> None:
    # Pushes: age 85+ (1-0.2)/0.4*0.5 = 1.0; prior NEL (3-1)/1*0.3 = 0.6;
    # recent NEL (1-0)/0.5*0.2 = 0.4; male (0-0.5)/0.5*0.1 = -0.1 (lowers risk: not a reason).
    hand = ModelArtefact(
        version="hand",
        features=(
            FeatureSpec("age_85_plus", "aged 85+", FeatureKind.FLAG),
            FeatureSpec("nel_12m", "prior NEL admissions", FeatureKind.COUNT),
            FeatureSpec("nel_90d", "NEL admissions in the last 90 days", FeatureKind.COUNT),
            FeatureSpec("male", "male", FeatureKind.FLAG),
        ),
        coefficients=(0.5, 0.3, 0.2, 0.1),
        intercept=-2.0,
        means=(0.2, 1.0, 0.0, 0.5),
        scales=(0.4, 1.0, 0.5, 0.5),
        window=WINDOW,
        trained_at=TRAINED_AT,
        l2_penalty=1.0,
    )
    (factors,) = hand.explain(np.array([1, 3, 1, 0], dtype=np.float64), top_k=4)
    assert [(f.description, round(f.contribution, 9)) for f in factors] == [
        ("aged 85+", 1.0),
        ("prior NEL admissions: 3", 0.6),
        ("NEL admissions in the last 90 days: 1", 0.4),
    ]
    (top_two,) = hand.explain(np.array([1, 3, 1, 0], dtype=np.float64), top_k=2)
    assert [f.feature for f in top_two] == ["age_85_plus", "nel_12m"]


def test_fitted_model_blames_recent_admissions_for_a_frequent_attender(
    model: ModelArtefact,
) -> None:
    row = np.array([0, 0, 1, 0, 2.0, 0, 1, 0, 4, 2, 3], dtype=np.float64)
    (factors,) = model.explain(row, top_k=3)
    assert {f.feature for f in factors[:2]} == {"nel_90d", "nel_12m"}
    assert "prior NEL admissions: 4" in [f.description for f in factors]


def test_explanation_contributions_sum_to_the_logit(model: ModelArtefact) -> None:
    x, _ = synthetic_cohort(5, seed=3)
    logit = model.contributions(x).sum(axis=1) + model.intercept
    assert model.score(x) == pytest.approx(1 / (1 + np.exp(-logit)))


def test_top_factors_are_ordered_per_row_across_a_matrix(model: ModelArtefact) -> None:
    x, _ = synthetic_cohort(1_000, seed=4)
    columns, pushes = model.top_factors(x, top_k=3)
    assert columns.shape == pushes.shape == (1_000, 3)
    assert (np.diff(pushes, axis=1) <= 0).all()
    assert np.allclose(pushes[:, 0], model.contributions(x).max(axis=1))


def test_flag_and_count_features_read_naturally() -> None:
    assert FeatureSpec("male", "male", FeatureKind.FLAG).describe(0) == "not male"
    assert FeatureSpec("age_85_plus", "aged 85+", FeatureKind.FLAG).describe(1) == "aged 85+"
    assert FeatureSpec("hfrs", "HFRS", FeatureKind.SCORE).describe(7.25) == "HFRS: 7.2"


def test_artefact_round_trips_through_json_and_scores_identically(model: ModelArtefact) -> None:
    x, y = synthetic_cohort(2_000, seed=8)
    with_metrics = model.with_metrics(evaluate(y, model.score(x)))
    reloaded = ModelArtefact.from_json(json.dumps(with_metrics.to_json()))
    assert reloaded == with_metrics
    assert np.array_equal(reloaded.score(x), model.score(x))
    assert reloaded.feature_names == tuple(f.name for f in NEL12_FEATURES)


def test_version_names_the_index_date_and_is_reproducible(model: ModelArtefact) -> None:
    x, y = synthetic_cohort(60_000)
    again = train(x, y, window=WINDOW, trained_at=TRAINED_AT)
    assert model.version.startswith("nel12-logistic-20250401-")
    assert again.version == model.version


def test_unknown_version_is_a_domain_error(model: ModelArtefact) -> None:
    assert find_model([model], model.version) is model
    with pytest.raises(UnknownModelVersion):
        find_model([model], "nel12-logistic-19990101-deadbeef")


def test_wrong_number_of_columns_is_refused(model: ModelArtefact) -> None:
    with pytest.raises(InvalidFeatureMatrix):
        model.score(np.zeros((3, 4)))
    with pytest.raises(InvalidFeatureMatrix):
        model.score(np.full((1, 11), math.nan))


def test_malformed_stored_model_is_refused(model: ModelArtefact) -> None:
    data = model.to_json()
    data["coefficients"] = data["coefficients"][:3]
    with pytest.raises(InvalidModelArtefact):
        ModelArtefact.from_json(data)
    with pytest.raises(InvalidModelArtefact):
        ModelArtefact.from_json({"version": "x"})


def test_a_million_rows_score_and_explain_in_seconds(model: ModelArtefact) -> None:
    x, _ = synthetic_cohort(1_000_000, seed=2)
    started = time.perf_counter()
    scores = model.score(x)
    columns, _ = model.top_factors(x, top_k=3)
    assert scores.shape == (1_000_000,)
    assert columns.shape == (1_000_000, 3)
    assert time.perf_counter() - started < 10


@pytest.mark.slow
def test_training_on_a_million_rows_converges() -> None:
    x, y = synthetic_cohort(1_000_000, seed=21)
    artefact = train(x, y, window=WINDOW, trained_at=TRAINED_AT)
    assert evaluate(y, artefact.score(x)).auroc > 0.7
