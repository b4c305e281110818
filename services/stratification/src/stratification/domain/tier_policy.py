"""Risk tiers (Bromley's table, Shropshire's need labels) and how risk percentiles map to them."""

from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import numpy.typing as npt

from stratification.domain.errors import DomainError


class Tier(StrEnum):
    HIGHEST = "highest"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


@dataclass(frozen=True)
class TierOffer:
    """What a tier gets, as the Bromley programme table sets out (seed 004)."""

    tier: Tier
    shropshire_need: str
    care_plan: str
    review_frequency: str
    review_interval_days: tuple[int, int]
    rapid_response: str
    active_case_management: bool
    proactive_screening: tuple[str, ...]
    project_areas: tuple[str, ...]


_SCREEN_ALL = ("falls", "dementia", "medicines management", "end-of-life screening")
_SCREEN_CORE = ("falls", "dementia", "medicines management")

TIER_OFFERS: dict[Tier, TierOffer] = {
    Tier.HIGHEST: TierOffer(
        Tier.HIGHEST,
        "severe",
        "Yes: likely a range of End of Life Coordination Services or Community Matrons",
        "as required",
        (1, 14),
        "yes",
        True,
        _SCREEN_ALL,
        (
            "End of Life Coordination",
            "Care Planning",
            "Virtual Ward",
            "Integrated Teams",
            "Improved Discharge",
        ),
    ),
    Tier.HIGH: TierOffer(
        Tier.HIGH,
        "moderate",
        "Yes: coordination from the integrated care teams, initially assessed by case managers",
        "monthly to six-weekly",
        (28, 42),
        "yes",
        True,
        _SCREEN_ALL,
        (
            "Case Management",
            "Care Planning",
            "Integrated Team",
            "Improved Discharge",
            "Falls and Fracture",
        ),
    ),
    Tier.MEDIUM: TierOffer(
        Tier.MEDIUM,
        "mild",
        "Yes: likely to be managed by primary and community care",
        "quarterly",
        (91, 91),
        "yes (unlikely to need)",
        False,
        _SCREEN_CORE,
        ("Self Care", "Care Planning", "Integrated Teams", "Falls & Fracture"),
    ),
    Tier.LOW: TierOffer(
        Tier.LOW,
        "mild",
        "Self-care led care planning; some may benefit from a care plan",
        "annually",
        (365, 365),
        "yes (unlikely to need)",
        False,
        _SCREEN_CORE,
        ("Expert Patient", "Self Care", "Care Planning", "Falls and Fracture Prevention"),
    ),
}


class InvalidTierPolicy(DomainError):
    code = "invalid-tier-policy"


@dataclass(frozen=True)
class TierPolicy:
    """Shares of the eligible (65+) population, highest risk first.

    Defaults follow the Kaiser pyramid sized to the seed: Highest + High together are 12% of
    the 65+, i.e. the seed's 8,793 people for case management out of 73,287 aged 65+ (12.0%);
    Highest is the top 2% (complex, end-of-life and matron-level need), Medium the next 28%.
    """

    highest_share: float = 0.02
    high_share: float = 0.10
    medium_share: float = 0.28
    minimum_age: int = 65

    def __post_init__(self) -> None:
        shares = (self.highest_share, self.high_share, self.medium_share)
        if any(s <= 0 for s in shares) or sum(shares) >= 1:
            raise InvalidTierPolicy("tier shares must be positive and leave room for Low")
        if not 0 <= self.minimum_age <= 120:
            raise InvalidTierPolicy("minimum age must be between 0 and 120")

    def assign(
        self, probability: npt.NDArray[np.float64], eligible: npt.NDArray[np.bool_]
    ) -> npt.NDArray[np.object_]:
        """Tier per person by rank among the eligible; the ineligible get None."""
        tiers = np.full(len(probability), None, dtype=object)
        idx = np.flatnonzero(eligible)
        if len(idx) == 0:
            return tiers
        order = idx[np.argsort(-probability[idx], kind="mergesort")]
        n = len(order)
        cuts = np.cumsum([self.highest_share, self.high_share, self.medium_share]) * n
        bounds = [0, *[int(round(c)) for c in cuts], n]
        for tier, lo, hi in zip(
            (Tier.HIGHEST, Tier.HIGH, Tier.MEDIUM, Tier.LOW), bounds[:-1], bounds[1:], strict=True
        ):
            tiers[order[lo:hi]] = tier
        return tiers
