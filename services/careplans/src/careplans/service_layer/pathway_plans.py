"""Care plans drafted and moved on by caseload events: assigned, adjusted, transferred, discharged.

Each handler is idempotent by business key (the case id on the plan and team), writes through
the same FHIR service layer as an EHR (so versions, audit and careplan.* events are the same),
and acts as the platform itself (a trusted system principal).
"""

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from careplans.adapters.tables import resource
from careplans.domain.drafting import (
    CaseManager,
    GpPractice,
    PlanAssignment,
    draft_plan,
)
from careplans.domain.errors import DomainError
from careplans.domain.review_outcomes import (
    OPEN_STATUSES,
    ReviewDecision,
    discharge,
    record_review,
    withdraw,
)
from careplans.domain.transfers import Transfer, transfer_care_team, transfer_plan
from careplans.domain.vocabulary import (
    CASE_ID_SYSTEM,
    NHS_NUMBER_SYSTEM,
    PATIENT_KEY_SYSTEM,
    Tier,
)
from careplans.service_layer.access import PLATFORM_ORGANISATION
from careplans.service_layer.resources import Resources
from cch_auth import Principal
from cch_auth.smart import parse_scopes
from cch_contracts.events.caseload import (
    CaseAssigned,
    CaseDischarged,
    CaseManagerRef,
    CaseTransferred,
    CaseWithdrawn,
    PlanAdjustmentRequested,
)
from cch_messaging import MessagingUnitOfWork
from cch_observability.logging import get_logger

log = get_logger(__name__)
PATHWAY = Principal(
    subject="careplans-pathway",
    roles=frozenset({"ehr-system"}),
    scopes=parse_scopes("system/*.cruds"),
    organisation=PLATFORM_ORGANISATION,
)


class _EventClock:
    """The event's own time, so a replayed event writes the same dates."""

    def __init__(self, at: datetime) -> None:
        self._at = at

    def now(self) -> datetime:
        return self._at


def _case_manager(ref: CaseManagerRef | None) -> CaseManager | None:
    return CaseManager(ref.id, ref.name, ref.profession) if ref else None


async def _find(uow: MessagingUnitOfWork, rtype: str, identifier: str) -> dict[str, Any] | None:
    row = (
        await uow.session.execute(
            sa.select(resource.c.content)
            .where(
                resource.c.type == rtype,
                resource.c.deleted.is_(False),
                resource.c.identifiers.contains([identifier]),
            )
            .limit(1)
        )
    ).first()
    return row.content if row else None


async def plan_for_case(uow: MessagingUnitOfWork, case_id: str) -> dict[str, Any] | None:
    return await _find(uow, "CarePlan", f"{CASE_ID_SYSTEM}|{case_id}")


async def _patient(svc: Resources, uow: MessagingUnitOfWork, event: CaseAssigned) -> str:
    patient = await _find(uow, "Patient", f"{PATIENT_KEY_SYSTEM}|{event.patient_key}")
    if patient is None and event.nhs_number:
        patient = await _find(uow, "Patient", f"{NHS_NUMBER_SYSTEM}|{event.nhs_number}")
    if patient is None:
        identifiers = [{"system": PATIENT_KEY_SYSTEM, "value": event.patient_key}]
        if event.nhs_number:
            identifiers.insert(0, {"system": NHS_NUMBER_SYSTEM, "value": event.nhs_number})
        patient = (await svc.create({"resourceType": "Patient", "identifier": identifiers})).content
    return str(patient["id"])


async def draft_plan_for_assignment(uow: MessagingUnitOfWork, event: CaseAssigned) -> None:
    """Patient (if new), CareTeam and a draft integrated plan; the same case never gets two."""
    if await plan_for_case(uow, event.case_id) is not None:
        return
    svc = Resources(uow, PATHWAY, _EventClock(event.assigned_at))
    assignment = PlanAssignment(
        patient_id=await _patient(svc, uow, event),
        tier=event.tier or Tier.MEDIUM,  # no tier yet: the medium row until stratified
        case_manager=_case_manager(event.case_manager),
        gp_practice=GpPractice(event.practice_code) if event.practice_code else None,
        locality=event.locality,
        assigned_at=event.assigned_at,
        nhs_number=event.nhs_number,
        case_id=event.case_id,
        next_review_on=event.next_review_on,
    )
    draft = draft_plan(assignment, new_id=lambda: str(uuid.uuid4()))
    await svc.create(draft.care_team, rid=draft.care_team["id"])
    await svc.create(draft.care_plan, rid=draft.care_plan["id"])


async def _save(svc: Resources, plan: dict[str, Any]) -> None:
    await svc.update("CarePlan", plan["id"], plan, if_match=int(plan["meta"]["versionId"]))


async def adjust_plan(uow: MessagingUnitOfWork, event: PlanAdjustmentRequested) -> None:
    """The MDT's adjustment noted on the plan and its next review rescheduled."""
    plan = await plan_for_case(uow, event.case_id)
    if plan is None or plan.get("status") not in OPEN_STATUSES:
        log.info("careplan.adjustment_skipped", case_id=event.case_id, found=plan is not None)
        return
    adjusted = record_review(
        plan,
        ReviewDecision.ADJUST_PLAN,
        at=event.requested_at,
        summary=event.summary,
        reviewed_by=event.requested_by,
        next_review=event.next_review_on,
    )
    await _save(Resources(uow, PATHWAY, _EventClock(event.requested_at)), adjusted)


async def _parts_of(uow: MessagingUnitOfWork, plan_id: str) -> list[dict[str, Any]]:
    rows = await uow.session.execute(
        sa.select(resource.c.content).where(
            resource.c.type == "CarePlan",
            resource.c.deleted.is_(False),
            resource.c.refs.contains([f"CarePlan/{plan_id}"]),
        )
    )
    return [r.content for r in rows]


async def complete_plan(uow: MessagingUnitOfWork, event: CaseDischarged) -> None:
    """Discharge closes the main plan and its open parts (completed or revoked by reason)."""
    plan = await plan_for_case(uow, event.case_id)
    if plan is None:
        return
    svc = Resources(uow, PATHWAY, _EventClock(event.discharged_at))
    for each in [plan, *await _parts_of(uow, plan["id"])]:
        if each.get("status") not in OPEN_STATUSES:
            continue
        closed = discharge(each, event.reason, at=event.discharged_at, decided_by=event.decided_by)
        await _save(svc, closed)


async def withdraw_plan(uow: MessagingUnitOfWork, event: CaseWithdrawn) -> None:
    """A withdrawn case revokes its drafted plan and open parts, with the reason on each."""
    plan = await plan_for_case(uow, event.case_id)
    if plan is None:
        return
    svc = Resources(uow, PATHWAY, _EventClock(event.withdrawn_at))
    for each in [plan, *await _parts_of(uow, plan["id"])]:
        if each.get("status") not in OPEN_STATUSES:
            continue
        await _save(
            svc,
            withdraw(each, event.reason, at=event.withdrawn_at, withdrawn_by=event.withdrawn_by),
        )


async def transfer_case(uow: MessagingUnitOfWork, event: CaseTransferred) -> None:
    """The care team's coordinator changes; the plan's author and notes follow."""
    plan = await plan_for_case(uow, event.case_id)
    if plan is None or plan.get("status") not in OPEN_STATUSES:
        return
    svc = Resources(uow, PATHWAY, _EventClock(event.transferred_at))
    change = Transfer(
        to=_case_manager(event.case_manager),
        to_setting=event.to_setting,
        reason=event.reason,
        at=event.transferred_at,
        decided_by=event.decided_by,
    )
    for ref in plan.get("careTeam", []):
        team_id = str(ref.get("reference", "")).removeprefix("CareTeam/")
        stored = await svc.store.get("CareTeam", team_id)
        if stored is None or stored.deleted:
            continue
        try:
            moved = transfer_care_team(stored.content, change)
        except DomainError as exc:
            log.info("careplan.transfer_team_skipped", case_id=event.case_id, why=exc.code)
            continue
        if moved is not stored.content:
            await svc.update("CareTeam", team_id, moved, if_match=stored.version)
    await _save(svc, transfer_plan(plan, change))
