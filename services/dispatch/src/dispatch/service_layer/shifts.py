"""The roster over the day: position fixes, shifts starting, and handover at the end of a shift."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from cch_contracts.events.dispatch import DispatchReleased, DispatchShiftEnded, DispatchShiftStarted
from cch_messaging import EventRouting, MessagingUnitOfWork
from dispatch.adapters import repository as repo
from dispatch.adapters import tables as t
from dispatch.domain.errors import ClinicianUnavailable, InvalidShift
from dispatch.domain.roster import Clinician, Handover, Roster, Shift
from dispatch.domain.vocabulary import ClinicianStatus
from dispatch.service_layer.records import event_key, load_clinician, load_request

CLINICIAN_AGGREGATE = "dispatch-clinician"


def _clinician_key(clinician_id: str) -> EventRouting:
    """Roster events carry no patient: keyed by the clinician's id."""
    return {
        "key": clinician_id,
        "aggregate_type": CLINICIAN_AGGREGATE,
        "aggregate_id": clinician_id,
    }


async def move_clinician(
    uow: MessagingUnitOfWork, clinician_id: str, *, easting: float, northing: float, now: datetime
) -> Clinician:
    """A position fix from the mobile client; outside the county is refused."""
    clinician = await load_clinician(uow, clinician_id)
    Roster(clinicians={clinician.id: clinician}).update_position(
        clinician_id, easting=easting, northing=northing, at=now
    )
    await repo.save_clinician(uow.session, clinician)
    return clinician


async def set_shift(
    uow: MessagingUnitOfWork, clinician_id: str, *, start: datetime, end: datetime
) -> Clinician:
    """Roster a clinician's next (or current) shift."""
    clinician = await load_clinician(uow, clinician_id)
    clinician.shift = Shift(start, end)
    clinician.off_duty_since = None  # a newly rostered shift starts on its own at its start
    await repo.save_clinician(uow.session, clinician)
    return clinician


async def start_shift(
    uow: MessagingUnitOfWork, clinician_id: str, *, now: datetime, until: datetime | None = None
) -> Clinician:
    """Come on duty at base: within the rostered shift, or with an explicit end time."""
    clinician = await load_clinician(uow, clinician_id)
    if until is not None:
        clinician.shift = Shift(now, until)
    elif not clinician.shift.covers(now):
        raise InvalidShift(
            f"{clinician_id} is rostered {clinician.shift.start:%d %b %H:%M}-"
            f"{clinician.shift.end:%d %b %H:%M}; give an end time to start now"
        )
    Roster(clinicians={clinician.id: clinician}).start_shift(clinician_id, now)
    await repo.save_clinician(uow.session, clinician)
    uow.publish(
        DispatchShiftStarted(
            clinician_id=clinician_id,
            shift_start=clinician.shift.start,
            shift_end=clinician.shift.end,
            started_at=now,
        ),
        **_clinician_key(clinician_id),
    )
    return clinician


async def end_shift(uow: MessagingUnitOfWork, clinician_id: str, *, now: datetime) -> Handover:
    """Hand over: a request not yet reached goes back for re-planning; on scene is finished."""
    clinician = await load_clinician(uow, clinician_id)
    if clinician.status is ClinicianStatus.OFF_SHIFT:
        raise ClinicianUnavailable(f"{clinician_id} is already off shift")
    held = None
    if clinician.request_id is not None:
        held = await load_request(uow, clinician.request_id)
    jobs = {held.request.id: held.request} if held is not None else {}
    handover = Roster(clinicians={clinician.id: clinician}).go_off_shift(clinician_id, now, jobs)
    if held is not None:
        await repo.save_request(uow.session, held, now, actor=f"handover:{clinician_id}")
        for request_id in handover.released:
            uow.publish(
                DispatchReleased(
                    request_id=request_id,
                    patient_key=held.patient_key,
                    clinician_id=clinician_id,
                    reason="shift handover: not yet with the patient",
                    released_at=now,
                ),
                **event_key(held),
            )
    await repo.save_clinician(uow.session, clinician)
    uow.publish(
        DispatchShiftEnded(
            clinician_id=clinician_id,
            ended_at=now,
            released_request_ids=list(handover.released),
            finishing_request_id=handover.finishing,
        ),
        **_clinician_key(clinician_id),
    )
    return handover


async def due_to_end(session: AsyncSession, now: datetime) -> list[str]:
    """Clinicians still on duty whose rostered shift has ended (the watch hands them over)."""
    rows = await session.execute(
        sa.select(t.clinicians.c.id).where(
            t.clinicians.c.status != ClinicianStatus.OFF_SHIFT.value,
            t.clinicians.c.leaving_after_job.is_(False),
            t.clinicians.c.shift_end <= now,
        )
    )
    return [r.id for r in rows]


async def due_to_start(session: AsyncSession, now: datetime) -> list[str]:
    """Clinicians off duty whose rostered shift has begun and has not been worked yet."""
    c = t.clinicians.c
    rows = await session.execute(
        sa.select(t.clinicians)
        .where(
            c.status == ClinicianStatus.OFF_SHIFT.value,
            c.shift_start <= now,
            c.shift_end > now,
            sa.or_(c.off_duty_since.is_(None), c.off_duty_since < c.shift_start),
        )
        .order_by(c.id)
    )
    return [r.id for r in rows if repo.clinician_from_row(r).due_to_start(now)]


async def start_due_shifts(uow: MessagingUnitOfWork, *, now: datetime) -> list[str]:
    """Bring on duty, at base and available, everyone whose rostered shift has started."""
    started = []
    for clinician_id in await due_to_start(uow.session, now):
        clinician = await load_clinician(uow, clinician_id)
        if clinician.due_to_start(now):  # re-checked under the row lock
            await start_shift(uow, clinician_id, now=now)
            started.append(clinician_id)
    return started
