"""The assignment engine: re-plans every open request at once so fewer miss the 2-hour deadline."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np
from scipy.optimize import linear_sum_assignment

from dispatch.domain.availability import ClinicianAvailability, OpenRequest
from dispatch.domain.candidates import CandidateMatrix, build_candidates
from dispatch.domain.clock import aware
from dispatch.domain.coverage import CoverageOutlook
from dispatch.domain.proposals import (
    AssignmentPlan,
    Proposal,
    Unplanned,
    clock_time,
    hhmm_after,
)
from dispatch.domain.travel import CountyRoadTravel, FloatArray, TravelModel

# An impossible pairing: finite so the solver stays happy, and filtered out afterwards.
FORBIDDEN = 1e9


@dataclass(frozen=True, slots=True)
class EngineWeights:
    """Cost terms, in 'minutes of response time' so each is comparable with the others."""

    # A projected miss outweighs any amount of response time saved elsewhere.
    miss_penalty: float = 10_000.0
    lateness_per_min: float = 50.0
    # Minimising weighted arrival times shortens responses; priority 1 counts most.
    priority_factor: Mapping[int, float] = field(default_factory=lambda: {1: 1.6, 2: 1.0, 3: 0.7})
    # Ageing: a request's weight doubles for every hour waited, so priority 3 is never starved.
    ageing_min: float = 60.0
    # Slack thinner than this margin is penalised: prefer plans that leave room for a slow road.
    slack_margin_min: float = 30.0
    thin_slack_per_min: float = 2.0
    # Keep a not-yet-accepted assignment unless moving it gains more than this.
    keep_bonus: float = 5.0
    # Each clinician offers this many chained jobs, so later requests queue behind sooner ones.
    slots_per_clinician: int = 2
    # Spacing of a clinician's later slots: a visit plus the drive to the next.
    expected_cycle_min: float = 100.0
    # A request left unplanned is costed as arriving this long after its deadline.
    unplanned_after_deadline_min: float = 240.0
    # Preparedness: minutes-equivalent cost of each expected future crisis left with no idle
    # clinician in reach because this one was sent (used only with a CoverageOutlook).
    uncovered_crisis_cost: float = 600.0
    # Expected visit length, for how long a dispatched clinician leaves their patch.
    expected_on_scene_min: float = 75.0


@dataclass(frozen=True, slots=True)
class AssignmentEngine:
    """Linear assignment (scipy) over requests x clinician slots, re-run at every event."""

    travel: TravelModel = field(default_factory=CountyRoadTravel)
    weights: EngineWeights = field(default_factory=EngineWeights)
    coverage: CoverageOutlook | None = None
    name: str = "engine"

    def propose(
        self,
        now: datetime,
        requests: Sequence[OpenRequest],
        clinicians: Sequence[ClinicianAvailability],
    ) -> AssignmentPlan:
        """Cheapest overall plan; only free clinicians' first slots are dispatched now."""
        now = aware(now)
        if not requests:
            return AssignmentPlan(policy=self.name, decided_at=now, proposals=())
        m = build_candidates(now, requests, clinicians, self.travel)
        cost, arrival = self._slot_costs(m)
        n_r, n_c, k = len(requests), len(clinicians), self.weights.slots_per_clinician
        unplanned = np.full((n_r, n_r), FORBIDDEN)
        np.fill_diagonal(unplanned, self._unplanned_cost(m))
        full = np.hstack([cost, unplanned])
        rows, cols = linear_sum_assignment(full)
        chosen: dict[int, tuple[int, int]] = {}
        for r, col in zip(rows.tolist(), cols.tolist(), strict=True):
            if col < n_c * k and full[r, col] < FORBIDDEN:
                chosen[r] = (col // n_c, col % n_c)
        return self._plan(m, chosen, arrival)

    def _weight(self, m: CandidateMatrix) -> FloatArray:
        """Per-request weight on arrival time: priority times ageing."""
        factor = np.array(
            [self.weights.priority_factor.get(int(p), 1.0) for p in m.priority], dtype=np.float64
        )
        result: FloatArray = factor * (1.0 + m.waited_min / self.weights.ageing_min)
        return result

    def _cost_of(self, m: CandidateMatrix, arrival: FloatArray) -> FloatArray:
        """Cost of arriving at these minutes, rows of clinicians (or one row) by requests."""
        w = self.weights
        slack = m.deadline_min[None, :] - arrival
        late = np.maximum(0.0, -slack)
        thin = np.clip(w.slack_margin_min - slack, 0.0, w.slack_margin_min)
        result: FloatArray = (
            self._weight(m)[None, :] * arrival
            + np.where(late > 0.0, w.miss_penalty, 0.0)
            + w.lateness_per_min * late
            + w.thin_slack_per_min * thin
        )
        return result

    def _slot_costs(self, m: CandidateMatrix) -> tuple[FloatArray, FloatArray]:
        """Requests x (slot-major clinician slots) costs, and the matching arrival minutes."""
        w = self.weights
        blocks: list[FloatArray] = []
        arrivals: list[FloatArray] = []
        keep = np.zeros_like(m.arrival_min)
        index = {c.clinician_id: i for i, c in enumerate(m.clinicians)}
        for j, request in enumerate(m.requests):
            i = index.get(request.current_clinician or "")
            if i is not None:
                keep[i, j] = w.keep_bonus
        for slot in range(w.slots_per_clinician):
            arrival = m.arrival_min + slot * w.expected_cycle_min
            ok = m.allowed & (arrival <= m.shift_end_min[:, None])
            cost = self._cost_of(m, arrival) - (keep if slot == 0 else 0.0)
            if slot == 0:
                cost = cost + self._preparedness(m)
            blocks.append(np.where(ok, cost, FORBIDDEN).T)
            arrivals.append(arrival.T)
        return np.hstack(blocks), np.hstack(arrivals)

    def _preparedness(self, m: CandidateMatrix) -> FloatArray:
        """Sending an idle clinician away costs the crises expected in the patch only they cover."""
        extra = np.zeros_like(m.arrival_min)
        if self.coverage is None:
            return extra
        idle = np.flatnonzero(m.free_min <= 0.0)
        if idle.size == 0:
            return extra
        share = self.coverage.sole_cover_share(
            self.travel,
            np.array([m.clinicians[i].free_from.easting for i in idle.tolist()], dtype=np.float64),
            np.array([m.clinicians[i].free_from.northing for i in idle.tolist()], dtype=np.float64),
        )
        away_min = m.travel_min[idle] + self.weights.expected_on_scene_min
        expected_uncovered = self.coverage.rate_per_min(m.now) * away_min * share[:, None]
        extra[idle] = self.weights.uncovered_crisis_cost * expected_uncovered
        return extra

    def _unplanned_cost(self, m: CandidateMatrix) -> FloatArray:
        """Leaving a request unplanned costs as much as a very late arrival."""
        at = np.maximum(m.deadline_min, 0.0) + self.weights.unplanned_after_deadline_min
        result: FloatArray = self._cost_of(m, at[None, :])[0]
        return result

    def _plan(
        self, m: CandidateMatrix, chosen: dict[int, tuple[int, int]], arrival: FloatArray
    ) -> AssignmentPlan:
        n_c = len(m.clinicians)
        slot_one_holder = {ci: r for r, (s, ci) in chosen.items() if s == 0}
        proposals: list[Proposal] = []
        unplanned: list[Unplanned] = []
        for r, request in enumerate(m.requests):
            if r not in chosen:
                unplanned.append(Unplanned(request.request_id, _why_unplanned(m, r)))
                continue
            slot, ci = chosen[r]
            arrive = float(arrival[r, slot * n_c + ci])
            slack = float(m.deadline_min[r]) - arrive
            proposals.append(
                Proposal(
                    request_id=request.request_id,
                    clinician_id=m.clinicians[ci].clinician_id,
                    projected_arrival=clock_time(m.now, arrive),
                    slack=timedelta(minutes=slack),
                    dispatch_now=slot == 0 and m.free_min[ci] <= 0.0,
                    queue_position=slot + 1,
                    why=_why(m, r, slot, ci, arrive, slot_one_holder),
                )
            )
        return AssignmentPlan(
            policy=self.name,
            decided_at=m.now,
            proposals=tuple(proposals),
            unplanned=tuple(unplanned),
        )


def _why(
    m: CandidateMatrix,
    r: int,
    slot: int,
    ci: int,
    arrive: float,
    slot_one_holder: dict[int, int],
) -> str:
    """Say when, against the deadline, and what the closer clinician is doing instead."""
    request = m.requests[r]
    clinician = m.clinicians[ci]
    slack = float(m.deadline_min[r]) - arrive
    when = hhmm_after(m.now, arrive)
    deadline = hhmm_after(m.now, float(m.deadline_min[r]))
    if slack >= 0:
        parts = [f"Projected arrival {when}, {slack:.0f} min before deadline {deadline}"]
    else:
        parts = [
            f"Projected arrival {when}, {-slack:.0f} min after deadline {deadline}: "
            "no skilled clinician can reach the patient in time"
        ]
    travel = float(m.travel_min[ci, r])
    if slot > 0:
        parts.append(
            f"{clinician.clinician_id} takes it as their next-but-one job (queued behind "
            "a request with less slack)"
        )
    elif m.free_min[ci] <= 0.0:
        parts.append(f"{clinician.clinician_id} is free now, {travel:.0f} min away")
    else:
        busy = f" with {clinician.busy_with}" if clinician.busy_with else ""
        free = hhmm_after(m.now, float(m.free_min[ci]))
        parts.append(
            f"{clinician.clinician_id} is busy{busy} until about {free}, "
            f"then {travel:.0f} min away, and still arrives soonest"
        )
    feasible = np.flatnonzero(m.feasible[:, r])
    if feasible.size:
        best = int(feasible[np.argmin(m.arrival_min[feasible, r])])
        gain = arrive - float(m.arrival_min[best, r])
        if best != ci and gain > 0.5:
            other = slot_one_holder.get(best)
            best_id = m.clinicians[best].clinician_id
            if other is not None and other != r:
                other_slack = float(m.deadline_min[other] - m.arrival_min[best, other])
                parts.append(
                    f"closest skilled clinician {best_id} (would arrive {gain:.0f} min sooner) "
                    f"is needed for request {m.requests[other].request_id} which has "
                    f"{other_slack:.0f} min slack"
                )
            elif request.current_clinician == clinician.clinician_id:
                parts.append(
                    f"kept with {clinician.clinician_id} rather than reassigning to {best_id} "
                    f"for {gain:.0f} min"
                )
    if m.waited_min[r] >= 30.0:
        parts.append(
            f"waiting {m.waited_min[r]:.0f} min (priority {request.priority}, weight raised "
            "by ageing)"
        )
    return "; ".join(parts)


def _why_unplanned(m: CandidateMatrix, r: int) -> str:
    """Either nobody on shift has the skills, or everyone able is needed for tighter requests."""
    request = m.requests[r]
    if not m.skilled[:, r].any():
        needed = ", ".join(sorted(request.skills_needed)) or "none"
        return f"no clinician on shift has the skills needed ({needed})"
    if not m.feasible[:, r].any():
        return "every skilled clinician has declined it or ends their shift before arrival"
    return (
        "every skilled clinician is planned for requests with less slack; "
        "re-planned when one frees up"
    )
