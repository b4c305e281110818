"""Domain events → the shared event contracts, written to the outbox with the case."""

from __future__ import annotations

from caseload.domain import events as domain
from caseload.domain.cases import Case
from cch_contracts import EventPayload
from cch_contracts.events import caseload as contract
from cch_contracts.vocabulary import AssignmentKind, DischargeReason, Locality, NeedLevel, Tier
from cch_messaging import MessagingUnitOfWork


def _tier(tier: object) -> Tier | None:
    return Tier(str(tier)) if tier is not None else None


def _ref(summary: domain.CaseManagerSummary | None) -> contract.CaseManagerRef | None:
    if summary is None:
        return None
    return contract.CaseManagerRef(
        id=summary.manager_id, name=summary.name, profession=summary.profession.value
    )


def to_contract(event: domain.DomainEvent, *, nhs_number: str | None) -> EventPayload | None:
    """The published payload of a domain event (None: an internal event, not published)."""
    if isinstance(event, domain.CaseAssigned):
        return contract.CaseAssigned(
            case_id=event.case_id,
            referral_id=event.referral_id,
            patient_key=event.patient_key,
            nhs_number=nhs_number,
            need_level=NeedLevel(event.need_level.value),
            tier=_tier(event.tier),
            locality=Locality(event.locality.value),
            practice_code=event.practice_code,
            assignment_kind=AssignmentKind(event.assignment_kind.value),
            case_manager=_ref(event.case_manager),
            team_id=event.team_id,
            assigned_at=event.assigned_at,
            next_review_on=event.next_review_on,
            why=event.why,
        )
    if isinstance(event, domain.CaseTransferred):
        return contract.CaseTransferred(
            case_id=event.case_id,
            patient_key=event.patient_key,
            from_owner=event.from_owner,
            to_owner=event.to_owner,
            to_setting=event.to_setting.value if event.to_setting else None,
            case_manager=_ref(event.case_manager),
            reason=event.reason,
            transferred_at=event.transferred_at,
        )
    if isinstance(event, domain.ReviewDue):
        return contract.ReviewDue(
            case_id=event.case_id,
            patient_key=event.patient_key,
            due_on=event.due_on,
            tier=_tier(event.tier),
            case_manager_id=event.case_manager_id,
            early=event.early,
        )
    if isinstance(event, domain.PlanAdjustmentRequested):
        return contract.PlanAdjustmentRequested(
            case_id=event.case_id,
            patient_key=event.patient_key,
            summary=event.summary,
            requested_by=event.requested_by,
            requested_at=event.requested_at,
            next_review_on=event.next_review_on,
        )
    if isinstance(event, domain.CaseDischarged):
        return contract.CaseDischarged(
            case_id=event.case_id,
            patient_key=event.patient_key,
            nhs_number=nhs_number,
            reason=DischargeReason(event.reason.value),
            discharged_at=event.discharged_at,
            decided_by=event.decided_by,
        )
    if isinstance(event, domain.CaseWaitlisted):
        return contract.CaseWaitlisted(
            case_id=event.case_id,
            referral_id=event.referral_id,
            patient_key=event.patient_key,
            need_level=NeedLevel(event.need_level.value),
            tier=_tier(event.tier),
            locality=Locality(event.locality.value),
            reason=event.reason,
            waitlisted_at=event.waitlisted_at,
        )
    if isinstance(event, domain.CaseWithdrawn):
        # Never sent as caseload.discharged.v1: a case opened in error was not a discharge.
        return contract.CaseWithdrawn(
            case_id=event.case_id,
            referral_id=event.referral_id,
            patient_key=event.patient_key,
            nhs_number=nhs_number,
            reason=event.reason,
            withdrawn_by=event.withdrawn_by,
            withdrawn_at=event.withdrawn_at,
            was_waiting=event.was_waiting,
            released_case_manager_id=event.released_case_manager_id,
        )
    return None


def publish_case_events(uow: MessagingUnitOfWork, case: Case, *, nhs_number: str | None) -> int:
    """Queue the case's collected events on the outbox, keyed by the opaque patient key."""
    published = 0
    for event in case.pull_events():
        payload = to_contract(event, nhs_number=nhs_number)
        if payload is None:
            continue
        uow.publish(payload, key=case.patient_key, aggregate_type="case", aggregate_id=case.case_id)
        published += 1
    return published
