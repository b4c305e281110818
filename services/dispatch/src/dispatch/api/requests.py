"""Coordinator and clinician JSON API: take calls, assign, track to arrival, record outcomes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends

from cch_auth import Principal
from cch_contracts import patient_key
from cch_servicekit import Problem
from cch_servicekit.audit import record_access
from cch_servicekit.deps import RuntimeDep, require_roles
from dispatch.adapters import repository as repo
from dispatch.adapters.repository import StoredRequest
from dispatch.adapters.tables import access_audit
from dispatch.api.bodies import AssignIn, CallIn, CompleteIn, ReasonIn, ReassignIn
from dispatch.domain.clock import Clock, SystemClock
from dispatch.domain.sla import SlaWarnings
from dispatch.service_layer import auto_assign, reports
from dispatch.service_layer import dispatching as uc
from dispatch.service_layer.errors import RequestNotFound
from dispatch.service_layer.sla_watch import auto_assign_for

router = APIRouter(tags=["dispatch"])

Coordinator = Annotated[Principal, Depends(require_roles("coordinator"))]
Crew = Annotated[Principal, Depends(require_roles("coordinator", "clinician"))]
Reader = Annotated[Principal, Depends(require_roles("coordinator", "ops", "commissioner"))]
RESOURCE = "DispatchRequest"


def clock_of(runtime: Any) -> Clock:
    """The injected clock (tests put a FakeClock in runtime.extras)."""
    clock: Clock = runtime.extras.setdefault("clock", SystemClock())
    return clock


def warnings_of(runtime: Any) -> SlaWarnings:
    """SLA warning rules from settings."""
    from datetime import timedelta

    margin = getattr(runtime.settings, "at_risk_margin_min", 30.0)
    return SlaWarnings(margin=timedelta(minutes=margin))


def actor_of(principal: Principal) -> uc.Actor:
    return uc.Actor(
        name=principal.actor,
        clinician_id=principal.practitioner_id,
        acts_for_any=principal.has_role("coordinator"),
    )


def view(stored: StoredRequest, now: datetime) -> dict[str, Any]:
    r = stored.request
    return {
        "id": r.id,
        "referral_id": stored.referral_id,
        "status": r.status.value,
        "priority": r.priority,
        "received_at": r.received_at.isoformat(),
        "deadline": r.deadline.isoformat(),
        "minutes_left": round(r.sla.time_left(now).total_seconds() / 60.0, 1),
        "postcode": r.location.postcode,
        "easting": r.location.easting,
        "northing": r.location.northing,
        "locality": stored.locality,
        "reason": r.reason,
        "skills_needed": sorted(r.skills_needed),
        "high_risk": r.high_risk,
        "clinician_id": r.clinician_id,
        "projected_arrival": r.projected_arrival.isoformat() if r.projected_arrival else None,
        "why": r.assignment_why,
        "arrived_at": r.sla.arrived_at.isoformat() if r.sla.arrived_at else None,
        "response_minutes": (
            None if r.sla.response_time is None else r.sla.response_time.total_seconds() / 60.0
        ),
        "within_sla": r.sla.met if r.sla.arrived_at else None,
        "outcome": r.outcome.value if r.outcome else None,
        "at_risk_warned_at": r.at_risk_warned_at.isoformat() if r.at_risk_warned_at else None,
        "breached_at": r.breached_at.isoformat() if r.breached_at else None,
        "history": [
            {
                "status": h.status.value,
                "at": h.at.isoformat(),
                "clinician_id": h.clinician_id,
                "note": h.note,
            }
            for h in r.history
        ],
    }


async def _audit(session: Any, principal: Principal, stored: StoredRequest, what: str) -> None:
    await record_access(
        session,
        access_audit,
        principal=principal,
        interaction=what,
        resource_type=RESOURCE,
        resource_id=stored.request.id,
        patient_key=stored.patient_key,
    )


@router.post("/requests", status_code=201)
async def take_call(body: CallIn, principal: Coordinator, runtime: RuntimeDep) -> dict[str, Any]:
    """A coordinator takes a crisis call; the 2-hour clock starts at receipt."""
    now = clock_of(runtime).now()
    received = body.received_at or now
    if received.tzinfo is None:
        raise Problem(
            422, "Invalid receipt time", "received_at needs a timezone", code="naive-timestamp"
        )
    if received > now:
        raise Problem(
            422,
            "Invalid receipt time",
            "received_at is in the future",
            code="timestamp-out-of-order",
        )
    async with runtime.uow() as uow:
        stored, _ = await uc.open_request(
            uow,
            uc.NewRequest(
                patient_key=patient_key(body.nhs_number),
                nhs_number=body.nhs_number,
                received_at=received,
                postcode=body.postcode,
                easting=body.easting,
                northing=body.northing,
                reason=body.reason,
                skills_needed=frozenset(s.value for s in body.skills_needed),
                priority=body.priority,
                high_risk=body.high_risk,
                care_plan_alerts_ref=body.care_plan_alerts_ref,
                postcode_required=True,
            ),
            now=now,
            actor=principal.actor,
        )
        await _audit(uow.session, principal, stored, "create")
        changes = await auto_assign.after(
            uow, auto_assign_for(runtime.settings), now=now, trigger="new request"
        )
        if changes is not None and not changes.empty:
            stored = await repo.get_request(uow.session, stored.request.id) or stored
        await uow.commit()
    return view(stored, now)


@router.get("/requests/{request_id}")
async def read_request(request_id: str, principal: Crew, runtime: RuntimeDep) -> dict[str, Any]:
    """One request with its timeline."""
    now = clock_of(runtime).now()
    async with runtime.uow() as uow:
        stored = await repo.get_request(uow.session, request_id)
        if stored is None:
            raise RequestNotFound(f"no request {request_id}")
        await _audit(uow.session, principal, stored, "read")
        await uow.commit()
    return view(stored, now)


@router.get("/board")
async def coordinator_board(principal: Coordinator, runtime: RuntimeDep) -> dict[str, Any]:
    """Open requests by time left, and every clinician with status and position."""
    now = clock_of(runtime).now()
    async with runtime.uow() as uow:
        result = await reports.board(
            uow.session, now, auto_assign=bool(getattr(runtime.settings, "auto_assign", False))
        )
        await record_access(
            uow.session,
            access_audit,
            principal=principal,
            interaction="search",
            resource_type=RESOURCE,
            resource_id=None,
            patient_key=None,
            detail=f"board: {len(result['requests'])} open requests",
        )
        await uow.commit()
    return result


@router.get("/requests/{request_id}/proposal")
async def proposal(request_id: str, principal: Coordinator, runtime: RuntimeDep) -> dict[str, Any]:
    """The engine's choice for this request, planned across all open requests, and why."""
    now = clock_of(runtime).now()
    async with runtime.sessions() as session:
        if await repo.get_request(session, request_id) is None:
            raise RequestNotFound(f"no request {request_id}")
        plan = await uc.plan_now(session, now)
    found = plan.for_request(request_id)
    if found is None:
        why = next(
            (u.why for u in plan.unplanned if u.request_id == request_id),
            "the request is not waiting for a clinician",
        )
        return {"request_id": request_id, "clinician_id": None, "why": why}
    return {
        "request_id": request_id,
        "clinician_id": found.clinician_id,
        "projected_arrival": found.projected_arrival.isoformat(),
        "slack_minutes": round(found.slack.total_seconds() / 60.0, 1),
        "dispatch_now": bool(found.dispatch_now),
        "meets_deadline": bool(found.meets_deadline),
        "why": found.why,
        "policy": plan.policy,
    }


async def _step(
    runtime: Any, principal: Principal, action: Any, what: str, *, replan: str | None = None
) -> dict[str, Any]:
    """One lifecycle step in one transaction; `replan` names the trigger for auto-assign."""
    now = clock_of(runtime).now()
    async with runtime.uow() as uow:
        stored = await action(uow, now)
        if isinstance(stored, tuple):
            stored = stored[0]
        await _audit(uow.session, principal, stored, what)
        if replan is not None:
            changes = await auto_assign.after(
                uow, auto_assign_for(runtime.settings), now=now, trigger=replan
            )
            if changes is not None and not changes.empty:
                stored = await repo.get_request(uow.session, stored.request.id) or stored
        await uow.commit()
    return view(stored, now)


@router.post("/requests/{request_id}/assign")
async def assign(
    request_id: str, body: AssignIn, principal: Coordinator, runtime: RuntimeDep
) -> dict[str, Any]:
    """Send a clinician (one click on the board)."""
    actor = actor_of(principal)
    return await _step(
        runtime,
        principal,
        lambda uow, now: uc.assign(uow, request_id, body.clinician_id, now=now, actor=actor),
        "update",
    )


@router.post("/requests/{request_id}/reassign")
async def reassign(
    request_id: str, body: ReassignIn, principal: Coordinator, runtime: RuntimeDep
) -> dict[str, Any]:
    """Move a request not yet reached to another clinician at once; the first is freed."""
    actor = actor_of(principal)
    return await _step(
        runtime,
        principal,
        lambda uow, now: uc.reassign(
            uow, request_id, body.clinician_id, body.reason, now=now, actor=actor
        ),
        "update",
        replan="reassignment",
    )


@router.post("/requests/{request_id}/accept")
async def accept(request_id: str, principal: Crew, runtime: RuntimeDep) -> dict[str, Any]:
    actor = actor_of(principal)
    return await _step(
        runtime,
        principal,
        lambda uow, now: uc.accept(uow, request_id, now=now, actor=actor),
        "update",
    )


@router.post("/requests/{request_id}/en-route")
async def en_route(request_id: str, principal: Crew, runtime: RuntimeDep) -> dict[str, Any]:
    actor = actor_of(principal)
    return await _step(
        runtime,
        principal,
        lambda uow, now: uc.en_route(uow, request_id, now=now, actor=actor),
        "update",
    )


@router.post("/requests/{request_id}/arrive")
async def arrive(request_id: str, principal: Crew, runtime: RuntimeDep) -> dict[str, Any]:
    """First in-person contact: the clock stops."""
    actor = actor_of(principal)
    warnings = warnings_of(runtime)
    return await _step(
        runtime,
        principal,
        lambda uow, now: uc.arrive(uow, request_id, now=now, actor=actor, warnings=warnings),
        "update",
    )


@router.post("/requests/{request_id}/complete")
async def complete(
    request_id: str, body: CompleteIn, principal: Crew, runtime: RuntimeDep
) -> dict[str, Any]:
    actor = actor_of(principal)
    refer: dict[str, bool] = {}

    async def action(uow: Any, now: datetime) -> StoredRequest:
        stored, refer["on"] = await uc.complete(uow, request_id, body.outcome, now=now, actor=actor)
        return stored

    result = await _step(runtime, principal, action, "update", replan="clinician freed")
    result["refer_to_case_management"] = refer["on"]
    return result


@router.post("/requests/{request_id}/decline")
async def decline(
    request_id: str, body: ReasonIn, principal: Crew, runtime: RuntimeDep
) -> dict[str, Any]:
    actor = actor_of(principal)
    return await _step(
        runtime,
        principal,
        lambda uow, now: uc.decline(uow, request_id, body.reason, now=now, actor=actor),
        "update",
        replan="decline",
    )


@router.post("/requests/{request_id}/cancel")
async def cancel(
    request_id: str, body: ReasonIn, principal: Coordinator, runtime: RuntimeDep
) -> dict[str, Any]:
    actor = actor_of(principal)
    return await _step(
        runtime,
        principal,
        lambda uow, now: uc.cancel(
            uow, request_id, body.reason or "cancelled by coordinator", now=now, actor=actor
        ),
        "update",
        replan="cancellation",
    )


@router.get("/reports/compliance")
async def compliance(principal: Reader, runtime: RuntimeDep) -> dict[str, Any]:
    """2-hour compliance as the community services data set counts it."""
    now = clock_of(runtime).now()
    async with runtime.sessions() as session:
        return await reports.compliance(session, now)
