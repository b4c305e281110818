"""At-risk and breach warnings: decided by the domain, published here exactly once each."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa

from cch_contracts.events.dispatch import DispatchSlaAtRisk, DispatchSlaBreached
from cch_messaging import MessagingUnitOfWork
from dispatch.adapters import repository as repo
from dispatch.adapters import tables as t
from dispatch.adapters.repository import StoredRequest
from dispatch.domain.requests import RapidResponse
from dispatch.domain.roster import Clinician
from dispatch.domain.sla import SlaEventKind, SlaWarning, SlaWarnings
from dispatch.domain.vocabulary import ClinicianStatus, RequestStatus
from dispatch.service_layer.planning import TRAVEL
from dispatch.service_layer.records import event_key


@dataclass(slots=True)
class TickResult:
    """Warnings published by one SLA tick."""

    at_risk: list[str] = field(default_factory=list)
    breached: list[str] = field(default_factory=list)


def breach_reason(fired: list[SlaWarning]) -> str | None:
    """The reason recorded with a breach fired now, if one was."""
    return next((w.reason for w in fired if w.kind is SlaEventKind.BREACHED), None)


def publish_warnings(
    uow: MessagingUnitOfWork, stored: StoredRequest, fired: list[SlaWarning]
) -> None:
    """One event per warning the domain decided is due."""
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
                **event_key(stored),
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
                **event_key(stored),
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
            session, stored, now, actor="sla-watch", breach_reason=breach_reason(fired)
        )
        publish_warnings(uow, stored, fired)
        for w in fired:
            (result.at_risk if w.kind is SlaEventKind.AT_RISK else result.breached).append(
                request.id
            )
    return result
