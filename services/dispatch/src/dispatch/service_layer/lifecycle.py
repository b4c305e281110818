"""A request's steps after intake: assign, reassign, accept, set off, arrive, complete, decline,
cancel."""

from __future__ import annotations

from datetime import datetime

from cch_contracts.events.dispatch import (
    DispatchAccepted,
    DispatchArrived,
    DispatchAssigned,
    DispatchCancelled,
    DispatchCompleted,
    DispatchDeclined,
    DispatchEnRoute,
)
from cch_contracts.vocabulary import DispatchOutcome as ContractOutcome
from cch_contracts.vocabulary import Locality as ContractLocality
from cch_contracts.vocabulary import Tier
from cch_messaging import MessagingUnitOfWork
from dispatch.adapters import repository as repo
from dispatch.adapters import risk
from dispatch.adapters.repository import StoredRequest
from dispatch.domain.outcomes import is_high_risk_tier
from dispatch.domain.requests import HOLDING_CLINICIAN
from dispatch.domain.roster import Clinician, Roster
from dispatch.domain.sla import SlaWarnings
from dispatch.domain.vocabulary import DispatchOutcome
from dispatch.service_layer.errors import MissingSkill
from dispatch.service_layer.planning import TRAVEL, plan_now
from dispatch.service_layer.records import (
    Actor,
    event_key,
    holder_for,
    load_clinician,
    load_request,
)
from dispatch.service_layer.sla_warnings import breach_reason, publish_warnings


def check_skills(stored: StoredRequest, clinician: Clinician) -> None:
    """Skills are a hard constraint, whoever does the assigning."""
    missing = stored.request.skills_needed - clinician.skills
    if missing:
        raise MissingSkill(
            f"{clinician.id} lacks {', '.join(sorted(missing))} needed for request "
            f"{stored.request.id}"
        )


def publish_assigned(
    uow: MessagingUnitOfWork,
    stored: StoredRequest,
    *,
    now: datetime,
    assigned_by: str,
    previous: str | None = None,
) -> None:
    """One dispatch.assigned event per assignment, carrying the reason."""
    request = stored.request
    assert request.clinician_id is not None and request.projected_arrival is not None
    uow.publish(
        DispatchAssigned(
            request_id=request.id,
            patient_key=stored.patient_key,
            clinician_id=request.clinician_id,
            projected_arrival=request.projected_arrival,
            why=request.assignment_why or "",
            assigned_at=now,
            previous_clinician_id=previous,
            assigned_by=assigned_by,
        ),
        **event_key(stored),
    )


async def assign(
    uow: MessagingUnitOfWork, request_id: str, clinician_id: str, *, now: datetime, actor: Actor
) -> StoredRequest:
    """Give the request to a skilled, available clinician; says why and when they should arrive."""
    stored = await load_request(uow, request_id)
    clinician = await load_clinician(uow, clinician_id)
    request = stored.request
    check_skills(stored, clinician)
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
    publish_assigned(uow, stored, now=now, assigned_by="coordinator")
    return stored


async def reassign(
    uow: MessagingUnitOfWork,
    request_id: str,
    clinician_id: str,
    reason: str,
    *,
    now: datetime,
    actor: Actor,
) -> StoredRequest:
    """Move a request not yet reached to another clinician in one step; the first is freed.

    Unlike a decline, the released clinician may be offered the request again.
    """
    stored = await load_request(uow, request_id)
    request = stored.request
    previous_id = request.clinician_id
    if request.status not in HOLDING_CLINICIAN or previous_id is None:
        request.reassign(clinician_id, now)  # refused: closed, waiting or already reached
    assert previous_id is not None
    # Lock both clinicians in id order so two crossed reassignments cannot deadlock.
    locked = {cid: await load_clinician(uow, cid) for cid in sorted({previous_id, clinician_id})}
    clinician = locked[clinician_id]
    previous = locked[previous_id]
    check_skills(stored, clinician)
    travel = TRAVEL.travel_time(clinician.here, request.location.point)
    arrival = now + travel
    slack = (request.deadline - arrival).total_seconds() / 60.0
    why = (
        f"reassigned by {actor.name} from {previous_id}"
        + (f" ({reason})" if reason else "")
        + f": {clinician_id} is {travel.total_seconds() / 60:.0f} min away, projected arrival "
        f"{arrival:%H:%M} ({slack:.0f} min slack)"
    )
    request.reassign(clinician_id, now, projected_arrival=arrival, why=why, reason=reason)
    roster = Roster(clinicians=dict(locked))
    roster.take_job(clinician_id, request_id)
    if previous.request_id == request_id:
        roster.free(previous_id)
        await repo.save_clinician(uow.session, previous)
    await repo.save_request(uow.session, stored, now, actor=actor.name)
    await repo.save_clinician(uow.session, clinician)
    publish_assigned(uow, stored, now=now, assigned_by="coordinator", previous=previous_id)
    return stored


async def accept(
    uow: MessagingUnitOfWork, request_id: str, *, now: datetime, actor: Actor
) -> StoredRequest:
    """The assigned clinician takes the job."""
    stored = await load_request(uow, request_id)
    holder = holder_for(stored, actor)
    stored.request.accept(holder, now)
    await repo.save_request(uow.session, stored, now, actor=actor.name)
    uow.publish(
        DispatchAccepted(
            request_id=request_id,
            patient_key=stored.patient_key,
            clinician_id=holder,
            accepted_at=now,
        ),
        **event_key(stored),
    )
    return stored


async def en_route(
    uow: MessagingUnitOfWork, request_id: str, *, now: datetime, actor: Actor
) -> StoredRequest:
    """The clinician sets off; the projection is refreshed from where they are now."""
    stored = await load_request(uow, request_id)
    holder = holder_for(stored, actor)
    clinician = await load_clinician(uow, holder)
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
        **event_key(stored),
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
    stored = await load_request(uow, request_id)
    holder = holder_for(stored, actor)
    clinician = await load_clinician(uow, holder)
    request = stored.request
    request.arrive(holder, now)
    Roster(clinicians={clinician.id: clinician}).reach_patient(holder)
    clinician.position = request.location.point
    clinician.position_at = now
    fired = request.check_sla(now, warnings)
    await repo.save_request(
        uow.session, stored, now, actor=actor.name, breach_reason=breach_reason(fired)
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
        **event_key(stored),
    )
    publish_warnings(uow, stored, fired)
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
    stored = await load_request(uow, request_id)
    holder = holder_for(stored, actor)
    clinician = await load_clinician(uow, holder)
    # Stratification may have placed the patient in a high tier since the call was taken.
    tier = await risk.tier_of(uow.session, stored.patient_key)
    if is_high_risk_tier(tier):
        stored.request.high_risk = True
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
            tier=Tier(tier) if tier else None,
        ),
        **event_key(stored),
    )
    return stored, completion.refer_to_case_management


async def decline(
    uow: MessagingUnitOfWork, request_id: str, reason: str, *, now: datetime, actor: Actor
) -> StoredRequest:
    """Back to the queue without this clinician."""
    stored = await load_request(uow, request_id)
    holder = holder_for(stored, actor)
    clinician = await load_clinician(uow, holder)
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
        **event_key(stored),
    )
    return stored


async def cancel(
    uow: MessagingUnitOfWork, request_id: str, reason: str, *, now: datetime, actor: Actor
) -> StoredRequest:
    """Stop before contact; any clinician holding it is freed."""
    stored = await load_request(uow, request_id)
    holder = stored.request.clinician_id
    stored.request.cancel(now, reason)
    if holder:
        clinician = await load_clinician(uow, holder)
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
        **event_key(stored),
    )
    return stored
