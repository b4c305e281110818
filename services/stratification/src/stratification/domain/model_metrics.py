"""How well a risk model finds next year's admissions: discrimination, calibration, yield."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from stratification.domain.errors import InvalidMetricInput

FloatArray = npt.NDArray[np.float64]
TOP_PERCENTS: tuple[float, ...] = (0.5, 1.0, 2.0, 5.0)


@dataclass(frozen=True)
class CalibrationBin:
    """One decile of predicted risk: what the model said against what happened."""

    decile: int
    people: int
    mean_predicted: float
    observed_rate: float


@dataclass(frozen=True)
class CutOffYield:
    """Flag the top few percent: how many of them are admitted, and what share of all admissions."""

    top_percent: float
    flagged: int
    true_positives: int
    ppv: float
    sensitivity: float


@dataclass(frozen=True)
class ModelMetrics:
    """Evaluation of one model on one cohort, stored with the model version."""

    people: int
    admitted: int
    auroc: float
    brier: float
    calibration: tuple[CalibrationBin, ...]
    cut_offs: tuple[CutOffYield, ...]

    @property
    def prevalence(self) -> float:
        """Share of the cohort admitted."""
        return self.admitted / self.people

    def to_json(self) -> dict[str, Any]:
        """Plain JSON (NaN as null) for the model artefact and the API."""
        plain: dict[str, Any] = _nan_to_none(asdict(self))
        return plain

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ModelMetrics:
        """Inverse of to_json."""
        return cls(
            people=int(data["people"]),
            admitted=int(data["admitted"]),
            auroc=_float(data["auroc"]),
            brier=_float(data["brier"]),
            calibration=tuple(
                CalibrationBin(
                    int(b["decile"]),
                    int(b["people"]),
                    _float(b["mean_predicted"]),
                    _float(b["observed_rate"]),
                )
                for b in data["calibration"]
            ),
            cut_offs=tuple(
                CutOffYield(
                    float(c["top_percent"]),
                    int(c["flagged"]),
                    int(c["true_positives"]),
                    _float(c["ppv"]),
                    _float(c["sensitivity"]),
                )
                for c in data["cut_offs"]
            ),
        )


def _float(value: Any) -> float:
    return math.nan if value is None else float(value)


def _nan_to_none(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {k: _nan_to_none(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_nan_to_none(v) for v in value]
    return value


def _checked(outcome: npt.ArrayLike, predicted: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    y = np.asarray(outcome, dtype=np.float64)
    p = np.asarray(predicted, dtype=np.float64)
    if y.ndim != 1 or y.shape != p.shape or len(y) == 0:
        raise InvalidMetricInput("outcomes and scores must be non-empty vectors of one length")
    if not np.isin(y, (0.0, 1.0)).all():
        raise InvalidMetricInput("outcomes must be 0 or 1")
    if not np.isfinite(p).all():
        raise InvalidMetricInput("scores must be finite")
    return y, p


def average_ranks(values: FloatArray) -> FloatArray:
    """1-based ranks with tied values sharing their mean rank."""
    order = np.argsort(values, kind="stable")
    ordered = values[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    ends = np.r_[starts[1:], len(ordered)]
    group_rank = (starts + ends + 1) / 2.0
    ranks = np.empty(len(values), dtype=np.float64)
    ranks[order] = np.repeat(group_rank, ends - starts)
    return ranks


def auroc(outcome: npt.ArrayLike, predicted: npt.ArrayLike) -> float:
    """Chance a random admitted person outranks a random non-admitted one (ties count half)."""
    y, p = _checked(outcome, predicted)
    positives = int(y.sum())
    negatives = len(y) - positives
    if positives == 0 or negatives == 0:
        return math.nan
    rank_sum = float(average_ranks(p)[y == 1].sum())
    return (rank_sum - positives * (positives + 1) / 2) / (positives * negatives)


def brier_score(outcome: npt.ArrayLike, predicted: npt.ArrayLike) -> float:
    """Mean squared error of the probabilities: 0 is perfect, 0.25 is a coin toss at 50%."""
    y, p = _checked(outcome, predicted)
    return float(np.mean((p - y) ** 2))


def calibration_by_decile(
    outcome: npt.ArrayLike, predicted: npt.ArrayLike, bins: int = 10
) -> tuple[CalibrationBin, ...]:
    """Mean predicted against observed in equal-sized groups of rising predicted risk."""
    y, p = _checked(outcome, predicted)
    order = np.argsort(p, kind="stable")
    groups = np.array_split(order, bins)
    return tuple(
        CalibrationBin(
            decile=i + 1,
            people=len(g),
            mean_predicted=float(p[g].mean()) if len(g) else math.nan,
            observed_rate=float(y[g].mean()) if len(g) else math.nan,
        )
        for i, g in enumerate(groups)
    )


def yield_at_top(
    outcome: npt.ArrayLike, predicted: npt.ArrayLike, top_percent: float
) -> CutOffYield:
    """PPV and sensitivity when the top `top_percent` (rounded up to a whole person) are flagged."""
    y, p = _checked(outcome, predicted)
    if not 0 < top_percent <= 100:
        raise InvalidMetricInput("the cut-off must be a percentage in (0, 100]")
    flagged = math.ceil(len(y) * top_percent / 100 - 1e-9)
    top = np.argsort(-p, kind="stable")[:flagged]
    hits = int(y[top].sum())
    positives = int(y.sum())
    return CutOffYield(
        top_percent=top_percent,
        flagged=flagged,
        true_positives=hits,
        ppv=hits / flagged,
        sensitivity=hits / positives if positives else math.nan,
    )


def evaluate(
    outcome: npt.ArrayLike, predicted: npt.ArrayLike, top_percents: tuple[float, ...] = TOP_PERCENTS
) -> ModelMetrics:
    """Every metric the model card and the run report show."""
    y, p = _checked(outcome, predicted)
    return ModelMetrics(
        people=len(y),
        admitted=int(y.sum()),
        auroc=auroc(y, p),
        brier=brier_score(y, p),
        calibration=calibration_by_decile(y, p),
        cut_offs=tuple(yield_at_top(y, p, t) for t in top_percents),
    )
