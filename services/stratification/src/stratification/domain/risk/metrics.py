"""How good the model is on a year it never saw: discrimination, calibration, yield."""

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

TOP_SHARES = (0.005, 0.01, 0.02, 0.05)


@dataclass(frozen=True)
class ModelMetrics:
    auroc: float
    brier: float
    prevalence: float
    calibration: tuple[tuple[float, float, int], ...]  # per decile: mean predicted, observed, n
    ppv_at_top: dict[str, float]
    sensitivity_at_top: dict[str, float]

    def to_dict(self) -> dict[str, object]:
        return {
            "auroc": self.auroc,
            "brier": self.brier,
            "prevalence": self.prevalence,
            "calibration_by_decile": [
                {"decile": i + 1, "mean_predicted": p, "observed": o, "n": n}
                for i, (p, o, n) in enumerate(self.calibration)
            ],
            "ppv_at_top": self.ppv_at_top,
            "sensitivity_at_top": self.sensitivity_at_top,
        }


def auroc(y: npt.NDArray[np.bool_], p: npt.NDArray[np.float64]) -> float:
    """Mann-Whitney U with average ranks for ties."""
    n_pos = int(y.sum())
    n_neg = len(y) - n_pos
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    order = np.argsort(p, kind="mergesort")
    sorted_p = p[order]
    ranks = np.empty(len(p), dtype=np.float64)
    _, first, counts = np.unique(sorted_p, return_index=True, return_counts=True)
    average = first + (counts + 1) / 2.0
    ranks[order] = np.repeat(average, counts)
    return float((ranks[y].sum() - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg))


def evaluate(y: npt.NDArray[np.bool_], p: npt.NDArray[np.float64]) -> ModelMetrics:
    order = np.argsort(-p, kind="mergesort")
    deciles = np.array_split(np.argsort(p, kind="mergesort"), 10)
    calibration = tuple((float(p[d].mean()), float(y[d].mean()), len(d)) for d in deciles if len(d))
    positives = max(int(y.sum()), 1)
    ppv, sens = {}, {}
    for share in TOP_SHARES:
        k = max(1, int(round(len(p) * share)))
        hits = int(y[order[:k]].sum())
        ppv[f"{share:.1%}"] = hits / k
        sens[f"{share:.1%}"] = hits / positives
    return ModelMetrics(
        auroc=auroc(y, p),
        brier=float(np.mean((p - y.astype(np.float64)) ** 2)),
        prevalence=float(y.mean()),
        calibration=calibration,
        ppv_at_top=ppv,
        sensitivity_at_top=sens,
    )
