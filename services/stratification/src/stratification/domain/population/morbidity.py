"""Latent frailty and long-term condition registers: the truth the risk model must recover."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt

from ..indices.long_term_conditions import LTC_GROUPS
from .clinical_codes import AGE_STEEP_LTCS, LTC_PREVALENCE, register_code_matrix

_CHUNK = 200_000
MAX_LTCS = 10
# Mean years since a register diagnosis: some diagnoses fall inside the activity window.
MEAN_YEARS_DIAGNOSED = 9.0


@dataclass(frozen=True, slots=True)
class Registers:
    """One row per (person, long-term condition), sorted by person."""

    person: npt.NDArray[np.int32]
    group: npt.NDArray[np.int8]
    code: npt.NDArray[np.int32]
    diagnosed: npt.NDArray[np.datetime64]


def latent_frailty(
    rng: np.random.Generator, ages: npt.NDArray[np.int64]
) -> npt.NDArray[np.float64]:
    """Standard-normal latent z per person; frailty rises with it and with age."""
    return rng.standard_normal(len(ages))


def frailty_scale(
    ages: npt.NDArray[np.int64], z: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    """Multiplicative underlying admission propensity (age gradient x personal frailty)."""
    return np.exp(0.8 * z + 0.045 * (np.maximum(ages, 20) - 65))


def expected_ltc_count(ages: npt.NDArray[np.int64]) -> npt.NDArray[np.float64]:
    """Mean number of registers by age (multimorbidity accumulates after 50)."""
    mean: npt.NDArray[np.float64] = 0.15 + 2.7 / (1.0 + np.exp(-(ages - 62.0) / 9.0))
    return mean


def draw_ltc_counts(
    rng: np.random.Generator, ages: npt.NDArray[np.int64], z: npt.NDArray[np.float64]
) -> npt.NDArray[np.int64]:
    """Register counts that track latent frailty, so counts and admissions correlate as they do."""
    rate = expected_ltc_count(ages) * np.exp(0.55 * z - 0.15)
    return np.minimum(rng.poisson(rate), MAX_LTCS).astype(np.int64)


def draw_registers(
    rng: np.random.Generator,
    *,
    ages: npt.NDArray[np.int64],
    birth_date: npt.NDArray[np.datetime64],
    ltc_counts: npt.NDArray[np.int64],
    window_end: date,
) -> Registers:
    """Pick each person's distinct registers (weighted, no replacement) and date them."""
    base = np.log(np.array([LTC_PREVALENCE[g] for g in LTC_GROUPS]))
    steep = np.array([g in AGE_STEEP_LTCS for g in LTC_GROUPS])
    persons: list[npt.NDArray[np.int64]] = []
    groups: list[npt.NDArray[np.int64]] = []
    for start in range(0, len(ages), _CHUNK):
        stop = min(start + _CHUNK, len(ages))
        age = ages[start:stop].astype(np.float32)
        keys = base.astype(np.float32) + rng.gumbel(size=(stop - start, len(LTC_GROUPS))).astype(
            np.float32
        )
        keys[:, steep] += (0.06 * (age - 70.0))[:, None]
        rank = np.argsort(np.argsort(-keys, axis=1), axis=1)
        rows, cols = np.nonzero(rank < ltc_counts[start:stop, None])
        persons.append(rows + start)
        groups.append(cols)
    person = np.concatenate(persons).astype(np.int32)
    group = np.concatenate(groups).astype(np.int8)
    code_ids, cumulative = register_code_matrix()
    pick = (rng.random(len(group))[:, None] > cumulative[group]).sum(axis=1)
    code = code_ids[group, np.minimum(pick, code_ids.shape[1] - 1)]
    years_ago = rng.exponential(MEAN_YEARS_DIAGNOSED, size=len(group))
    diagnosed = np.datetime64(window_end, "D") - (years_ago * 365.25).astype("timedelta64[D]")
    earliest = birth_date[person] + np.timedelta64(365, "D")
    last = np.datetime64(window_end, "D") - np.timedelta64(1, "D")
    diagnosed = np.minimum(np.maximum(diagnosed, earliest), last)
    return Registers(person=person, group=group, code=code, diagnosed=diagnosed)


def register_masks(
    registers: Registers, n_people: int, *, before: np.datetime64 | None = None
) -> npt.NDArray[np.int64]:
    """Bitmask of each person's registers (bit i = LTC_GROUPS[i]), optionally before a day."""
    keep = (
        np.ones(len(registers.person), dtype=bool)
        if before is None
        else registers.diagnosed < before
    )
    bits = np.left_shift(1, registers.group[keep].astype(np.int64)).astype(np.float64)
    # A person holds each register once, so summing bits equals OR-ing them.
    return np.bincount(registers.person[keep], weights=bits, minlength=n_people).astype(np.int64)
