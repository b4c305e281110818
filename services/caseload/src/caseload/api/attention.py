"""The attention worklist: open cases whose referral changed under them, or that need a person;
and closing a case whose inclusion was withdrawn, with its handover."""

from typing import Any

import sqlalchemy as sa
from fastapi import APIRouter

from caseload.adapters.case_rows import case_from_row
from caseload.adapters.tables import OPEN_STATUSES, access_audit, cases
from caseload.api.deps import CaseWorker, ClockDep
from caseload.api.schemas import WithdrawIn, case_view
from caseload.domain.vocabulary import AttentionAction, Locality
from caseload.service_layer.referral_changes import close_withdrawn_inclusion
from cch_servicekit import RuntimeDep
from cch_servicekit.audit import record_access

router = APIRouter(tags=["attention"])


@router.get("/worklists/attention")
async def attention_worklist(
    runtime: RuntimeDep,
    who: CaseWorker,
    locality: Locality | None = None,
    case_manager_id: str | None = None,
    team_id: str | None = None,
    action: AttentionAction | None = None,
) -> dict[str, Any]:
    """Open cases flagged for a case manager or team lead, oldest flag first, with why."""
    raised_at = cases.c.attention["raised_at"].astext
    query = (
        sa.select(cases)
        .where(cases.c.attention.is_not(None), cases.c.status.in_(OPEN_STATUSES))
        .order_by(raised_at, cases.c.case_id)
        .limit(1000)
    )
    if locality is not None:
        query = query.where(cases.c.locality == locality.value)
    if case_manager_id is not None:
        query = query.where(cases.c.case_manager_id == case_manager_id)
    if team_id is not None:
        query = query.where(cases.c.team_id == team_id)
    if action is not None:
        query = query.where(cases.c.attention["action"].astext == action.value)
    async with runtime.uow() as uow:
        flagged = [case_from_row(r) for r in await uow.session.execute(query)]
        await record_access(
            uow.session,
            access_audit,
            principal=who,
            interaction="search",
            resource_type="AttentionWorklist",
            resource_id=None,
            patient_key=None,
            detail=f"{len(flagged)} flagged",
        )
        await uow.commit()
    return {"items": [case_view(c) for c in flagged], "total": len(flagged)}


@router.post("/cases/{case_id}/withdraw")
async def withdraw_case(
    case_id: str, body: WithdrawIn, runtime: RuntimeDep, who: CaseWorker, clock: ClockDep
) -> dict[str, Any]:
    """Close a case whose inclusion was withdrawn or revoked, saying who takes over its care."""
    async with runtime.uow() as uow:
        case, placed = await close_withdrawn_inclusion(
            uow, case_id, handover=body.handover, closed_by=who.actor, clock=clock
        )
        await record_access(
            uow.session,
            access_audit,
            principal=who,
            interaction="update",
            resource_type="Case",
            resource_id=case_id,
            patient_key=case.patient_key,
            detail="withdrawn with handover",
        )
        await uow.commit()
    return {**case_view(case, history=True), "placed_from_waiting_list": placed}
