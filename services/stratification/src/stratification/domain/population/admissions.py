"""NEL admissions: 65+ counts calibrated to the seed, allocated to people by hidden risk."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ..avoidability import Avoidability
from ..indices.long_term_conditions import LTC_GROUPS
from .calibration import UNDER_65_NEL_RATE, nel_targets
from .clinical_codes import (
    ACUTE_ACSC_ADMISSION,
    CHRONIC_ACSC_ADMISSION,
    CODE_ID,
    NOT_AVOIDABLE_ADMISSION,
    SOMETIMES_AVOIDABLE_ADMISSION,
    draw_codes,
)
from .financial_years import FinancialYear

_CHRONIC_ACSC_GROUPS = np.array([LTC_GROUPS.index(g) for g in CHRONIC_ACSC_ADMISSION])
_CHRONIC_ACSC_CODES = np.array(
    [CODE_ID[c] for c in CHRONIC_ACSC_ADMISSION.values()], dtype=np.int32
)
CHRONIC_CODE_SHARE = 0.65


@dataclass(frozen=True, slots=True)
class YearCohort:
    """What the generator knows about everyone at the start of one financial year."""

    year: FinancialYear
    age: npt.NDArray[np.int64]
    ltc_count: npt.NDArray[np.int64]
    ltc_mask: npt.NDArray[np.int64]
    risk: npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Admissions:
    """One row per NEL admission."""

    person: npt.NDArray[np.int32]
    date: npt.NDArray[np.datetime64]
    primary: npt.NDArray[np.int32]
    avoidability: npt.NDArray[np.int8]


def _allocate(
    rng: np.random.Generator,
    eligible: npt.NDArray[np.bool_],
    risk: npt.NDArray[np.float64],
    count: int,
) -> npt.NDArray[np.int64]:
    """Give `count` admissions to eligible people with probability proportional to risk."""
    who = np.flatnonzero(eligible)
    if count <= 0 or len(who) == 0:
        return np.empty(0, dtype=np.int64)
    weights = risk[who]
    return who[rng.choice(len(who), size=count, p=weights / weights.sum())]


def _top_k(
    rng: np.random.Generator, log_weight: npt.NDArray[np.float64], k: int
) -> npt.NDArray[np.int64]:
    """Weighted sample without replacement (Gumbel top-k), so class totals are exact."""
    if k <= 0:
        return np.empty(0, dtype=np.int64)
    keys = log_weight + rng.gumbel(size=len(log_weight))
    return np.argpartition(-keys, k - 1)[:k] if k < len(keys) else np.arange(len(keys))


def _classes_for_older(
    rng: np.random.Generator,
    cohort: YearCohort,
    person: npt.NDArray[np.int64],
    *,
    usually: int,
    sometimes: int,
) -> npt.NDArray[np.int8]:
    """Exact usually/sometimes counts: chronic ACSC patients lean usually, the oldest lean falls."""
    classes = np.full(len(person), Avoidability.NOT, dtype=np.int8)
    has_acsc = (cohort.ltc_mask[person] & int(np.bitwise_or.reduce(1 << _CHRONIC_ACSC_GROUPS))) != 0
    chosen = _top_k(rng, np.log1p(2.0 * has_acsc), usually)
    classes[chosen] = Avoidability.USUALLY
    rest = np.flatnonzero(classes == Avoidability.NOT)
    oldness = np.log1p(np.maximum(cohort.age[person[rest]] - 60, 0) / 10.0)
    classes[rest[_top_k(rng, oldness, sometimes)]] = Avoidability.SOMETIMES
    return classes


def _primary_codes(
    rng: np.random.Generator,
    cohort: YearCohort,
    person: npt.NDArray[np.int64],
    classes: npt.NDArray[np.int8],
) -> npt.NDArray[np.int32]:
    """Primary diagnosis by class; usually-avoidable ones favour the person's own chronic ACSC."""
    primary = np.empty(len(person), dtype=np.int32)
    for cls, code_pool in (
        (Avoidability.NOT, NOT_AVOIDABLE_ADMISSION),
        (Avoidability.SOMETIMES, SOMETIMES_AVOIDABLE_ADMISSION),
        (Avoidability.USUALLY, ACUTE_ACSC_ADMISSION),
    ):
        rows = np.flatnonzero(classes == cls)
        primary[rows] = draw_codes(rng, code_pool, len(rows))
    usually = np.flatnonzero(classes == Avoidability.USUALLY)
    held = ((cohort.ltc_mask[person[usually], None] >> _CHRONIC_ACSC_GROUPS) & 1).astype(bool)
    keys = np.where(held, rng.random(held.shape), -1.0)
    pick = keys.argmax(axis=1)
    use_chronic = held.any(axis=1) & (rng.random(len(usually)) < CHRONIC_CODE_SHARE)
    primary[usually[use_chronic]] = _CHRONIC_ACSC_CODES[pick[use_chronic]]
    return primary


def _distinct_days(
    rng: np.random.Generator, person: npt.NDArray[np.int64], days: int
) -> npt.NDArray[np.int64]:
    """Admission days within the year, never two emergency admissions of one person on one day."""
    offsets = rng.integers(0, days, size=len(person))
    while True:
        key = person * days + offsets
        order = np.argsort(key, kind="stable")
        clash = order[1:][key[order[1:]] == key[order[:-1]]]
        if len(clash) == 0:
            return offsets
        offsets[clash] = rng.integers(0, days, size=len(clash))


def admissions_for_year(rng: np.random.Generator, cohort: YearCohort) -> Admissions:
    """One financial year's NEL admissions for everyone."""
    older = cohort.age >= 65
    targets = nel_targets(int(older.sum()))
    chunks = [
        _allocate(rng, older & (cohort.ltc_count == k), cohort.risk, n)
        for k, n in targets.by_ltc_count.items()
    ]
    other = older & ((cohort.ltc_count == 0) | (cohort.ltc_count >= 4))
    chunks.append(_allocate(rng, other, cohort.risk, targets.other_ltc_counts))
    old_person = np.concatenate(chunks)
    old_classes = _classes_for_older(
        rng, cohort, old_person, usually=targets.usually, sometimes=targets.sometimes
    )
    younger = np.flatnonzero(~older)
    young_risk = cohort.risk[younger]
    rate = UNDER_65_NEL_RATE * young_risk / max(float(young_risk.mean()), 1e-12)
    young_person = np.repeat(younger, rng.poisson(rate))
    young_classes = rng.choice(
        np.array([Avoidability.NOT, Avoidability.SOMETIMES, Avoidability.USUALLY], dtype=np.int8),
        size=len(young_person),
        p=[0.73, 0.12, 0.15],
    )
    person = np.concatenate([old_person, young_person])
    classes = np.concatenate([old_classes, young_classes]).astype(np.int8)
    offsets = _distinct_days(rng, person, cohort.year.days)
    return Admissions(
        person=person.astype(np.int32),
        date=np.datetime64(cohort.year.start, "D") + offsets.astype("timedelta64[D]"),
        primary=_primary_codes(rng, cohort, person, classes),
        avoidability=classes,
    )
