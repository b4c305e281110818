"""The engine's view of now: every open request against every clinician on (or near) shift."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from dispatch.adapters import repository as repo
from dispatch.domain.assignment import AssignmentEngine
from dispatch.domain.availability import OpenRequest, availability_of
from dispatch.domain.proposals import AssignmentPlan
from dispatch.domain.travel import CountyRoadTravel, TravelModel
from dispatch.domain.vocabulary import RequestStatus

TRAVEL: TravelModel = CountyRoadTravel()
ENGINE = AssignmentEngine(travel=TRAVEL)
PLANNABLE = (RequestStatus.REQUESTED.value, RequestStatus.ASSIGNED.value)
ON_BOARD = (*repo.OPEN, RequestStatus.ARRIVED.value)


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
