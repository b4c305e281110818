"""Seed figures the generated 65+ NEL activity reproduces each year (scaled to size)."""

from __future__ import annotations

from dataclasses import dataclass

from ..avoidability import Avoidability
from .demography import SEED_AGED_65_PLUS

# Seed: 65+ NEL admissions Aug 2016 - Jul 2017, and those of people with 1, 2 and 3 LTCs.
SEED_NEL_65_PLUS = 14_556
SEED_NEL_BY_LTC_COUNT: dict[int, int] = {1: 3_481, 2: 3_299, 3: 2_207}
SEED_NEL_BY_AVOIDABILITY: dict[Avoidability, int] = {
    Avoidability.USUALLY: 2_963,
    Avoidability.SOMETIMES: 2_085,
    Avoidability.NOT: 9_508,
}
# Under-65 NEL admissions per person-year (England, roughly).
UNDER_65_NEL_RATE = 0.06


@dataclass(frozen=True, slots=True)
class NelTargets:
    """Exact admission counts for one year's 65+ cohort."""

    total: int
    by_ltc_count: dict[int, int]
    usually: int
    sometimes: int

    @property
    def other_ltc_counts(self) -> int:
        """Admissions of the 65+ with no LTC or with four or more."""
        return self.total - sum(self.by_ltc_count.values())


def nel_targets(aged_65_plus: int) -> NelTargets:
    """Scale the seed counts by this year's 65+ cohort (the seed cohort is 73,287)."""
    scale = aged_65_plus / SEED_AGED_65_PLUS
    return NelTargets(
        total=round(SEED_NEL_65_PLUS * scale),
        by_ltc_count={k: round(v * scale) for k, v in SEED_NEL_BY_LTC_COUNT.items()},
        usually=round(SEED_NEL_BY_AVOIDABILITY[Avoidability.USUALLY] * scale),
        sometimes=round(SEED_NEL_BY_AVOIDABILITY[Avoidability.SOMETIMES] * scale),
    )
