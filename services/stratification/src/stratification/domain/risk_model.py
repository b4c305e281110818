"""12-month NEL admission risk: penalised logistic regression that a clinician can read.

Logistic regression on standardised features, fitted by Newton's method (IRLS) in numpy only:
a dozen coefficients are auditable, each score splits exactly into per-feature pushes on the
log-odds (which is what `explain` shows), and one Newton step over a million rows is a 12x12
solve. Features come from the year before the index date; the outcome is any NEL admission in
the 12 months after it.
"""

from __future__ import annotations

import enum
import hashlib
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

import numpy as np
import numpy.typing as npt

from stratification.domain.errors import (
    InvalidFeatureMatrix,
    InvalidModelArtefact,
    ModelDidNotConverge,
    UnknownModelVersion,
)
from stratification.domain.model_metrics import ModelMetrics

FloatArray = npt.NDArray[np.float64]
MODEL_KIND = "nel12-logistic"


class FeatureKind(enum.StrEnum):
    """How a feature's value reads in an explanation."""

    FLAG = "flag"
    COUNT = "count"
    SCORE = "score"


@dataclass(frozen=True)
class FeatureSpec:
    """One model input with the words a case manager sees for it."""

    name: str
    label: str
    kind: FeatureKind

    def describe(self, value: float) -> str:
        """'prior NEL admissions: 3', 'aged 85+', 'not aged 65-74'."""
        if self.kind is FeatureKind.FLAG:
            return self.label if value >= 0.5 else f"not {self.label}"
        if self.kind is FeatureKind.COUNT:
            return f"{self.label}: {round(value)}"
        return f"{self.label}: {value:.1f}"


# Names agree with the feature builder (domain.risk.features) so its matrices score directly.
NEL12_FEATURES: tuple[FeatureSpec, ...] = (
    FeatureSpec("age_65_74", "aged 65-74", FeatureKind.FLAG),
    FeatureSpec("age_75_84", "aged 75-84", FeatureKind.FLAG),
    FeatureSpec("age_85_plus", "aged 85+", FeatureKind.FLAG),
    FeatureSpec("male", "male", FeatureKind.FLAG),
    FeatureSpec("hfrs", "Hospital Frailty Risk Score", FeatureKind.SCORE),
    FeatureSpec("charlson", "Charlson comorbidity index", FeatureKind.COUNT),
    FeatureSpec("ltc_count", "long-term conditions", FeatureKind.COUNT),
    FeatureSpec("ae_12m", "prior A&E attendances", FeatureKind.COUNT),
    FeatureSpec("nel_12m", "prior NEL admissions", FeatureKind.COUNT),
    FeatureSpec("nel_90d", "NEL admissions in the last 90 days", FeatureKind.COUNT),
    FeatureSpec("gp_12m", "GP contacts in the last year", FeatureKind.COUNT),
)


@dataclass(frozen=True)
class TrainingWindow:
    """Features from [features_from, index_date); outcomes from [index_date, outcome_until)."""

    features_from: date
    index_date: date
    outcome_until: date


@dataclass(frozen=True)
class Factor:
    """One reason a person's risk is above average, and by how much (log-odds)."""

    feature: str
    description: str
    contribution: float


@dataclass(frozen=True)
class ModelArtefact:
    """A trained model exactly as stored, versioned, and reloaded to score."""

    version: str
    features: tuple[FeatureSpec, ...]
    coefficients: tuple[float, ...]  # per standardised feature
    intercept: float
    means: tuple[float, ...]
    scales: tuple[float, ...]
    window: TrainingWindow
    trained_at: datetime
    l2_penalty: float
    metrics: ModelMetrics | None = None
    kind: str = MODEL_KIND

    def __post_init__(self) -> None:
        p = len(self.features)
        if not p or {len(self.coefficients), len(self.means), len(self.scales)} != {p}:
            raise InvalidModelArtefact("every feature needs one coefficient, mean and scale")
        numbers = (*self.coefficients, *self.means, *self.scales, self.intercept)
        if not all(math.isfinite(x) for x in numbers) or min(self.scales) <= 0:
            raise InvalidModelArtefact("coefficients must be finite and scales positive")

    @property
    def feature_names(self) -> tuple[str, ...]:
        """Column order the feature matrix must follow."""
        return tuple(f.name for f in self.features)

    def _standardised(self, features: npt.ArrayLike) -> FloatArray:
        x = np.asarray(features, dtype=np.float64)
        if x.ndim == 1:
            x = x[np.newaxis, :]
        if x.ndim != 2 or x.shape[1] != len(self.features):
            raise InvalidFeatureMatrix(
                f"expected {len(self.features)} columns: {self.feature_names}"
            )
        if not np.isfinite(x).all():
            raise InvalidFeatureMatrix("features must be finite")
        z: FloatArray = (x - np.asarray(self.means)) / np.asarray(self.scales)
        return z

    def contributions(self, features: npt.ArrayLike) -> FloatArray:
        """Each feature's push on the log-odds against an average person (rows x features)."""
        result: FloatArray = self._standardised(features) * np.asarray(self.coefficients)
        return result

    def score(self, features: npt.ArrayLike) -> FloatArray:
        """Probability of at least one NEL admission in the next 12 months, per row."""
        logit = self._standardised(features) @ np.asarray(self.coefficients) + self.intercept
        return _sigmoid(logit)

    def top_factors(
        self, features: npt.ArrayLike, top_k: int = 3
    ) -> tuple[npt.NDArray[np.intp], FloatArray]:
        """Column indices and contributions of each row's largest pushes, biggest first."""
        c = self.contributions(features)
        k = min(top_k, c.shape[1])
        part = np.argpartition(-c, k - 1, axis=1)[:, :k]
        picked = np.take_along_axis(c, part, axis=1)
        order = np.argsort(-picked, axis=1, kind="stable")
        return np.take_along_axis(part, order, axis=1), np.take_along_axis(picked, order, axis=1)

    def explain(self, features: npt.ArrayLike, top_k: int = 3) -> list[tuple[Factor, ...]]:
        """Per row, the factors raising risk most ('prior NEL admissions: 3'), biggest first."""
        x = np.atleast_2d(np.asarray(features, dtype=np.float64))
        columns, pushes = self.top_factors(x, top_k)
        return [
            tuple(
                Factor(
                    self.features[j].name,
                    self.features[j].describe(float(x[row, j])),
                    float(push),
                )
                for j, push in zip(columns[row], pushes[row], strict=True)
                if push > 0
            )
            for row in range(x.shape[0])
        ]

    def with_metrics(self, metrics: ModelMetrics) -> ModelArtefact:
        """The same model carrying its evaluation."""
        return replace(self, metrics=metrics)

    def to_json(self) -> dict[str, Any]:
        """Plain JSON for the model store."""
        return {
            "kind": self.kind,
            "version": self.version,
            "features": [
                {"name": f.name, "label": f.label, "kind": f.kind.value} for f in self.features
            ],
            "coefficients": list(self.coefficients),
            "intercept": self.intercept,
            "means": list(self.means),
            "scales": list(self.scales),
            "window": {
                "features_from": self.window.features_from.isoformat(),
                "index_date": self.window.index_date.isoformat(),
                "outcome_until": self.window.outcome_until.isoformat(),
            },
            "trained_at": self.trained_at.isoformat(),
            "l2_penalty": self.l2_penalty,
            "metrics": self.metrics.to_json() if self.metrics else None,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any] | str) -> ModelArtefact:
        """Reload a stored model; anything malformed is an InvalidModelArtefact."""
        try:
            d = json.loads(data) if isinstance(data, str) else data
            w = d["window"]
            return cls(
                kind=str(d["kind"]),
                version=str(d["version"]),
                features=tuple(
                    FeatureSpec(str(f["name"]), str(f["label"]), FeatureKind(f["kind"]))
                    for f in d["features"]
                ),
                coefficients=tuple(float(v) for v in d["coefficients"]),
                intercept=float(d["intercept"]),
                means=tuple(float(v) for v in d["means"]),
                scales=tuple(float(v) for v in d["scales"]),
                window=TrainingWindow(
                    date.fromisoformat(w["features_from"]),
                    date.fromisoformat(w["index_date"]),
                    date.fromisoformat(w["outcome_until"]),
                ),
                trained_at=datetime.fromisoformat(d["trained_at"]),
                l2_penalty=float(d["l2_penalty"]),
                metrics=ModelMetrics.from_json(d["metrics"]) if d.get("metrics") else None,
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidModelArtefact(f"stored model is malformed: {exc}") from exc


def _sigmoid(logit: FloatArray) -> FloatArray:
    result: FloatArray = 0.5 * (1.0 + np.tanh(0.5 * logit))  # overflow-free logistic
    return result


def fit_logistic(
    features: npt.ArrayLike,
    admitted: npt.ArrayLike,
    *,
    l2_penalty: float = 1.0,
    max_iterations: int = 50,
    tolerance: float = 1e-8,
) -> tuple[FloatArray, float, FloatArray, FloatArray]:
    """Newton-IRLS fit of L2-penalised logistic regression on standardised columns.

    Returns (coefficients, intercept, means, scales); the intercept is not penalised.
    """
    x = np.asarray(features, dtype=np.float64)
    y = np.asarray(admitted, dtype=np.float64)
    if x.ndim != 2 or y.shape != (x.shape[0],) or x.shape[0] == 0:
        raise InvalidFeatureMatrix("need a rows x features matrix and one outcome per row")
    if not np.isfinite(x).all() or not np.isin(y, (0.0, 1.0)).all():
        raise InvalidFeatureMatrix("features must be finite and outcomes 0 or 1")
    if l2_penalty < 0:
        raise InvalidFeatureMatrix("the penalty must not be negative")
    means = x.mean(axis=0)
    scales = x.std(axis=0)
    scales[scales == 0] = 1.0
    z = np.column_stack([np.ones(len(x)), (x - means) / scales])
    penalty = np.full(z.shape[1], l2_penalty)
    penalty[0] = 0.0
    prevalence = min(max(float(y.mean()), 1e-6), 1 - 1e-6)
    beta = np.zeros(z.shape[1])
    beta[0] = math.log(prevalence / (1 - prevalence))
    for _ in range(max_iterations):
        p = _sigmoid(z @ beta)
        weights = np.maximum(p * (1 - p), 1e-10)
        gradient = z.T @ (y - p) - penalty * beta
        hessian = (z * weights[:, np.newaxis]).T @ z + np.diag(penalty)
        step = np.linalg.solve(hessian, gradient)
        beta = beta + step
        if float(np.max(np.abs(step))) < tolerance:
            return beta[1:], float(beta[0]), means, scales
    raise ModelDidNotConverge(f"Newton fit did not settle in {max_iterations} iterations")


def train(
    features: npt.ArrayLike,
    admitted: npt.ArrayLike,
    *,
    specs: Sequence[FeatureSpec] = NEL12_FEATURES,
    window: TrainingWindow,
    trained_at: datetime,
    l2_penalty: float = 1.0,
) -> ModelArtefact:
    """Fit on last year's features and this year's admissions; the version names its content."""
    x = np.asarray(features, dtype=np.float64)
    if x.ndim != 2 or x.shape[1] != len(specs):
        raise InvalidFeatureMatrix(f"expected {len(specs)} columns, one per feature spec")
    coefficients, intercept, means, scales = fit_logistic(x, admitted, l2_penalty=l2_penalty)
    content = json.dumps(
        [[s.name for s in specs], coefficients.round(12).tolist(), round(intercept, 12)]
    )
    digest = hashlib.sha256(content.encode()).hexdigest()[:8]
    return ModelArtefact(
        version=f"{MODEL_KIND}-{window.index_date:%Y%m%d}-{digest}",
        features=tuple(specs),
        coefficients=tuple(float(v) for v in coefficients),
        intercept=intercept,
        means=tuple(float(v) for v in means),
        scales=tuple(float(v) for v in scales),
        window=window,
        trained_at=trained_at,
        l2_penalty=l2_penalty,
    )


def find_model(artefacts: Sequence[ModelArtefact], version: str) -> ModelArtefact:
    """The stored model of that version, or UnknownModelVersion."""
    for artefact in artefacts:
        if artefact.version == version:
            return artefact
    raise UnknownModelVersion(f"no model version {version!r}")
