"""Status changes outside triage: on hold, resumed, withdrawn, entered in error.

Each is one FHIR ServiceRequest status move, allowed only from the statuses named here, and
announced with the decision standing at the time so consumers can undo its effects.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from referrals.domain.clock import require_aware
from referrals.domain.errors import InvalidStatusTransition
from referrals.domain.events import ReferralStatusChanged
from referrals.domain.triage_record import TriageRecord
from referrals.domain.vocabulary import OPEN_STATUSES, ReferralStatus

_HOLDABLE = frozenset({ReferralStatus.ACTIVE})
_RESUMABLE = frozenset({ReferralStatus.ON_HOLD, ReferralStatus.DRAFT})


class ReferralStatusChanges(TriageRecord):
    """Status moves for Referral; `touch=False` when they are part of a larger revision."""

    def put_on_hold(self, reason: str, *, at: datetime, by: str = "", touch: bool = True) -> None:
        """Pause triage (awaiting information); the referral stays open."""
        self._move(ReferralStatus.ON_HOLD, reason, at, by=by, touch=touch, allowed_from=_HOLDABLE)

    def resume(self, *, at: datetime, by: str = "", touch: bool = True) -> None:
        """Back on the worklist after a hold (or a draft made ready)."""
        self._move(
            ReferralStatus.ACTIVE, "resumed", at, by=by, touch=touch, allowed_from=_RESUMABLE
        )

    def revoke(self, reason: str, *, at: datetime, by: str = "", touch: bool = True) -> None:
        """The referrer withdrew the referral before the MDT decided."""
        self._move(
            ReferralStatus.REVOKED, reason, at, by=by, touch=touch, allowed_from=OPEN_STATUSES
        )

    def mark_entered_in_error(
        self, reason: str, *, at: datetime, by: str = "", touch: bool = True
    ) -> None:
        """Recorded by mistake (wrong patient): it counts nowhere and accepts nothing more."""
        allowed = tuple(s for s in ReferralStatus if s is not ReferralStatus.ENTERED_IN_ERROR)
        self._move(
            ReferralStatus.ENTERED_IN_ERROR, reason, at, by=by, touch=touch, allowed_from=allowed
        )

    def _move(
        self,
        status: ReferralStatus,
        reason: str,
        at: datetime,
        *,
        by: str,
        touch: bool,
        allowed_from: Collection[ReferralStatus],
    ) -> None:
        if self.status not in allowed_from:
            raise InvalidStatusTransition(
                f"referral {self.referral_id} cannot go from {self.status.value} to {status.value}"
            )
        when = require_aware(at, "at")
        previous = self.status
        standing = self.standing_decision
        self.status = status
        self.status_reason = reason.strip()
        if touch:
            self._touch(when)
        self._events.append(
            ReferralStatusChanged(
                referral_id=self.referral_id,
                patient=self.patient,
                previous_status=previous.value,
                status=status.value,
                standing_decision=standing.kind if standing else None,
                reason=self.status_reason,
                changed_by=by,
                changed_at=when,
            )
        )
