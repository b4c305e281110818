"""Simple dispatch rules the engine is measured against, answering the same question."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np

from dispatch.domain.availability import EXPECTED_ON_SCENE, ClinicianAvailability, OpenRequest
from dispatch.domain.candidates import build_candidates
from dispatch.domain.clock import aware
from dispatch.domain.proposals import AssignmentPlan, Proposal, Unplanned, clock_time, hhmm
from dispatch.domain.travel import CountyRoadTravel, TravelModel

CLOSEST_IDLE = "closest-idle"
LEAST_SLACK = "least-slack"


@dataclass(frozen=True, slots=True)
class ClosestIdle:
    """First come, first served: each request gets the nearest idle skilled clinician, or waits."""

    travel: TravelModel = field(default_factory=CountyRoadTravel)
    name: str = CLOSEST_IDLE

    def propose(
        self,
        now: datetime,
        requests: Sequence[OpenRequest],
        clinicians: Sequence[ClinicianAvailability],
    ) -> AssignmentPlan:
        """Oldest request first; only clinicians free now are considered."""
        now = aware(now)
        m = build_candidates(now, requests, clinicians, self.travel)
        taken = m.free_min > 0.0
        proposals: list[Proposal] = []
        unplanned: list[Unplanned] = []
        for r in sorted(range(len(requests)), key=lambda j: requests[j].received_at):
            options = np.flatnonzero(m.feasible[:, r] & ~taken)
            if options.size == 0:
                unplanned.append(
                    Unplanned(requests[r].request_id, "no idle skilled clinician: waits in turn")
                )
                continue
            ci = int(options[np.argmin(m.travel_min[options, r])])
            taken[ci] = True
            arrive = float(m.arrival_min[ci, r])
            slack = float(m.deadline_min[r]) - arrive
            proposals.append(
                Proposal(
                    request_id=requests[r].request_id,
                    clinician_id=clinicians[ci].clinician_id,
                    projected_arrival=clock_time(now, arrive),
                    slack=timedelta(minutes=slack),
                    dispatch_now=True,
                    queue_position=1,
                    why=(
                        f"nearest idle skilled clinician, {m.travel_min[ci, r]:.0f} min away; "
                        f"arrives {hhmm(clock_time(now, arrive))} ({slack:.0f} min slack)"
                    ),
                )
            )
        return AssignmentPlan(self.name, now, tuple(proposals), tuple(unplanned))


@dataclass(frozen=True, slots=True)
class LeastSlack:
    """Greedy: the request with least slack picks the clinician who can arrive earliest."""

    travel: TravelModel = field(default_factory=CountyRoadTravel)
    expected_on_scene: timedelta = EXPECTED_ON_SCENE
    name: str = LEAST_SLACK

    def propose(
        self,
        now: datetime,
        requests: Sequence[OpenRequest],
        clinicians: Sequence[ClinicianAvailability],
    ) -> AssignmentPlan:
        """Busy clinicians count from their projected free time; a chosen one moves on."""
        now = aware(now)
        m = build_candidates(now, requests, clinicians, self.travel)
        free = m.free_min.copy()
        origin_e = np.array([c.free_from.easting for c in clinicians], dtype=np.float64)
        origin_n = np.array([c.free_from.northing for c in clinicians], dtype=np.float64)
        dest_e = np.array([r.location.easting for r in requests], dtype=np.float64)
        dest_n = np.array([r.location.northing for r in requests], dtype=np.float64)
        travel = m.travel_min.copy()
        queued = np.zeros(len(clinicians), dtype=np.int64)
        waiting = np.ones(len(requests), dtype=np.bool_)
        scene = self.expected_on_scene.total_seconds() / 60.0
        proposals: list[Proposal] = []
        unplanned: list[Unplanned] = []
        while waiting.any():
            arrival = free[:, None] + travel
            ok = m.allowed & (arrival <= m.shift_end_min[:, None]) & waiting[None, :]
            if not ok.any():
                break
            best = np.where(ok, arrival, np.inf).min(axis=0)
            slack = np.where(waiting & np.isfinite(best), m.deadline_min - best, np.inf)
            r = int(np.argmin(slack))
            ci = int(np.argmin(np.where(ok[:, r], arrival[:, r], np.inf)))
            arrive = float(arrival[ci, r])
            proposals.append(
                Proposal(
                    request_id=requests[r].request_id,
                    clinician_id=clinicians[ci].clinician_id,
                    projected_arrival=clock_time(now, arrive),
                    slack=timedelta(minutes=float(slack[r])),
                    dispatch_now=queued[ci] == 0 and free[ci] <= 0.0,
                    queue_position=int(queued[ci]) + 1,
                    why=(
                        f"least slack first ({slack[r]:.0f} min); earliest projected arrival "
                        f"{hhmm(clock_time(now, arrive))}"
                    ),
                )
            )
            waiting[r] = False
            queued[ci] += 1
            free[ci] = arrive + scene
            origin_e[ci], origin_n[ci] = dest_e[r], dest_n[r]
            travel[ci] = self.travel.minutes_matrix(
                origin_e[ci : ci + 1], origin_n[ci : ci + 1], dest_e, dest_n
            )[0]
        for r in np.flatnonzero(waiting).tolist():
            unplanned.append(Unplanned(requests[r].request_id, "no skilled clinician on shift"))
        return AssignmentPlan(self.name, now, tuple(proposals), tuple(unplanned))
