"""Eligibility criteria the MDT records when it includes a patient in case management.

The seed has the MDT assess "against agreed eligibility criteria" without listing them; this is
the programme's documented default set, drawn from the seeds:
- `age-65-plus`: the admission-avoidance cohort is the 65+ (Shropshire targets);
- `ltc-1-plus`: one or more long-term conditions (targets are set by number of LTCs);
- `risk-tier-high`: in the Highest or High tier of the predictive report;
- `clinical-judgement`: the GP's knowledge and registers (housebound, falls) where no score is
  available (Bromley's interim route);
- `consent`: the patient agrees to case management (refusal is a route out, so it must be there).
Consent is always required and at least one clinical criterion must be met: age alone is not a
reason (Bromley: "not just >65yrs"), but it may be one of several.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from referrals.domain.errors import InvalidTriageDecision, UnknownEligibilityCriterion

AGE_65_PLUS = "age-65-plus"
LTC_1_PLUS = "ltc-1-plus"
RISK_TIER_HIGH = "risk-tier-high"
CLINICAL_JUDGEMENT = "clinical-judgement"
CONSENT = "consent"


@dataclass(frozen=True, slots=True)
class EligibilityPolicy:
    """Which criteria exist, which are required, and which count as clinical reasons."""

    known: frozenset[str]
    required: frozenset[str]
    clinical: frozenset[str]
    minimum_clinical: int = 1

    def check(self, criteria: Iterable[str]) -> tuple[str, ...]:
        """The criteria met, de-duplicated in given order, or the reason they do not suffice."""
        met = tuple(dict.fromkeys(c.strip().lower() for c in criteria))
        unknown = [c for c in met if c not in self.known]
        if unknown:
            raise UnknownEligibilityCriterion(
                f"unknown eligibility criteria {', '.join(unknown)}: "
                f"use {', '.join(sorted(self.known))}"
            )
        missing = sorted(self.required - set(met))
        if missing:
            raise InvalidTriageDecision(
                f"an inclusion must record {', '.join(missing)} among the criteria met"
            )
        if len(self.clinical & set(met)) < self.minimum_clinical:
            raise InvalidTriageDecision(
                "an inclusion must meet at least "
                f"{self.minimum_clinical} of {', '.join(sorted(self.clinical))}"
            )
        return met


DEFAULT_ELIGIBILITY = EligibilityPolicy(
    known=frozenset({AGE_65_PLUS, LTC_1_PLUS, RISK_TIER_HIGH, CLINICAL_JUDGEMENT, CONSENT}),
    required=frozenset({CONSENT}),
    clinical=frozenset({AGE_65_PLUS, LTC_1_PLUS, RISK_TIER_HIGH, CLINICAL_JUDGEMENT}),
)
