"""Auto-assign: on each new request, freed clinician or decline, re-plan and act on the plan."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from cch_contracts.events.dispatch import DispatchReleased
from cch_messaging import MessagingUnitOfWork
from dispatch.adapters import repository as repo
from dispatch.adapters.repository import StoredRequest
from dispatch.domain.replanning import Replan, replan
from dispatch.domain.roster import Clinician, Roster
from dispatch.domain.vocabulary import ClinicianStatus, RequestStatus
from dispatch.service_layer.lifecycle import check_skills, publish_assigned
from dispatch.service_layer.planning import plan_now
from dispatch.service_layer.records import event_key, load_clinician, load_request

ENGINE_ACTOR = "engine"
# Advisory lock key serialising re-plans across processes ("dispatch" in ASCII).
REPLAN_LOCK = 0x6469737061746368


@dataclass(frozen=True, slots=True)
class AutoAssignPolicy:
    """Whether the engine assigns by itself (setting DISPATCH_AUTO_ASSIGN, default off)."""

    enabled: bool = False


async def reoptimise(uow: MessagingUnitOfWork, *, now: datetime, trigger: str) -> Replan:
    """Re-plan every open, unaccepted request and apply the changes in this transaction."""
    # One re-plan at a time (API, consumer and watch run concurrently): each reads the roster
    # only after the previous one committed, so no plan is built on a stale snapshot.
    await uow.session.execute(sa.select(sa.func.pg_advisory_xact_lock(REPLAN_LOCK)))
    clinicians = await repo.all_clinicians(uow.session)
    held = {
        c.request_id: c.id
        for c in clinicians
        if c.status is ClinicianStatus.ASSIGNED and c.request_id is not None
    }
    takeable = frozenset(
        c.id
        for c in clinicians
        if c.status in (ClinicianStatus.AVAILABLE, ClinicianStatus.ASSIGNED)
    )
    plan = await plan_now(uow.session, now)
    changes = replan(plan, held=held, takeable=takeable)
    if changes.empty:
        return changes
    roster = Roster()
    for c in {*(m.clinician_id for m in changes.moves), *held.values()}:
        roster.clinicians[c] = await load_clinician(uow, c)
    requests: dict[str, StoredRequest] = {}
    for rid in {*(m.request_id for m in changes.moves), *(r.request_id for r in changes.releases)}:
        requests[rid] = await load_request(uow, rid)
    if _changed_since_snapshot(roster, requests, clinicians, held):
        # A coordinator or clinician acted between the snapshot and the row locks: the next
        # trigger re-plans from the new state rather than acting on a stale plan.
        return Replan(moves=(), releases=())
    for release in changes.releases:
        stored = requests[release.request_id]
        stored.request.release(now, reason=release.why)
        roster.free(release.clinician_id)
        uow.publish(
            DispatchReleased(
                request_id=release.request_id,
                patient_key=stored.patient_key,
                clinician_id=release.clinician_id,
                reason=release.why,
                released_at=now,
            ),
            **event_key(stored),
        )
    for move in changes.moves:
        if move.previous_clinician_id is not None:
            roster.free(move.previous_clinician_id)
    for move in changes.moves:
        stored = requests[move.request_id]
        clinician: Clinician = roster.get(move.clinician_id)
        check_skills(stored, clinician)
        why = f"auto-assigned on {trigger}: {move.why}"
        if stored.request.status is RequestStatus.ASSIGNED:
            stored.request.reassign(
                move.clinician_id, now, projected_arrival=move.projected_arrival, why=why
            )
        else:
            stored.request.assign(
                move.clinician_id, now, projected_arrival=move.projected_arrival, why=why
            )
        roster.take_job(move.clinician_id, move.request_id)
        publish_assigned(
            uow, stored, now=now, assigned_by=ENGINE_ACTOR, previous=move.previous_clinician_id
        )
    for stored in requests.values():
        await repo.save_request(uow.session, stored, now, actor=ENGINE_ACTOR)
    for clinician in roster.clinicians.values():
        await repo.save_clinician(uow.session, clinician)
    return changes


def _changed_since_snapshot(
    roster: Roster,
    requests: dict[str, StoredRequest],
    snapshot: list[Clinician],
    held: dict[str, str],
) -> bool:
    before = {c.id: (c.status, c.request_id) for c in snapshot}
    if any(before.get(c.id) != (c.status, c.request_id) for c in roster.clinicians.values()):
        return True
    return any(
        s.request.status not in (RequestStatus.REQUESTED, RequestStatus.ASSIGNED)
        or s.request.clinician_id != held.get(rid)
        for rid, s in requests.items()
    )


async def after(
    uow: MessagingUnitOfWork, policy: AutoAssignPolicy, *, now: datetime, trigger: str
) -> Replan | None:
    """Re-optimise when auto-assign is on; otherwise the coordinator decides from proposals."""
    if not policy.enabled:
        return None
    return await reoptimise(uow, now=now, trigger=trigger)
