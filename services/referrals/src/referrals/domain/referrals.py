"""The Referral aggregate: one patient's way into the programme, from every route that sent them.

Status follows FHIR ServiceRequest: a referral is open while draft, active or on-hold. The MDT's
include completes it (the request was acted on), an exclusion revokes it (the programme will not
act on it now; an exclusion note says when to look again). A reversal reopens it as active.
A second referral for a patient with an open one is linked to it as another arrival (see
deduplication.py): both routes are kept, priority only ever escalates, reasons accumulate.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field, replace
from datetime import datetime

from referrals.domain.clock import require_aware
from referrals.domain.crisis import CrisisDetails
from referrals.domain.decisions import DecisionKind, TriageDecision
from referrals.domain.errors import (
    InvalidReferral,
    InvalidStatusTransition,
    InvalidTriageDecision,
    NoDecisionToReverse,
    ReferralClosed,
    VersionConflict,
)
from referrals.domain.events import (
    DomainEvent,
    ReferralAccepted,
    ReferralExcluded,
    ReferralReceived,
    ReferralStatusChanged,
    ReferralUrgent,
    TriageReversed,
)
from referrals.domain.occurrence import WhenToSee
from referrals.domain.patients import PatientIdentity, SubmittedDemographics
from referrals.domain.reasons import CodedReason
from referrals.domain.references import Reference
from referrals.domain.referral_requests import (
    Arrival,
    ReferralRequest,
    ReferrerIdentifier,
    arrival_of,
    check_authored,
)
from referrals.domain.vocabulary import (
    CASE_MANAGEMENT,
    OPEN_STATUSES,
    Locality,
    Priority,
    ReferralRoute,
    ReferralStatus,
    Tier,
    tier_rank,
)

_HOLDABLE = frozenset({ReferralStatus.ACTIVE})
_RESUMABLE = frozenset({ReferralStatus.ON_HOLD, ReferralStatus.DRAFT})


@dataclass(eq=False, kw_only=True)
class Referral:
    """A patient's referral into a programme: routes, priority, reasons, status and triage."""

    referral_id: str
    patient: PatientIdentity
    routes: list[ReferralRoute]
    priority: Priority
    reasons: list[CodedReason]
    requester: Reference
    practice_code: str | None
    locality: Locality | None
    authored_on: datetime
    received_at: datetime
    status: ReferralStatus = ReferralStatus.ACTIVE
    referrer_identifier: ReferrerIdentifier | None = None
    crisis: CrisisDetails | None = None
    tier: Tier | None = None
    programme: str = CASE_MANAGEMENT
    demographics: SubmittedDemographics | None = None
    when_to_see: WhenToSee | None = None
    arrivals: list[Arrival] = field(default_factory=list)
    decisions: list[TriageDecision] = field(default_factory=list)
    status_reason: str = ""
    version: int = 1
    last_updated: datetime | None = None
    _events: list[DomainEvent] = field(default_factory=list, repr=False)

    @classmethod
    def open(cls, request: ReferralRequest, *, referral_id: str, received_at: datetime) -> Referral:
        """A new open referral from its first arrival."""
        received = require_aware(received_at, "received_at")
        check_authored(request, received)
        referral = cls(
            referral_id=referral_id,
            patient=request.patient,
            routes=[request.route],
            priority=request.priority,
            reasons=list(request.reasons),
            requester=request.requester,
            practice_code=request.practice_code,
            locality=request.locality,
            authored_on=request.authored_on,
            received_at=received,
            referrer_identifier=request.referrer_identifier,
            crisis=request.crisis,
            tier=request.tier,
            programme=request.programme,
            demographics=request.demographics,
            when_to_see=request.when_to_see,
            arrivals=[arrival_of(request, received)],
            last_updated=received,
        )
        referral._received(request, received, linked=False)
        return referral

    # --- read model ------------------------------------------------------------------------
    @property
    def route(self) -> ReferralRoute:
        """The route that opened the referral (what the 80/20 mix counts)."""
        return self.routes[0]

    @property
    def is_open(self) -> bool:
        """Draft, active or on-hold: the MDT still has something to decide."""
        return self.status in OPEN_STATUSES

    @property
    def is_predictive(self) -> bool:
        """Opened by the predictive report rather than a direct referral."""
        return self.route is ReferralRoute.PREDICTIVE

    @property
    def identifiers(self) -> tuple[ReferrerIdentifier, ...]:
        """Every referrer identifier received, so a linked referral is found by its own id."""
        found = (a.referrer_identifier for a in self.arrivals if a.referrer_identifier)
        return tuple(dict.fromkeys(found))

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

    def expect_version(self, version: int) -> None:
        """Refuse a change made against a stale read (FHIR If-Match)."""
        if version != self.version:
            raise VersionConflict(self.referral_id, current=self.version, expected=version)

    def pull_events(self) -> list[DomainEvent]:
        """Hand the collected events to the service layer (once)."""
        events, self._events = self._events, []
        return events

    # --- changes ---------------------------------------------------------------------------
    def link(self, request: ReferralRequest, *, received_at: datetime) -> None:
        """Another route referred the same patient: keep both routes on this one referral."""
        self._require_open("link another referral to")
        if request.patient.patient_key != self.patient.patient_key:
            raise InvalidReferral("only a referral for the same patient can be linked")
        received = require_aware(received_at, "received_at")
        check_authored(request, received)
        self.arrivals.append(arrival_of(request, received))
        if request.route not in self.routes:
            self.routes.append(request.route)
        self.reasons.extend(r for r in request.reasons if r not in self.reasons)
        if request.priority is Priority.URGENT:
            self.priority = Priority.URGENT
            self.crisis = request.crisis
        if self.patient.nhs_number is None and request.patient.nhs_number is not None:
            self.patient = request.patient
        self.practice_code = self.practice_code or request.practice_code
        self.locality = self.locality or request.locality
        self.demographics = self.demographics or request.demographics
        self.when_to_see = self.when_to_see or request.when_to_see
        if request.tier is not None and tier_rank(request.tier) < tier_rank(self.tier):
            self.tier = request.tier
        self._touch(received)
        self._received(request, received, linked=True)

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

    def escalate(self, crisis: CrisisDetails, *, at: datetime) -> None:
        """A routine referral became a crisis: dispatch hears once, from this moment."""
        self._require_open("escalate")
        if self.priority is Priority.URGENT:
            raise InvalidReferral("the referral is already urgent: dispatch has its crisis")
        self.priority = Priority.URGENT
        self.crisis = crisis
        self._events.append(
            ReferralUrgent(
                referral_id=self.referral_id,
                patient=self.patient,
                received_at=require_aware(at, "at"),
                postcode=crisis.postcode,
                reason=crisis.reason,
                locality=self.locality,
            )
        )

    def mark_revised(self, *, at: datetime) -> None:
        """One update, one new version, however many elements it corrected."""
        self._touch(require_aware(at, "at"))

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

    def _touch(self, at: datetime) -> None:
        self.version += 1
        self.last_updated = at

    def _received(self, request: ReferralRequest, received: datetime, *, linked: bool) -> None:
        self._events.append(
            ReferralReceived(
                referral_id=self.referral_id,
                patient=self.patient,
                route=request.route,
                routes=tuple(self.routes),
                priority=self.priority,
                practice_code=self.practice_code,
                locality=self.locality,
                received_at=received,
                linked_to_open_referral=linked,
                reasons=tuple(self.reasons),
            )
        )
        # Every crisis needs a response, even one linked to a referral that was already urgent.
        if request.crisis is not None:
            self._events.append(
                ReferralUrgent(
                    referral_id=self.referral_id,
                    patient=self.patient,
                    received_at=received,
                    postcode=request.crisis.postcode,
                    reason=request.crisis.reason,
                    locality=self.locality,
                )
            )
