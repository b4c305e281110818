"""Programme baseline: the 65+ cohort and their NEL admissions by LTC count and avoidability."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..avoidability import Avoidability, classify_admissions
from ..indices.index_table import ltc_masks, popcount
from ..patient_activity import EventKind, age_in_years, to_datetime64
from .financial_years import FinancialYear
from .generator import SyntheticPopulation
from .localities import Locality


@dataclass(frozen=True, slots=True)
class NelBaseline:
    """Seed Appendix A inputs as measured on a population for one financial year."""

    year: FinancialYear
    aged_65_plus: int
    aged_65_plus_with_ltc: int
    nel_65_plus: int
    nel_by_ltc_count: dict[int, int]
    nel_by_avoidability: dict[Avoidability, int]
    aged_65_plus_by_locality: dict[Locality, int]
    nel_65_plus_by_locality: dict[Locality, int]


def nel_baseline(population: SyntheticPopulation, year: FinancialYear) -> NelBaseline:
    """Count as the seed did: age and LTCs at the year start, avoidability by primary code."""
    events = population.events
    older = age_in_years(population.birth_date, year.start) >= 65
    ltc_count = popcount(ltc_masks(events, year.start))
    in_year = (
        (events.kind == EventKind.NEL)
        & (events.date >= to_datetime64(year.start))
        & (events.date <= to_datetime64(year.end))
    )
    rows = np.flatnonzero(in_year & older[events.person])
    admitted = events.person[rows]
    classes = classify_admissions(events.primary[rows], events.codes)
    by_ltc = np.bincount(np.minimum(ltc_count[admitted], 4), minlength=5)
    return NelBaseline(
        year=year,
        aged_65_plus=int(older.sum()),
        aged_65_plus_with_ltc=int((older & (ltc_count > 0)).sum()),
        nel_65_plus=len(rows),
        nel_by_ltc_count={k: int(by_ltc[k]) for k in range(5)},
        nel_by_avoidability={a: int((classes == a).sum()) for a in Avoidability},
        aged_65_plus_by_locality={
            loc: int((older & (population.locality == loc.code)).sum()) for loc in Locality
        },
        nel_65_plus_by_locality={
            loc: int((population.locality[admitted] == loc.code).sum()) for loc in Locality
        },
    )
