"""Events the referrals service applies (each once, through the inbox).

- `patient.tier-changed`: newly Highest/High → a predictive referral, unless an MDT exclusion
  note holds on the run's effective date or the patient is case managed; an open referral gets
  the predictive arrival linked to it instead of a second case.
- `caseload.assigned` / `caseload.discharged`: the patient is (no longer) case managed, so the
  predictive route leaves them alone meanwhile (self-care support does not count).
- `dispatch.completed` with `refer_to_case_management`: the rapid-response clinician refers the
  patient on, route `rapid-response` (the shared vocabulary's route for "stayed home after a
  crisis"; it counts as a direct referral in the 80/20 mix), keyed by the dispatch request id.
"""

import logging

from cch_contracts import CloudEvent
from cch_contracts.events.caseload import CaseAssigned, CaseDischarged
from cch_contracts.events.dispatch import DispatchCompleted
from cch_contracts.events.stratification import PatientTierChanged
from cch_contracts.vocabulary import AssignmentKind
from cch_messaging import HandlerRegistry, MessagingUnitOfWork
from referrals.adapters.referral_store import ReferralStore
from referrals.domain.clock import Clock, SystemClock
from referrals.domain.errors import DomainError
from referrals.domain.patients import PatientIdentity
from referrals.domain.predictive import (
    PredictiveSkip,
    TierChange,
    decide_predictive_referral,
    predictive_request,
)
from referrals.domain.references import Reference, organisation, practitioner
from referrals.domain.referral_requests import ReferralRequest, ReferrerIdentifier
from referrals.domain.vocabulary import CASE_MANAGEMENT, Locality, ReferralRoute, Tier
from referrals.service_layer.referrals import receive

log = logging.getLogger("referrals.consumer")

DISPATCH_REQUEST_SYSTEM = "https://cch.example.nhs.uk/Id/dispatch-request"
RAPID_RESPONSE_SERVICE = organisation("cch-rapid-response")


def _clinician(clinician_id: str) -> Reference:
    try:
        return practitioner(clinician_id)
    except DomainError:
        return RAPID_RESPONSE_SERVICE


def build_handlers(clock: Clock | None = None) -> HandlerRegistry:
    """The handlers, reading receipt time from `clock` (the system clock by default)."""
    now: Clock = clock or SystemClock()
    handlers = HandlerRegistry()

    @handlers.on(PatientTierChanged)
    async def on_tier_changed(
        uow: MessagingUnitOfWork, event: CloudEvent, p: PatientTierChanged
    ) -> None:
        """A patient newly at high risk comes before the MDT (once)."""
        change = TierChange(
            patient=PatientIdentity(p.patient_key, p.nhs_number),
            practice_code=p.practice_code,
            locality=Locality(p.locality.value),
            previous_tier=Tier(p.previous_tier.value) if p.previous_tier else None,
            tier=Tier(p.tier.value),
            run_id=p.run_id,
            effective_at=p.effective_at,
            top_factors=tuple(p.top_factors),
        )
        store = ReferralStore(uow.session)
        await store.lock_patient(p.patient_key)
        decision = decide_predictive_referral(
            change,
            today=p.effective_at.date(),
            exclusion_notes=await store.exclusion_notes(p.patient_key),
            case_managed=await store.is_case_managed(p.patient_key),
            has_open_referral=bool(await store.open_for(p.patient_key, CASE_MANAGEMENT)),
        )
        if not decision.refer and decision.skipped_because is not PredictiveSkip.OPEN_REFERRAL:
            log.info("no predictive referral: %s", decision.skipped_because)
            return
        await receive(uow, predictive_request(change), clock=now, actor="stratification")

    @handlers.on(CaseAssigned)
    async def on_case_assigned(
        uow: MessagingUnitOfWork, event: CloudEvent, p: CaseAssigned
    ) -> None:
        """Case managed (or with the integrated team) now: no predictive referral meanwhile.

        The referral itself was completed by the MDT's include decision that led to this assignment.
        """
        if p.assignment_kind == AssignmentKind.SELF_CARE:
            return
        await ReferralStore(uow.session).mark_case_managed(
            p.patient_key, case_id=p.case_id, since=p.assigned_at
        )

    @handlers.on(CaseDischarged)
    async def on_case_discharged(
        uow: MessagingUnitOfWork, event: CloudEvent, p: CaseDischarged
    ) -> None:
        await ReferralStore(uow.session).clear_case_managed(p.patient_key)

    @handlers.on(DispatchCompleted)
    async def on_dispatch_completed(
        uow: MessagingUnitOfWork, event: CloudEvent, p: DispatchCompleted
    ) -> None:
        """A high-risk patient who stayed home is referred on to case management."""
        if not p.refer_to_case_management:
            return
        store = ReferralStore(uow.session)
        if await store.is_case_managed(p.patient_key):
            log.info("dispatch %s: patient already case managed, no referral", p.request_id)
            return
        request = ReferralRequest(
            patient=PatientIdentity(p.patient_key, p.nhs_number),
            route=ReferralRoute.RAPID_RESPONSE,
            requester=_clinician(p.clinician_id),
            authored_on=p.completed_at,
            locality=Locality(p.locality.value) if p.locality else None,
            referrer_identifier=ReferrerIdentifier(DISPATCH_REQUEST_SYSTEM, p.request_id),
            note=(
                f"Rapid response {p.request_id}: {p.outcome.value}; referred on to case management"
            ),
        )
        await receive(uow, request, clock=now, actor="dispatch")

    return handlers


handlers = build_handlers()
