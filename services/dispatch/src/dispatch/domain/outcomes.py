"""What follows a rapid response: a high-risk patient who stayed home goes to case management."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from dispatch.domain.vocabulary import DispatchOutcome

# Stratification tiers that count as high risk: the patients case management is for.
HIGH_RISK_TIERS = frozenset({"highest", "high"})


def is_high_risk_tier(tier: str | None) -> bool:
    """A tier at which a patient who stayed home after a crisis should be case managed."""
    return tier in HIGH_RISK_TIERS


@dataclass(frozen=True, slots=True)
class CaseManagementReferral:
    """The decision to refer on, published with the completion for the referrals service."""

    request_id: str
    patient_ref: str
    decided_at: datetime
    reason: str


@dataclass(frozen=True, slots=True)
class Completion:
    """The outcome of a response, and the referral-on it triggers if any."""

    request_id: str
    outcome: DispatchOutcome
    high_risk: bool
    completed_at: datetime
    refer_on: CaseManagementReferral | None

    @property
    def refer_to_case_management(self) -> bool:
        """Flag carried on the completed event."""
        return self.refer_on is not None


def decide_completion(
    *,
    request_id: str,
    patient_ref: str,
    outcome: DispatchOutcome,
    high_risk: bool,
    completed_at: datetime,
) -> Completion:
    """Staying home avoided this admission; case management is how the next one is avoided."""
    refer_on = None
    if outcome is DispatchOutcome.STAYED_HOME and high_risk:
        refer_on = CaseManagementReferral(
            request_id=request_id,
            patient_ref=patient_ref,
            decided_at=completed_at,
            reason="high-risk patient stayed at home after a crisis: refer on to case management",
        )
    return Completion(
        request_id=request_id,
        outcome=outcome,
        high_risk=high_risk,
        completed_at=completed_at,
        refer_on=refer_on,
    )
