"""Use cases: open a request, move it through its lifecycle, propose, and publish each step."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from cch_contracts.events.dispatch import (
    DispatchAccepted,
    DispatchArrived,
    DispatchAssigned,
    DispatchCancelled,
    DispatchCompleted,
    DispatchDeclined,
    DispatchEnRoute,
    DispatchRequested,
    DispatchSlaAtRisk,
    DispatchSlaBreached,
)
from cch_contracts.vocabulary import DispatchOutcome as ContractOutcome
from cch_contracts.vocabulary import Locality as ContractLocality
from cch_messaging import MessagingUnitOfWork
from dispatch.adapters import postcodes
from dispatch.adapters import repository as repo
from dispatch.adapters.repository import StoredRequest
from dispatch.domain.assignment import AssignmentEngine
from dispatch.domain.availability import OpenRequest, availability_of
from dispatch.domain.errors import UnknownClinician
from dispatch.domain.geography import Location
from dispatch.domain.proposals import AssignmentPlan
from dispatch.domain.requests import RapidResponse
from dispatch.domain.roster import Clinician, Roster
from dispatch.domain.sla import SlaEventKind, SlaWarning, SlaWarnings
from dispatch.domain.travel import CountyRoadTravel, TravelModel
from dispatch.domain.vocabulary import ClinicianStatus, DispatchOutcome, RequestStatus
from dispatch.service_layer.errors import (
    MissingSkill,
    NotPermitted,
    OpenRequestExists,
    RequestNotFound,
)

AGGREGATE = "dispatch-request"
TRAVEL: TravelModel = CountyRoadTravel()
ENGINE = AssignmentEngine(travel=TRAVEL)
PLANNABLE = (RequestStatus.REQUESTED.value, RequestStatus.ASSIGNED.value)
ON_BOARD = (*repo.OPEN, RequestStatus.ARRIVED.value)


@dataclass(frozen=True, slots=True)
class NewRequest:
    """A crisis call or urgent referral, before it has a location on the grid."""

    patient_key: str
    received_at: datetime
    postcode: str
    reason: str
    easting: float | None = None
    northing: float | None = None
    skills_needed: frozenset[str] = frozenset()
    priority: int = 2
    nhs_number: str | None = None
    referral_id: str | None = None
    care_plan_alerts_ref: str | None = None
    high_risk: bool = False
    locality: str | None = None


@dataclass(frozen=True, slots=True)
class Actor:
    """Who is acting: a clinician may only act on their own job; coordinators on any."""

    name: str
    clinician_id: str | None = None
    acts_for_any: bool = True


@dataclass(slots=True)
class TickResult:
    """Warnings published by one SLA tick."""

    at_risk: list[str] = field(default_factory=list)
    breached: list[str] = field(default_factory=list)


def _locate(new: NewRequest) -> tuple[Location, str]:
    """Grid point and locality; a postcode alone must resolve or the request is refused."""
    if new.easting is not None and new.northing is not None:
        try:
            resolved = postcodes.resolve(new.postcode)
            postcode, locality = resolved.postcode, resolved.locality.value
        except postcodes.UnknownPostcode:
            postcode = new.postcode.strip().upper()
            locality = postcodes.locality_at(new.northing).value
        return Location(postcode, float(new.easting), float(new.northing)), (
            new.locality or locality
        )
    resolved = postcodes.resolve(new.postcode)
    return (
        Location(resolved.postcode, resolved.easting, resolved.northing),
        new.locality or resolved.locality.value,
    )


def _key(stored: StoredRequest) -> dict[str, str]:
    return {
        "key": stored.patient_key,
        "aggregate_type": AGGREGATE,
        "aggregate_id": stored.request.id,
    }


async def open_request(
    uow: MessagingUnitOfWork, new: NewRequest, *, now: datetime, actor: str | None
) -> tuple[StoredRequest, bool]:
    """Create a timed request (or return the one for this referral); False when it existed."""
    session = uow.session
    if new.referral_id is not None:
        existing = await repo.by_referral(session, new.referral_id)
        if existing is not None:
            return existing, False
    held = await repo.open_for_patient(session, new.patient_key)
    if held is not None:
        raise OpenRequestExists(
            f"the patient already has open request {held.request.id} ({held.request.status.value})"
        )
    location, locality = _locate(new)
    request = RapidResponse(
        id=f"rr-{uuid.uuid4().hex[:16]}",
        patient_ref=new.patient_key,
        received_at=new.received_at,
        location=location,
        reason=new.reason,
        skills_needed=frozenset(new.skills_needed),
        priority=new.priority,
        care_plan_alerts_ref=new.care_plan_alerts_ref,
        high_risk=new.high_risk,
    )
    try:
        async with session.begin_nested():
            await repo.insert_request(
                session,
                request,
                referral_id=new.referral_id,
                nhs_number=new.nhs_number,
                locality=locality,
                now=now,
            )
    except sa.exc.IntegrityError:
        raise OpenRequestExists("the patient already has an open request") from None
    stored = await repo.get_request(session, request.id)
    assert stored is not None
    uow.publish(
        DispatchRequested(
            request_id=request.id,
            patient_key=new.patient_key,
            referral_id=new.referral_id,
            received_at=request.received_at,
            deadline=request.deadline,
            priority=request.priority,
            locality=ContractLocality(locality) if locality else None,
            skills_needed=sorted(request.skills_needed),
        ),
        **_key(stored),
    )
    return stored, True


async def _load(uow: MessagingUnitOfWork, request_id: str) -> StoredRequest:
    stored = await repo.get_request(uow.session, request_id, for_update=True)
    if stored is None:
        raise RequestNotFound(f"no request {request_id}")
    return stored


async def _clinician(uow: MessagingUnitOfWork, clinician_id: str) -> Clinician:
    clinician = await repo.get_clinician(uow.session, clinician_id, for_update=True)
    if clinician is None:
        raise UnknownClinician(f"no clinician {clinician_id} on the roster")
    return clinician


def _holder(stored: StoredRequest, actor: Actor) -> str:
    """The clinician the step is for; a clinician acting for someone else is refused."""
    holder = stored.request.clinician_id or ""
    if not actor.acts_for_any and actor.clinician_id != holder:
        raise NotPermitted(f"request {stored.request.id} is not assigned to you")
    return holder


async def assign(
    uow: MessagingUnitOfWork, request_id: str, clinician_id: str, *, now: datetime, actor: Actor
) -> StoredRequest:
    """Give the request to a skilled, available clinician; says why and when they should arrive."""
    stored = await _load(uow, request_id)
    clinician = await _clinician(uow, clinician_id)
    request = stored.request
    missing = request.skills_needed - clinician.skills
    if missing:
        raise MissingSkill(
            f"{clinician_id} lacks {', '.join(sorted(missing))} needed for request {request_id}"
        )
    travel = TRAVEL.travel_time(clinician.here, request.location.point)
    arrival = now + travel
    plan = await plan_now(uow.session, now)
    proposal = plan.for_request(request_id)
    if proposal is not None and proposal.clinician_id == clinician_id:
        why = proposal.why
    else:
        slack = (request.deadline - arrival).total_seconds() / 60.0
        why = (
            f"assigned by {actor.name}: {clinician_id} is {travel.total_seconds() / 60:.0f} min "
            f"away, projected arrival {arrival:%H:%M} ({slack:.0f} min slack)"
        )
        if proposal is not None:
            why += f"; the engine proposed {proposal.clinician_id}"
    request.assign(clinician_id, now, projected_arrival=arrival, why=why)
    Roster(clinicians={clinician.id: clinician}).take_job(clinician_id, request_id)
    await repo.save_request(uow.session, stored, now, actor=actor.name)
    await repo.save_clinician(uow.session, clinician)
    uow.publish(
        DispatchAssigned(
            request_id=request_id,
            patient_key=stored.patient_key,
            clinician_id=clinician_id,
            projected_arrival=arrival,
            why=why,
            assigned_at=now,
        ),
        **_key(stored),
    )
    return stored


async def accept(
    uow: MessagingUnitOfWork, request_id: str, *, now: datetime, actor: Actor
) -> StoredRequest:
    """The assigned clinician takes the job."""
    stored = await _load(uow, request_id)
    holder = _holder(stored, actor)
    stored.request.accept(holder, now)
    await repo.save_request(uow.session, stored, now, actor=actor.name)
    uow.publish(
        DispatchAccepted(
            request_id=request_id,
            patient_key=stored.patient_key,
            clinician_id=holder,
            accepted_at=now,
        ),
        **_key(stored),
    )
    return stored


async def en_route(
    uow: MessagingUnitOfWork, request_id: str, *, now: datetime, actor: Actor
) -> StoredRequest:
    """The clinician sets off; the projection is refreshed from where they are now."""
    stored = await _load(uow, request_id)
    holder = _holder(stored, actor)
    clinician = await _clinician(uow, holder)
    arrival = now + TRAVEL.travel_time(clinician.here, stored.request.location.point)
    stored.request.depart(holder, now, projected_arrival=arrival)
    Roster(clinicians={clinician.id: clinician}).set_off(holder)
    await repo.save_request(uow.session, stored, now, actor=actor.name)
    await repo.save_clinician(uow.session, clinician)
    uow.publish(
        DispatchEnRoute(
            request_id=request_id,
            patient_key=stored.patient_key,
            clinician_id=holder,
            departed_at=now,
        ),
        **_key(stored),
    )
    return stored


async def arrive(
    uow: MessagingUnitOfWork,
    request_id: str,
    *,
    now: datetime,
    actor: Actor,
    warnings: SlaWarnings,
) -> StoredRequest:
    """First in-person contact stops the clock; a late arrival is a breach (once)."""
    stored = await _load(uow, request_id)
    holder = _holder(stored, actor)
    clinician = await _clinician(uow, holder)
    request = stored.request
    request.arrive(holder, now)
    Roster(clinicians={clinician.id: clinician}).reach_patient(holder)
    clinician.position = request.location.point
    clinician.position_at = now
    fired = request.check_sla(now, warnings)
    await repo.save_request(
        uow.session, stored, now, actor=actor.name, breach_reason=_breach_reason(fired)
    )
    await repo.save_clinician(uow.session, clinician)
    response = request.sla.response_time
    assert response is not None
    uow.publish(
        DispatchArrived(
            request_id=request_id,
            patient_key=stored.patient_key,
            clinician_id=holder,
            arrived_at=now,
            response_minutes=response.total_seconds() / 60.0,
            within_sla=request.sla.met,
        ),
        **_key(stored),
    )
    _publish_warnings(uow, stored, fired)
    return stored


async def complete(
    uow: MessagingUnitOfWork,
    request_id: str,
    outcome: DispatchOutcome,
    *,
    now: datetime,
    actor: Actor,
) -> tuple[StoredRequest, bool]:
    """Record the outcome and free the clinician; high risk + stayed home -> refer on."""
    stored = await _load(uow, request_id)
    holder = _holder(stored, actor)
    clinician = await _clinician(uow, holder)
    completion = stored.request.complete(holder, now, outcome)
    Roster(clinicians={clinician.id: clinician}).free(holder)
    await repo.save_request(uow.session, stored, now, actor=actor.name)
    await repo.save_clinician(uow.session, clinician)
    uow.publish(
        DispatchCompleted(
            request_id=request_id,
            patient_key=stored.patient_key,
            nhs_number=stored.nhs_number,
            clinician_id=holder,
            outcome=ContractOutcome(outcome.value),
            high_risk=stored.request.high_risk,
            refer_to_case_management=completion.refer_to_case_management,
            completed_at=now,
            locality=ContractLocality(stored.locality) if stored.locality else None,
        ),
        **_key(stored),
    )
    return stored, completion.refer_to_case_management


async def decline(
    uow: MessagingUnitOfWork, request_id: str, reason: str, *, now: datetime, actor: Actor
) -> StoredRequest:
    """Back to the queue without this clinician."""
    stored = await _load(uow, request_id)
    holder = _holder(stored, actor)
    clinician = await _clinician(uow, holder)
    stored.request.decline(holder, now, reason)
    Roster(clinicians={clinician.id: clinician}).free(holder)
    await repo.save_request(uow.session, stored, now, actor=actor.name)
    await repo.save_clinician(uow.session, clinician)
    uow.publish(
        DispatchDeclined(
            request_id=request_id,
            patient_key=stored.patient_key,
            clinician_id=holder,
            reason=reason,
            declined_at=now,
        ),
        **_key(stored),
    )
    return stored


async def cancel(
    uow: MessagingUnitOfWork, request_id: str, reason: str, *, now: datetime, actor: Actor
) -> StoredRequest:
    """Stop before contact; any clinician holding it is freed."""
    stored = await _load(uow, request_id)
    holder = stored.request.clinician_id
    stored.request.cancel(now, reason)
    if holder:
        clinician = await _clinician(uow, holder)
        if clinician.request_id == request_id:
            Roster(clinicians={clinician.id: clinician}).free(holder)
            await repo.save_clinician(uow.session, clinician)
    await repo.save_request(uow.session, stored, now, actor=actor.name)
    uow.publish(
        DispatchCancelled(
            request_id=request_id,
            patient_key=stored.patient_key,
            reason=reason,
            cancelled_at=now,
        ),
        **_key(stored),
    )
    return stored


async def move_clinician(
    uow: MessagingUnitOfWork, clinician_id: str, *, easting: float, northing: float, now: datetime
) -> Clinician:
    """A position fix from the mobile client; outside the county is refused."""
    clinician = await _clinician(uow, clinician_id)
    Roster(clinicians={clinician.id: clinician}).update_position(
        clinician_id, easting=easting, northing=northing, at=now
    )
    await repo.save_clinician(uow.session, clinician)
    return clinician


async def plan_now(session: Any, now: datetime) -> AssignmentPlan:
    """The engine's plan over every open request and every clinician on shift."""
    stored = await repo.requests_in(session, ON_BOARD)
    clinicians = await repo.all_clinicians(session)
    jobs = {s.request.id: s.request for s in stored}
    open_requests = [
        OpenRequest.of(s.request) for s in stored if s.request.status.value in PLANNABLE
    ]
    availability = [
        a
        for c in clinicians
        if (a := availability_of(c, now, job=jobs.get(c.request_id or ""), travel=TRAVEL))
        is not None
    ]
    return ENGINE.propose(now, open_requests, availability)


def _breach_reason(fired: list[SlaWarning]) -> str | None:
    return next((w.reason for w in fired if w.kind is SlaEventKind.BREACHED), None)


def _publish_warnings(
    uow: MessagingUnitOfWork, stored: StoredRequest, fired: list[SlaWarning]
) -> None:
    for warning in fired:
        if warning.kind is SlaEventKind.AT_RISK:
            uow.publish(
                DispatchSlaAtRisk(
                    request_id=stored.request.id,
                    patient_key=stored.patient_key,
                    deadline=warning.deadline,
                    projected_arrival=warning.projected_arrival,
                    minutes_left=warning.minutes_left,
                    warned_at=warning.fired_at,
                ),
                **_key(stored),
            )
        else:
            uow.publish(
                DispatchSlaBreached(
                    request_id=stored.request.id,
                    patient_key=stored.patient_key,
                    deadline=warning.deadline,
                    breached_at=warning.fired_at,
                    reason=warning.reason,
                ),
                **_key(stored),
            )


def _nearest_arrival(
    request: RapidResponse, idle: list[Clinician], now: datetime
) -> datetime | None:
    """Projection for an unassigned request: the nearest idle skilled clinician, if any."""
    able = [
        c
        for c in idle
        if c.can_do(request.skills_needed) and c.id not in request.excluded_clinicians
    ]
    if not able:
        return None
    return now + min(TRAVEL.travel_time(c.here, request.location.point) for c in able)


async def tick(uow: MessagingUnitOfWork, *, now: datetime, warnings: SlaWarnings) -> TickResult:
    """One pass of the SLA watch: at-risk and breach, each published exactly once per request."""
    from dispatch.adapters import tables as t

    result = TickResult()
    session = uow.session
    rows = (
        await session.execute(
            sa.select(t.requests)
            .where(t.requests.c.status.in_(repo.OPEN), t.requests.c.breached_at.is_(None))
            .with_for_update(skip_locked=True)
        )
    ).all()
    if not rows:
        return result
    idle = [c for c in await repo.all_clinicians(session) if c.status is ClinicianStatus.AVAILABLE]
    for row in rows:
        stored = repo.request_from_row(row)
        request = stored.request
        saved_projection = request.projected_arrival
        if request.status is RequestStatus.REQUESTED:
            request.projected_arrival = _nearest_arrival(request, idle, now)
        fired = request.check_sla(now, warnings)
        request.projected_arrival = saved_projection
        if not fired:
            continue
        await repo.save_request(
            session, stored, now, actor="sla-watch", breach_reason=_breach_reason(fired)
        )
        _publish_warnings(uow, stored, fired)
        for w in fired:
            (result.at_risk if w.kind is SlaEventKind.AT_RISK else result.breached).append(
                request.id
            )
    return result
