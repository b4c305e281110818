"""Domain events out through the outbox, as the shared contract payloads (keys never carry PII)."""

from datetime import datetime

from cch_contracts import EventPayload
from cch_contracts.events import referrals as contract
from cch_contracts.vocabulary import Locality, NeedLevel, Priority, ReferralRoute, Tier
from cch_messaging import EventRouting, MessagingUnitOfWork, OutgoingEvent
from cch_messaging.outbox_rows import outgoing_event
from referrals.domain import events as domain
from referrals.domain.decisions import DecisionKind
from referrals.domain.occurrence import WhenToSee
from referrals.domain.reasons import CodedReason
from referrals.domain.referrals import Referral


def _reasons(reasons: tuple[CodedReason, ...]) -> list[contract.CodedReason]:
    return [contract.CodedReason(system=r.system, code=r.code, display=r.display) for r in reasons]


def _window(when: WhenToSee | None) -> dict[str, datetime | None]:
    """When to see the patient as the contracts carry it (see_from / see_by, UTC)."""
    if when is None:
        return {"see_from": None, "see_by": None}
    return {"see_from": when.earliest, "see_by": when.latest}


def to_payload(event: domain.DomainEvent) -> EventPayload | None:
    """The contract payload for a domain event (None only for a kind no contract carries)."""
    match event:
        case domain.ReferralReceived():
            return contract.ReferralReceived(
                referral_id=event.referral_id,
                patient_key=event.patient.patient_key,
                nhs_number=event.patient.nhs_number,
                route=ReferralRoute(event.route.value),
                routes=[ReferralRoute(r.value) for r in event.routes],
                priority=Priority(event.priority.value),
                practice_code=event.practice_code,
                locality=Locality(event.locality.value) if event.locality else None,
                received_at=event.received_at,
                linked_to_open_referral=event.linked_to_open_referral,
                reasons=_reasons(event.reasons),
                **_window(event.when_to_see),
            )
        case domain.ReferralUrgent():
            return contract.ReferralUrgent(
                referral_id=event.referral_id,
                patient_key=event.patient.patient_key,
                nhs_number=event.patient.nhs_number,
                received_at=event.received_at,
                location=contract.CrisisLocation(postcode=event.postcode),
                reason=event.reason,
                locality=Locality(event.locality.value) if event.locality else None,
            )
        case domain.ReferralAccepted():
            return contract.ReferralAccepted(
                referral_id=event.referral_id,
                patient_key=event.patient.patient_key,
                nhs_number=event.patient.nhs_number,
                need_level=NeedLevel(event.need_level.value),
                locality=Locality(event.locality.value),
                practice_code=event.practice_code,
                tier=Tier(event.tier.value) if event.tier else None,
                most_pressing_need=(
                    event.most_pressing_need.value if event.most_pressing_need else None
                ),
                eligibility_criteria=list(event.eligibility_criteria),
                decided_by=event.decided_by,
                decided_at=event.decided_at,
                decision_version=event.decision_version,
                **_window(event.when_to_see),
            )
        case domain.ReferralExcluded():
            return contract.ReferralExcluded(
                referral_id=event.referral_id,
                patient_key=event.patient.patient_key,
                nhs_number=event.patient.nhs_number,
                reason=event.reason,
                next_review_on=event.next_review_on,
                decided_by=event.decided_by,
                decided_at=event.decided_at,
            )
        case domain.TriageReversed():
            return contract.ReferralDecisionReversed(
                referral_id=event.referral_id,
                patient_key=event.patient.patient_key,
                nhs_number=event.patient.nhs_number,
                reversed_version=event.reversed_version,
                previous_decision=contract.TriageOutcome(event.reversed_kind.value),
                new_decision=_outcome(event.new_kind),
                reason=event.reason,
                reversed_by=event.reversed_by,
                reversed_at=event.reversed_at,
            )
        case domain.ReferralStatusChanged():
            return contract.ReferralStatusChanged(
                referral_id=event.referral_id,
                patient_key=event.patient.patient_key,
                nhs_number=event.patient.nhs_number,
                previous_status=contract.ReferralStatus(event.previous_status),
                status=contract.ReferralStatus(event.status),
                standing_decision=_outcome(event.standing_decision),
                reason=event.reason,
                changed_by=event.changed_by,
                changed_at=event.changed_at,
            )
    return None


def _outcome(kind: DecisionKind | None) -> contract.TriageOutcome | None:
    if kind is None or kind is DecisionKind.REVERSAL:
        return None
    return contract.TriageOutcome(kind.value)


def pending_payloads(referral: Referral) -> list[EventPayload]:
    """The contract payloads of the referral's collected events (pulled: each is sent once)."""
    return [p for p in map(to_payload, referral.pull_events()) if p is not None]


def routing(referral: Referral) -> EventRouting:
    """A referral's events are keyed by the patient (opaque key), so they stay in order."""
    return {
        "key": referral.patient.patient_key,
        "aggregate_type": "referral",
        "aggregate_id": referral.referral_id,
    }


def publish_pending(uow: MessagingUnitOfWork, referral: Referral) -> None:
    """Queue the referral's collected events in the UoW's outbox."""
    for payload in pending_payloads(referral):
        uow.publish(payload, **routing(referral))


def pending_events(referral: Referral) -> list[OutgoingEvent]:
    """The referral's collected events as outbox rows, for a write that is one statement."""
    return [outgoing_event(payload, **routing(referral)) for payload in pending_payloads(referral)]
