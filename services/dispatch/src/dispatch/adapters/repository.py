"""Rows of the dispatch schema <-> domain objects (requests and clinicians)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.adapters import tables as t
from dispatch.domain.geography import GridPoint, Location
from dispatch.domain.requests import RapidResponse, Transition
from dispatch.domain.roster import Clinician, Shift
from dispatch.domain.sla import SlaClock
from dispatch.domain.vocabulary import ClinicianStatus, DispatchOutcome, RequestStatus

OPEN = [s for s in t.OPEN_STATUSES]


class StoredRequest:
    """A request plus the fields the domain object does not carry (patient, locality, referral)."""

    def __init__(self, request: RapidResponse, row: Any) -> None:
        self.request = request
        self.referral_id: str | None = row.referral_id
        self.patient_key: str = row.patient_key
        self.nhs_number: str | None = row.nhs_number
        self.locality: str | None = row.locality
        self.breach_reason: str | None = row.breach_reason
        self.history_len = len(request.history)


def _history_json(history: Iterable[Transition]) -> list[dict[str, Any]]:
    return [
        {
            "status": h.status.value,
            "at": h.at.isoformat(),
            "clinician_id": h.clinician_id,
            "note": h.note,
        }
        for h in history
    ]


def _history(items: list[dict[str, Any]]) -> list[Transition]:
    return [
        Transition(
            RequestStatus(i["status"]),
            datetime.fromisoformat(i["at"]),
            i["clinician_id"],
            i.get("note", ""),
        )
        for i in items
    ]


def request_from_row(row: Any) -> StoredRequest:
    """Rebuild the domain request, SLA clock included."""
    request = RapidResponse(
        id=row.id,
        patient_ref=row.patient_key,
        received_at=row.received_at,
        location=Location(row.postcode, row.easting, row.northing),
        reason=row.reason,
        skills_needed=frozenset(row.skills_needed),
        priority=row.priority,
        care_plan_alerts_ref=row.care_plan_alerts_ref,
        high_risk=row.high_risk,
        status=RequestStatus(row.status),
        clinician_id=row.clinician_id,
        excluded_clinicians=set(row.excluded_clinicians),
        history=_history(row.history),
        projected_arrival=row.projected_arrival,
        assignment_why=row.assignment_why,
        outcome=DispatchOutcome(row.outcome) if row.outcome else None,
        at_risk_warned_at=row.at_risk_warned_at,
        breached_at=row.breached_at,
    )
    request.sla = SlaClock(received_at=request.received_at, arrived_at=row.arrived_at)
    return StoredRequest(request, row)


def request_values(request: RapidResponse, now: datetime) -> dict[str, Any]:
    """Mutable columns of a request."""
    return {
        "status": request.status.value,
        "clinician_id": request.clinician_id,
        "excluded_clinicians": sorted(request.excluded_clinicians),
        "history": _history_json(request.history),
        "projected_arrival": request.projected_arrival,
        "assignment_why": request.assignment_why,
        "arrived_at": request.sla.arrived_at,
        "outcome": request.outcome.value if request.outcome else None,
        "at_risk_warned_at": request.at_risk_warned_at,
        "breached_at": request.breached_at,
        "updated_at": now,
    }


async def insert_request(
    session: AsyncSession,
    request: RapidResponse,
    *,
    referral_id: str | None,
    nhs_number: str | None,
    locality: str | None,
    now: datetime,
) -> None:
    """Store a new request and its first transition."""
    await session.execute(
        sa.insert(t.requests).values(
            id=request.id,
            referral_id=referral_id,
            patient_key=request.patient_ref,
            nhs_number=nhs_number,
            received_at=request.received_at,
            deadline=request.deadline,
            postcode=request.location.postcode,
            easting=request.location.easting,
            northing=request.location.northing,
            locality=locality,
            reason=request.reason,
            skills_needed=sorted(request.skills_needed),
            priority=request.priority,
            care_plan_alerts_ref=request.care_plan_alerts_ref,
            high_risk=request.high_risk,
            **request_values(request, now),
        )
    )
    await log_transitions(session, request, since=0, actor=None)


async def save_request(
    session: AsyncSession,
    stored: StoredRequest,
    now: datetime,
    *,
    actor: str | None,
    breach_reason: str | None = None,
) -> None:
    """Write back a changed request and append its new transitions to the log."""
    values = request_values(stored.request, now)
    if breach_reason is not None:
        values["breach_reason"] = breach_reason
    await session.execute(
        sa.update(t.requests).where(t.requests.c.id == stored.request.id).values(**values)
    )
    await log_transitions(session, stored.request, since=stored.history_len, actor=actor)
    stored.history_len = len(stored.request.history)


async def log_transitions(
    session: AsyncSession, request: RapidResponse, *, since: int, actor: str | None
) -> None:
    """Append-only audit trail of lifecycle steps."""
    new = request.history[since:]
    if new:
        await session.execute(
            sa.insert(t.transitions),
            [
                {
                    "request_id": request.id,
                    "status": h.status.value,
                    "at": h.at,
                    "clinician_id": h.clinician_id,
                    "note": h.note,
                    "actor": actor,
                }
                for h in new
            ],
        )


async def get_request(
    session: AsyncSession, request_id: str, *, for_update: bool = False
) -> StoredRequest | None:
    """One request by id."""
    q = sa.select(t.requests).where(t.requests.c.id == request_id)
    if for_update:
        q = q.with_for_update()
    row = (await session.execute(q)).first()
    return None if row is None else request_from_row(row)


async def by_referral(session: AsyncSession, referral_id: str) -> StoredRequest | None:
    """The request created from a referral, if any (idempotency)."""
    row = (
        await session.execute(sa.select(t.requests).where(t.requests.c.referral_id == referral_id))
    ).first()
    return None if row is None else request_from_row(row)


async def open_for_patient(session: AsyncSession, patient_key: str) -> StoredRequest | None:
    """The patient's open request, if any."""
    row = (
        await session.execute(
            sa.select(t.requests).where(
                t.requests.c.patient_key == patient_key, t.requests.c.status.in_(OPEN)
            )
        )
    ).first()
    return None if row is None else request_from_row(row)


async def requests_in(
    session: AsyncSession, statuses: Iterable[str] | None = None
) -> list[StoredRequest]:
    """Requests in these statuses (all when None), oldest first."""
    q = sa.select(t.requests).order_by(t.requests.c.received_at)
    if statuses is not None:
        q = q.where(t.requests.c.status.in_(list(statuses)))
    return [request_from_row(r) for r in (await session.execute(q)).all()]


def clinician_from_row(row: Any) -> Clinician:
    """Rebuild a clinician."""
    return Clinician(
        id=row.id,
        name=row.name,
        skills=frozenset(row.skills),
        shift=Shift(row.shift_start, row.shift_end),
        base=GridPoint(row.base_easting, row.base_northing),
        position=GridPoint(row.easting, row.northing),
        status=ClinicianStatus(row.status),
        request_id=row.request_id,
        position_at=row.position_at,
        leaving_after_job=row.leaving_after_job,
        off_duty_since=row.off_duty_since,
    )


async def get_clinician(
    session: AsyncSession, clinician_id: str, *, for_update: bool = False
) -> Clinician | None:
    """One clinician by id."""
    q = sa.select(t.clinicians).where(t.clinicians.c.id == clinician_id)
    if for_update:
        q = q.with_for_update()
    row = (await session.execute(q)).first()
    return None if row is None else clinician_from_row(row)


async def all_clinicians(session: AsyncSession) -> list[Clinician]:
    """The whole roster, by id."""
    rows = (await session.execute(sa.select(t.clinicians).order_by(t.clinicians.c.id))).all()
    return [clinician_from_row(r) for r in rows]


async def save_clinician(session: AsyncSession, clinician: Clinician) -> None:
    """Write back status, job and position."""
    here = clinician.here
    await session.execute(
        sa.update(t.clinicians)
        .where(t.clinicians.c.id == clinician.id)
        .values(
            status=clinician.status.value,
            request_id=clinician.request_id,
            easting=here.easting,
            northing=here.northing,
            position_at=clinician.position_at,
            leaving_after_job=clinician.leaving_after_job,
            off_duty_since=clinician.off_duty_since,
            shift_start=clinician.shift.start,
            shift_end=clinician.shift.end,
        )
    )
