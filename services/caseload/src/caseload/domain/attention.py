"""Why a case is on the attention worklist: its referral changed under it, or it needs a person.

A withdrawn or revoked inclusion is never dropped silently (visits may have happened): the case
stays open, flagged for its case manager or team lead to close with a handover.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from caseload.domain.vocabulary import AttentionAction


@dataclass(frozen=True, slots=True, kw_only=True)
class Attention:
    """One flag on a case: what to do, why, who caused it and when."""

    action: AttentionAction
    reason: str
    raised_by: str
    raised_at: datetime
    cause: str  # the upstream fact, e.g. "decision-reversed:v3" or "referral-revoked"
    withdrawn_version: int | None = None  # the reversed inclusion's triage decision version

    def same_cause(self, other: Attention) -> bool:
        """A redelivered or repeated fact raises nothing new."""
        return self.action is other.action and self.cause == other.cause
