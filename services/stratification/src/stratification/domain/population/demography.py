"""Age, sex and birth dates of an older rural county (seed: 73,287 of ~310,000 aged 65+)."""

from __future__ import annotations

from datetime import date

import numpy as np
import numpy.typing as npt

SEED_POPULATION = 310_000
SEED_AGED_65_PLUS = 73_287

# Relative weight of each 5-year band 0-4 ... 60-64 (ONS mid-year shape for rural Shropshire).
_UNDER_65_BANDS = np.array([4.6, 5.0, 5.3, 5.4, 4.6, 4.8, 5.2, 5.3, 5.7, 6.6, 7.6, 7.9, 7.5])
# 65-74, 75-84, 85-94, 95-104 shares of the 65+.
_OVER_65_BANDS = np.array([0.53, 0.33, 0.125, 0.015])
_OVER_65_BAND_STARTS = np.array([65, 75, 85, 95])


def aged_65_plus_count(size: int) -> int:
    """65+ count scaled from the seed so the default population holds exactly 73,287."""
    return round(size * SEED_AGED_65_PLUS / SEED_POPULATION)


def draw_ages(rng: np.random.Generator, size: int) -> npt.NDArray[np.int64]:
    """Ages on the census date: an exact 65+ count, shuffled so person ids carry no age order."""
    older = aged_65_plus_count(size)
    younger = size - older
    band = rng.choice(len(_UNDER_65_BANDS), size=younger, p=_UNDER_65_BANDS / _UNDER_65_BANDS.sum())
    young_ages = band * 5 + rng.integers(0, 5, size=younger)
    old_band = rng.choice(len(_OVER_65_BANDS), size=older, p=_OVER_65_BANDS)
    # Within a decade each year of age is a little smaller than the one before (density 1.2 -> 0.8).
    unit = 3.0 - 2.5 * np.sqrt(1.44 - 0.8 * rng.random(older))
    within = np.minimum(np.floor(10 * unit), 9).astype(np.int64)
    old_ages = _OVER_65_BAND_STARTS[old_band] + within
    return rng.permutation(np.concatenate([young_ages, old_ages])).astype(np.int64)


def draw_sex(rng: np.random.Generator, ages: npt.NDArray[np.int64]) -> npt.NDArray[np.int8]:
    """1 = male, 2 = female (NHS Data Dictionary person stated gender codes); women outlive men."""
    female_share = np.select([ages < 65, ages < 75, ages < 85], [0.495, 0.52, 0.56], default=0.64)
    return np.where(rng.random(len(ages)) < female_share, 2, 1).astype(np.int8)


def draw_birth_dates(
    rng: np.random.Generator, ages: npt.NDArray[np.int64], census: date
) -> npt.NDArray[np.datetime64]:
    """Birth dates giving exactly the drawn age on the census date."""
    months = (census.year - ages - 1970) * 12 + (census.month - 1)
    anniversary = months.astype("datetime64[M]").astype("datetime64[D]") + (census.day - 1)
    born: npt.NDArray[np.datetime64] = anniversary - rng.integers(0, 365, size=len(ages)).astype(
        "timedelta64[D]"
    )
    return born
