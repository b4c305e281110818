"""Snapshots the assignment engine plans with: open requests and when each clinician is free."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from dispatch.domain.clock import aware
from dispatch.domain.geography import GridPoint
from dispatch.domain.requests import RapidResponse
from dispatch.domain.roster import Clinician
from dispatch.domain.travel import TravelModel
from dispatch.domain.vocabulary import ClinicianStatus, RequestStatus

# Mean on-scene time of a crisis visit (diagnostics and treatment at home).
EXPECTED_ON_SCENE = timedelta(minutes=75)
# A visit already past its expected length is assumed to need at least this much more.
MINIMUM_REMAINING_ON_SCENE = timedelta(minutes=10)


@dataclass(frozen=True, slots=True)
class OpenRequest:
    """What the engine needs to know about a request still waiting for a committed clinician."""

    request_id: str
    received_at: datetime
    deadline: datetime
    priority: int
    skills_needed: frozenset[str]
    location: GridPoint
    excluded: frozenset[str] = frozenset()
    current_clinician: str | None = None

    @classmethod
    def of(cls, request: RapidResponse) -> OpenRequest:
        """Snapshot a request that is requested, or assigned but not yet accepted."""
        held = request.clinician_id if request.status is RequestStatus.ASSIGNED else None
        return cls(
            request_id=request.id,
            received_at=request.received_at,
            deadline=request.deadline,
            priority=request.priority,
            skills_needed=request.skills_needed,
            location=request.location.point,
            excluded=frozenset(request.excluded_clinicians),
            current_clinician=held,
        )


@dataclass(frozen=True, slots=True)
class ClinicianAvailability:
    """When and where a clinician can next set off, and until when they are on shift."""

    clinician_id: str
    skills: frozenset[str]
    free_at: datetime
    free_from: GridPoint
    shift_end: datetime
    busy_with: str | None = None


def projected_free_at(
    now: datetime,
    *,
    arrival: datetime,
    expected_on_scene: timedelta = EXPECTED_ON_SCENE,
) -> datetime:
    """Arrival plus the expected visit, never sooner than a short wrap-up from now."""
    return max(aware(arrival) + expected_on_scene, aware(now) + MINIMUM_REMAINING_ON_SCENE)


def availability_of(
    clinician: Clinician,
    now: datetime,
    *,
    job: RapidResponse | None,
    travel: TravelModel,
    expected_on_scene: timedelta = EXPECTED_ON_SCENE,
) -> ClinicianAvailability | None:
    """Idle clinicians are free now where they are; busy ones where and when their job ends."""
    now = aware(now)
    if clinician.status is ClinicianStatus.OFF_SHIFT or clinician.leaving_after_job:
        return None
    committed = job is not None and job.status in (
        RequestStatus.ACCEPTED,
        RequestStatus.EN_ROUTE,
        RequestStatus.ARRIVED,
    )
    if job is None or not committed:
        # Idle, or holding a request not yet accepted: the engine may still move that request.
        return ClinicianAvailability(
            clinician_id=clinician.id,
            skills=clinician.skills,
            free_at=now,
            free_from=clinician.here,
            shift_end=clinician.shift.end,
        )
    if job.status is RequestStatus.ARRIVED and job.sla.arrived_at is not None:
        arrival = job.sla.arrived_at
    elif job.projected_arrival is not None:
        arrival = job.projected_arrival
    else:
        arrival = now + travel.travel_time(clinician.here, job.location.point)
    return ClinicianAvailability(
        clinician_id=clinician.id,
        skills=clinician.skills,
        free_at=projected_free_at(now, arrival=arrival, expected_on_scene=expected_on_scene),
        free_from=job.location.point,
        shift_end=clinician.shift.end,
        busy_with=job.id,
    )
