"""The Referral aggregate: one patient's way into the programme, from every route that sent them.

Status follows FHIR ServiceRequest: a referral is open while draft, active or on-hold. The MDT's
include completes it (the request was acted on), an exclusion revokes it (the programme will not
act on it now; an exclusion note says when to look again). A reversal reopens it as active.
A second referral for a patient with an open one is linked to it as another arrival (see
deduplication.py): both routes are kept, priority only ever escalates, reasons accumulate.
Arrivals live here; decisions in triage_record.py, other status moves in referral_status.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from referrals.domain.clock import require_aware
from referrals.domain.crisis import CrisisDetails
from referrals.domain.decisions import TriageDecision
from referrals.domain.errors import InvalidReferral, VersionConflict
from referrals.domain.events import DomainEvent, ReferralReceived, ReferralUrgent
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
from referrals.domain.referral_status import ReferralStatusChanges
from referrals.domain.vocabulary import (
    CASE_MANAGEMENT,
    Locality,
    Priority,
    ReferralRoute,
    ReferralStatus,
    Tier,
    tier_rank,
)


@dataclass(eq=False, kw_only=True)
class Referral(ReferralStatusChanges):
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
    def is_predictive(self) -> bool:
        """Opened by the predictive report rather than a direct referral."""
        return self.route is ReferralRoute.PREDICTIVE

    @property
    def identifiers(self) -> tuple[ReferrerIdentifier, ...]:
        """Every referrer identifier received, so a linked referral is found by its own id."""
        found = (a.referrer_identifier for a in self.arrivals if a.referrer_identifier)
        return tuple(dict.fromkeys(found))

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
                when_to_see=self.when_to_see,
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
