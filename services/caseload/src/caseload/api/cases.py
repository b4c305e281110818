"""Caseloads, the reviews-due worklist, cases, MDT review outcomes, overrides, waiting list."""

from datetime import date
from typing import Any

import sqlalchemy as sa
from fastapi import APIRouter

from caseload.adapters.case_rows import case_from_row
from caseload.adapters.tables import access_audit, cases
from caseload.api.deps import CaseWorker, ClockDep, TeamLead
from caseload.api.schemas import OverrideIn, ReviewIn, case_view, manager_view
from caseload.domain.reports import waiting_list_report
from caseload.domain.review_schedule import review_day
from caseload.domain.vocabulary import CaseStatus, Locality
from caseload.service_layer.assignment import override_assignment
from caseload.service_layer.errors import CaseNotFound
from caseload.service_layer.reviews import RecordReview, record_review
from caseload.service_layer.state import read_caseloads, repository
from cch_auth import Principal
from cch_messaging import MessagingUnitOfWork
from cch_servicekit import Problem, RuntimeDep
from cch_servicekit.audit import record_access

router = APIRouter(tags=["caseloads"])


async def _audit(
    uow: MessagingUnitOfWork,
    principal: Principal,
    interaction: str,
    resource_type: str,
    resource_id: str | None,
    patient_key: str | None = None,
    detail: str | None = None,
) -> None:
    await record_access(
        uow.session,
        access_audit,
        principal=principal,
        interaction=interaction,
        resource_type=resource_type,
        resource_id=resource_id,
        patient_key=patient_key,
        detail=detail,
    )


@router.get("/caseloads/{manager_id}")
async def caseload_of(manager_id: str, runtime: RuntimeDep, who: CaseWorker) -> dict[str, Any]:
    """A case manager's open cases with load against capacity."""
    async with runtime.uow() as uow:
        caseloads = await read_caseloads(uow)
        manager = caseloads.workforce.case_manager(manager_id)
        rows = await uow.session.execute(
            sa.select(cases)
            .where(
                cases.c.case_manager_id == manager_id,
                cases.c.status == CaseStatus.ACTIVE.value,
            )
            .order_by(cases.c.next_review_on, cases.c.case_id)
        )
        held = [case_from_row(r) for r in rows]
        await _audit(uow, who, "search", "Caseload", manager_id, detail=f"{len(held)} cases")
        await uow.commit()
    load = caseloads.ledger.load_of(manager_id)
    return {
        "case_manager": manager_view(manager, load_points=load.points, cases=load.cases),
        "over_capacity": load.points > manager.capacity_points,
        "cases": [case_view(c) for c in held],
    }


@router.get("/reviews/due")
async def reviews_due(
    runtime: RuntimeDep,
    who: CaseWorker,
    clock: ClockDep,
    locality: Locality | None = None,
    case_manager_id: str | None = None,
    team_id: str | None = None,
) -> dict[str, Any]:
    """The reviews-due worklist: due today or earlier, most overdue first."""
    today: date = review_day(clock.now())
    query = (
        sa.select(cases)
        .where(cases.c.status == CaseStatus.ACTIVE.value, cases.c.next_review_on <= today)
        .order_by(cases.c.next_review_on, cases.c.case_id)
        .limit(1000)
    )
    if locality is not None:
        query = query.where(cases.c.locality == locality.value)
    if case_manager_id is not None:
        query = query.where(cases.c.case_manager_id == case_manager_id)
    if team_id is not None:
        query = query.where(cases.c.team_id == team_id)
    async with runtime.uow() as uow:
        due = [case_from_row(r) for r in await uow.session.execute(query)]
        await _audit(uow, who, "search", "ReviewsDue", None, detail=f"{len(due)} due")
        await uow.commit()
    items = [
        {**case_view(c), "days_overdue": (today - c.next_review_on).days}
        for c in due
        if c.next_review_on is not None
    ]
    return {"as_of": today, "items": items, "total": len(items)}


@router.get("/cases")
async def find_cases(
    runtime: RuntimeDep,
    who: CaseWorker,
    patient_key: str | None = None,
    referral_id: str | None = None,
) -> dict[str, Any]:
    """A patient's cases (newest first), or the cases opened for a referral (one per episode)."""
    if not patient_key and not referral_id:
        raise Problem(422, "Unprocessable Content", "give patient_key or referral_id")
    newest = (cases.c.opened_at.desc(), cases.c.referral_episode.desc())
    query = sa.select(cases).order_by(*newest).limit(50)
    if patient_key:
        query = query.where(cases.c.patient_key == patient_key)
    if referral_id:
        query = query.where(cases.c.referral_id == referral_id)
    async with runtime.uow() as uow:
        found = [case_from_row(r) for r in await uow.session.execute(query)]
        for case in found:
            await _audit(uow, who, "search", "Case", case.case_id, case.patient_key)
        await uow.commit()
    return {"items": [case_view(c) for c in found], "total": len(found)}


@router.get("/cases/{case_id}")
async def get_case(case_id: str, runtime: RuntimeDep, who: CaseWorker) -> dict[str, Any]:
    async with runtime.uow() as uow:
        repo = repository(uow)
        case = await repo.get(case_id)
        if case is None:
            raise CaseNotFound(f"no case {case_id!r}")
        reviews = await repo.reviews_of(case_id)
        await _audit(uow, who, "read", "Case", case_id, case.patient_key)
        await uow.commit()
    return {
        **case_view(case, history=True),
        "reviews": [
            {
                "outcome": r.outcome,
                "decided_by": r.decided_by,
                "reviewed_at": r.reviewed_at,
                "notes": r.notes,
                "plan_summary": r.plan_summary,
                "transfer_to": r.transfer_to,
                "discharge_reason": r.discharge_reason,
                "criteria_met": r.criteria_met,
            }
            for r in reviews
        ],
    }


@router.post("/cases/{case_id}/reviews", status_code=201)
async def post_review(
    case_id: str, body: ReviewIn, runtime: RuntimeDep, who: CaseWorker, clock: ClockDep
) -> dict[str, Any]:
    """Record an MDT review: continue, adjust the plan, transfer, or discharge with a reason."""
    command = RecordReview(
        outcome=body.outcome,
        decided_by=who.actor,
        notes=body.notes,
        plan_summary=body.plan_summary,
        transfer_to_case_manager=body.transfer_to_case_manager,
        transfer_to_setting=body.transfer_to_setting,
        out_of_locality_reason=body.out_of_locality_reason,
        discharge_reason=body.discharge_reason,
        criteria_met=tuple(body.criteria_met),
        next_review_in_days=body.next_review_in_days,
    )
    async with runtime.uow() as uow:
        case, placed = await record_review(uow, case_id, command, clock=clock)
        await _audit(
            uow, who, "update", "Case", case_id, case.patient_key, f"review {body.outcome}"
        )
        await uow.commit()
    return {**case_view(case), "placed_from_waiting_list": placed}


@router.post("/cases/{case_id}/override")
async def post_override(
    case_id: str, body: OverrideIn, runtime: RuntimeDep, who: TeamLead, clock: ClockDep
) -> dict[str, Any]:
    """A team lead gives a case to a named case manager, with a reason."""
    async with runtime.uow() as uow:
        case = await override_assignment(
            uow,
            case_id,
            case_manager_id=body.case_manager_id,
            reason=body.reason,
            decided_by=who.actor,
            out_of_locality_reason=body.out_of_locality_reason,
            clock=clock,
        )
        await _audit(uow, who, "update", "Case", case_id, case.patient_key, "team lead override")
        await uow.commit()
    return case_view(case, history=True)


@router.get("/waiting-list")
async def waiting_list(
    runtime: RuntimeDep, who: CaseWorker, clock: ClockDep, locality: Locality | None = None
) -> dict[str, Any]:
    """Who waits for a case manager, in the order capacity will go to them, and why."""
    async with runtime.uow() as uow:
        waiting = await repository(uow).waiting_list()
        await _audit(uow, who, "search", "WaitingList", None, detail=f"{len(waiting)} waiting")
        await uow.commit()
    rows = [
        r
        for r in waiting_list_report(waiting, clock.now())
        if not locality or r.locality is locality
    ]
    return {
        "items": [
            {
                "position": r.position,
                "case_id": r.case_id,
                "patient_key": r.patient_key,
                "locality": r.locality.value,
                "most_pressing_need": r.most_pressing_need.value,
                "tier": r.tier.value if r.tier else None,
                "waitlisted_at": r.waitlisted_at,
                "waited_days": r.waited_days,
                "reason": r.reason,
                "on_hold": r.on_hold,
            }
            for r in rows
        ],
        "total": len(rows),
    }
