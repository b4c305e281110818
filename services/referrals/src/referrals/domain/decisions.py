"""MDT triage decisions as immutable, numbered records: the audit trail of each referral."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from referrals.domain.references import Reference
from referrals.domain.vocabulary import Locality, MostPressingNeed, NeedLevel


class DecisionKind(StrEnum):
    """Include, exclude, or the reversal of the decision standing before it."""

    INCLUDE = "include"
    EXCLUDE = "exclude"
    REVERSAL = "reversal"


class ExclusionReason(StrEnum):
    """Why the MDT kept a patient off case management for now."""

    NOT_ELIGIBLE = "not-eligible"
    NEEDS_MET_ELSEWHERE = "needs-met-elsewhere"
    LOW_NEED = "low-need"
    DECLINED = "declined"
    MOVED_AWAY = "moved-away"
    OTHER = "other"


@dataclass(frozen=True, slots=True, kw_only=True)
class TriageDecision:
    """One version of a referral's triage; later versions never rewrite earlier ones."""

    version: int
    kind: DecisionKind
    decided_by: Reference
    decided_at: datetime
    recorded_at: datetime
    need_level: NeedLevel | None = None
    eligibility_criteria: tuple[str, ...] = ()
    most_pressing_need: MostPressingNeed | None = None
    locality: Locality | None = None
    exclusion_reason: ExclusionReason | None = None
    reason_text: str = ""
    next_review_on: date | None = None
    reverses_version: int | None = None

    @property
    def reason_summary(self) -> str:
        """Code and free text together, as the exclusion note and event carry it."""
        code = self.exclusion_reason.value if self.exclusion_reason else self.kind.value
        return f"{code}: {self.reason_text}" if self.reason_text else code
