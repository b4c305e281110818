"""One MDT review decision: continue, adjust the plan, transfer or discharge."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from caseload.domain.ownership import TransferTarget
from caseload.domain.vocabulary import DischargeReason, ReviewOutcome


@dataclass(frozen=True, slots=True, kw_only=True)
class MdtReview:
    """One MDT review decision about a case."""

    outcome: ReviewOutcome
    decided_by: str
    reviewed_at: datetime
    notes: str = ""
    plan_summary: str = ""
    transfer_to: TransferTarget | None = None
    discharge_reason: DischargeReason | None = None
    criteria_met: tuple[str, ...] = ()
    next_review_in_days: int | None = None
