"""What each Bromley tier's plan holds: owner, proactive screening and review frequency.

From the Bromley table (seeds/004): Highest — care plan likely End of Life coordination or
community matrons, review as required, screening for falls, dementia, medicines management and
EoL at each appointment/assessment; High — coordination from the integrated care teams, initially
assessed by the case managers, monthly to six-weekly, same four screenings; Medium — primary and
community care, quarterly, falls, dementia, medicines management at each appointment/assessment;
Low — self-care led care planning, annually, the same three at each appointment.
Review intervals agree with the caseload service: Highest "as required" with a floor of at
least every 14 days; High 28 days (the MDT may agree up to 42); Medium 91; Low 365.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from careplans.domain.errors import InvalidReviewOutcome
from careplans.domain.vocabulary import Tier

PLAN_ACTIVITY_SYSTEM = "https://cch.example.nhs.uk/CodeSystem/care-plan-activity"


class Screening(StrEnum):
    """Proactive screening items (codes of PLAN_ACTIVITY_SYSTEM)."""

    FALLS = "falls-screening"
    DEMENTIA = "dementia-screening"
    MEDICINES = "medicines-management-review"
    END_OF_LIFE = "end-of-life-screening"


SCREENING_TEXT: dict[Screening, str] = {
    Screening.FALLS: "Falls risk screening",
    Screening.DEMENTIA: "Dementia screening",
    Screening.MEDICINES: "Medicines management review",
    Screening.END_OF_LIFE: "End of life screening",
}
MDT_REVIEW_CODE = "mdt-review"
MDT_REVIEW_TEXT = "MDT review"


@dataclass(frozen=True, slots=True)
class TierPlan:
    """The plan a tier gets: who owns it, what is screened, how often it is reviewed."""

    owner: str
    screening: tuple[Screening, ...]
    screening_when: str
    review_days: int
    review_max_days: int
    review_label: str


_FOUR = (Screening.FALLS, Screening.DEMENTIA, Screening.MEDICINES, Screening.END_OF_LIFE)
_THREE = (Screening.FALLS, Screening.DEMENTIA, Screening.MEDICINES)

TIER_PLANS: dict[Tier, TierPlan] = {
    Tier.HIGHEST: TierPlan(
        owner="End of Life coordination services or community matron",
        screening=_FOUR,
        screening_when="At each appointment/assessment",
        review_days=14,
        review_max_days=14,
        review_label="As required (at least every 14 days)",
    ),
    Tier.HIGH: TierPlan(
        owner="Integrated care team coordination, initially assessed by the case manager",
        screening=_FOUR,
        screening_when="At each appointment/assessment",
        review_days=28,
        review_max_days=42,
        review_label="Monthly to six-weekly",
    ),
    Tier.MEDIUM: TierPlan(
        owner="Primary and community care",
        screening=_THREE,
        screening_when="At each appointment/assessment",
        review_days=91,
        review_max_days=91,
        review_label="Quarterly",
    ),
    Tier.LOW: TierPlan(
        owner="Self-care led care planning",
        screening=_THREE,
        screening_when="At each appointment",
        review_days=365,
        review_max_days=365,
        review_label="Annually",
    ),
}


def next_review_on(tier: Tier, *, reviewed_on: date, agreed_days: int | None = None) -> date:
    """The next MDT review: the tier's interval, or a shorter one the MDT agreed, never longer."""
    plan = TIER_PLANS[tier]
    days = plan.review_days if agreed_days is None else agreed_days
    if not 1 <= days <= plan.review_max_days:
        raise InvalidReviewOutcome(
            f"{tier.value} tier reviews are {plan.review_label.lower()}: "
            f"an interval of {days} days must be 1-{plan.review_max_days}"
        )
    return reviewed_on + timedelta(days=days)
