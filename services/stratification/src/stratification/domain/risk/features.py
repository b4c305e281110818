"""Model features at an index date, from the previous year's activity only."""

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import numpy.typing as npt

from stratification.domain.indices import compute_indices
from stratification.domain.patient_activity import (
    DateArray,
    EventKind,
    EventTable,
    age_in_years,
    to_datetime64,
)

FloatMatrix = npt.NDArray[np.float64]

FEATURES: tuple[tuple[str, str], ...] = (
    ("age_65_74", "aged 65-74"),
    ("age_75_84", "aged 75-84"),
    ("age_85_plus", "aged 85+"),
    ("male", "male"),
    ("hfrs", "Hospital Frailty Risk Score"),
    ("charlson", "Charlson index"),
    ("ltc_count", "long-term conditions"),
    ("ae_12m", "A&E attendances (12 months)"),
    ("nel_12m", "emergency admissions (12 months)"),
    ("nel_90d", "emergency admissions (90 days)"),
    ("gp_12m", "GP contacts (12 months)"),
)
FEATURE_NAMES = tuple(name for name, _ in FEATURES)


@dataclass(frozen=True)
class FeatureSet:
    index_date: date
    matrix: FloatMatrix  # people x features
    age: npt.NDArray[np.int64]


def _counts(events: EventTable, kind: EventKind, start: date, end: date) -> npt.NDArray[np.float64]:
    rows = (
        (events.kind == kind)
        & (events.date >= to_datetime64(start))
        & (events.date < to_datetime64(end))
    )
    return np.bincount(events.person[rows], minlength=events.n_people).astype(np.float64)


def build_features(
    events: EventTable, *, birth_date: DateArray, male: npt.NDArray[np.bool_], index_date: date
) -> FeatureSet:
    """Everything before the index date, nothing on or after it (no leakage into outcomes)."""
    year_ago = index_date - timedelta(days=365)
    indices = compute_indices(events, index_date=index_date)
    age = age_in_years(birth_date, index_date)
    columns = [
        ((age >= 65) & (age < 75)).astype(np.float64),
        ((age >= 75) & (age < 85)).astype(np.float64),
        (age >= 85).astype(np.float64),
        male.astype(np.float64),
        indices.hfrs.astype(np.float64),
        indices.charlson.astype(np.float64),
        indices.ltc_count.astype(np.float64),
        _counts(events, EventKind.AE, year_ago, index_date),
        _counts(events, EventKind.NEL, year_ago, index_date),
        _counts(events, EventKind.NEL, index_date - timedelta(days=90), index_date),
        _counts(events, EventKind.GP, year_ago, index_date),
    ]
    return FeatureSet(index_date, np.column_stack(columns), age)


def admitted_within_year(events: EventTable, *, index_date: date) -> npt.NDArray[np.bool_]:
    """The outcome: any emergency admission in the 12 months from the index date."""
    return _counts(events, EventKind.NEL, index_date, index_date + timedelta(days=365)) > 0
