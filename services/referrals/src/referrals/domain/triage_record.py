"""The MDT's decisions as the Referral aggregate records them (the base of the aggregate).

An include completes the referral (the request was acted on) and tells caseload; an exclude
revokes it and tells stratification until the next review date; a reversal withdraws the
standing decision and reopens the referral. Decisions are numbered and never edited. The
content of each decision is checked by triage.py before it reaches the aggregate.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from referrals.domain.decisions import DecisionKind, TriageDecision
from referrals.domain.errors import (
    InvalidTriageDecision,
    NoDecisionToReverse,
    ReferralClosed,
    VersionConflict,
)
from referrals.domain.events import (
    DomainEvent,
    ReferralAccepted,
    ReferralExcluded,
    TriageReversed,
)
from referrals.domain.occurrence import WhenToSee
from referrals.domain.patients import PatientIdentity
from referrals.domain.vocabulary import OPEN_STATUSES, Locality, ReferralStatus, Tier


class TriageRecord:
    """Decision-keeping for Referral (a dataclass declaring these attributes as its fields)."""

    referral_id: str
    patient: PatientIdentity
    practice_code: str | None
    locality: Locality | None
    tier: Tier | None
    status: ReferralStatus
    status_reason: str
    when_to_see: WhenToSee | None
    decisions: list[TriageDecision]
    version: int
    last_updated: datetime | None
    _events: list[DomainEvent]

    @property
    def is_open(self) -> bool:
        """Draft, active or on-hold: the MDT still has something to decide."""
        return self.status in OPEN_STATUSES

    @property
    def standing_decision(self) -> TriageDecision | None:
        """The include or exclude in force, if the latest record is not a reversal."""
        if self.decisions and self.decisions[-1].kind is not DecisionKind.REVERSAL:
            return self.decisions[-1]
        return None

    @property
    def first_decided_at(self) -> datetime | None:
        """When the MDT first decided (the receipt-to-decision time the mix report measures)."""
        firsts = (d.decided_at for d in self.decisions if d.kind is not DecisionKind.REVERSAL)
        return next(firsts, None)

    def record_decision(self, decision: TriageDecision) -> None:
        """Apply an include or exclude built by triage.py (which checks its content)."""
        self._require_open("decide on")
        self._check_next_version(decision)
        if decision.kind is DecisionKind.INCLUDE:
            self._include(decision)
        elif decision.kind is DecisionKind.EXCLUDE:
            self._exclude(decision)
        else:
            raise InvalidTriageDecision("a reversal is recorded with record_reversal")
        self._name_replacement(decision)
        self.decisions.append(decision)
        self._touch(decision.recorded_at)

    def record_reversal(self, reversal: TriageDecision) -> None:
        """Withdraw the standing decision; the referral is open again for a fresh one."""
        standing = self.standing_decision
        if standing is None or reversal.reverses_version != standing.version:
            raise NoDecisionToReverse(
                f"referral {self.referral_id} has no standing decision "
                f"version {reversal.reverses_version} to reverse"
            )
        if self.status not in (ReferralStatus.COMPLETED, ReferralStatus.REVOKED):
            raise ReferralClosed(
                f"referral {self.referral_id} is {self.status.value}: its decision stands"
            )
        self._check_next_version(reversal)
        self.decisions.append(reversal)
        self.status = ReferralStatus.ACTIVE
        self.status_reason = reversal.reason_text
        self._touch(reversal.recorded_at)
        self._events.append(
            TriageReversed(
                referral_id=self.referral_id,
                patient=self.patient,
                reversed_version=standing.version,
                reversed_kind=standing.kind,
                reason=reversal.reason_text,
                reversed_by=reversal.decided_by.text,
                reversed_at=reversal.decided_at,
            )
        )

    # --- internals -------------------------------------------------------------------------
    def _include(self, decision: TriageDecision) -> None:
        locality = decision.locality or self.locality
        if decision.need_level is None or locality is None:
            raise InvalidTriageDecision(
                "an inclusion needs a need level and the patient's locality"
            )
        self.locality = locality
        self.status = ReferralStatus.COMPLETED
        self.status_reason = f"included: {decision.need_level.value} need"
        self._events.append(
            ReferralAccepted(
                referral_id=self.referral_id,
                patient=self.patient,
                need_level=decision.need_level,
                locality=locality,
                practice_code=self.practice_code,
                tier=self.tier,
                most_pressing_need=decision.most_pressing_need,
                eligibility_criteria=decision.eligibility_criteria,
                decided_by=decision.decided_by.text,
                decided_at=decision.decided_at,
                decision_version=decision.version,
                when_to_see=self.when_to_see,
            )
        )

    def _exclude(self, decision: TriageDecision) -> None:
        if decision.next_review_on is None or decision.exclusion_reason is None:
            raise InvalidTriageDecision("an exclusion needs a reason and a next review date")
        self.status = ReferralStatus.REVOKED
        self.status_reason = f"excluded: {decision.reason_summary}"
        self._events.append(
            ReferralExcluded(
                referral_id=self.referral_id,
                patient=self.patient,
                reason=decision.reason_summary,
                next_review_on=decision.next_review_on,
                decided_by=decision.decided_by.text,
                decided_at=decision.decided_at,
            )
        )

    def _require_open(self, action: str) -> None:
        if not self.is_open:
            hint = (
                "; reverse the MDT decision first"
                if self.standing_decision and self.status is not ReferralStatus.ENTERED_IN_ERROR
                else ""
            )
            raise ReferralClosed(
                f"cannot {action} referral {self.referral_id}: it is {self.status.value}{hint}"
            )

    def _check_next_version(self, decision: TriageDecision) -> None:
        expected = len(self.decisions) + 1
        if decision.version != expected:
            raise VersionConflict(self.referral_id, current=expected - 1, expected=decision.version)

    def _name_replacement(self, decision: TriageDecision) -> None:
        """A decision recorded right after a reversal, in one change, is what replaced it."""
        for i in range(len(self._events) - 1, -1, -1):
            pending = self._events[i]
            if isinstance(pending, TriageReversed) and pending.new_kind is None:
                self._events[i] = replace(pending, new_kind=decision.kind)
                return

    def _touch(self, at: datetime) -> None:
        self.version += 1
        self.last_updated = at
