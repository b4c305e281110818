"""Risk tiers: what each tier gets (Bromley's table) and how risk percentiles assign them."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_CEILING, Decimal

import numpy as np
import numpy.typing as npt

from stratification.domain.errors import InvalidTierPolicy

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
TierCodes = npt.NDArray[np.int8]
UNTIERED = -1  # code for people outside the eligible population


class Tier(enum.StrEnum):
    """Shared vocabulary: the four Bromley risk tiers."""

    HIGHEST = "highest"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"

    @property
    def code(self) -> int:
        """Array code: higher is riskier, so comparisons read naturally."""
        return _CODES[self]

    @classmethod
    def from_code(cls, code: int) -> Tier:
        """Tier stored as an array code."""
        return _BY_CODE[code]

    @property
    def shropshire_label(self) -> str:
        """Shropshire's need wording, for reporting only: the MDT decides the real need level."""
        return "severe" if self is Tier.HIGHEST else "moderate" if self is Tier.HIGH else "mild"

    @property
    def offer(self) -> TierOffer:
        """What people in this tier get."""
        return TIER_OFFERS[self]


_CODES = {Tier.LOW: 0, Tier.MEDIUM: 1, Tier.HIGH: 2, Tier.HIGHEST: 3}
_BY_CODE = {code: tier for tier, code in _CODES.items()}


class ReviewFrequency(enum.StrEnum):
    """Bromley's 'frequency of review' column."""

    AS_REQUIRED = "as-required"
    MONTHLY_TO_SIX_WEEKLY = "monthly-to-six-weekly"
    QUARTERLY = "quarterly"
    ANNUALLY = "annually"


class RapidResponseAccess(enum.StrEnum):
    """Every tier may call rapid response; lower tiers are simply unlikely to need it."""

    YES = "yes"
    YES_UNLIKELY_TO_NEED = "yes-unlikely-to-need"


class Screening(enum.StrEnum):
    """Proactive screening at each appointment or assessment."""

    FALLS = "falls"
    DEMENTIA = "dementia"
    MEDICINES_MANAGEMENT = "medicines-management"
    END_OF_LIFE = "end-of-life"


@dataclass(frozen=True)
class ReviewInterval:
    """Days between MDT reviews: no sooner than earliest (bar need), no later than latest."""

    earliest_days: int
    latest_days: int

    def next_due(self, last_review: date) -> date:
        """The day the next review falls due at the latest."""
        return last_review + timedelta(days=self.latest_days)


@dataclass(frozen=True)
class TierOffer:
    """One row of Bromley's programme table (seed 004)."""

    tier: Tier
    care_plan: str
    care_plan_owner: str
    review_frequency: ReviewFrequency
    review_interval: ReviewInterval
    rapid_response: RapidResponseAccess
    active_case_management: bool
    proactive_screening: tuple[Screening, ...]
    screening_at: str
    project_areas: tuple[str, ...]


_ALL_SCREENING = tuple(Screening)
_CORE_SCREENING = (Screening.FALLS, Screening.DEMENTIA, Screening.MEDICINES_MANAGEMENT)

# "As required" has no fixed interval; 14 days is our floor so nobody at the top is forgotten.
AS_REQUIRED_LATEST_DAYS = 14

TIER_OFFERS: dict[Tier, TierOffer] = {
    Tier.HIGHEST: TierOffer(
        tier=Tier.HIGHEST,
        care_plan="Yes- likely that this will be a range of End of Life Coordination Services "
        "or Community Matrons",
        care_plan_owner="End of Life Coordination Services or Community Matrons",
        review_frequency=ReviewFrequency.AS_REQUIRED,
        review_interval=ReviewInterval(1, AS_REQUIRED_LATEST_DAYS),
        rapid_response=RapidResponseAccess.YES,
        active_case_management=True,
        proactive_screening=_ALL_SCREENING,
        screening_at="each appointment/ assessment",
        project_areas=(
            "End of Life Coordination",
            "Care Planning",
            "Virtual Ward",
            "Integrated Teams",
            "Improved Discharge",
        ),
    ),
    Tier.HIGH: TierOffer(
        tier=Tier.HIGH,
        care_plan="Yes- this will include coordination from the integrated care teams, "
        "initially assessed by the ProMISE CMs",
        care_plan_owner="Integrated care team, initially assessed by a case manager",
        review_frequency=ReviewFrequency.MONTHLY_TO_SIX_WEEKLY,
        review_interval=ReviewInterval(28, 42),
        rapid_response=RapidResponseAccess.YES,
        active_case_management=True,
        proactive_screening=_ALL_SCREENING,
        screening_at="each appointment/ assessment",
        project_areas=(
            "Case Management: ProMISE",
            "Care Planning",
            "Integrated Team",
            "Improved Discharge",
            "Falls and Fracture",
            "Flo",
        ),
    ),
    Tier.MEDIUM: TierOffer(
        tier=Tier.MEDIUM,
        care_plan="Yes- likely to be managed by primary and community care",
        care_plan_owner="Primary and community care",
        review_frequency=ReviewFrequency.QUARTERLY,
        review_interval=ReviewInterval(91, 91),
        rapid_response=RapidResponseAccess.YES_UNLIKELY_TO_NEED,
        active_case_management=False,
        proactive_screening=_CORE_SCREENING,
        screening_at="each appointment/ assessment",
        project_areas=("Self Care", "Care Planning", "Integrated Teams", "Falls & Fracture", "Flo"),
    ),
    Tier.LOW: TierOffer(
        tier=Tier.LOW,
        care_plan="Low risk patients will be encouraged to undertake self care led care planning "
        "and some may benefit from a care plan",
        care_plan_owner="The patient (self-care led care planning)",
        review_frequency=ReviewFrequency.ANNUALLY,
        review_interval=ReviewInterval(365, 365),
        rapid_response=RapidResponseAccess.YES_UNLIKELY_TO_NEED,
        active_case_management=False,
        proactive_screening=_CORE_SCREENING,
        screening_at="each appointment",
        project_areas=(
            "Expert Patient",
            "Self Care",
            "Care Planning",
            "Falls and Fracture Prevention",
        ),
    ),
}


@dataclass(frozen=True)
class TierPolicy:
    """Percentile cut-offs of risk among the eligible population, each the lower bound of a tier.

    Defaults are sized to the seed rather than to a textbook pyramid: Highest and High together
    are the top 12% of the 65+, which is the seed's 8,793 people for case management out of
    73,287 aged 65+; Highest is the top 2% (about 1,470 people county-wide, the community matron
    and end-of-life apex); Medium the next 28%, leaving 60% in self-care led Low.
    `TierPolicy.kaiser()` gives the classic 0.5% / 1.5% / 8% pyramid instead.
    """

    highest_from_percentile: float = 98.0
    high_from_percentile: float = 88.0
    medium_from_percentile: float = 60.0
    minimum_age: int = 65

    def __post_init__(self) -> None:
        cuts = (
            self.medium_from_percentile,
            self.high_from_percentile,
            self.highest_from_percentile,
        )
        if not all(0 < c < 100 for c in cuts):
            raise InvalidTierPolicy("tier percentiles must lie strictly between 0 and 100")
        if not cuts[0] < cuts[1] < cuts[2]:
            raise InvalidTierPolicy("percentiles must rise from Medium to High to Highest")
        if not 0 <= self.minimum_age <= 120:
            raise InvalidTierPolicy("minimum age must be between 0 and 120")

    @classmethod
    def kaiser(cls, minimum_age: int = 65) -> TierPolicy:
        """Kaiser pyramid: top 0.5% Highest, next 1.5% High, next 8% Medium."""
        return cls(99.5, 98.0, 90.0, minimum_age)

    def eligible(self, age: npt.NDArray[np.integer]) -> BoolArray:
        """Who is stratified at all (65+ by default)."""
        result: BoolArray = np.asarray(age) >= self.minimum_age
        return result

    def cut_offs(self) -> dict[Tier, float]:
        """Each tier's lowest percentile."""
        return {
            Tier.HIGHEST: self.highest_from_percentile,
            Tier.HIGH: self.high_from_percentile,
            Tier.MEDIUM: self.medium_from_percentile,
            Tier.LOW: 0.0,
        }


@dataclass(frozen=True)
class TierAssignment:
    """Tier codes for everyone (UNTIERED outside the eligible), and the score each tier began at."""

    codes: TierCodes
    lowest_score: dict[Tier, float]
    counts: dict[Tier, int]

    def tier_of(self, row: int) -> Tier | None:
        """One person's tier, None when not eligible."""
        code = int(self.codes[row])
        return None if code == UNTIERED else Tier.from_code(code)


def risk_percentiles(scores: FloatArray, eligible: BoolArray) -> FloatArray:
    """Share (%) of the eligible scoring strictly lower; ties share the lower percentile."""
    ranked = np.sort(scores[eligible])
    below = np.searchsorted(ranked, scores, side="left").astype(np.float64)
    result: FloatArray = np.where(eligible, 100.0 * below / max(len(ranked), 1), np.nan)
    return result


def assign_tiers(scores: FloatArray, eligible: BoolArray, policy: TierPolicy) -> TierAssignment:
    """Tier by rank among the eligible, so exactly the policy's shares (fewer on ties) move up."""
    scores = np.asarray(scores, dtype=np.float64)
    eligible = np.asarray(eligible, dtype=np.bool_)
    if scores.shape != eligible.shape or scores.ndim != 1:
        raise InvalidTierPolicy("scores and eligibility must be vectors of the same length")
    if np.isnan(scores[eligible]).any():
        raise InvalidTierPolicy("eligible people must all have a score")
    ranked = np.sort(scores[eligible])
    n = len(ranked)
    below = np.searchsorted(ranked, scores, side="left")
    codes = np.full(scores.shape, UNTIERED, dtype=np.int8)
    codes[eligible] = Tier.LOW.code
    lowest: dict[Tier, float] = {}
    for tier in (Tier.MEDIUM, Tier.HIGH, Tier.HIGHEST):
        at_least = _rank_needed(policy.cut_offs()[tier], n)
        codes[eligible & (below >= at_least)] = tier.code
    for tier in Tier:
        members = scores[codes == tier.code]
        lowest[tier] = float(members.min()) if len(members) else float("nan")
    counts = {tier: int((codes == tier.code).sum()) for tier in Tier}
    return TierAssignment(codes, lowest, counts)


def _rank_needed(percentile: float, n: int) -> int:
    """How many must score strictly lower for a person to reach the percentile (exact decimals)."""
    return int((Decimal(str(percentile)) * n / 100).to_integral_value(rounding=ROUND_CEILING))


def tier_population(
    scores: FloatArray, age: npt.NDArray[np.integer], policy: TierPolicy
) -> TierAssignment:
    """Tier everyone the policy makes eligible by age; others stay UNTIERED."""
    return assign_tiers(scores, policy.eligible(age), policy)
