"""Roster API: position fixes from the mobile client, shifts, and handover at the end of one."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import AwareDatetime, Field

from cch_auth import Principal
from cch_servicekit import Problem
from cch_servicekit.deps import RuntimeDep, require_roles
from dispatch.adapters import repository as repo
from dispatch.api.bodies import Strict
from dispatch.api.requests import clock_of
from dispatch.domain.roster import Clinician
from dispatch.service_layer import auto_assign, shifts
from dispatch.service_layer.sla_watch import auto_assign_for

router = APIRouter(tags=["dispatch"])

Coordinator = Annotated[Principal, Depends(require_roles("coordinator"))]
Crew = Annotated[Principal, Depends(require_roles("coordinator", "clinician"))]


class PositionIn(Strict):
    easting: float
    northing: float


class ShiftIn(Strict):
    start: AwareDatetime
    end: AwareDatetime


class StartShiftIn(Strict):
    until: AwareDatetime | None = Field(
        default=None, description="End of an unrostered shift starting now"
    )


def _self_or_coordinator(principal: Principal, clinician_id: str, what: str) -> None:
    if not principal.has_role("coordinator") and principal.practitioner_id != clinician_id:
        raise Problem(
            403, "Forbidden", f"a clinician may only {what} for themselves", code="not-permitted"
        )


def clinician_view(c: Clinician) -> dict[str, Any]:
    """Status, position, job and shift as the board and the mobile client show them."""
    return {
        "id": c.id,
        "status": c.status.value,
        "easting": c.here.easting,
        "northing": c.here.northing,
        "request_id": c.request_id,
        "shift_start": c.shift.start.isoformat(),
        "shift_end": c.shift.end.isoformat(),
        "leaving_after_job": c.leaving_after_job,
    }


@router.post("/clinicians/{clinician_id}/position")
async def position(
    clinician_id: str, body: PositionIn, principal: Crew, runtime: RuntimeDep
) -> dict[str, Any]:
    """A position fix from the mobile client (a clinician may only move themselves)."""
    _self_or_coordinator(principal, clinician_id, "report a position")
    now = clock_of(runtime).now()
    async with runtime.uow() as uow:
        c = await shifts.move_clinician(
            uow, clinician_id, easting=body.easting, northing=body.northing, now=now
        )
        await uow.commit()
    return {
        "id": c.id,
        "status": c.status.value,
        "easting": c.here.easting,
        "northing": c.here.northing,
    }


@router.put("/clinicians/{clinician_id}/shift")
async def roster_shift(
    clinician_id: str, body: ShiftIn, principal: Coordinator, runtime: RuntimeDep
) -> dict[str, Any]:
    """Roster the clinician's shift (start and end)."""
    async with runtime.uow() as uow:
        c = await shifts.set_shift(uow, clinician_id, start=body.start, end=body.end)
        await uow.commit()
    return clinician_view(c)


@router.post("/clinicians/{clinician_id}/start-shift")
async def start_shift(
    clinician_id: str, body: StartShiftIn, principal: Crew, runtime: RuntimeDep
) -> dict[str, Any]:
    """Come on duty; with auto-assign on, waiting requests are re-planned at once."""
    _self_or_coordinator(principal, clinician_id, "start a shift")
    now = clock_of(runtime).now()
    async with runtime.uow() as uow:
        c = await shifts.start_shift(uow, clinician_id, now=now, until=body.until)
        await auto_assign.after(
            uow, auto_assign_for(runtime.settings), now=now, trigger="shift start"
        )
        await uow.commit()
    return clinician_view(c)


@router.post("/clinicians/{clinician_id}/end-shift")
async def end_shift(clinician_id: str, principal: Crew, runtime: RuntimeDep) -> dict[str, Any]:
    """Go off shift: requests not yet reached are handed over; a visit under way is finished."""
    _self_or_coordinator(principal, clinician_id, "end a shift")
    now = clock_of(runtime).now()
    async with runtime.uow() as uow:
        handover = await shifts.end_shift(uow, clinician_id, now=now)
        await auto_assign.after(
            uow, auto_assign_for(runtime.settings), now=now, trigger="shift handover"
        )
        await uow.commit()
    async with runtime.sessions() as session:
        c = await repo.get_clinician(session, clinician_id)
    assert c is not None
    return {
        **clinician_view(c),
        "handed_over": list(handover.released),
        "finishing": handover.finishing,
        "at": now.isoformat(),
    }
