"""The county in simpy: referrals arrive, a dispatch policy plans, clinicians drive and treat."""

from __future__ import annotations

import time
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import numpy as np
import simpy
from simpy.events import Event

from dispatch.domain.availability import ClinicianAvailability, OpenRequest, projected_free_at
from dispatch.domain.compliance import ResponseRecord
from dispatch.domain.geography import GridPoint
from dispatch.domain.proposals import Dispatcher
from dispatch.domain.sla import RESPONSE_WINDOW
from dispatch.domain.travel import CountyRoadTravel
from dispatch.simulation.demand import CrisisReferral
from dispatch.simulation.roster_plan import BASES, RosterPlan, ShiftPattern

Process = Generator[Event, object, None]

# 1 April 2024, a Monday: the start of the 2024-25 reporting year.
YEAR_START = datetime(2024, 4, 1, tzinfo=UTC)
# The live board re-plans at least this often while anyone is waiting.
REVIEW_EVERY_MIN = 5.0
# A crisis nobody has reached after this long is escalated (999 / ED) and leaves the queue as a
# breach; without it an overloaded rota grows an endless queue no coordinator would keep.
ESCALATE_AFTER_MIN = 240.0
# Clinicians whose shift starts this soon are offered to the planner (they can be booked ahead).
SHIFT_LOOKAHEAD_MIN = 120.0


@dataclass(slots=True)
class _Job:
    referral: CrisisReferral
    dispatched_min: float
    projected_arrival_min: float
    arrived_min: float | None = None
    released: bool = False


@dataclass(slots=True)
class _Clinician:
    id: str
    pattern: ShiftPattern
    base: GridPoint
    on_shift: bool = False
    shift_end_min: float = 0.0
    leaving: bool = False
    job: _Job | None = None
    move_from: GridPoint | None = None
    move_start: float = 0.0
    move_end: float = 0.0

    def position(self, now: float) -> GridPoint:
        """Driving back to base after a visit: where along the way they are now."""
        if self.move_from is None or now >= self.move_end:
            return self.base
        share = (now - self.move_start) / max(self.move_end - self.move_start, 1e-9)
        return GridPoint(
            self.move_from.easting + share * (self.base.easting - self.move_from.easting),
            self.move_from.northing + share * (self.base.northing - self.move_from.northing),
        )

    def next_shift_start(self, now: float) -> float:
        """Minute the next shift starts at or after now."""
        day_start = self.pattern.start_hour * 60.0
        day = np.floor((now - day_start) / 1440.0) + 1.0
        return float(day * 1440.0 + day_start)


@dataclass(slots=True)
class SimulationOutcome:
    """Per-referral responses and how long the policy took to decide."""

    policy: str
    referrals: list[CrisisReferral]
    arrived_min: dict[str, float]
    decision_seconds: list[float] = field(default_factory=list)
    wall_seconds: float = 0.0
    end_min: float = 0.0
    released_at_handover: int = 0
    escalated: int = 0

    def records(self) -> list[ResponseRecord]:
        """Responses in the compliance module's terms."""
        out = []
        for r in self.referrals:
            arrived = self.arrived_min.get(r.id)
            out.append(
                ResponseRecord(
                    request_id=r.id,
                    received_at=YEAR_START + timedelta(minutes=r.received_min),
                    arrived_at=None if arrived is None else YEAR_START + timedelta(minutes=arrived),
                    locality=r.locality,
                )
            )
        return out

    @property
    def as_of(self) -> datetime:
        """End of the simulated period."""
        return YEAR_START + timedelta(minutes=self.end_min)


class CountySimulation:
    """One policy over one stream of referrals; the same stream makes policies comparable."""

    # Saves most decisions at 5x (results are identical: only free clinicians are dispatched).
    skip_when_nobody_free = True

    def __init__(
        self,
        referrals: list[CrisisReferral],
        roster: RosterPlan,
        policy: Dispatcher,
        *,
        days: int,
        travel: CountyRoadTravel | None = None,
    ) -> None:
        self.env = simpy.Environment()
        self.referrals = referrals
        self.policy = policy
        self.travel = travel or CountyRoadTravel()
        self.days = days
        self.clinicians = [
            _Clinician(id=f"C{i + 1:02d}-{p.base.replace(' ', '')}", pattern=p, base=BASES[p.base])
            for i, p in enumerate(roster.patterns)
        ]
        self.waiting: dict[str, CrisisReferral] = {}
        self.outcome = SimulationOutcome(policy=policy.name, referrals=referrals, arrived_min={})
        self._snapshots: dict[str, OpenRequest] = {}

    def run(self, progress: Callable[[float], None] | None = None) -> SimulationOutcome:
        """Simulate the whole period and a tail long enough for the last referrals to be met.

        `progress` hears the share simulated so far after each simulated day; running day by
        day processes the same events in the same order, so the figures do not change.
        """
        started = time.perf_counter()
        self.env.process(self._arrivals())
        for clinician in self.clinicians:
            self.env.process(self._shifts(clinician))
        self.env.process(self._reviews())
        end = self.days * 1440.0 + RESPONSE_WINDOW.total_seconds() / 60.0 * 2
        if progress is None:
            self.env.run(until=end)
        else:
            step = 1440.0
            while self.env.now < end:
                self.env.run(until=min(float(self.env.now) + step, end))
                progress(float(self.env.now) / end)
        self.outcome.end_min = end
        self.outcome.wall_seconds = time.perf_counter() - started
        return self.outcome

    def _arrivals(self) -> Process:
        for referral in self.referrals:
            yield self.env.timeout(max(0.0, referral.received_min - self.env.now))
            self.waiting[referral.id] = referral
            self._decide()

    def _reviews(self) -> Process:
        while True:
            yield self.env.timeout(REVIEW_EVERY_MIN)
            if self.waiting:
                self._decide()

    def _shifts(self, clinician: _Clinician) -> Process:
        while self.env.now < self.days * 1440.0:
            start = clinician.next_shift_start(self.env.now)
            yield self.env.timeout(start - self.env.now)
            if clinician.job is None:
                clinician.on_shift, clinician.leaving, clinician.move_from = True, False, None
            clinician.on_shift = True
            clinician.shift_end_min = start + clinician.pattern.hours * 60.0
            self._decide()
            yield self.env.timeout(clinician.shift_end_min - self.env.now)
            self._handover(clinician)

    def _handover(self, clinician: _Clinician) -> None:
        """Going off shift: an assigned-but-not-arrived request goes back for reassignment."""
        job = clinician.job
        if job is not None and job.arrived_min is None:
            job.released = True
            clinician.job = None
            self.waiting[job.referral.id] = job.referral
            self.outcome.released_at_handover += 1
            clinician.on_shift = False
            self._decide()
        elif job is not None:
            clinician.leaving = True
        else:
            clinician.on_shift = False

    def _availability(self, now: float, now_dt: datetime) -> list[ClinicianAvailability]:
        out: list[ClinicianAvailability] = []
        for c in self.clinicians:
            if c.on_shift and not c.leaving:
                end = YEAR_START + timedelta(minutes=c.shift_end_min)
                job = c.job
                if job is None:
                    out.append(
                        ClinicianAvailability(c.id, c.pattern.skills, now_dt, c.position(now), end)
                    )
                    continue
                arrival = (
                    job.arrived_min if job.arrived_min is not None else job.projected_arrival_min
                )
                free = projected_free_at(now_dt, arrival=YEAR_START + timedelta(minutes=arrival))
                where = GridPoint(job.referral.easting, job.referral.northing)
                out.append(
                    ClinicianAvailability(c.id, c.pattern.skills, free, where, end, job.referral.id)
                )
            elif not c.on_shift:
                start = c.next_shift_start(now)
                if start - now <= SHIFT_LOOKAHEAD_MIN:
                    out.append(
                        ClinicianAvailability(
                            c.id,
                            c.pattern.skills,
                            YEAR_START + timedelta(minutes=start),
                            c.base,
                            YEAR_START + timedelta(minutes=start + c.pattern.hours * 60.0),
                        )
                    )
        return out

    def _snapshot(self, referral: CrisisReferral) -> OpenRequest:
        snap = self._snapshots.get(referral.id)
        if snap is None:
            received = YEAR_START + timedelta(minutes=referral.received_min)
            snap = OpenRequest(
                request_id=referral.id,
                received_at=received,
                deadline=received + RESPONSE_WINDOW,
                priority=referral.priority,
                skills_needed=referral.skills_needed,
                location=GridPoint(referral.easting, referral.northing),
            )
            self._snapshots[referral.id] = snap
        return snap

    def _decide(self) -> None:
        now = float(self.env.now)
        for rid in [
            rid for rid, r in self.waiting.items() if now - r.received_min > ESCALATE_AFTER_MIN
        ]:
            del self.waiting[rid]
            self.outcome.escalated += 1
        if not self.waiting:
            return
        if self.skip_when_nobody_free and not any(
            c.on_shift and not c.leaving and c.job is None for c in self.clinicians
        ):
            return  # nobody could set off now, whatever the plan: the decision changes nothing
        now_dt = YEAR_START + timedelta(minutes=now)
        requests = [self._snapshot(r) for r in self.waiting.values()]
        clinicians = self._availability(now, now_dt)
        started = time.perf_counter()
        plan = self.policy.propose(now_dt, requests, clinicians)
        self.outcome.decision_seconds.append(time.perf_counter() - started)
        by_id = {c.id: c for c in self.clinicians}
        for proposal in plan.to_dispatch_now():
            clinician = by_id[proposal.clinician_id]
            if clinician.job is not None or not clinician.on_shift:
                continue
            referral = self.waiting.pop(proposal.request_id)
            self.env.process(self._visit(clinician, referral))

    def _visit(self, clinician: _Clinician, referral: CrisisReferral) -> Process:
        now = float(self.env.now)
        here = clinician.position(now)
        there = GridPoint(referral.easting, referral.northing)
        model_min = self.travel.travel_time(here, there).total_seconds() / 60.0
        mobilise = self.travel.mobilisation_min
        actual_min = mobilise + (model_min - mobilise) * referral.travel_factor
        job = _Job(referral=referral, dispatched_min=now, projected_arrival_min=now + model_min)
        clinician.job = job
        clinician.move_from = None
        yield self.env.timeout(actual_min)
        if job.released:
            return
        job.arrived_min = float(self.env.now)
        self.outcome.arrived_min[referral.id] = job.arrived_min
        yield self.env.timeout(referral.on_scene_min)
        clinician.job = None
        back = self.travel.travel_time(there, clinician.base).total_seconds() / 60.0 - mobilise
        clinician.move_from, clinician.move_start = there, float(self.env.now)
        clinician.move_end = clinician.move_start + max(back, 0.0)
        if clinician.leaving:
            clinician.on_shift, clinician.leaving = False, False
        self._decide()
